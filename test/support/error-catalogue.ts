import { App, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppProtocol, AuthorizationPolicy, CassandraEngine, ClientTls, DestinationRule, DisruptionBudget, ElasticsearchEngine, EtcdEngine,
  HeadlessStatefulService, HeadlessStatefulServiceProps, IDatabaseEngine, KafkaEngine, LoadBalancer, MeshAwareDatabase, MeshClient, MeshMode,
  MeshPolicy, MeshService, MongoDbReplicaSetEngine, MtlsMode, PeerAuthentication, PortRole, PostgresPatroniEngine, RabbitMqEngine,
  RedisClusterEngine, RedisSentinelEngine, ServiceEntry, ServiceEntryResolution, Sidecar, ZooKeeperEngine,
} from '../../src';

/**
 * Every class of invalid input, with the construct (or factory) the error must name, the bad value it must show and
 * the fix it must give. `test/errors.test.ts` checks each; `scripts/errors-doc.ts` writes docs/errors.md from it.
 */
export interface ErrorCase {
  readonly category: string;
  /** What the user did wrong. */
  readonly input: string;
  /** Throws, or returns a chart whose synthesis throws. */
  readonly trigger: () => Chart | unknown;
  /** The construct path (or, for value classes built outside any construct, the factory call) the message starts with. */
  readonly where: string;
  /** The bad value, as the message shows it. */
  readonly value: string;
  /** The fix the message gives. */
  readonly fix: string;
}

const IMAGE = 'registry.example.com/app:1.0.0';

function app(): Chart {
  return new Chart(Testing.app(), 'app', { namespace: 'shop' });
}

function sts(props: HeadlessStatefulServiceProps = {}, c = app()): HeadlessStatefulService {
  return new HeadlessStatefulService(c, 'Db', {
    containers: [{ name: 'db', image: IMAGE }],
    ports: [{ port: 5432, name: 'postgresql' }],
    ...props,
  });
}

function meshWorkload(meshMode: MeshMode | undefined, c = app()): HeadlessStatefulService {
  return sts({ meshMode, serviceAccount: new kplus.ServiceAccount(c, 'Sa', { metadata: { name: 'db' } }) }, c);
}

const credentials = (c: Chart) => kplus.Secret.fromSecretName(c, 'Credentials', 'db-credentials');

/** Resources with only a memory limit (and the same request). */
const memory = (limit: Size): kplus.ContainerResources => ({ memory: { request: limit, limit } });
/** Two charts of one app, both in namespace `shop`. */
function twoCharts(): [Chart, Chart] {
  const a = Testing.app();
  return [new Chart(a, 'app', { namespace: 'shop' }), new Chart(a, 'other', { namespace: 'shop' })];
}

/** A chart of an app that has already written its manifests (`app.synth()`), with what it held then. */
function synthesised<T>(build: (c: Chart) => T): T {
  const a: App = Testing.app();
  const built = build(new Chart(a, 'app', { namespace: 'shop' }));
  a.synth();
  return built;
}

/** An engine of the user's own that adds no client Service (its clients connect to the pods by name). */
const noClientServiceEngine: IDatabaseEngine = {
  engineName: 'kv',
  defaultImage: IMAGE,
  defaultReplicas: 3,
  ports: [{ port: 7000, name: 'kv', protocol: AppProtocol.TCP, role: PortRole.CLIENT }],
  storage: { claimName: 'data', mountPath: '/data', defaultSize: Size.gibibytes(1) },
  replicasProblem: () => undefined,
  bind: () => ({ containerName: 'kv', container: {}, resources: {}, podSecurityContext: { user: 1000, group: 1000 } }),
  configure: () => undefined,
};

/** Runs a case: the error message it produces (the synthesis error line naming the construct, when it fails at synth). */
export function errorOf(errorCase: ErrorCase): { message: string; at: 'construction' | 'synth' } | undefined {
  let result: unknown;
  try {
    result = errorCase.trigger();
  } catch (e) {
    return { message: (e as Error).message, at: 'construction' };
  }
  if (result instanceof Chart) {
    try {
      Testing.synth(result);
    } catch (e) {
      const lines = (e as Error).message.split('\n').map(l => l.trim());
      return { message: lines.find(l => l.startsWith(errorCase.where)) ?? (e as Error).message, at: 'synth' };
    }
  }
  return undefined;
}

