import { deployment, findingsOf, statefulSet, summary } from './support';
import { Severity } from '../../src';

describe('annotations (SM503, IST0135)', () => {
  test('reports the deprecated inject annotation on a pod template, with the label to use instead', () => {
    const [finding] = findingsOf('SM503', [statefulSet('pg', 'db', { podAnnotations: { 'sidecar.istio.io/inject': 'false' } })]);
    expect(finding.severity).toBe(Severity.INFO);
    expect(finding.istioCode).toBe('IST0135');
    expect(finding.message).toBe('StatefulSet db/pg: pod template annotation sidecar.istio.io/inject is deprecated and may stop working in a future '
      + 'Istio version; use the pod label sidecar.istio.io/inject instead');
    expect(finding.path).toBe('spec.template.metadata.annotations.sidecar.istio.io/inject');
  });

  test('reports deprecated annotations on the Deployment itself, as istioctl analyze does', () => {
    const d = deployment('fortio', 'x');
    d.metadata.annotations = { 'sidecar.istio.io/statsInclusionPrefixes': 'cluster.outbound' };
    expect(findingsOf('SM503', [d])[0].message).toContain('annotation sidecar.istio.io/statsInclusionPrefixes is deprecated');
  });

  test('is quiet when the label is set too, and for annotations that are not deprecated', () => {
    expect(findingsOf('SM503', [
      statefulSet('pg', 'db', { labels: { 'app': 'pg', 'sidecar.istio.io/inject': 'false' }, podAnnotations: { 'sidecar.istio.io/inject': 'false' } }),
      statefulSet('pg2', 'db', { podAnnotations: { 'proxy.istio.io/config': '{ holdApplicationUntilProxyStarts: true }' } }),
    ])).toEqual([]);
    expect(summary(findingsOf('SM503', [statefulSet('pg', 'db', { podAnnotations: { 'sidecar.istio.io/inject': 'true' } })])))
      .toEqual(['SM503 StatefulSet db/pg']);
  });
});
