import { destinationRule, findingsOf, healthyPostgres, namespace, peerAuthentication, service, statefulSet, summary } from './support';
import { Severity } from '../../src';

describe('PeerAuthentication and mTLS (SM31x)', () => {
  describe('SM311 STRICT on pods without a sidecar', () => {
    test('is reported for a workload policy on pods that opt out of injection', () => {
      const [finding] = findingsOf('SM311', [
        statefulSet('pg', 'db', { serviceName: 'pg', labels: { 'app': 'pg', 'sidecar.istio.io/inject': 'false' } }),
        peerAuthentication('pg', 'db', { selector: { matchLabels: { app: 'pg' } }, mtls: { mode: 'STRICT' } }),
      ]);
      expect(finding.severity).toBe(Severity.WARNING);
      expect(finding.message).toContain('mode STRICT covers StatefulSet \'pg\' (sidecar.istio.io/inject: "false"), which run without a sidecar');
      expect(finding.message).toContain('inject the sidecar');
    });

    test('is reported for a namespace policy in a Namespace without injection, but not for the mesh-wide policy', () => {
      const manifests = [
        namespace('legacy'),
        statefulSet('pg', 'legacy', { serviceName: 'pg' }),
        peerAuthentication('default', 'legacy', { mtls: { mode: 'STRICT' } }),
        peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } }),
      ];
      expect(summary(findingsOf('SM311', manifests))).toEqual(['SM311 PeerAuthentication legacy/default']);
    });

    test('stays quiet for sidecar-injected, ambient and unknown pods', () => {
      expect(findingsOf('SM311', [
        ...healthyPostgres(),
        namespace('amb', { 'istio.io/dataplane-mode': 'ambient' }),
        statefulSet('pg', 'amb', { serviceName: 'pg' }),
        statefulSet('pg', 'unknown', { serviceName: 'pg' }),
        peerAuthentication('default', 'db', { mtls: { mode: 'STRICT' } }),
        peerAuthentication('default', 'amb', { mtls: { mode: 'STRICT' } }),
        peerAuthentication('default', 'unknown', { mtls: { mode: 'STRICT' } }),
      ])).toEqual([]);
    });
  });

  describe('SM312 port-level mTLS without selector', () => {
    test('is reported as an error naming the ports', () => {
      const [finding] = findingsOf('SM312', [peerAuthentication('default', 'db', { portLevelMtls: { 7000: { mode: 'PERMISSIVE' } } })]);
      expect(finding.severity).toBe(Severity.ERROR);
      expect(finding.message).toContain('portLevelMtls (port \'7000\') needs a selector');
      expect(finding.message).toContain('add spec.selector.matchLabels');
    });
  });

  describe('SM313 port-level mTLS keyed by a non-container port', () => {
    test('is reported with the container port behind a Service port of the same number', () => {
      const [finding] = findingsOf('SM313', [
        service('pg', 'db', { selector: { app: 'pg' }, ports: [{ port: 15432, name: 'tcp-pg', targetPort: 5432 }] }),
        statefulSet('pg', 'db', { serviceName: 'pg' }),
        peerAuthentication('pg', 'db', { selector: { matchLabels: { app: 'pg' } }, portLevelMtls: { 15432: { mode: 'DISABLE' } } }),
      ]);
      expect(finding.message).toContain('portLevelMtls key 15432 is not a container port of StatefulSet \'pg\' (declared: 5432)');
      expect(finding.message).toContain('15432 is the port of Service \'pg\', which targets container port 5432; key it by 5432');
      expect(finding.path).toBe('spec.portLevelMtls.15432');
    });

    test('is reported for a key that is not a number', () => {
      expect(findingsOf('SM313', [
        statefulSet('pg', 'db'),
        peerAuthentication('pg', 'db', { selector: { matchLabels: { app: 'pg' } }, portLevelMtls: { 'tcp-pg': { mode: 'STRICT' } } }),
      ])[0].message).toContain('portLevelMtls key \'tcp-pg\' is not a port number');
    });

    test('stays quiet for a declared container port, and when the pods declare no ports', () => {
      expect(findingsOf('SM313', [
        statefulSet('pg', 'db', { serviceName: 'pg' }),
        statefulSet('raw', 'db', { serviceName: 'raw', containers: [{ name: 'raw' }] }),
        peerAuthentication('pg', 'db', { selector: { matchLabels: { app: 'pg' } }, portLevelMtls: { 5432: { mode: 'STRICT' } } }),
        peerAuthentication('raw', 'db', { selector: { matchLabels: { app: 'raw' } }, portLevelMtls: { 9999: { mode: 'STRICT' } } }),
      ])).toEqual([]);
    });
  });

  describe('SM314 DISABLE without a DestinationRule DISABLE', () => {
    const cassandra = () => [
      namespace('db', { 'istio-injection': 'enabled' }),
      service('cassandra-headless', 'db', {
        headless: true,
        selector: { app: 'cassandra' },
        ports: [{ port: 9042, name: 'tcp-cql' }, { port: 7000, name: 'tcp-intra' }],
      }),
      statefulSet('cassandra', 'db', {
        serviceName: 'cassandra-headless',
        labels: { app: 'cassandra' },
        containers: [{ name: 'cassandra', ports: [{ containerPort: 9042 }, { containerPort: 7000 }] }],
      }),
      peerAuthentication('cassandra', 'db', { selector: { matchLabels: { app: 'cassandra' } }, portLevelMtls: { 7000: { mode: 'DISABLE' } } }),
    ];

    test('is reported for a port-level DISABLE without a DestinationRule, with the port-level setting to add', () => {
      const [finding] = findingsOf('SM314', cassandra());
      expect(finding.severity).toBe(Severity.ERROR);
      expect(finding.message).toContain('mode DISABLE on port 7000 is not seen by clients (istio#39439): they keep sending mTLS to Service '
        + '\'cassandra-headless\' port 7000');
      expect(finding.message).toContain('add a DestinationRule for host \'cassandra-headless.db.svc.cluster.local\' with trafficPolicy.portLevelSettings '
        + '[{ port: { number: 7000 }, tls: { mode: DISABLE } }]');
    });

    test('is satisfied by a port-level or top-level DestinationRule DISABLE for the Service', () => {
      const portLevel = destinationRule('c', 'db', 'cassandra-headless', { trafficPolicy: { portLevelSettings: [{ port: { number: 7000 }, tls: { mode: 'DISABLE' } }] } });
      const topLevel = destinationRule('c', 'db', 'cassandra-headless.db.svc.cluster.local', { trafficPolicy: { tls: { mode: 'DISABLE' } } });
      expect(findingsOf('SM314', [...cassandra(), portLevel])).toEqual([]);
      expect(findingsOf('SM314', [...cassandra(), topLevel])).toEqual([]);
    });

    test('is reported for a workload DISABLE with the top-level setting to add, unless the port-level setting overrides it', () => {
      const manifests = cassandra();
      manifests[3] = peerAuthentication('cassandra', 'db', { selector: { matchLabels: { app: 'cassandra' } }, mtls: { mode: 'DISABLE' } });
      expect(findingsOf('SM314', manifests)[0].message).toContain('with trafficPolicy.tls.mode: DISABLE');
      const wrong = destinationRule('c', 'db', 'cassandra-headless', {
        trafficPolicy: { tls: { mode: 'DISABLE' }, portLevelSettings: [{ port: { number: 9042 }, tls: { mode: 'ISTIO_MUTUAL' } }] },
      });
      expect(findingsOf('SM314', [...manifests, wrong])[0].message).toContain('port 9042');
    });
  });
});
