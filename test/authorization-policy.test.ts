import { ApiObject } from 'cdk8s';
import { AuthorizationPolicy, MeshClient, MeshMode } from '../src';
import { database } from './support/fixtures';
import { chart, only, synth } from './support/manifests';

describe('AuthorizationPolicy', () => {
  test('the generated object is the default child (no public L1 field)', () => {
    const c = chart();
    const policy = new AuthorizationPolicy(c, 'Ap', { workload: database(c) });
    expect(ApiObject.of(policy.node.defaultChild!).kind).toBe('AuthorizationPolicy');
  });

  test('an ALLOW list by principal and by namespace, per port', () => {
    const c = chart();
    const ap = new AuthorizationPolicy(c, 'Ap', { workload: database(c) });
    ap.allow([MeshClient.serviceAccount('orders', 'shop'), MeshClient.serviceAccount('billing', 'shop')], [5432]);
    ap.allow([MeshClient.allInNamespace('monitoring')], [9187]);
    const manifest = only(synth(c), 'AuthorizationPolicy');
    expect(manifest).toMatchSnapshot();
    expect(manifest.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
      action: 'ALLOW',
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/shop/sa/billing', 'cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['5432'] } }] },
        { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { ports: ['9187'] } }] },
      ],
    });
  });

  test('principals and namespaces in one rule are separate sources (OR), every port when none is given', () => {
    const c = chart();
    const ap = new AuthorizationPolicy(c, 'Ap', { workload: database(c), trustDomain: 'corp.example' });
    ap.allow([MeshClient.serviceAccount('orders', 'shop'), MeshClient.allInNamespace('batch')]);
    expect(only(synth(c), 'AuthorizationPolicy').spec.rules).toEqual([
      { from: [{ source: { principals: ['corp.example/ns/shop/sa/orders'] } }, { source: { namespaces: ['batch'] } }] },
    ]);
  });

  test('works for ambient pods (L4 rules enforced by ztunnel)', () => {
    const c = chart();
    const ap = new AuthorizationPolicy(c, 'Ap', { workload: database(c, MeshMode.ambient()) });
    ap.allow([MeshClient.allInNamespace('shop')], [5432]);
    expect(only(synth(c), 'AuthorizationPolicy').spec.action).toBe('ALLOW');
  });

  describe('fails when', () => {
    test('it has no rule, which would deny everything (at synth)', () => {
      const c = chart();
      new AuthorizationPolicy(c, 'Ap', { workload: database(c) });
      expect(() => synth(c)).toThrow(/AuthorizationPolicy 'db' has no rules: an ALLOW policy without rules denies every request to its pods/);
    });

    test('the pods are outside the mesh, where nothing enforces it', () => {
      const c = chart();
      expect(() => new AuthorizationPolicy(c, 'Ap', { workload: database(c, MeshMode.outside()) }))
        .toThrow(/test\/Ap: 'db' runs outside the mesh: no proxy would enforce an AuthorizationPolicy; restrict access with a NetworkPolicy/);
    });

    test('a rule names no client, or a port the pods do not declare', () => {
      const c = chart();
      const ap = new AuthorizationPolicy(c, 'Ap', { workload: database(c) });
      expect(() => ap.allow([])).toThrow(/allow\(\) needs at least one client/);
      expect(() => ap.allow([MeshClient.allInNamespace('shop')], [6432])).toThrow(/allowed port 6432 is not a container port of 'db'/);
    });

    test('the trust domain is not a DNS-like name', () => {
      expect(() => new AuthorizationPolicy(chart(), 'Ap', { trustDomain: 'Cluster Local' })).toThrow(/trust domain 'Cluster Local' is not a DNS-like name/);
    });
  });
});
