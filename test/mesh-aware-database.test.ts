import { Chart, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AppProtocol, CassandraEngine, ClientServiceRole, DatabaseEngine, DisruptionBudget, EngineConfig, EngineContext, EnginePort, EngineStorage,
  HeadlessStatefulService, IEngineTarget, MeshAwareDatabase, MeshClient, MeshMode, MeshTraffic, MtlsMode, PortRole, PostgresPatroniEngine,
  RabbitMqEngine,
} from '../src';
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

  describe('client Services by name', () => {
    test('Patroni: clientService and primaryService are the leader Service, replicaService the replicas Service', () => {
      const c = chart('db');
      const db = new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
      expect(db.primaryService?.name).toBe('pg');
      expect(db.clientService).toBe(db.primaryService);
      expect(db.replicaService?.name).toBe('pg-repl');
      expect(db.clientServices).toEqual([db.primaryService, db.replicaService]);
      // the leader Service has no selector: Patroni writes its endpoints; the replicas Service selects role: replica
      const { manifests } = synthDatabase(c);
      expect(only(manifests, 'Service', 'pg').spec.selector).toBeUndefined();
      expect(only(manifests, 'Service', 'pg-repl').spec.selector).toMatchObject({ role: 'replica' });
    });

    test('an engine whose every member serves clients has a clientService and no primary or replica Service', () => {
      const c = chart('db');
      const db = new MeshAwareDatabase(c, 'Cassandra', { engine: new CassandraEngine({ credentials: credentials(c) }) });
      expect(db.clientService.name).toBe('cassandra');
      expect(db.primaryService).toBeUndefined();
      expect(db.replicaService).toBeUndefined();
    });

    test('a custom engine opts in by giving its client Services a role', () => {
      const c = chart('db');
      const db = new MeshAwareDatabase(c, 'Kv', { engine: new PrimaryReplicaEngine(true) });
      expect(db.primaryService?.name).toBe('kv-writer');
      expect(db.replicaService?.name).toBe('kv-reader');
      expect(db.clientService).toBe(db.primaryService);
      expect(db.clientServices.map(s => s.name)).toEqual(['kv-reader', 'kv-writer']);
    });
  });

  test('a database is a client of another one by its own identity', () => {
    const c = chart('db');
    const source = new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
    const dr = new Chart(c.node.root, 'dr', { namespace: 'dr' });
    const replica = new MeshAwareDatabase(dr, 'Pg', { image: IMAGE, engine: engine(dr) });
    source.allowFrom(MeshClient.database(replica), [5432]);
    const policy = only(synthDatabase(c).manifests, 'AuthorizationPolicy');
    expect(policy.spec.rules[1]).toEqual({ from: [{ source: { principals: ['cluster.local/ns/dr/sa/pg'] } }], to: [{ operation: { ports: ['5432'] } }] });
  });

  describe('fails when', () => {
    test('a second database of the same name is in the same namespace', () => {
      const app = Testing.app();
      const c = new Chart(app, 'one', { namespace: 'db' });
      new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
      const other = new Chart(app, 'two', { namespace: 'db' });
      expect(() => new MeshAwareDatabase(other, 'Orders', { name: 'pg', image: IMAGE, engine: engine(other) }))
        .toThrow(/^two\/Orders: StatefulSet 'pg' in namespace 'db' is already written by one\/Pg: .*give one of them another name \(or another namespace\)$/);
      const elsewhere = new Chart(app, 'three', { namespace: 'dr' });
      expect(() => new MeshAwareDatabase(elsewhere, 'Pg', { image: IMAGE, engine: engine(elsewhere) })).not.toThrow();
    });

    test('a client is admitted after app.synth() wrote the manifests', () => {
      const app = Testing.app();
      const c = new Chart(app, 'db', { namespace: 'db' });
      const db = new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
      app.synth();
      expect(() => db.allowFrom(MeshClient.serviceAccount('orders', 'shop')))
        .toThrow(/^db\/Pg: allowFrom\(\) adds client sa shop\/orders after app.synth\(\) wrote the manifests, so they lack it; call allowFrom\(\) before app.synth\(\)$/);
    });

    test('an engine port names a container the engine does not define', () => {
      class Misplaced extends PrimaryReplicaEngine {
        public readonly ports: EnginePort[] = [{ port: 7000, name: 'kv', protocol: AppProtocol.TCP, role: PortRole.CLIENT, containerName: 'proxy' }];
      }
      expect(() => new MeshAwareDatabase(chart('db'), 'Kv', { engine: new Misplaced(true) }))
        .toThrow(/^test\/Kv: kv: port 7000 names container 'proxy', which the engine does not define; name one of 'kv' in the port's containerName$/);
    });

    test('the engine created no client Service, and clientService is asked for', () => {
      const c = chart('db');
      const db = new MeshAwareDatabase(c, 'Kv', { engine: new PrimaryReplicaEngine(false) });
      expect(db.primaryService).toBeUndefined();
      expect(() => db.clientService).toThrow(/^test\/Kv: kv created no client Service, so there is no clientService; connect to the pods by name/);
    });

    test('the image is not pinned', () => {
      const c = chart('db');
      expect(() => new MeshAwareDatabase(c, 'Pg', { image: 'registry.example.com/patroni:latest', engine: engine(c) }))
        .toThrow(/^test\/Pg: image 'registry.example.com\/patroni:latest' is not pinned \(:latest\): a restart could run another version; pin a version tag or a digest, e.g. 'registry.example.com\/patroni:<version>'/);
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
        .toThrow(/^test\/Pg: postgresql-patroni: replicas 0 is not a whole number of at least 1; set replicas: 1 or more$/);
    });
  });
});

/**
 * A primary/replica store written against the public engine API: a writer Service (role PRIMARY, no selector: the
 * engine's own leader election would write its endpoints) and a reader Service (role REPLICAS), or none at all.
 */
class PrimaryReplicaEngine extends DatabaseEngine {
  public readonly engineName = 'kv';
  public readonly defaultImage = 'registry.example.com/kv:1.0.0';
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [{ port: 7000, name: 'kv', protocol: AppProtocol.TCP, role: PortRole.CLIENT }];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/data', defaultSize: Size.gibibytes(1) };

  constructor(private readonly clientServices: boolean) {
    super();
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    return {
      containerName: 'kv',
      container: {},
      resources: { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) } },
      podSecurityContext: { user: 1000, group: 1000, fsGroup: 1000 },
    };
  }

  public configure(target: IEngineTarget): void {
    const workload: HeadlessStatefulService = target.workload;
    if (this.clientServices) {
      workload.addClientService('Reader', { name: 'kv-reader', ports: [7000], role: ClientServiceRole.REPLICAS, selectorLabels: { role: 'replica' } });
      workload.addClientService('Writer', { name: 'kv-writer', ports: [7000], role: ClientServiceRole.PRIMARY, selectPods: false });
    }
  }
}
