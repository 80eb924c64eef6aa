import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { HeadlessStatefulService, MeshClient, MeshMode, MeshPolicy, MeshTraffic, MtlsMode, TlsMode, TrafficEdge, TrafficVerdict } from '../src';
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

  describe('traffic: the configurations where valid objects used to deny their own traffic', () => {
    const edgesOf = (c: Chart) => MeshTraffic.ofApp(c);
    const edge = (edges: TrafficEdge[], source: string, port: number, address = 'db-headless') =>
      edges.find(e => e.source === source && e.port === port && e.address.includes(address))!;

    test('a PERMISSIVE port scraped from outside the mesh: a rule without identity, the NetworkPolicy admits only the scraper', () => {
      // GIVEN a metrics port PERMISSIVE (clients get a DestinationRule DISABLE) and a scraper namespace outside the mesh
      const c = chart();
      new kplus.Namespace(c, 'Monitoring', { metadata: { name: 'monitoring' } });
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }] });
      policy.allowFrom(MeshClient.allInNamespace('monitoring'), [9187]);
      // WHEN synthesised (intended edges are proven at synth)
      const manifests = synth(c);
      // THEN identity rules, which need mTLS, are joined by a rule on the plaintext port that names no source
      // (istio/api security/v1beta1/authorization_policy.proto: principals "requires mTLS enabled")
      expect(only(manifests, 'AuthorizationPolicy').spec.rules).toContainEqual({ to: [{ operation: { ports: ['9187'] } }] });
      const edges = edgesOf(c);
      expect(edge(edges, 'namespace monitoring', 9187)).toMatchObject({ verdict: TrafficVerdict.ALLOWED_PLAINTEXT, expected: 'plaintext' });
      expect(edge(edges, 'StatefulSet ns/db', 9187)).toMatchObject({ verdict: TrafficVerdict.ALLOWED_PLAINTEXT });
      // and nobody else gets in: the NetworkPolicy is the allow-list of the plaintext port
      expect(edge(edges, 'outside the mesh', 9187)).toMatchObject({ verdict: TrafficVerdict.DENIED, decidedBy: 'NetworkPolicy ns/db' });
      expect(edge(edges, 'a pod of another namespace', 9187)).toMatchObject({ verdict: TrafficVerdict.DENIED, decidedBy: 'NetworkPolicy ns/db' });
      expect(edge(edges, 'outside the mesh', 5432)).toMatchObject({ verdict: TrafficVerdict.DENIED });
    });

    test('a PERMISSIVE workload: every port but the STRICT ones is open to plaintext, and the peers still reach each other', () => {
      const c = chart();
      new MeshPolicy(c, 'Policy', { workload: database(c), mode: MtlsMode.PERMISSIVE, portLevelMtls: [{ port: 5432, mode: MtlsMode.STRICT }] });
      const manifests = synth(c);
      expect(only(manifests, 'AuthorizationPolicy').spec.rules).toContainEqual({ to: [{ operation: { ports: ['8008', '9187'] } }] });
      const edges = edgesOf(c);
      expect(edge(edges, 'StatefulSet ns/db', 5432)).toMatchObject({ verdict: TrafficVerdict.ALLOWED_MTLS });
      expect(edge(edges, 'StatefulSet ns/db', 8008)).toMatchObject({ verdict: TrafficVerdict.ALLOWED_PLAINTEXT });
    });

    test('a port excluded from the sidecar gets through in plaintext between peers, with no rule needed', () => {
      const c = chart();
      new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.sidecar({ excludeInboundPorts: [9187] })) });
      synth(c);
      expect(edge(edgesOf(c), 'StatefulSet ns/db', 9187)).toMatchObject({ verdict: TrafficVerdict.ALLOWED_PLAINTEXT, decidedBy: expect.stringMatching(/excludeInboundPorts/) });
    });

    test('ambient with a waypoint: the pods admit the waypoint, the allow-list is bound to it, its pods pass the NetworkPolicy on 15008', () => {
      const c = chart();
      const db = database(c, MeshMode.ambient({ waypoint: 'db-waypoint' }));
      const policy = new MeshPolicy(c, 'Policy', { workload: db, createWaypoint: true });
      policy.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
      const manifests = synth(c);
      // the Gateway istioctl waypoint apply --for all writes (istio/istio istioctl/pkg/waypoint/waypoint.go)
      expect(only(manifests, 'Gateway')).toMatchObject({
        metadata: { name: 'db-waypoint', namespace: 'ns', labels: { 'istio.io/waypoint-for': 'all' } },
        spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
      });
      const policies = byName(manifests, 'AuthorizationPolicy');
      expect(policies.db.spec.rules).toContainEqual({
        from: [{ source: { principals: ['cluster.local/ns/ns/sa/db-waypoint'] } }], to: [{ operation: { ports: ['5432', '8008', '9187'] } }],
      });
      expect(policies['db-waypoint'].spec).toEqual({
        action: 'ALLOW',
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'db-waypoint' }],
        rules: [
          { from: [{ source: { principals: ['cluster.local/ns/ns/sa/db'] } }], to: [{ operation: { ports: ['5432', '8008', '9187'] } }] },
          { from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['5432'] } }] },
        ],
      });
      expect(only(manifests, 'NetworkPolicy').spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns' } }, podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'db-waypoint' } } }],
        ports: [{ port: 15008, protocol: 'TCP' }],
      });
      expect(byName(manifests, 'Service').db.metadata.labels['istio.io/use-waypoint']).toBe('db-waypoint');
      // every path goes through the waypoint, and only the admitted client gets in
      const edges = edgesOf(c);
      for (const e of edges.filter(x => x.source === 'ServiceAccount shop/orders')) {
        expect({ address: e.address, verdict: e.verdict, via: e.via }).toEqual({ address: e.address, verdict: TrafficVerdict.ALLOWED_MTLS, via: 'ns/db-waypoint' });
      }
      expect(edge(edges, 'StatefulSet ns/db', 8008)).toMatchObject({ verdict: TrafficVerdict.ALLOWED_MTLS, via: 'ns/db-waypoint' });
      expect(edge(edges, 'a pod of another namespace', 5432, 'db.ns.svc')).toMatchObject({ verdict: TrafficVerdict.DENIED, decidedBy: 'AuthorizationPolicy ns/db-waypoint' });
    });

    test('ambient with a waypoint deployed elsewhere: both paths (through it or straight to the pods) admit exactly the clients', () => {
      const c = chart();
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.ambient({ waypoint: 'waypoint', waypointNamespace: 'mesh' })) });
      policy.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
      const manifests = synth(c);
      expect(byName(manifests, 'AuthorizationPolicy')['db-waypoint'].metadata.namespace).toBe('mesh');
      expect(only(manifests, 'StatefulSet').spec.template.metadata.labels).toMatchObject({ 'istio.io/use-waypoint': 'waypoint', 'istio.io/use-waypoint-namespace': 'mesh' });
      expect(all(manifests, 'Gateway')).toEqual([]);
    });

    test('a sidecar scraper reaches the merged metrics on 15020, which no Istio policy covers', () => {
      const c = chart();
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c) });
      policy.allowScraper(MeshClient.serviceAccount('prometheus', 'monitoring'));
      const manifests = synth(c);
      expect(only(manifests, 'NetworkPolicy').spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 15020, protocol: 'TCP' }],
      });
      const scrape = MeshTraffic.ofApp(c).find(e => e.intent === 'scraper')!;
      expect(scrape).toMatchObject({ source: 'ServiceAccount monitoring/prometheus', verdict: TrafficVerdict.ALLOWED_PLAINTEXT, expected: 'plaintext' });
      expect(scrape.address).toMatch(/15020/);
    });

    test('an intended edge that a client blocks fails the synthesis, naming the edge, the object and why', () => {
      // GIVEN a client that sends its database port around its sidecar
      const c = chart();
      const orders = new kplus.Deployment(c, 'Orders', {
        metadata: { name: 'orders' },
        podMetadata: { labels: { 'sidecar.istio.io/inject': 'true' }, annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' } },
        serviceAccount: new kplus.ServiceAccount(c, 'OrdersSa', { metadata: { name: 'orders' } }),
        containers: [{ image: 'registry.example.com/orders:1.0.0' }],
      });
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c) });
      policy.allowFrom(MeshClient.workload(orders), [5432]);
      // THEN the synthesis refuses it: the plaintext connection meets a STRICT server
      expect(() => synth(c)).toThrow(/test\/Policy: traffic: client Deployment ns\/orders -> StatefulSet ns\/db:5432 \(db-\*\.db-headless\.ns\.svc\.cluster\.local:5432\) is denied but must get through with mTLS \[PeerAuthentication ns\/db\]: port 5432 bypasses the client's sidecar \(traffic\.sidecar\.istio\.io\/excludeOutboundPorts on Deployment ns\/orders\)/);
    });
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

    test('an outbound exclusion covers a STRICT peer port (peers would send plaintext), or a plaintext port has no NetworkPolicy', () => {
      const c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.sidecar({ excludeOutboundPorts: [5432] })) }))
        .toThrow(/test\/Policy: excludeOutboundPorts 5432 is a peer port of 'db': peers would send plaintext to a STRICT peer, which refuses it; remove 5432 from excludeOutboundPorts, or make the port plaintext/);
      const d = chart();
      // a PERMISSIVE peer port may be excluded: plaintext is what it accepts
      new MeshPolicy(d, 'Policy', { workload: database(d, MeshMode.sidecar({ excludeOutboundPorts: [9187] })), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }] });
      expect(() => synth(d)).not.toThrow();
      const e = chart();
      expect(() => new MeshPolicy(e, 'Policy', { workload: database(e), portLevelMtls: [{ port: 9187, mode: MtlsMode.PERMISSIVE }], networkPolicy: false }))
        .toThrow(/networkPolicy: false leaves no allow-list: port 9187 of 'db' receives plaintext, where identity rules never match/);
    });

    test('a waypoint is asked to be written without one, or with another identity than Istio gives it', () => {
      const c = chart();
      expect(() => new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.ambient()), createWaypoint: true }))
        .toThrow(/createWaypoint is set, but 'db' names no waypoint; use meshMode: MeshMode.ambient\(\{ waypoint: 'db-waypoint' \}\)/);
      const d = chart();
      expect(() => new MeshPolicy(d, 'Policy', { workload: database(d, MeshMode.ambient({ waypoint: 'wp', waypointServiceAccount: 'other' })), createWaypoint: true }))
        .toThrow(/waypointServiceAccount 'other' cannot be the identity of a written waypoint/);
    });

    test('a scraper is admitted without a port where no sidecar agent serves merged metrics', () => {
      const c = chart();
      const policy = new MeshPolicy(c, 'Policy', { workload: database(c, MeshMode.ambient()) });
      expect(() => policy.allowScraper(MeshClient.allInNamespace('monitoring'))).toThrow(/allowScraper\(namespace monitoring\) needs the metrics port: 'db' runs in ambient mode/);
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
