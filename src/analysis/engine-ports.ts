/**
 * What the analyzer knows of the engines' published ports: which ports peers of a cluster use to reach each other, and
 * which ports carry a binary database protocol (never HTTP). Engines are recognised by their container image.
 */
import { commandWords } from './objects';

/** A stateful engine, recognised by its image, with the ports its pods use to reach each other. */
export interface EnginePorts {
  readonly engine: string;
  /** A word of the image repository (`bitnami/cassandra`, `cassandra`), matched at a word boundary. */
  readonly image: RegExp;
  /** Ports the pods of one cluster connect to on each other (pod IP or per-pod name), with what they carry. */
  readonly peerPorts: ReadonlyArray<{ readonly port: number; readonly purpose: string }>;
  /** When set, the engine uses its peer ports only in this mode, recognised from env or args. */
  readonly onlyWhen?: { readonly what: string; readonly test: (container: any) => boolean };
  /** Where the ports are documented. */
  readonly source: string;
}

function envOrArgs(container: any): string {
  const env = Array.isArray(container?.env) ? container.env.map((e: any) => `${e?.name}=${e?.value ?? ''}`) : [];
  return [...env, ...commandWords(container)].join('\n');
}

export const ENGINE_PORTS: ReadonlyArray<EnginePorts> = [
  {
    engine: 'Cassandra',
    image: /(^|[/_-])(cassandra|scylla)([:@_-]|$)/,
    peerPorts: [{ port: 7000, purpose: 'inter-node (storage_port)' }],
    source: 'apache/cassandra conf/cassandra.yaml (storage_port 7000; ssl_storage_port 7001 only with legacy TLS)',
  },
  {
    engine: 'Redis Cluster',
    image: /(^|[/_-])(redis|valkey)(-cluster)?([:@_-]|$)/,
    peerPorts: [{ port: 16379, purpose: 'cluster bus (client port + 10000)' }],
    onlyWhen: {
      what: 'cluster mode (cluster-enabled yes, REDIS_CLUSTER_* env, or a redis-cluster image)',
      test: c => /cluster-enabled[\s=]+yes|REDIS_CLUSTER_|VALKEY_CLUSTER_/i.test(envOrArgs(c)) || /redis-cluster|valkey-cluster/.test(String(c?.image ?? '')),
    },
    source: 'redis.io docs, Redis Cluster tutorial, "Redis Cluster TCP ports" (the client port, and the cluster bus port: client port + 10000)',
  },
  {
    engine: 'Galera (MariaDB/Percona XtraDB Cluster)',
    image: /(^|[/_-])(mariadb-galera|galera|percona[-_]xtradb[-_]cluster|pxc)([:@_-]|$)/,
    peerPorts: [
      { port: 4567, purpose: 'group communication' },
      { port: 4568, purpose: 'incremental state transfer (IST)' },
      { port: 4444, purpose: 'state snapshot transfer (SST)' },
    ],
    source: 'galeracluster.com Galera Cluster documentation, "Firewall Settings" (3306, 4444, 4567, 4568)',
  },
  {
    engine: 'ZooKeeper',
    image: /(^|[/_-])zookeeper([:@_-]|$)/,
    peerPorts: [{ port: 2888, purpose: 'follower to leader' }, { port: 3888, purpose: 'leader election' }],
    source: 'zookeeper.apache.org doc/current/zookeeperAdmin ("server.x=host:2888:3888")',
  },
  {
    engine: 'etcd',
    image: /(^|[/_-])etcd([:@_-]|$)/,
    peerPorts: [{ port: 2380, purpose: 'peer (raft)' }],
    source: 'etcd.io docs/latest/op-guide/configuration (listen-peer-urls, default :2380)',
  },
  {
    engine: 'RabbitMQ',
    image: /(^|[/_-])rabbitmq([:@_-]|$)/,
    peerPorts: [{ port: 4369, purpose: 'epmd (peer discovery)' }, { port: 25672, purpose: 'inter-node (Erlang distribution)' }],
    source: 'rabbitmq.com docs/networking ("Ports": 4369 epmd, 25672 inter-node and CLI)',
  },
  {
    engine: 'Elasticsearch/OpenSearch',
    image: /(^|[/_-])(elasticsearch|opensearch)([:@_-]|$)/,
    peerPorts: [{ port: 9300, purpose: 'transport (node to node)' }],
    source: 'elastic.co guide/en/elasticsearch/reference/current/modules-network ("transport.port", default 9300-9400)',
  },
];

/** The engine a container runs, when its image is one of them (and it runs in the mode that uses the peer ports). */
export function engineOf(container: any): EnginePorts | undefined {
  if (typeof container !== 'object' || container === null) {
    return undefined;
  }
  if (!ENGINES.has(container)) {
    const image = String(container.image ?? '').toLowerCase().replace(/^[^/]*\.[^/]*\//, '');
    const repository = image.replace(/[:@].*$/, '');
    ENGINES.set(container, ENGINE_PORTS.find(e => e.image.test(repository) && (e.onlyWhen === undefined || e.onlyWhen.test(container))));
  }
  return ENGINES.get(container);
}

/** engineOf() per container object: several rules ask for the same containers. */
const ENGINES = new WeakMap<object, EnginePorts | undefined>();

/**
 * Ports that carry a binary, client-first database or messaging protocol, never HTTP: a Service port declared HTTP or
 * gRPC here makes Envoy parse the bytes as HTTP, and the connection fails. Only the engines' registered default ports.
 */
export const BINARY_PROTOCOL_PORTS: ReadonlyMap<number, string> = new Map([
  [5432, 'PostgreSQL'],
  [3306, 'MySQL/MariaDB'],
  [6379, 'Redis'],
  [26379, 'Redis Sentinel'],
  [27017, 'MongoDB'],
  [9042, 'Cassandra CQL'],
  [7000, 'Cassandra inter-node'],
  [9092, 'Kafka'],
  [2181, 'ZooKeeper'],
  [2888, 'ZooKeeper peer'],
  [3888, 'ZooKeeper election'],
  [5672, 'AMQP'],
  [4369, 'Erlang epmd'],
  [25672, 'Erlang distribution'],
  [11211, 'memcached'],
  [9300, 'Elasticsearch transport'],
  [1521, 'Oracle'],
  [1433, 'SQL Server'],
]);
