import { findingsOf, namespace, peerAuthentication, statefulSet, summary } from './support';
import { Severity } from '../../src';

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

function sidecarResource(name: string, ns: string, labels?: Record<string, string>): any {
  return { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name, namespace: ns }, spec: labels ? { workloadSelector: { labels } } : {} };
}

function networkPolicy(name: string, ns: string, ingress: any[], extra: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec: { podSelector: { matchLabels: { app: 'pg' } }, policyTypes: ['Ingress'], ingress, ...extra },
  };
}

describe('ambient mode (SM40x)', () => {
  describe('SM401 Sidecar in an ambient namespace (IST0167)', () => {
    test('is reported in a namespace labelled ambient without injection labels', () => {
      const findings = findingsOf('SM401', [namespace('amb', AMBIENT), sidecarResource('all', 'amb'), sidecarResource('pod', 'amb', { app: 'pg' })]);
      expect(summary(findings)).toEqual(['SM401 Sidecar amb/all', 'SM401 Sidecar amb/pod']);
      expect(findings[0].istioCode).toBe('IST0167');
      expect(findings[0].message).toContain('has no effect: namespace \'amb\' runs in ambient mode');
    });

    test('is reported for a selector whose pods are all labelled ambient', () => {
      expect(summary(findingsOf('SM401', [statefulSet('pg', 'db', { labels: { app: 'pg', ...AMBIENT } }), sidecarResource('pg', 'db', { app: 'pg' })])))
        .toEqual(['SM401 Sidecar db/pg']);
    });

    test('is not reported where sidecar injection wins over the ambient label', () => {
      expect(findingsOf('SM401', [
        namespace('both', { ...AMBIENT, 'istio-injection': 'enabled' }),
        namespace('rev', { ...AMBIENT, 'istio.io/rev': 'canary' }),
        sidecarResource('a', 'both'), sidecarResource('b', 'rev'), sidecarResource('c', 'unknown'),
      ])).toEqual([]);
    });
  });

  describe('SM402 PeerAuthentication DISABLE in ambient mode', () => {
    test('is reported in an ambient namespace', () => {
      const [finding] = findingsOf('SM402', [
        namespace('amb', AMBIENT), statefulSet('pg', 'amb'),
        peerAuthentication('pg', 'amb', { selector: { matchLabels: { app: 'pg' } }, portLevelMtls: { 5432: { mode: 'DISABLE' } } }),
      ]);
      expect(finding.message).toContain('mode DISABLE is not supported in ambient mode (StatefulSet \'pg\')');
      expect(finding.message).toContain('label istio.io/dataplane-mode: none');
    });

    test('is not reported for sidecar pods', () => {
      expect(findingsOf('SM402', [
        namespace('db', { 'istio-injection': 'enabled' }), statefulSet('pg', 'db'),
        peerAuthentication('pg', 'db', { selector: { matchLabels: { app: 'pg' } }, mtls: { mode: 'DISABLE' } }),
      ])).toEqual([]);
    });
  });

  describe('SM403 NetworkPolicy blocking HBONE', () => {
    const pods = () => [namespace('amb', AMBIENT), statefulSet('pg', 'amb')];

    test('is reported as an error when ingress to ambient pods is admitted on application ports only', () => {
      const [finding] = findingsOf('SM403', [...pods(), networkPolicy('pg', 'amb', [{ ports: [{ port: 5432, protocol: 'TCP' }] }])]);
      expect(finding.severity).toBe(Severity.ERROR);
      expect(finding.message).toContain('admits ingress to ambient pods (StatefulSet \'pg\') only on port 5432, not on 15008');
      expect(finding.message).toContain('add { port: 15008, protocol: TCP } to the ingress rules');
    });

    test('is satisfied by a rule on 15008, a port range covering it, a rule without ports; deny-all is left alone', () => {
      for (const ingress of [
        [{ ports: [{ port: 5432 }] }, { ports: [{ port: 15008, protocol: 'TCP' }] }],
        [{ ports: [{ port: 15000, endPort: 15010 }] }],
        [{ from: [{ podSelector: {} }] }],
        [],
      ]) {
        expect(findingsOf('SM403', [...pods(), networkPolicy('pg', 'amb', ingress)])).toEqual([]);
      }
    });

    test('is not reported for pods that are not in ambient mode, nor for egress-only policies', () => {
      expect(findingsOf('SM403', [
        statefulSet('pg', 'db'), networkPolicy('pg', 'db', [{ ports: [{ port: 5432 }] }]),
        ...pods(), networkPolicy('egress', 'amb', [{ ports: [{ port: 5432 }] }], { policyTypes: ['Egress'] }),
      ])).toEqual([]);
    });
  });
});
