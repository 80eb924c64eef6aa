import { Size } from 'cdk8s';
import { DisruptionBudget, MeshAwareDatabase, MeshClient, MeshMode, MeshTraffic, MtlsMode, PostgresPatroniEngine, RabbitMqEngine } from '../src';
import { credentials, synthDatabase } from './support/database';
import { all, chart, only } from './support/manifests';

const IMAGE = 'registry.example.com/patroni:4.0.6';

describe('MeshAwareDatabase', () => {
  const engine = (c = chart()) => new PostgresPatroniEngine({ credentials: credentials(c) });

  test('creates the workload, its own service account, RBAC and the full mesh policy', () => {
    const c = chart('db');
    const db = new MeshAwareDatabase(c, 'Orders', { image: IMAGE, engine: engine(c) });
    const { manifests } = synthDatabase(c);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/orders', 'ConfigMap/orders-patroni', 'DestinationRule/orders', 'DestinationRule/orders-headless', 'DestinationRule/orders-repl',
      'NetworkPolicy/orders', 'PeerAuthentication/orders', 'PodDisruptionBudget/orders', 'Role/orders', 'RoleBinding/orders',
      'Service/orders', 'Service/orders-headless', 'Service/orders-repl', 'ServiceAccount/orders', 'Sidecar/orders', 'StatefulSet/orders',
    ]);
    expect(db.name).toBe('orders');
    expect(db.clientPorts).toEqual([5432]);
    expect(db.clientServices.map(s => s.name)).toEqual(['orders', 'orders-repl']);
    expect(db.headlessService.fqdn).toBe('orders-headless.db.svc.cluster.local');
  });

  test('sidecar mode by default, holding the database until the proxy is ready', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(sts.spec.template.metadata.annotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
  });

  test('outside the mesh: plaintext DestinationRules, no PeerAuthentication, NetworkPolicy only', () => {
    const c = chart('db');
    const db = new MeshAwareDatabase(c, 'Pg', { image: IMAGE, meshMode: MeshMode.outside(), engine: engine(c) });
    db.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
    const { manifests } = synthDatabase(c);
    expect(all(manifests, 'PeerAuthentication')).toEqual([]);
    expect(all(manifests, 'AuthorizationPolicy')).toEqual([]);
    expect(all(manifests, 'DestinationRule').map(d => d.spec.trafficPolicy.tls.mode)).toEqual(['DISABLE', 'DISABLE', 'DISABLE']);
    expect(only(manifests, 'NetworkPolicy').spec.ingress).toHaveLength(2);
  });

  test('sizes, storage class, replicas, resources, disruption budget and port-level mTLS pass through', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', {
      image: IMAGE,
      engine: engine(c),
      replicas: 5,
      storage: Size.gibibytes(50),
      storageClassName: 'fast-ssd',
      disruptionBudget: DisruptionBudget.minAvailable(3),
      portLevelMtls: [{ port: 8008, mode: MtlsMode.PERMISSIVE }],
    });
    const { manifests, sts } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(5);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '50Gi' } } });
    expect(only(manifests, 'PodDisruptionBudget').spec.minAvailable).toBe(3);
    expect(only(manifests, 'PeerAuthentication').spec.portLevelMtls).toEqual({ 8008: { mode: 'PERMISSIVE' } });
  });

  test('an image pinned by digest is accepted', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', { image: `registry.example.com/patroni@sha256:${'a'.repeat(64)}`, engine: engine(c) });
    expect(synthDatabase(c).container.image).toMatch(/@sha256:a{64}$/);
  });

  test('a scraper in sidecar mode: the engine\'s metrics port handed to the agent, the scraper admitted on 15020', () => {
    const c = chart('messaging');
    const mq = new MeshAwareDatabase(c, 'Mq', { engine: new RabbitMqEngine({ credentials: credentials(c) }) });
    mq.allowScraper(MeshClient.serviceAccount('prometheus', 'monitoring'));
    const { manifests, sts } = synthDatabase(c);
    // istio/istio pkg/kube/inject/webhook.go: the injector moves these to the agent, which merges them on 15020
    expect(sts.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15692', 'prometheus.io/path': '/metrics' });
    expect(only(manifests, 'NetworkPolicy').spec.ingress).toContainEqual(expect.objectContaining({ ports: [{ port: 15020, protocol: 'TCP' }] }));
    expect(MeshTraffic.ofApp(c).find(e => e.intent === 'scraper')).toMatchObject({ verdict: 'allowed-plaintext' });
  });

  test('a scraper in ambient mode reaches the engine\'s metrics port itself', () => {
    const c = chart('messaging');
    const mq = new MeshAwareDatabase(c, 'Mq', { engine: new RabbitMqEngine({ credentials: credentials(c) }), meshMode: MeshMode.ambient() });
    mq.allowScraper(MeshClient.serviceAccount('prometheus', 'monitoring'));
    const { manifests } = synthDatabase(c);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus'] } }], to: [{ operation: { ports: ['15692'] } }],
    });
  });

  describe('fails when', () => {
    test('the image is not pinned', () => {
      const c = chart('db');
      expect(() => new MeshAwareDatabase(c, 'Pg', { image: 'registry.example.com/patroni:latest', engine: engine(c) }))
        .toThrow(/test\/Pg: image 'registry.example.com\/patroni:latest' is not pinned \(:latest\): .*pin a version tag or a digest/);
      expect(() => new MeshAwareDatabase(c, 'Pg2', { image: 'registry.example.com:5000/patroni', engine: engine(c) }))
        .toThrow(/image 'registry.example.com:5000\/patroni' is not pinned \(no tag\)/);
    });

    test('a scraper is admitted to an engine without a metrics port', () => {
      const c = chart('db');
      const db = new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
      expect(() => db.allowScraper(MeshClient.allInNamespace('monitoring')))
        .toThrow(/test\/Pg: postgresql-patroni declares no metrics port \(PortRole.METRICS\), so there is nothing to scrape; add an exporter/);
    });

    test('the replicas are not a whole number of at least 1', () => {
      const c = chart('db');
      expect(() => new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c), replicas: 0 }))
        .toThrow(/test\/Pg: postgresql-patroni: replicas 0 is not a whole number of at least 1/);
    });
  });
});
