import { ApiObject, Duration } from 'cdk8s';
import { ClientTls, DestinationRule, LoadBalancer, MeshAnalysis, MeshService, TlsMode } from '../src';
import { database } from './support/fixtures';
import { chart, only, synth } from './support/manifests';

describe('DestinationRule', () => {
  test('the generated object is the default child (no public L1 field)', () => {
    const c = chart();
    const rule = new DestinationRule(c, 'Dr', { service: database(c).headlessService });
    expect(ApiObject.of(rule.node.defaultChild!).kind).toBe('DestinationRule');
  });

  test('defaults: the host is the Service FQDN, no traffic policy beyond what is asked', () => {
    const c = chart();
    const db = database(c);
    new DestinationRule(c, 'Dr', { service: db.headlessService });
    const dr = only(synth(c), 'DestinationRule');
    expect(dr).toMatchSnapshot();
    expect(dr.apiVersion).toBe('networking.istio.io/v1');
    expect(dr.metadata).toEqual({ name: 'db-headless', namespace: 'ns' });
    expect(dr.spec).toEqual({ host: 'db-headless.ns.svc.cluster.local', trafficPolicy: {} });
  });

  test('TLS, port-level TLS, connection pool, outlier detection and load balancing on a client Service', () => {
    const c = chart();
    const db = database(c);
    const dr = new DestinationRule(c, 'Dr', {
      service: db.clientServices[0],
      tls: ClientTls.istioMutual(),
      connectionPool: {
        maxConnections: 100, connectTimeout: Duration.millis(2500), keepaliveTime: Duration.minutes(5), keepaliveInterval: Duration.seconds(75),
      },
      outlierDetection: { consecutiveErrors: 3 },
      loadBalancer: LoadBalancer.leastRequest(),
    });
    dr.addPortTls(5432, ClientTls.disable());
    expect(dr.tlsMode).toBe(TlsMode.ISTIO_MUTUAL);
    expect(only(synth(c), 'DestinationRule').spec).toEqual({
      host: 'db.ns.svc.cluster.local',
      trafficPolicy: {
        tls: { mode: 'ISTIO_MUTUAL' },
        portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'DISABLE' } }],
        connectionPool: { tcp: { maxConnections: 100, connectTimeout: '2500ms', tcpKeepalive: { time: '300s', interval: '75s' } } },
        outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 },
        loadBalancer: { simple: 'LEAST_REQUEST' },
      },
    });
  });

  test('TLS origination verifies the server unless told explicitly not to', () => {
    const c = chart();
    const ext = MeshService.fromAttributes(c, 'Ext', { name: 'billing-db', namespace: 'billing' });
    new DestinationRule(c, 'Dr', { service: ext, tls: ClientTls.simple({ caCertificates: '/etc/certs/ca.pem', sni: 'db.billing.example' }) });
    expect(only(synth(c), 'DestinationRule').spec.trafficPolicy.tls).toEqual({ mode: 'SIMPLE', caCertificates: '/etc/certs/ca.pem', sni: 'db.billing.example' });
    expect(ClientTls.simple({ insecureSkipVerify: true }).mode).toBe(TlsMode.SIMPLE);
    // the analyzer cannot see an imported Service: the construct tells it the host is declared outside the app
    expect(MeshAnalysis.findings(c)).toEqual([]);
    expect(ClientTls.mutual({ caCertificates: '/ca.pem', clientCertificate: '/c.pem', privateKey: '/k.pem' }).mode).toBe(TlsMode.MUTUAL);
  });

  describe('fails when', () => {
    test('load balancing is asked for a headless Service, where it has no effect', () => {
      const c = chart();
      expect(() => new DestinationRule(c, 'Dr', { service: database(c).headlessService, loadBalancer: LoadBalancer.roundRobin() }))
        .toThrow(/test\/Dr: loadBalancer ROUND_ROBIN on headless Service 'db-headless' has no effect: .*ORIGINAL_DST cluster, istio#50967\); .*addClientService/);
    });

    test('a port-level setting names a port the Service does not have, or twice', () => {
      const c = chart();
      const dr = new DestinationRule(c, 'Dr', { service: database(c).clientServices[0] });
      expect(() => dr.addPortTls(8008, ClientTls.disable())).toThrow(/port-level TLS port 8008 is not a port of Service 'db' \(5432\)/);
      dr.addPortTls(5432, ClientTls.disable());
      expect(() => dr.addPortTls(5432, ClientTls.disable())).toThrow(/already set/);
    });

    test('TLS origination would not verify the server, or mixes its options', () => {
      expect(() => ClientTls.simple({})).toThrow(/ClientTls.simple\(\): the server certificate would not be verified \(IST0128\); set caCertificates, or insecureSkipVerify: true/);
      expect(() => ClientTls.simple({ caCertificates: '/ca.pem', insecureSkipVerify: true })).toThrow(/contradict each other/);
      expect(() => ClientTls.mutual({ caCertificates: '/ca.pem' })).toThrow(/clientCertificate and privateKey are required/);
      expect(() => ClientTls.simple({ caCertificates: '/ca.pem', privateKey: '/k.pem' })).toThrow(/belong to ClientTls.mutual\(\)/);
    });

    test('a duration is 1ms or less, or a pool or outlier setting is out of range', () => {
      const c = chart();
      const service = database(c).clientServices[0];
      expect(() => new DestinationRule(c, 'A', { service, connectionPool: { connectTimeout: Duration.millis(1) } }))
        .toThrow(/connectionPool.connectTimeout 1ms must be a whole number of milliseconds above 1ms/);
      expect(() => new DestinationRule(c, 'B', { service, connectionPool: { maxConnections: 0 } })).toThrow(/maxConnections 0 must be a whole number of at least 1/);
      expect(() => new DestinationRule(c, 'C', { service, outlierDetection: { maxEjectionPercent: 150 } })).toThrow(/maxEjectionPercent 150 must be a whole number from 0 to 100/);
    });
  });
});
