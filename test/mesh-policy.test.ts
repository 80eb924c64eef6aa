import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { HeadlessStatefulService, MeshClient, MeshMode, MeshPolicy, MtlsMode, TlsMode } from '../src';
import { expectMtlsAgreement } from './support/assertions';
import { database } from './support/fixtures';
import { all, chart, only, synth } from './support/manifests';

const byName = (manifests: any[], kind: string): Record<string, any> => Object.fromEntries(all(manifests, kind).map(m => [m.metadata.name, m]));

describe('MeshPolicy', () => {
  describe('sidecar mode', () => {
    test('defaults: STRICT, ISTIO_MUTUAL for every Service, peers allowed, everything else denied, egress scoped', () => {
      const c = chart();
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c) });
      const manifests = synth(c);
      expect(manifests.filter(m => m.kind !== 'StatefulSet')).toMatchSnapshot();

      expect(only(manifests, 'PeerAuthentication').spec.mtls).toEqual({ mode: 'STRICT' });
      const rules = byName(manifests, 'DestinationRule');
      expect(Object.keys(rules)).toEqual(['db-headless', 'db']);
      for (const rule of Object.values(rules)) {
        expect(rule.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
        expect(rule.spec.trafficPolicy.connectionPool.tcp.tcpKeepalive).toEqual({ time: '300s', interval: '75s' });
        expect(rule.spec.trafficPolicy.loadBalancer).toBeUndefined();
      }
      expect(policy.clientTlsMode).toBe(TlsMode.ISTIO_MUTUAL);
      expect(only(manifests, 'AuthorizationPolicy').spec.rules).toEqual([
        { from: [{ source: { principals: ['cluster.local/ns/ns/sa/db'] } }], to: [{ operation: { ports: ['5432', '8008', '9187'] } }] },
      ]);
      expect(only(manifests, 'Sidecar').spec.egress).toEqual([{ hosts: ['./*', 'istio-system/*'] }]);
      expect(expectMtlsAgreement(manifests)).toBe(4);
    });

    test('a PERMISSIVE port is paired with a port-level DISABLE on every Service exposing it (istio#39439)', () => {
      const c = chart();
      new MeshPolicy(c, 'Policy', { workload: database(c), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }] });
      const manifests = synth(c);
      expect(only(manifests, 'PeerAuthentication').spec.portLevelMtls).toEqual({ 9187: { mode: 'PERMISSIVE' } });
      const rules = byName(manifests, 'DestinationRule');
      expect(rules['db-headless'].spec.trafficPolicy.portLevelSettings).toEqual([{ port: { number: 9187 }, tls: { mode: 'DISABLE' } }]);
      expect(rules.db.spec.trafficPolicy.portLevelSettings).toBeUndefined(); // the client Service has no port 9187
      expectMtlsAgreement(manifests);
    });

    test('a port that bypasses the sidecar gets a port-level DISABLE, and no PeerAuthentication entry', () => {
      const c = chart();
      new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.sidecar({ excludeInboundPorts: [9187] })) });
      const manifests = synth(c);
      expect(only(manifests, 'PeerAuthentication').spec.portLevelMtls).toBeUndefined();
      expect(byName(manifests, 'DestinationRule')['db-headless'].spec.trafficPolicy.portLevelSettings).toEqual([{ port: { number: 9187 }, tls: { mode: 'DISABLE' } }]);
    });

    test('a PERMISSIVE workload makes clients send plaintext, except on STRICT ports', () => {
      const c = chart();
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c), mode: MtlsMode.PERMISSIVE, portLevelMtls: [{ port: 5432, mode: MtlsMode.STRICT }] });
      const manifests = synth(c);
      const rule = byName(manifests, 'DestinationRule').db;
      expect(rule.spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
      expect(rule.spec.trafficPolicy.portLevelSettings).toEqual([{ port: { number: 5432 }, tls: { mode: 'ISTIO_MUTUAL' } }]);
      expect(policy.clientTlsMode).toBe(TlsMode.DISABLE);
      expectMtlsAgreement(manifests);
    });
  });

  test('ambient mode: STRICT, no TLS override (HBONE), no Sidecar resource, HBONE and probes admitted', () => {
    const c = chart();
    const policy = new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.ambient()) });
    const manifests = synth(c);
    expect(only(manifests, 'PeerAuthentication').spec.mtls.mode).toBe('STRICT');
    for (const rule of all(manifests, 'DestinationRule')) {
      expect(rule.spec.trafficPolicy.tls).toBeUndefined();
    }
    expect(all(manifests, 'Sidecar')).toEqual([]);
    expect(policy.sidecar).toBeUndefined();
    const ingress = only(manifests, 'NetworkPolicy').spec.ingress;
    expect(ingress[0].ports.map((p: any) => p.port)).toEqual([5432, 8008, 9187, 15008]);
    expect(ingress[ingress.length - 1]).toEqual({
      from: [{ ipBlock: { cidr: '169.254.7.127/32' } }],
      ports: [5432, 8008, 9187].map(port => ({ port, protocol: 'TCP' })),
    });
    expectMtlsAgreement(manifests);
  });

  test('outside the mesh: no PeerAuthentication or AuthorizationPolicy, clients send plaintext, the NetworkPolicy is the access control', () => {
    const c = chart();
    const policy = new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.outside()) });
    policy.allowFrom(MeshClient.serviceAccount('orders', 'shop', { app: 'orders' }));
    const manifests = synth(c);
    expect(all(manifests, 'PeerAuthentication')).toEqual([]);
    expect(all(manifests, 'AuthorizationPolicy')).toEqual([]);
    expect(all(manifests, 'Sidecar')).toEqual([]);
    for (const rule of all(manifests, 'DestinationRule')) {
      expect(rule.spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
    }
    expect(only(manifests, 'NetworkPolicy').spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'orders' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(expectMtlsAgreement(manifests)).toBe(4);
  });

  describe('allowFrom', () => {
    test('admits a client by principal and by NetworkPolicy, on the client Service ports by default', () => {
      const c = chart();
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c) });
      policy.allowFrom(MeshClient.serviceAccount('orders', 'shop', { app: 'orders' }));
      policy.allowFrom(MeshClient.allInNamespace('monitoring'), [9187]);
      const manifests = synth(c);
      expect(only(manifests, 'AuthorizationPolicy').spec.rules.slice(1)).toEqual([
        { from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['5432'] } }] },
        { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { ports: ['9187'] } }] },
      ]);
      expect(only(manifests, 'NetworkPolicy').spec.ingress.slice(1)).toEqual([
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'orders' } } }],
          ports: [{ port: 5432, protocol: 'TCP' }, { port: 15008, protocol: 'TCP' }],
        },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ port: 9187, protocol: 'TCP' }, { port: 15008, protocol: 'TCP' }],
        },
      ]);
    });

    test('without client Services, every declared port; with clientPorts, those', () => {
      let c = chart();
      let policy = new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.sidecar(), false) });
      policy.allowFrom(MeshClient.allInNamespace('shop'));
      expect(only(synth(c), 'AuthorizationPolicy').spec.rules[1].to).toEqual([{ operation: { ports: ['5432', '8008', '9187'] } }]);
      c = chart();
      policy = new MeshPolicy(c, 'Policy', { workload: database(c), clientPorts: [5432, 8008] });
      policy.allowFrom(MeshClient.allInNamespace('shop'));
      expect(only(synth(c), 'AuthorizationPolicy').spec.rules[1].to).toEqual([{ operation: { ports: ['5432', '8008'] } }]);
    });
  });

  test('a Service added after the policy gets its DestinationRule through addService()', () => {
    const c = chart();
    const db = database(c);
    const policy = new MeshPolicy(c, 'Policy', { workload: db, connectionPool: { connectTimeout: Duration.seconds(3) } });
    const replicas = db.addClientService('Replicas', { name: 'db-replicas', ports: [5432] });
    expect(() => synth(c)).toThrow(/Service 'db-replicas' of 'db' has no DestinationRule \(it was added after the MeshPolicy\).*call addService\(\)/);
    policy.addService(replicas);
    const rule = byName(synth(c), 'DestinationRule')['db-replicas'];
    expect(rule.spec.trafficPolicy).toMatchObject({ tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: { tcp: { connectTimeout: '3s' } } });
    expect(() => policy.addService(replicas)).toThrow(/Service 'db-replicas' already has a DestinationRule/);
  });

  describe('fails when', () => {
    test('the workload has no mesh mode', () => {
      const c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c, null) }))
        .toThrow(/test\/Policy: 'db' has no meshMode, so nobody knows whether its pods have a proxy.*set meshMode: MeshMode.sidecar\(\)/);
    });

    test('mTLS modes are given for pods outside the mesh', () => {
      const c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.outside()), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }] }))
        .toThrow(/'db' runs outside the mesh: there is no proxy to apply mTLS modes/);
    });

    test('DISABLE is asked in ambient mode', () => {
      const c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.ambient()), portLevelMtls: [{ port: 9187, mode: MtlsMode.DISABLE }] }))
        .toThrow(/'db' runs in ambient mode, where PeerAuthentication DISABLE is not supported/);
    });

    test('the mode is UNSET, or a port repeats the workload mode, or names a port bypassing the sidecar', () => {
      let c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c), mode: MtlsMode.UNSET })).toThrow(/mode UNSET leaves 'db' to the namespace's policy/);
      c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c), portLevelMtls: [{ port: 5432, mode: MtlsMode.STRICT }] }))
        .toThrow(/port 5432 mode STRICT repeats or inherits the workload-level mode STRICT/);
      c = chart();
      expect(() => new MeshPolicy(c, 'Policy', {
        workload: database(c, MeshMode.sidecar({ excludeInboundPorts: [9187] })), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }],
      })).toThrow(/port 9187 bypasses the sidecar \(excludeInboundPorts\)/);
    });

    test('the workload in the mesh has no service account of its own', () => {
      const c = chart();
      const db = new HeadlessStatefulService(c, 'Db', {
        meshMode: MeshMode.sidecar(), containers: [{ image: 'registry.example.com/db:1.2.3' }], ports: [{ port: 5432 }],
      });
      expect(() => new MeshPolicy(c, 'Policy', { workload: db })).toThrow(/'db' has no service account of its own.*give the StatefulSet a dedicated ServiceAccount/);
    });

    test('a client namespace is a typo of one the app uses (at synth)', () => {
      const c = chart('db');
      new kplus.Namespace(c, 'Shop', { metadata: { name: 'shop' } });
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c) });
      policy.allowFrom(MeshClient.serviceAccount('orders', 'shpo'));
      policy.allowFrom(MeshClient.allInNamespace('monitoring')); // unknown to the app, not a near miss: managed elsewhere
      expect(() => synth(c)).toThrow(/test\/Policy\/AuthorizationPolicy\/Resource: SM504 AuthorizationPolicy db\/db: admits clients of namespace 'shpo', which no object of the input uses; did you mean 'shop'\?/);
      // the app's namespaces are computed once per synthesis, not cached beyond it (the client namespace is injected:
      // a Namespace object without injection labels would prove its pods send plaintext, which STRICT refuses)
      new kplus.Namespace(c, 'Shpo', { metadata: { name: 'shpo', labels: { 'istio-injection': 'enabled' } } });
      expect(() => synth(c)).not.toThrow();
    });

    test('peer or client ports are not declared, or empty', () => {
      const c = chart();
      const db = database(c);
      expect(() => new MeshPolicy(c, 'A', { workload: db, peerPorts: [7000] })).toThrow(/peer port 7000 is not a container port of 'db'/);
      expect(() => new MeshPolicy(c, 'B', { workload: db, clientPorts: [] })).toThrow(/client ports are empty/);
      const policy = new MeshPolicy(c, 'C', { workload: db });
      expect(() => policy.allowFrom(MeshClient.allInNamespace('shop'), [6379])).toThrow(/client port 6379 is not a container port of 'db'/);
    });
  });

  test('a workload client is admitted by its own pod labels', () => {
    const c = chart('shop');
    const sa = new kplus.ServiceAccount(c, 'OrdersSa', { metadata: { name: 'orders' } });
    const orders = new kplus.Deployment(c, 'Orders', { serviceAccount: sa, containers: [{ image: 'registry.example.com/orders:2.1.0' }] });
    const policy = new MeshPolicy(c, 'Policy', { workload: database(c) });
    policy.allowFrom(MeshClient.workload(orders));
    const rule = only(synth(c), 'NetworkPolicy').spec.ingress[1];
    expect(rule.from[0].podSelector.matchLabels).toEqual(orders.matchLabels);
  });
});
