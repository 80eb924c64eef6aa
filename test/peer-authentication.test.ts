import { ApiObject } from 'cdk8s';
import { MeshAnalysis, MeshMode, MtlsMode, PeerAuthentication } from '../src';
import { database } from './support/fixtures';
import { chart, only, synth } from './support/manifests';

describe('PeerAuthentication', () => {
  test('the generated object is the default child (no public L1 field)', () => {
    const c = chart();
    const pa = new PeerAuthentication(c, 'Pa', { workload: database(c) });
    expect(ApiObject.of(pa.node.defaultChild!).kind).toBe('PeerAuthentication');
  });

  test('defaults: STRICT for the workload\'s pods, named and namespaced like it', () => {
    const c = chart();
    new PeerAuthentication(c, 'Pa', { workload: database(c) });
    const pa = only(synth(c), 'PeerAuthentication');
    expect(pa).toMatchSnapshot();
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.metadata).toEqual({ name: 'db', namespace: 'ns' });
    expect(pa.spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } }, mtls: { mode: 'STRICT' } });
  });

  test('port-level modes are keyed by container port, sorted, and land when added later', () => {
    const c = chart();
    const pa = new PeerAuthentication(c, 'Pa', { workload: database(c), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }] });
    pa.addPortMtls(8008, MtlsMode.DISABLE);
    MeshAnalysis.suppress(pa, 'SM314', 'renders a PeerAuthentication alone; MeshPolicy pairs a DISABLE with its DestinationRule');
    expect(only(synth(c), 'PeerAuthentication').spec.portLevelMtls).toEqual({ 8008: { mode: 'DISABLE' }, 9187: { mode: 'PERMISSIVE' } });
    expect(pa.portLevelMtls.map(p => p.port)).toEqual([9187, 8008]);
  });

  test('a namespace-wide policy has no selector; selector labels can be given directly', () => {
    const c = chart();
    new PeerAuthentication(c, 'Namespace', { mode: MtlsMode.PERMISSIVE });
    new PeerAuthentication(c, 'Legacy', { selectorLabels: { app: 'legacy' }, portLevelMtls: [{ port: 8080, mode: MtlsMode.DISABLE }] });
    const manifests = synth(c);
    expect(only(manifests, 'PeerAuthentication', 'namespace').spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(only(manifests, 'PeerAuthentication', 'legacy').spec.selector).toEqual({ matchLabels: { app: 'legacy' } });
  });

  describe('fails when', () => {
    test('port-level mTLS has no selector', () => {
      expect(() => new PeerAuthentication(chart(), 'Pa', { portLevelMtls: [{ port: 5432, mode: MtlsMode.DISABLE }] }))
        .toThrow(/test\/Pa: port-level mTLS \(port 5432\) requires a selector, which a namespace-wide PeerAuthentication has not; set workload or selectorLabels/);
    });

    test('a port-level key is not a container port of the workload', () => {
      const c = chart();
      expect(() => new PeerAuthentication(c, 'Pa', { workload: database(c), portLevelMtls: [{ port: 15432, mode: MtlsMode.DISABLE }] }))
        .toThrow(/port-level mTLS port 15432 is not a container port of 'db' \(5432, 8008, 9187\); port-level settings are keyed by the pods' container ports/);
    });

    test('a port is set twice', () => {
      const c = chart();
      const pa = new PeerAuthentication(c, 'Pa', { workload: database(c) });
      pa.addPortMtls(9187, MtlsMode.PERMISSIVE);
      expect(() => pa.addPortMtls(9187, MtlsMode.DISABLE)).toThrow(/port-level mTLS for port 9187 is already set/);
    });

    test('DISABLE is asked for ambient pods', () => {
      const c = chart();
      expect(() => new PeerAuthentication(c, 'Pa', { workload: database(c, MeshMode.ambient()), mode: MtlsMode.DISABLE }))
        .toThrow(/workload-level mode DISABLE is not supported for ambient pods \('db'\); use PERMISSIVE/);
    });

    test('STRICT is asked for pods outside the mesh', () => {
      const c = chart();
      expect(() => new PeerAuthentication(c, 'Pa', { workload: database(c, MeshMode.outside()) }))
        .toThrow(/workload-level mode STRICT for 'db', whose pods are outside the mesh: no proxy enforces it/);
    });

    test('both a workload and selector labels are given, or selector labels are empty or wildcards', () => {
      const c = chart();
      const db = database(c);
      expect(() => new PeerAuthentication(c, 'A', { workload: db, selectorLabels: { app: 'x' } })).toThrow(/both workload and selectorLabels are set/);
      expect(() => new PeerAuthentication(c, 'B', { selectorLabels: {} })).toThrow(/selectorLabels is empty, which would select every pod/);
      expect(() => new PeerAuthentication(c, 'C', { selectorLabels: { app: 'db-*' } })).toThrow(/selector label 'app: db-\*' is not allowed/);
    });
  });
});
