import { App } from 'cdk8s';
import { RedisOutsideMeshChart } from '../../examples/redis-outside-mesh';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from '../support/assertions';
import { all, only, synth } from '../support/manifests';

describe('example: redis-outside-mesh', () => {
  const chart = new RedisOutsideMeshChart(new App(), 'redis-outside-mesh');
  const manifests = synth(chart);
  const inCache = (kind: string) => all(manifests, kind).filter(m => m.metadata.namespace === 'cache');

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('one chart, two namespaces: the client in the injected shop, Redis in cache without injection', () => {
    expect(only(manifests, 'Namespace', 'shop').metadata).toEqual({ name: 'shop', labels: { 'istio-injection': 'enabled' } });
    expect(only(manifests, 'Namespace', 'cache').metadata).toEqual({ name: 'cache' });
    expect(only(manifests, 'Deployment', 'cache-client').metadata.namespace).toBe('shop');
    expect(only(manifests, 'ServiceAccount', 'cache-client').metadata.namespace).toBe('shop');
    expect(only(manifests, 'StatefulSet', 'redis').metadata.namespace).toBe('cache');
  });

  test('the Redis pods opt out of the mesh themselves, so a later namespace label cannot pull them in', () => {
    const labels = only(manifests, 'StatefulSet', 'redis').spec.template.metadata.labels;
    expect(labels).toMatchObject({ 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' });
  });

  test('no STRICT PeerAuthentication (nor any Istio policy) for Redis: no sidecar would enforce it', () => {
    expect(inCache('PeerAuthentication')).toEqual([]);
    expect(inCache('AuthorizationPolicy')).toEqual([]);
    expect(inCache('Sidecar')).toEqual([]);
  });

  test('every DestinationRule for Redis says DISABLE, so mesh clients send plaintext (istio#21964)', () => {
    const services = inCache('Service').map(s => `${s.metadata.name}.cache.svc.cluster.local`);
    expect(services.sort()).toEqual(['redis-headless.cache.svc.cluster.local', 'redis.cache.svc.cluster.local']);
    const rules = inCache('DestinationRule');
    expect(rules.map(r => r.spec.host).sort()).toEqual(services.sort());
    for (const rule of rules) {
      expect(rule.spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
      expect(rule.spec.trafficPolicy.portLevelSettings).toBeUndefined();
    }
  });

  test('the NetworkPolicy admits the client pods from shop on 6379 and 26379, without HBONE', () => {
    const policy = only(manifests, 'NetworkPolicy', 'redis');
    const clientLabels = only(manifests, 'Deployment', 'cache-client').spec.template.metadata.labels;
    expect(policy.spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: clientLabels } }],
      ports: [{ port: 6379, protocol: 'TCP' }, { port: 26379, protocol: 'TCP' }],
    });
    expect(JSON.stringify(policy.spec.ingress)).not.toContain('15008');
  });

  test('the client asks Sentinel through the client Service; the password comes from a Secret', () => {
    const env = only(manifests, 'Deployment', 'cache-client').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'REDIS_SENTINELS', value: 'redis.cache.svc.cluster.local:26379' },
      { name: 'REDIS_MASTER_SET', value: 'mymaster' },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'redis-password' } } },
    ]);
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('ports declared and named, addresses resolvable, mTLS modes agree', () => {
    expectEveryPortDeclaredAndNamed(manifests);
    expectPodAddressesResolve(manifests);
    expect(expectMtlsAgreement(manifests)).toBeGreaterThan(0);
  });
});
