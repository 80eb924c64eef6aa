import { ApiObject } from 'cdk8s';
import { MeshMode, Sidecar } from '../src';
import { database } from './support/fixtures';
import { chart, only, synth } from './support/manifests';

describe('Sidecar', () => {
  test('the generated object is the default child (no public L1 field)', () => {
    const c = chart();
    const sidecar = new Sidecar(c, 'Scope', { workload: database(c) });
    expect(ApiObject.of(sidecar.node.defaultChild!).kind).toBe('Sidecar');
    expect((sidecar as any).apiObject).toBe(sidecar.node.defaultChild);
  });

  test('defaults: the workload\'s sidecars see their own namespace and the control plane', () => {
    const c = chart();
    const sidecar = new Sidecar(c, 'Scope', { workload: database(c) });
    sidecar.addEgressHost('default/kubernetes.default.svc.cluster.local');
    sidecar.addEgressHost('./*');
    const manifest = only(synth(c), 'Sidecar');
    expect(manifest).toMatchSnapshot();
    expect(manifest.spec).toEqual({
      workloadSelector: { labels: { 'app.kubernetes.io/name': 'db' } },
      egress: [{ hosts: ['./*', 'istio-system/*', 'default/kubernetes.default.svc.cluster.local'] }],
    });
  });

  describe('fails when', () => {
    test('the pods are ambient (IST0167) or outside the mesh', () => {
      let c = chart();
      expect(() => new Sidecar(c, 'Scope', { workload: database(c, MeshMode.ambient()) }))
        .toThrow(/test\/Scope: 'db' does not run in sidecar mode \(ambient\): a Sidecar resource would have no effect \(IST0167 in ambient\)/);
      c = chart();
      expect(() => new Sidecar(c, 'Scope', { workload: database(c, MeshMode.outside()) })).toThrow(/\(outside\)/);
      c = chart();
      expect(() => new Sidecar(c, 'Scope', { workload: database(c, null) })).toThrow(/\(mesh mode not set\)/);
    });

    test('an egress host is not <namespace>/<host>', () => {
      const c = chart();
      expect(() => new Sidecar(c, 'Scope', { workload: database(c), egressHosts: ['kubernetes.default.svc'] }))
        .toThrow(/egress host 'kubernetes.default.svc' is not '<namespace>\/<host>'/);
    });
  });
});
