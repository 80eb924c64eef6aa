import { App } from 'cdk8s';
import { CassandraCrossNamespaceChart } from '../../examples/cassandra-cross-namespace';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from '../support/assertions';
import { all, only, synth } from '../support/manifests';

describe('example: cassandra-cross-namespace', () => {
  const chart = new CassandraCrossNamespaceChart(new App(), 'cassandra-cross-namespace');
  const manifests = synth(chart);
  const sts = only(manifests, 'StatefulSet', 'cassandra');
  const env = Object.fromEntries(sts.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const fqdns = [0, 1, 2].map(i => `cassandra-${i}.cassandra-headless.data.svc.cluster.local`);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('three Cassandra pods with sidecars in data; the client in analytics; both namespaces injected', () => {
    expect(sts.metadata.namespace).toBe('data');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(only(manifests, 'Deployment', 'reports').metadata.namespace).toBe('analytics');
    for (const name of ['data', 'analytics']) {
      expect(only(manifests, 'Namespace', name).metadata).toEqual({ name, labels: { 'istio-injection': 'enabled' } });
    }
  });

  test('gossip ports 7000 and 7001 are declared on the headless Service and named, next to CQL and JMX', () => {
    expect(only(manifests, 'Service', 'cassandra-headless').spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ['tcp-cql', 9042, 'tcp-cql'], ['tcp-intra', 7000, 'tcp-intra'], ['tcp-intra-tls', 7001, 'tcp-intra-tls'], ['tcp-jmx', 7199, 'tcp-jmx'],
    ]);
    expectEveryPortDeclaredAndNamed(manifests);
  });

  test('the seeds are pod FQDNs in data', () => {
    expect(env.CASSANDRA_SEEDS).toBe(fqdns.slice(0, 2).join(','));
    expectPodAddressesResolve(manifests);
  });

  test('CQL is admitted only from the reports service account of analytics; the ring alone gossips', () => {
    const rules = only(manifests, 'AuthorizationPolicy', 'cassandra').spec.rules;
    expect(rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/data/sa/cassandra'] } }], to: [{ operation: { ports: ['7000', '7001', '7199', '9042'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/analytics/sa/reports'] } }], to: [{ operation: { ports: ['9042'] } }] },
    ]);
    const clientLabels = only(manifests, 'Deployment', 'reports').spec.template.metadata.labels;
    expect(only(manifests, 'NetworkPolicy', 'cassandra').spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'analytics' } }, podSelector: { matchLabels: clientLabels } }],
      ports: [{ port: 9042, protocol: 'TCP' }, { port: 15008, protocol: 'TCP' }],
    });
  });

  test('the client computes its contact points from the database and reads the password from a Secret', () => {
    const clientEnv = only(manifests, 'Deployment', 'reports').spec.template.spec.containers[0].env;
    expect(clientEnv).toContainEqual({ name: 'CASSANDRA_CONTACT_POINTS', value: fqdns.map(f => `${f}:9042`).join(',') });
    expect(clientEnv).toContainEqual({ name: 'CASSANDRA_PASSWORD', valueFrom: { secretKeyRef: { name: 'cassandra-credentials', key: 'cassandra-password' } } });
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('STRICT mTLS on the ring, and every client DestinationRule agrees', () => {
    expect(only(manifests, 'PeerAuthentication', 'cassandra').spec.mtls).toEqual({ mode: 'STRICT' });
    for (const rule of all(manifests, 'DestinationRule')) {
      expect(rule.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    }
    expect(expectMtlsAgreement(manifests)).toBeGreaterThan(0);
  });
});
