import { destinationRule, findingsOf, healthyPostgres, namespace, service, statefulSet, summary } from './support';
import { Severity } from '../../src';

const SE = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'rds', namespace: 'db' },
  spec: { hosts: ['pg.example.com', '*.cache.example.com'], addresses: ['10.0.0.1'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }] },
};

describe('DestinationRules (SM30x)', () => {
  describe('SM301 unknown host', () => {
    test('is reported (IST0174) for a host that is neither a Service nor a ServiceEntry host', () => {
      const [finding] = findingsOf('SM301', [...healthyPostgres(), destinationRule('x', 'db', 'pgx.db.svc.cluster.local')]);
      expect(finding.istioCode).toBe('IST0174');
      expect(finding.severity).toBe(Severity.WARNING);
      expect(finding.message).toContain('host \'pgx.db.svc.cluster.local\' is neither a Service nor a ServiceEntry host among the manifests');
    });

    test('resolves short hosts in the rule\'s namespace, Service FQDNs, and exact and wildcard ServiceEntry hosts', () => {
      expect(findingsOf('SM301', [
        ...healthyPostgres(), SE,
        destinationRule('a', 'db', 'pg'),
        destinationRule('b', 'other', 'pg.db.svc.cluster.local'),
        destinationRule('c', 'db', 'pg.example.com'),
        destinationRule('d', 'db', 'eu.cache.example.com'),
        destinationRule('e', 'db', '*.db.svc.cluster.local'),
      ])).toEqual([]);
      expect(summary(findingsOf('SM301', [...healthyPostgres(), destinationRule('a', 'other', 'pg')]))).toEqual(['SM301 DestinationRule other/a']);
    });

    test('on a partial input (the lint command), is reported only with a near-miss Service name, which it suggests', () => {
      const partial = { partialInput: true };
      // a file of DestinationRules linted without its Services: nothing proves the hosts wrong
      expect(findingsOf('SM301', [destinationRule('a', 'db', 'billing'), destinationRule('b', 'db', 'pg.db.svc.cluster.local')], partial)).toEqual([]);
      const findings = findingsOf('SM301', [...healthyPostgres(), destinationRule('typo', 'db', 'pg-headles'),
        destinationRule('ns', 'other', 'pg'), destinationRule('unrelated', 'db', 'billing')], partial);
      expect(findings.map(f => [f.name, f.message.split('; ')[1]])).toEqual([
        ['typo', 'did you mean \'pg-headless.db.svc.cluster.local\'?'],
        ['ns', 'did you mean \'pg.db.svc.cluster.local\'?'],
      ]);
    });
  });

  describe('SM302 per-pod host', () => {
    test('is reported as an error for a per-pod host and for a wildcard over the pods, with the Service host to use', () => {
      const findings = findingsOf('SM302', [
        ...healthyPostgres(),
        destinationRule('pod', 'db', 'pg-0.pg-headless.db.svc.cluster.local'),
        destinationRule('pods', 'db', '*.pg-headless.db.svc.cluster.local'),
      ]);
      expect(summary(findings)).toEqual(['SM302 DestinationRule db/pod', 'SM302 DestinationRule db/pods']);
      expect(findings[0].severity).toBe(Severity.ERROR);
      expect(findings[0].istioCode).toBe('IST0174');
      expect(findings[0].message).toContain('is the per-pod name of \'pg-0\', which matches no Service');
      expect(findings[0].message).toContain('use host \'pg-headless.db.svc.cluster.local\'');
      expect(findings[1].message).toContain('is a wildcard over the pods of Service \'pg-headless\'');
    });

    test('is not doubled by SM301', () => {
      expect(findingsOf('SM301', [destinationRule('pod', 'db', 'pg-0.pg-headless.db.svc.cluster.local')])).toEqual([]);
    });
  });

  describe('SM303 load balancing on a headless host', () => {
    test('is reported for loadBalancer at top level, port level or in a subset, on a headless Service only', () => {
      const lb = { loadBalancer: { simple: 'LEAST_REQUEST' } };
      const findings = findingsOf('SM303', [
        ...healthyPostgres(),
        destinationRule('top', 'db', 'pg-headless', { trafficPolicy: lb }),
        destinationRule('port', 'db', 'pg-headless', { trafficPolicy: { portLevelSettings: [{ port: { number: 5432 }, ...lb }] } }),
        destinationRule('subset', 'db', 'pg-headless', { subsets: [{ name: 'v1', labels: { app: 'pg' }, trafficPolicy: lb }] }),
        destinationRule('clusterip', 'db', 'pg', { trafficPolicy: lb }),
      ]);
      expect(findings.map(f => [f.origin, f.path])).toEqual([
        ['DestinationRule db/top', 'spec.trafficPolicy.loadBalancer'],
        ['DestinationRule db/port', 'spec.trafficPolicy.portLevelSettings[0].loadBalancer'],
        ['DestinationRule db/subset', 'spec.subsets[0].trafficPolicy.loadBalancer'],
      ]);
      expect(findings[0].message).toContain('so load balancing has no effect; put it on a ClusterIP Service');
    });
  });

  describe('SM304 ISTIO_MUTUAL towards pods without a sidecar', () => {
    const opted = (ns: string) => [
      service('pg', ns, { selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg' }] }),
      statefulSet('pg', ns, { serviceName: 'pg', labels: { app: 'pg' }, podAnnotations: { 'sidecar.istio.io/inject': 'false' } }),
      destinationRule('pg', ns, 'pg', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }),
    ];

    test('is reported when the input proves the pods have no sidecar, saying why', () => {
      const [finding] = findingsOf('SM304', opted('db'));
      expect(finding.message).toContain('sets tls.mode ISTIO_MUTUAL for \'pg\', but StatefulSet \'pg\' (sidecar.istio.io/inject: "false") run without a sidecar');
      expect(finding.path).toBe('spec.trafficPolicy.tls.mode');
    });

    test('is reported for pods in a Namespace without injection labels', () => {
      const manifests = [namespace('plain'), ...opted('plain')];
      manifests[2].spec.template.metadata.annotations = undefined;
      expect(findingsOf('SM304', manifests)[0].message).toContain('(namespace \'plain\' is not labelled for injection)');
    });

    test('stays quiet when the input does not say whether the pods have a sidecar', () => {
      const manifests = opted('db');
      manifests[1].spec.template.metadata.annotations = undefined;
      expect(findingsOf('SM304', manifests)).toEqual([]);
    });
  });

  describe('SM305 and SM306 TLS origination with insecureSkipVerify', () => {
    test('are reported for SIMPLE or MUTUAL with insecureSkipVerify, at destination and port level', () => {
      const dr = destinationRule('rds', 'db', 'pg.example.com', {
        trafficPolicy: {
          tls: { mode: 'SIMPLE', insecureSkipVerify: true },
          portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'MUTUAL', clientCertificate: '/c', insecureSkipVerify: true } }],
        },
      });
      const findings = [...findingsOf('SM305', [SE, dr]), ...findingsOf('SM306', [SE, dr])];
      expect(findings.map(f => [f.istioCode, f.path])).toEqual([
        [undefined, 'spec.trafficPolicy.tls.insecureSkipVerify'], [undefined, 'spec.trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify'],
      ]);
      expect(findings[0].message).toContain('tls.mode SIMPLE for \'pg.example.com\' sets insecureSkipVerify: true, so the server certificate is not verified');
      expect(findings[1].message).toContain('port 5432 sets insecureSkipVerify: true');
    });

    // Istio >= 1.21 verifies against the OS CA bundle when caCertificates is absent (istio.io
    // news/releases/1.21.x/announcing-1.21/upgrade-notes, "Default value of the feature flag VERIFY_CERT_AT_CLIENT is set to true")
    test('are not reported without caCertificates (Istio verifies against the OS CA bundle), nor with them', () => {
      const withoutCa = destinationRule('a', 'db', 'pg.example.com', {
        trafficPolicy: { tls: { mode: 'SIMPLE' }, portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'MUTUAL', clientCertificate: '/c' } }] },
      });
      const withCa = destinationRule('b', 'db', 'pg.example.com', { trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: '/ca.pem' } } });
      const skipOff = destinationRule('c', 'db', 'pg.example.com', { trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: false } } });
      const mesh = destinationRule('d', 'db', 'pg.example.com', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', insecureSkipVerify: true } } });
      expect([...findingsOf('SM305', [SE, withoutCa, withCa, skipOff, mesh]), ...findingsOf('SM306', [SE, withoutCa, withCa, skipOff, mesh])]).toEqual([]);
    });
  });
});