export const ERROR_CASES: ErrorCase[] = [
  // names and lengths
  { category: 'Names and lengths', input: 'a StatefulSet name with uppercase letters', trigger: () => sts({ name: 'Orders' }), where: 'app/Db', value: "'Orders'", fix: "set a name such as 'orders'" },
  { category: 'Names and lengths', input: 'a name starting with a digit', trigger: () => sts({ name: '1db' }), where: 'app/Db', value: "'1db'", fix: 'set a name such as' },
  { category: 'Names and lengths', input: 'a construct id that is no DNS label, and no name', trigger: () => new HeadlessStatefulService(app(), 'Orders_DB', {}), where: 'app/Orders_DB', value: "'orders_db' (from the construct id 'Orders_DB')", fix: "set a name such as 'orders-db'" },
  { category: 'Names and lengths', input: 'a StatefulSet name over 52 characters (no pod would be created)', trigger: () => sts({ name: 'a'.repeat(53) }), where: 'app/Db', value: `'${'a'.repeat(53)}' is 53 characters long`, fix: 'shorten the name' },
  { category: 'Names and lengths', input: 'a pod DNS label over 63 characters', trigger: () => sts({ name: 'a'.repeat(52), replicas: 100000000000 }), where: 'app/Db', value: `'${'a'.repeat(52)}-99999999999'`, fix: 'shorten the name' },
  { category: 'Names and lengths', input: 'a headless Service name that is no DNS label', trigger: () => sts({ headlessServiceName: 'db.peers' }), where: 'app/Db', value: "'db.peers'", fix: 'set a name such as' },
  { category: 'Names and lengths', input: 'an invalid namespace', trigger: () => sts({ namespace: 'Prod_EU' }), where: 'app/Db', value: "'Prod_EU'", fix: "use a namespace such as 'prod-eu'" },
  { category: 'Names and lengths', input: 'an invalid cluster domain', trigger: () => sts({ clusterDomain: 'cluster..local' }), where: 'app/Db', value: "'cluster..local'", fix: "usually 'cluster.local'" },
  { category: 'Names and lengths', input: 'a port name over 15 characters', trigger: () => sts({ ports: [{ port: 9094, name: 'interbroker-listener' }] }), where: 'app/Db', value: "'tcp-interbroker-listener'", fix: "e.g. name: 'tcp-9094'" },
  { category: 'Names and lengths', input: 'a port name with uppercase letters', trigger: () => sts({ ports: [{ port: 5432, name: 'PostgreSQL' }] }), where: 'app/Db', value: "'PostgreSQL'", fix: "use 'postgresql'" },
  { category: 'Names and lengths', input: 'two StatefulSets of one name in one namespace (one object in the cluster)', trigger: () => { const [a, b] = twoCharts(); sts({}, a); sts({}, b); }, where: 'other/Db', value: "StatefulSet 'db' in namespace 'shop' is already written by app/Db", fix: 'give one of them another name' },
  { category: 'Names and lengths', input: 'two databases of one name in one namespace', trigger: () => { const [a, b] = twoCharts(); new MeshAwareDatabase(a, 'Db', { image: IMAGE, engine: new PostgresPatroniEngine({ credentials: credentials(a) }) }); new MeshAwareDatabase(b, 'Orders', { name: 'db', image: IMAGE, engine: new PostgresPatroniEngine({ credentials: credentials(b) }) }); }, where: 'other/Orders', value: "StatefulSet 'db' in namespace 'shop' is already written by app/Db", fix: 'give one of them another name' },
  { category: 'Names and lengths', input: 'two Services of one name in one namespace', trigger: () => { const c = app(); sts({}, c); new MeshService(c, 'Api', { name: 'db-headless', ports: [{ port: 80 }] }); }, where: 'app/Api', value: "Service 'db-headless' in namespace 'shop' is already written by app/Db", fix: 'give one of them another name' },
  { category: 'Names and lengths', input: 'an env variable name that is no C identifier', trigger: () => sts().addPodHostEnv('MY-HOST'), where: 'app/Db', value: "'MY-HOST'", fix: 'rename it' },

  // ports
  { category: 'Ports', input: 'a port reserved by the Istio proxy', trigger: () => sts({ ports: [{ port: 15006 }] }), where: 'app/Db', value: 'port 15006', fix: 'choose another port' },
  { category: 'Ports', input: 'a port number out of range', trigger: () => sts({ ports: [{ port: 70000 }] }), where: 'app/Db', value: 'port 70000', fix: 'choose another port' },
  { category: 'Ports', input: 'the same port twice', trigger: () => sts({ ports: [{ port: 5432 }, { port: 5432, name: 'pg' }] }), where: 'app/Db', value: "port 5432 is already declared as 'tcp-5432'", fix: 'declare each port once' },
  { category: 'Ports', input: 'the same port name twice', trigger: () => sts({ ports: [{ port: 7000, name: 'intra' }, { port: 7001, name: 'intra' }] }), where: 'app/Db', value: "'tcp-intra'", fix: 'choose another name for port 7001' },
  { category: 'Ports', input: 'no port at all', trigger: () => { const c = app(); new HeadlessStatefulService(c, 'Db', { containers: [{ name: 'db', image: IMAGE }] }); return c; }, where: '[app/Db]', value: "'db' declares no ports", fix: 'declare them with addPort' },
  { category: 'Ports', input: 'a container port not declared on the headless Service', trigger: () => { const c = app(); sts({}, c).statefulSet.addContainer({ name: 'exporter', image: IMAGE, portNumber: 9187 }); return c; }, where: '[app/Db]', value: 'port 9187', fix: 'declare it with addPort({ port: 9187' },
  { category: 'Ports', input: 'a port the container already declares without a name', trigger: () => new HeadlessStatefulService(app(), 'Db', { containers: [{ name: 'db', image: IMAGE, portNumber: 5432 }], ports: [{ port: 5432 }] }), where: 'app/Db', value: 'port 5432 without a name', fix: 'declare it only with addPort()' },
  { category: 'Ports', input: 'a port on an init container', trigger: () => { const s = sts(); s.addPort({ port: 9000, container: s.statefulSet.addInitContainer({ name: 'init', image: IMAGE }) }); }, where: 'app/Db', value: "container 'init'", fix: 'pass one of statefulSet.containers' },
  { category: 'Ports', input: 'an address for an undeclared port', trigger: () => sts().addPodAddressEnv('ADDRESS', 5433), where: 'app/Db', value: 'port 5433', fix: 'declare it with addPort({ port: 5433 })' },
  { category: 'Ports', input: 'an address for a port an imported StatefulSet does not declare', trigger: () => HeadlessStatefulService.fromAttributes(app(), 'Remote', { name: 'cassandra', namespace: 'data', replicas: 3, ports: [{ port: 9042 }] }).connectAddress(0, 7000), where: 'app/Remote', value: 'port 7000', fix: "add the port to the attributes' ports" },
  { category: 'Ports', input: 'a cdk8s-plus bind() whose targetPort differs from the port', trigger: () => new MeshService(app(), 'Api').bind(80, { targetPort: 8080 }), where: 'app/Api', value: 'targetPort 8080', fix: 'or drop targetPort' },
  { category: 'Ports', input: 'a DestinationRule port setting for a port the Service lacks', trigger: () => new DestinationRule(app(), 'Dr', { service: sts().headlessService }).addPortTls(8008, ClientTls.disable()), where: 'app/Dr', value: 'port 8008', fix: 'keyed by Service port' },
  { category: 'Ports', input: 'a PeerAuthentication port that is not a container port', trigger: () => { const c = app(); new PeerAuthentication(c, 'Pa', { workload: sts({}, c), portLevelMtls: [{ port: 15432, mode: MtlsMode.DISABLE }] }); }, where: 'app/Pa', value: 'port 15432', fix: "keyed by the pods' container ports" },

  // protocols
  { category: 'Protocols', input: 'a port name whose prefix means another protocol to Istio', trigger: () => sts({ ports: [{ port: 6379, name: 'redis' }] }), where: 'app/Db', value: "'redis' (port 6379) reads as protocol Redis", fix: "name it 'tcp-redis' or set protocol: AppProtocol.REDIS" },
  { category: 'Protocols', input: 'an app protocol Istio does not recognise', trigger: () => AppProtocol.of('postgres'), where: "app protocol 'postgres'", value: "'postgres'", fix: 'use one of tcp' },
  { category: 'Protocols', input: 'TLS origination that would not verify the server', trigger: () => ClientTls.simple({}), where: 'ClientTls.simple()', value: 'would not be verified (IST0128)', fix: 'set caCertificates, or insecureSkipVerify: true' },
  { category: 'Protocols', input: 'a ServiceEntry TCP port that Istio cannot match (resolution NONE, no address)', trigger: () => new ServiceEntry(app(), 'Se', { hosts: ['db.example.com'], resolution: ServiceEntryResolution.NONE, ports: [{ port: 5432 }] }), where: 'app/Se', value: 'TCP port 5432', fix: 'set addresses, or use resolution DNS' },

  // mesh-mode conflicts
  { category: 'Mesh-mode conflicts', input: 'mesh policy for a workload without a mesh mode', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(undefined, c) }); }, where: 'app/Policy', value: "'db' has no meshMode", fix: 'set meshMode: MeshMode.sidecar()' },
  { category: 'Mesh-mode conflicts', input: 'a Sidecar resource for ambient pods (IST0167)', trigger: () => { const c = app(); new Sidecar(c, 'Scope', { workload: meshWorkload(MeshMode.ambient(), c) }); }, where: 'app/Scope', value: '(ambient)', fix: 'scope ambient traffic with a waypoint' },
  { category: 'Mesh-mode conflicts', input: 'PeerAuthentication DISABLE for ambient pods', trigger: () => { const c = app(); new PeerAuthentication(c, 'Pa', { workload: meshWorkload(MeshMode.ambient(), c), mode: MtlsMode.DISABLE }); }, where: 'app/Pa', value: 'mode DISABLE', fix: 'use PERMISSIVE' },
  { category: 'Mesh-mode conflicts', input: 'STRICT mTLS for pods outside the mesh', trigger: () => { const c = app(); new PeerAuthentication(c, 'Pa', { workload: meshWorkload(MeshMode.outside(), c) }); }, where: 'app/Pa', value: 'mode STRICT', fix: 'do not write a STRICT PeerAuthentication' },
  { category: 'Mesh-mode conflicts', input: 'an AuthorizationPolicy for pods outside the mesh', trigger: () => { const c = app(); new AuthorizationPolicy(c, 'Ap', { workload: meshWorkload(MeshMode.outside(), c) }); }, where: 'app/Ap', value: "'db' runs outside the mesh", fix: 'restrict access with a NetworkPolicy' },
  { category: 'Mesh-mode conflicts', input: 'port-level mTLS modes for pods outside the mesh', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.outside(), c), portLevelMtls: [{ port: 5432, mode: MtlsMode.PERMISSIVE }] }); }, where: 'app/Policy', value: "'db' runs outside the mesh", fix: 'remove mode and portLevelMtls' },
  { category: 'Mesh-mode conflicts', input: 'excluding from the sidecar a port the workload does not declare', trigger: () => { const c = app(); meshWorkload(MeshMode.sidecar({ excludeInboundPorts: [9100] }), c); return c; }, where: '[app/Db]', value: 'port 9100', fix: 'exclude only declared ports' },
  { category: 'Mesh-mode conflicts', input: 'load balancing on a headless Service (no effect, istio#50967)', trigger: () => new DestinationRule(app(), 'Dr', { service: sts().headlessService, loadBalancer: LoadBalancer.roundRobin() }), where: 'app/Dr', value: 'loadBalancer ROUND_ROBIN', fix: 'addClientService()' },
  { category: 'Mesh-mode conflicts', input: 'an application running as UID 1337, the proxy\'s (IST0144)', trigger: () => sts({ containers: [{ name: 'db', image: IMAGE, securityContext: { user: 1337 } }] }), where: 'app/Db', value: 'runAsUser 1337', fix: 'run as another UID' },
  { category: 'Mesh-mode conflicts', input: 'a reserved port excluded from the sidecar', trigger: () => MeshMode.sidecar({ excludeInboundPorts: [15090] }), where: 'MeshMode.sidecar()', value: 'port 15090', fix: 'list application ports only' },
  { category: 'Mesh-mode conflicts', input: 'a STRICT peer port excluded from the sidecar\'s outbound capture (peers would send plaintext)', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.sidecar({ excludeOutboundPorts: [5432] }), c) }); }, where: 'app/Policy', value: 'excludeOutboundPorts 5432', fix: 'remove 5432 from excludeOutboundPorts, or make the port plaintext' },
  { category: 'Mesh-mode conflicts', input: 'a plaintext port without the NetworkPolicy that is its only allow-list', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.sidecar(), c), portLevelMtls: [{ port: 5432, mode: MtlsMode.PERMISSIVE }], networkPolicy: false }); }, where: 'app/Policy', value: 'port 5432', fix: 'keep networkPolicy: true, or make the port STRICT' },
  { category: 'Mesh-mode conflicts', input: 'a waypoint to write, but none named', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.ambient(), c), createWaypoint: true }); }, where: 'app/Policy', value: 'createWaypoint', fix: "use meshMode: MeshMode.ambient({ waypoint: 'db-waypoint' })" },
  { category: 'Mesh-mode conflicts', input: 'a waypoint option without a waypoint', trigger: () => MeshMode.ambient({ waypointNamespace: 'mesh' }), where: 'MeshMode.ambient()', value: 'waypointNamespace', fix: 'set waypoint' },
  { category: 'Mesh-mode conflicts', input: 'a scraper of merged metrics where no sidecar agent serves them', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.ambient(), c) }).allowScraper(MeshClient.allInNamespace('monitoring')); }, where: 'app/Policy', value: 'runs in ambient mode', fix: "pass the application's metrics port" },

  // images and secrets
  { category: 'Images and secrets', input: 'a preset without its credentials Secret', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { image: IMAGE, engine: new PostgresPatroniEngine({ credentials: undefined as any }) }); }, where: 'app/Db', value: "key 'superuser-password'", fix: "kplus.Secret.fromSecretName(scope, 'Credentials', 'db-credentials')" },
  { category: 'Images and secrets', input: 'an engine without an official image, and no image', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { engine: new PostgresPatroniEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'postgresql-patroni has no official image', fix: "pass image: '<registry>/<repository>:<version>'" },
  { category: 'Images and secrets', input: 'an unpinned container image in a HeadlessStatefulService', trigger: () => sts({ containers: [{ name: 'web', image: 'docker.io/library/nginx' }] }), where: 'app/Db', value: "image 'docker.io/library/nginx' of container 'web' is not pinned (no tag)", fix: 'pin a version tag or a digest' },
  { category: 'Images and secrets', input: 'an unpinned image in a container added later', trigger: () => { const c = app(); sts({}, c).statefulSet.addContainer({ name: 'exporter', image: 'quay.io/prometheuscommunity/postgres-exporter:latest' }); return c; }, where: '[app/Db]', value: "image 'quay.io/prometheuscommunity/postgres-exporter:latest' of container 'exporter' is not pinned (:latest)", fix: 'pin a version tag or a digest' },
  { category: 'Images and secrets', input: 'an unpinned image', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { image: 'registry.example.com/patroni:latest', engine: new PostgresPatroniEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: "'registry.example.com/patroni:latest'", fix: 'pin a version tag or a digest' },

  // replica counts
  { category: 'Replica counts', input: 'zero replicas', trigger: () => sts({ replicas: 0 }), where: 'app/Db', value: 'replicas 0', fix: 'set replicas: 1 or more' },
  { category: 'Replica counts', input: 'a database of zero replicas', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { replicas: 0, image: IMAGE, engine: new PostgresPatroniEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'replicas 0', fix: 'set replicas: 1 or more' },
  { category: 'Replica counts', input: 'a disruption budget that blocks every drain', trigger: () => sts({ replicas: 3, disruptionBudget: DisruptionBudget.minAvailable(3) }), where: 'app/Db', value: 'minAvailable 3', fix: 'use DisruptionBudget.maxUnavailable(1)' },
  { category: 'Replica counts', input: 'a Redis Cluster that cannot be formed', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { replicas: 4, engine: new RedisClusterEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'replicas 4', fix: 'use replicas: 6' },
  { category: 'Replica counts', input: 'more MongoDB members than a replica set lets vote', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { replicas: 8, engine: new MongoDbReplicaSetEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'replicas 8', fix: 'use at most 7 replicas' },
  { category: 'Replica counts', input: 'an ordinal beyond the replicas', trigger: () => sts({ replicas: 3 }).podFqdn(3), where: 'app/Db', value: 'ordinal 3', fix: 'ordinals 0 to 2' },
  { category: 'Replica counts', input: 'a peer list longer than the replicas', trigger: () => sts({ replicas: 3 }).peerList('{host}', { count: 4 }), where: 'app/Db', value: 'count 4', fix: 'list at most every pod' },

  // clients
  { category: 'Clients', input: 'a client running as the shared default service account', trigger: () => MeshClient.serviceAccount('default', 'shop'), where: "MeshClient.serviceAccount('default', 'shop')", value: "'default'", fix: 'give the client its own ServiceAccount' },
  { category: 'Clients', input: 'a client workload without its own service account', trigger: () => MeshClient.workload(new kplus.Deployment(app(), 'Orders', { containers: [{ image: IMAGE }] })), where: 'app/Orders', value: "'default'", fix: 'set serviceAccount on the workload' },
  { category: 'Clients', input: 'a client HeadlessStatefulService without its own service account', trigger: () => MeshClient.meshWorkload(sts()), where: 'app/Db', value: "'default'", fix: 'set serviceAccount on the workload' },
  { category: 'Clients', input: 'a client namespace that is no DNS label', trigger: () => MeshClient.serviceAccount('orders', 'Shop_EU'), where: "MeshClient.serviceAccount('orders', 'Shop_EU')", value: "namespace 'Shop_EU'", fix: "use a namespace such as 'shop-eu'" },
  { category: 'Clients', input: 'a client service account name that is no DNS label', trigger: () => MeshClient.serviceAccount('orders_api', 'shop'), where: "MeshClient.serviceAccount('orders_api', 'shop')", value: "service account 'orders_api'", fix: "use a service account such as 'orders-api'" },
  { category: 'Clients', input: 'the client Service of a database whose engine created none', trigger: () => new MeshAwareDatabase(app(), 'Kv', { engine: noClientServiceEngine }).clientService, where: 'app/Kv', value: 'kv created no client Service', fix: 'connect to the pods by name' },
  { category: 'Clients', input: 'a client namespace one typo away from the app\'s', trigger: () => { const c = app(); new kplus.Namespace(c, 'Ns', { metadata: { name: 'orders' } }); const p = new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.sidecar(), c) }); p.allowFrom(MeshClient.allInNamespace('ordres')); return c; }, where: '[app] app/Policy/AuthorizationPolicy/Resource', value: "'ordres'", fix: "did you mean 'orders'?" },
  { category: 'Clients', input: 'a client admitted on a port the workload does not declare', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.sidecar(), c) }).allowFrom(MeshClient.allInNamespace('web'), [6379]); }, where: 'app/Policy', value: 'port 6379', fix: "keyed by the pods' container ports" },
  { category: 'Clients', input: 'a workload in the mesh without its own service account (its peers\' identity)', trigger: () => { const c = app(); new MeshPolicy(c, 'Policy', { workload: sts({ meshMode: MeshMode.sidecar() }, c) }); }, where: 'app/Policy', value: "'db' has no service account of its own", fix: 'give the StatefulSet a dedicated ServiceAccount' },
  { category: 'Clients', input: 'an ALLOW policy without rules (it would deny everything)', trigger: () => { const c = app(); new AuthorizationPolicy(c, 'Ap', { workload: meshWorkload(MeshMode.sidecar(), c) }); return c; }, where: '[app/Ap]', value: 'has no rules', fix: 'add rules with allow()' },
  { category: 'Clients', input: 'an admitted client whose traffic the mesh would still deny (at synth)', trigger: () => { const c = app(); const orders = new kplus.Deployment(c, 'Orders', { metadata: { name: 'orders' }, podMetadata: { labels: { 'sidecar.istio.io/inject': 'true' }, annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' } }, serviceAccount: new kplus.ServiceAccount(c, 'OrdersSa', { metadata: { name: 'orders' } }), containers: [{ image: IMAGE }] }); new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.sidecar(), c) }).allowFrom(MeshClient.workload(orders)); return c; }, where: '[app] app/Policy', value: 'client Deployment shop/orders -> StatefulSet shop/db:5432', fix: 'port 5432 bypasses the client\'s sidecar' },

  // environment and storage
  { category: 'Environment and storage', input: '$(VAR) used before VAR is defined', trigger: () => { const c = app(); sts({ containers: [{ name: 'db', image: IMAGE, envVariables: { A: kplus.EnvValue.fromValue('$(POD_NAME):5432'), POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } }] }, c); return c; }, where: '[app/Db]', value: 'env A uses $(POD_NAME)', fix: 'define POD_NAME first' },
  { category: 'Environment and storage', input: 'POD_NAME defined as something else than the pod name', trigger: () => sts({ containers: [{ name: 'db', image: IMAGE, envVariables: { POD_NAME: kplus.EnvValue.fromValue('db-0') } }] }).addPodHostEnv('HOST'), where: 'app/Db', value: 'POD_NAME', fix: 'remove the container\'s own POD_NAME' },
  { category: 'Environment and storage', input: 'a peer list template with an unknown placeholder', trigger: () => sts({ replicas: 3 }).peerList('{hostname}:2888'), where: 'app/Db', value: '{hostname}', fix: 'use {ordinal}, {id}, {pod} or {host}' },
  { category: 'Environment and storage', input: 'a volume claim mounted before it is declared', trigger: () => { const s = sts(); s.mountVolumeClaim('data', s.statefulSet.containers[0], '/data'); }, where: 'app/Db', value: "'data' is not declared", fix: 'declare it with addVolumeClaim() first' },
  { category: 'After synthesis', input: 'a port added after app.synth() wrote the manifests', trigger: () => synthesised(c => sts({}, c)).addPort({ port: 9187, name: 'metrics' }), where: 'app/Db', value: 'addPort() adds port 9187', fix: 'call addPort() before app.synth()' },
  { category: 'After synthesis', input: 'a client admitted after app.synth() wrote the manifests', trigger: () => synthesised(c => new MeshAwareDatabase(c, 'Db', { image: IMAGE, engine: new PostgresPatroniEngine({ credentials: credentials(c) }) })).allowFrom(MeshClient.serviceAccount('orders', 'shop')), where: 'app/Db', value: 'allowFrom() adds client sa shop/orders', fix: 'call allowFrom() before app.synth()' },
  { category: 'After synthesis', input: 'a client Service added after app.synth() wrote the manifests', trigger: () => synthesised(c => sts({}, c)).addClientService('Client'), where: 'app/Db', value: "addClientService() adds client Service 'Client'", fix: 'call addClientService() before app.synth()' },
  { category: 'After synthesis', input: 'a mesh policy rule added after app.synth() wrote the manifests', trigger: () => synthesised(c => new MeshPolicy(c, 'Policy', { workload: meshWorkload(MeshMode.sidecar(), c) })).allowScraper(MeshClient.allInNamespace('monitoring')), where: 'app/Policy', value: 'allowScraper() adds scraper namespace monitoring', fix: 'call allowScraper() before app.synth()' },
  { category: 'Environment and storage', input: 'a volume claim at a relative mount path', trigger: () => sts().addVolumeClaim('data', { mountPath: 'data', storage: Size.gibibytes(1) }), where: 'app/Db', value: "mount path 'data'", fix: "use e.g. '/data'" },
  { category: 'Environment and storage', input: 'a database user name that pg_hba.conf cannot take unquoted', trigger: () => new PostgresPatroniEngine({ credentials: credentials(app()), replicationUserName: 'repl user' }), where: 'PostgresPatroniEngine', value: "replicationUserName 'repl user'", fix: "e.g. 'standby'" },

  // engine sizing: heaps, caches and alarms come from the container's memory limit
  { category: 'Engine sizing', input: 'a Cassandra pod below the memory its heap and off-heap structures need', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: memory(Size.gibibytes(1)), engine: new CassandraEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'memory limit 1Gi', fix: 'raise resources.memory.limit to 2Gi or more' },
  { category: 'Engine sizing', input: 'a Kafka pod (controller and broker) below 1Gi', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: memory(Size.mebibytes(768)), engine: new KafkaEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'memory limit 768Mi', fix: 'raise resources.memory.limit to 1Gi or more' },
  { category: 'Engine sizing', input: 'a ZooKeeper pod below 512Mi', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: memory(Size.mebibytes(384)), engine: new ZooKeeperEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'memory limit 384Mi', fix: 'raise resources.memory.limit to 512Mi or more' },
  { category: 'Engine sizing', input: 'a RabbitMQ pod below 512Mi', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: memory(Size.mebibytes(256)), engine: new RabbitMqEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'memory limit 256Mi', fix: 'raise resources.memory.limit to 512Mi or more' },
  { category: 'Engine sizing', input: 'an Elasticsearch pod below 1Gi', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: memory(Size.mebibytes(512)), engine: new ElasticsearchEngine({ credentials: credentials(c), tls: kplus.Secret.fromSecretName(c, 'Tls', 'db-tls') }) }); }, where: 'app/Db', value: 'memory limit 512Mi', fix: 'raise resources.memory.limit to 1Gi or more' },
  { category: 'Engine sizing', input: 'an Elasticsearch heapSize above half the memory limit', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: memory(Size.gibibytes(4)), engine: new ElasticsearchEngine({ credentials: credentials(c), tls: kplus.Secret.fromSecretName(c, 'Tls', 'db-tls'), heapSize: '3g' }) }); }, where: 'app/Db', value: "heapSize '3g'", fix: 'lower heapSize to 2Gi or less, or raise resources.memory.limit to 6Gi' },
  { category: 'Engine sizing', input: 'a JVM engine without a memory limit (it would size its heap from the node)', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: { cpu: { request: kplus.Cpu.millis(500) } }, engine: new KafkaEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'the container has no memory limit', fix: 'set resources.memory.limit (at least 1Gi)' },
  { category: 'Engine sizing', input: 'a memory limit too small for the engine to start', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } }, engine: new EtcdEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'memory limit 256Mi is below the engine\'s minimum of 384Mi', fix: 'raise resources.memory.limit to 384Mi or more' },
  { category: 'Engine sizing', input: 'no memory limit to size the engine\'s cache, heap or quota from', trigger: () => { const c = app(); new MeshAwareDatabase(c, 'Db', { resources: { cpu: { request: kplus.Cpu.millis(100) } }, engine: new RedisSentinelEngine({ credentials: credentials(c) }) }); }, where: 'app/Db', value: 'the container has no memory limit', fix: 'set resources.memory.limit (at least 192Mi)' },
];
