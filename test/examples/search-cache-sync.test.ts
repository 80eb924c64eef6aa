import { App } from 'cdk8s';
import { SearchCacheSyncChart } from '../../examples/search-cache-sync';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from '../support/assertions';
import { all, only, synth } from '../support/manifests';

describe('example: search-cache-sync', () => {
  const chart = new SearchCacheSyncChart(new App(), 'search-cache-sync');
  const manifests = synth(chart);
  const container = only(manifests, 'StatefulSet', 'search').spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('every port is declared on the headless Service and named: queries, cache invalidations, metrics', () => {
    expect(only(manifests, 'Service', 'search-headless').spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['http-api', 8080, 'http'],
      ['http-cache-sync', 9090, 'http'],
      ['http-metrics', 9102, 'http'],
    ]);
    expectEveryPortDeclaredAndNamed(manifests);
  });

  test('the pod learns the headless Service, its own identity and its siblings from its environment', () => {
    expect(container.env.map((e: any) => e.name)).toEqual(['POD_NAME', 'PEER_SERVICE', 'SELF_HOST', 'SELF_CACHE_SYNC_URL', 'CACHE_SYNC_PEERS', 'CACHE_SYNC_PORT']);
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.PEER_SERVICE).toBe('search-headless.search.svc.cluster.local');
    expect(env.SELF_HOST).toBe('$(POD_NAME).search-headless.search.svc.cluster.local');
    expect(env.SELF_CACHE_SYNC_URL).toBe('http://$(POD_NAME).search-headless.search.svc.cluster.local:9090');
    expect(env.CACHE_SYNC_PEERS.split(',')).toEqual([0, 1, 2].map(i => `http://search-${i}.search-headless.search.svc.cluster.local:9090`));
    expectPodAddressesResolve(manifests);
  });

  test('clients query through a ClusterIP Service exposing only the API port', () => {
    const api = only(manifests, 'Service', 'search');
    expect(api.spec.clusterIP).toBeUndefined();
    expect(api.spec.selector).toEqual({ 'app.kubernetes.io/name': 'search' });
    expect(api.spec.ports.map((p: any) => p.port)).toEqual([8080]);
  });

  test('siblings start in parallel', () => {
    expect(only(manifests, 'StatefulSet', 'search').spec.podManagementPolicy).toBe('Parallel');
  });

  test('siblings use mTLS on every port and only the frontend namespace reaches the API', () => {
    expect(only(manifests, 'PeerAuthentication', 'search').spec.mtls.mode).toBe('STRICT');
    expect(all(manifests, 'DestinationRule').map(r => r.spec.trafficPolicy.tls.mode)).toEqual(['ISTIO_MUTUAL', 'ISTIO_MUTUAL']);
    expect(expectMtlsAgreement(manifests)).toBe(4);
    expect(only(manifests, 'AuthorizationPolicy', 'search').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/search/sa/search'] } }], to: [{ operation: { ports: ['8080', '9090', '9102'] } }] },
      { from: [{ source: { namespaces: ['frontend'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
  });
});
