import { findingsOf, summary } from './support';
import {
  authorizationPolicy, database, deployment, destinationRule, gateway, namespace, networkPolicy, peerAuthentication, service, statefulSet,
} from './traffic/support';

/** The four configurations where valid objects deny their own traffic, as hand-written manifests; and their fixed forms. */
const injected = (...names: string[]) => names.map(n => namespace(n, { 'istio-injection': 'enabled' }));
const ambient = (...names: string[]) => names.map(n => namespace(n, { 'istio.io/dataplane-mode': 'ambient' }));
const strict = peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' } });
const peersOnly = (ports: string[]) => authorizationPolicy('db', 'db', {
  selector: { matchLabels: { app: 'db' } },
  rules: [{ from: [{ source: { principals: ['cluster.local/ns/db/sa/db'] } }], to: [{ operation: { ports } }] }],
});

describe('traffic rules', () => {
  describe('SM601: a workload\'s env names a destination that denies it', () => {
    const client = deployment('orders', 'shop', { env: { DB_HOST: 'db-headless.db.svc.cluster.local:5432' } });

    test('reports the client, the blocking policy and why', () => {
      const [finding] = findingsOf('SM601', [...injected('db', 'shop'), ...database('db'), strict, client, peersOnly(['5432'])]);
      expect(finding.message).toMatch(/^Deployment shop\/orders: its env names StatefulSet db\/db \(db-\*\.db-headless\.db\.svc\.cluster\.local:5432\), which it cannot reach on port 5432: AuthorizationPolicy db\/db blocks it/);
      expect(finding.path).toBe('spec.template.spec.containers[0].env');
    });

    test('stays quiet when the client is admitted, when a port-less host reaches one port, and when a dataplane is not proven', () => {
      const admitted = authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { namespaces: ['shop', 'db'] } }] }] });
      expect(findingsOf('SM601', [...injected('db', 'shop'), ...database('db'), strict, client, admitted])).toEqual([]);
      const portless = deployment('orders', 'shop', { env: { DB_HOST: 'db-headless.db.svc.cluster.local' } });
      expect(findingsOf('SM601', [...injected('db', 'shop'), ...database('db', {}, [5432, 8008]), strict, portless,
        authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { ports: ['5432'] } }] }] })])).toEqual([]);
      const unproven = deployment('orders', 'shop', { mesh: 'unknown', env: { DB_HOST: 'db-headless.db.svc.cluster.local:5432' } });
      expect(findingsOf('SM601', [...database('db'), strict, unproven, peersOnly(['5432'])])).toEqual([]);
    });
  });

  describe('SM602: the pods of a StatefulSet cannot reach each other', () => {
    const peerAware = database('db', { env: { PEERS: 'db-0.db-headless.db.svc.cluster.local,db-1.db-headless.db.svc.cluster.local' } });

    test('reports a StatefulSet whose pods name each other but are all denied', () => {
      const onlyOrders = authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }] }] });
      const [finding] = findingsOf('SM602', [...injected('db'), ...peerAware, strict, onlyOrders]);
      expect(finding.message).toMatch(/its pods cannot reach each other on any port of their headless Service \(5432\): AuthorizationPolicy db\/db blocks them/);
    });

    test('stays quiet for peers admitted, and for pods that never name each other', () => {
      expect(findingsOf('SM602', [...injected('db'), ...peerAware, strict, peersOnly(['5432'])])).toEqual([]);
      const onlyOrders = authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }] }] });
      expect(findingsOf('SM602', [...injected('db'), ...database('db'), strict, onlyOrders])).toEqual([]);
    });
  });

  describe('SM603: excludeOutboundPorts on a port a STRICT server listens on', () => {
    test('reports a StatefulSet excluding its own peer port', () => {
      const manifests = [...injected('db'), ...database('db', {
        annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' },
        env: { PEERS: 'db-0.db-headless.db.svc.cluster.local:5432' },
      }), strict];
      const [finding] = findingsOf('SM603', manifests);
      expect(finding.message).toMatch(/excludeOutboundPorts sends port 5432 around the sidecar in plaintext, but StatefulSet db\/db requires mTLS on it/);
      expect(finding.path).toBe('spec.template.metadata.annotations.traffic.sidecar.istio.io/excludeOutboundPorts');
    });

    test('stays quiet when the server accepts plaintext on the port', () => {
      const permissive = peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'PERMISSIVE' } });
      expect(findingsOf('SM603', [...injected('db'), ...database('db', { annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' } }), permissive]))
        .toEqual([]);
    });
  });

  describe('SM604: an identity rule on a port that only receives plaintext', () => {
    // the first version's "metrics port scraped from outside the mesh": PERMISSIVE + DestinationRule DISABLE + principals only
    const recipe = [
      ...injected('db'), ...database('db', {}, [5432, 9187]),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9187: { mode: 'PERMISSIVE' } } }),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { portLevelSettings: [{ port: { number: 9187 }, tls: { mode: 'DISABLE' } }] } }),
    ];

    test('reports the rule, the port and what makes it plaintext', () => {
      const [finding] = findingsOf('SM604', [...recipe, authorizationPolicy('db', 'db', {
        selector: { matchLabels: { app: 'db' } },
        rules: [{ from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { ports: ['9187'] } }] }],
      })]);
      expect(finding.message).toMatch(/rule 0 admits by identity on port 9187 of StatefulSet 'db', which only receives plaintext \(DestinationRule db\/db-headless disable TLS for every Service exposing it\)/);
      expect(finding.path).toBe('spec.rules[0]');
    });

    test('stays quiet when another rule admits the port without identity, or the port is mTLS', () => {
      expect(findingsOf('SM604', [...recipe, authorizationPolicy('db', 'db', {
        selector: { matchLabels: { app: 'db' } },
        rules: [
          { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { ports: ['9187'] } }] },
          { to: [{ operation: { ports: ['9187'] } }] },
        ],
      })])).toEqual([]);
      expect(findingsOf('SM604', [...recipe, peersOnly(['5432'])])).toEqual([]);
    });
  });

  describe('SM605 and SM606: waypoints', () => {
    const pods = [...ambient('db'), ...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'waypoint' } }), gateway('waypoint', 'db', 'all'), strict];

    test('SM606: the pods\' policy does not admit the waypoint\'s identity', () => {
      const [finding] = findingsOf('SM606', [...pods, authorizationPolicy('db', 'db', {
        selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }] }],
      })]);
      expect(finding.message).toMatch(/is reached through the waypoint db\/waypoint, whose identity cluster\.local\/ns\/db\/sa\/waypoint no rule admits/);
    });

    test('SM606: the NetworkPolicy does not admit the waypoint\'s pods on 15008', () => {
      const np = networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }] });
      const findings = findingsOf('SM606', [...pods, np]);
      expect(summary(findings)).toEqual(['SM606 NetworkPolicy db/db']);
      expect(findings[0].message).toMatch(/admit its pods \(gateway\.networking\.k8s\.io\/gateway-name: waypoint\) on TCP 15008/);
    });

    test('SM606 stays quiet when the waypoint is admitted, and when it only handles service traffic the pods are not bound for', () => {
      const admitted = authorizationPolicy('db', 'db', {
        selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/db/sa/waypoint'] } }] }],
      });
      expect(findingsOf('SM606', [...pods, admitted])).toEqual([]);
      const serviceOnly = [...ambient('db'), ...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'waypoint' } }), gateway('waypoint', 'db'), strict,
        authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] })];
      expect(findingsOf('SM606', serviceOnly)).toEqual([]);
    });

    test('SM605: a policy bound to a Gateway nothing uses; not when the pods name it', () => {
      const bound = authorizationPolicy('db-waypoint', 'db', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'wp' }], rules: [{}] });
      expect(summary(findingsOf('SM605', [...ambient('db'), ...database('db', { mesh: 'ambient' }), bound]))).toEqual(['SM605 AuthorizationPolicy db/db-waypoint']);
      expect(findingsOf('SM605', [...ambient('db'), ...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'wp' } }), bound])).toEqual([]);
    });
  });

  describe('SM607: sidecar metrics blocked', () => {
    const scraped = database('db', { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9187' } }, [5432, 9187]);

    test('reports pods that ask to be scraped behind a NetworkPolicy without 15020', () => {
      const np = networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 5432 }, { port: 9187 }] }] });
      expect(summary(findingsOf('SM607', [...injected('db'), ...scraped, np]))).toEqual(['SM607 StatefulSet db/db']);
    });

    test('stays quiet when 15020 is admitted, or no NetworkPolicy isolates the pods', () => {
      const np = networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 15020 }] }] });
      expect(findingsOf('SM607', [...injected('db'), ...scraped, np])).toEqual([]);
      expect(findingsOf('SM607', [...injected('db'), ...scraped, service('db', 'db', { app: 'db' }, [{ port: 5432 }])])).toEqual([]);
    });
  });

  test('the rules know the model\'s statefulSet fixture', () => {
    expect(statefulSet('db', 'db').spec.serviceName).toBe('db-headless');
  });
});
