import { EngineContract, Fact } from './contract';

/**
 * What `docker.io/bitnamilegacy/cassandra:5.0.5-debian-12-r7` reads, requires, writes and advertises, from the
 * image's scripts (bitnami/containers, the 5.0 directory) and Cassandra's own launcher (`conf/cassandra-env.sh`, which
 * the image copies into its conf directory and `bin/cassandra` sources).
 */
const env = (note: string): Fact => ({ note, source: 'env' });
const lib = (note: string): Fact => ({ note, source: 'lib' });
const launcher = (note: string): Fact => ({ note, source: 'launcher' });

export const CONTRACT: EngineContract = {
  preset: 'cassandra',
  image: 'docker.io/bitnamilegacy/cassandra:5.0.5-debian-12-r7',
  sources: {
    env: { repo: 'bitnami/containers', path: 'bitnami/cassandra/5.0/debian-12/rootfs/opt/bitnami/scripts/cassandra-env.sh', ref: '043f89c88c0ea505b02145ba5dd2299e9cd3058e' },
    lib: { repo: 'bitnami/containers', path: 'bitnami/cassandra/5.0/debian-12/rootfs/opt/bitnami/scripts/libcassandra.sh', ref: '079e74b805f6048727e547ea782998d756a000e9' },
    launcher: { repo: 'apache/cassandra', path: 'conf/cassandra-env.sh', ref: '01234b6b36e690cae757730ae7b66698737c79a9' },
    dockerfile: { repo: 'bitnami/containers', path: 'bitnami/cassandra/5.0/debian-12/Dockerfile', ref: '029721dd7e8579b90db226b6f60485c05773d241' },
  },
  containers: [{
    name: 'cassandra',
    reads: {
      // cluster
      CASSANDRA_CLUSTER_NAME: env('cluster_name; `My Cluster` by default'),
      CASSANDRA_SEEDS: env('the seed list; defaults to this node\'s own host, i.e. a ring of one'),
      CASSANDRA_PEERS: env('the nodes the password seeder waits for (CQL as cassandra/cassandra) before it sets the password; defaults to the seeds'),
      CASSANDRA_NODES: env('wait until this many nodes are Up/Normal'),
      CASSANDRA_HOST: env('listen_address and broadcast_rpc_address; the hostname when unset'),
      CASSANDRA_BROADCAST_ADDRESS: env('broadcast_address'),
      CASSANDRA_ENDPOINT_SNITCH: env('endpoint_snitch; SimpleSnitch (which ignores datacenter and rack) by default'),
      CASSANDRA_DATACENTER: env('dc in cassandra-rackdc.properties; must not be empty'),
      CASSANDRA_RACK: env('rack in cassandra-rackdc.properties; must not be empty'),
      CASSANDRA_NUM_TOKENS: env('num_tokens, 256 by default'),
      CASSANDRA_ENABLE_REMOTE_CONNECTIONS: env('true: listen on the host, RPC on 0.0.0.0; false: loopback only'),
      CASSANDRA_ENABLE_RPC: env('start_rpc'),
      CASSANDRA_ENABLE_USER_DEFINED_FUNCTIONS: env('user-defined functions'),
      CASSANDRA_ENABLE_SCRIPTED_USER_DEFINED_FUNCTIONS: env('scripted user-defined functions'),
      CASSANDRA_AUTOMATIC_SSTABLE_UPGRADE: env('automatic_sstable_upgrade'),
      CASSANDRA_AUTO_SNAPSHOT_TTL: env('auto_snapshot_ttl, 30d by default'),
      // first boot
      CASSANDRA_PASSWORD_SEEDER: env('yes on the one node that sets the admin password on first boot'),
      CASSANDRA_STARTUP_CQL: env('CQL the seeder runs after setting the password'),
      CASSANDRA_IGNORE_INITDB_SCRIPTS: env('skip /docker-entrypoint-initdb.d'),
      CASSANDRA_DELAY_START_TIME: env('seconds the entrypoint sleeps before starting, 10 by default'),
      CASSANDRA_CQL_MAX_RETRIES: env('CQL retries, 20'),
      CASSANDRA_CQL_SLEEP_TIME: env('seconds between CQL retries, 5'),
      CASSANDRA_INIT_MAX_RETRIES: env('start-up checks, 100'),
      CASSANDRA_INIT_SLEEP_TIME: env('seconds between start-up checks, 5'),
      CASSANDRA_PEER_CQL_MAX_RETRIES: env('tries to reach a peer over CQL, 100'),
      CASSANDRA_PEER_CQL_SLEEP_TIME: env('seconds between those tries, 10'),
      // ports
      CASSANDRA_CQL_PORT_NUMBER: env('native transport, 9042'),
      CASSANDRA_JMX_PORT_NUMBER: env('JMX, 7199'),
      CASSANDRA_TRANSPORT_PORT_NUMBER: env('storage_port (gossip), 7000'),
      // authentication
      ALLOW_EMPTY_PASSWORD: env('allow no password (never set by the preset)'),
      CASSANDRA_AUTHORIZER: env('authorizer, CassandraAuthorizer'),
      CASSANDRA_AUTHENTICATOR: env('authenticator, PasswordAuthenticator'),
      CASSANDRA_USER: env('the admin user, cassandra by default'),
      CASSANDRA_PASSWORD: lib('the admin password; when empty the image only warns and keeps `cassandra`'),
      // TLS
      CASSANDRA_CLIENT_ENCRYPTION: env('client TLS'),
      CASSANDRA_INTERNODE_ENCRYPTION: env('internode TLS, none by default'),
      CASSANDRA_KEYSTORE_PASSWORD: env('keystore password, `cassandra` by default (TLS only)'),
      CASSANDRA_TRUSTSTORE_PASSWORD: env('truststore password, `cassandra` by default (TLS only)'),
      CASSANDRA_KEYSTORE_LOCATION: env('keystore, /bitnami/cassandra/secrets/keystore'),
      CASSANDRA_TRUSTSTORE_LOCATION: env('truststore, /bitnami/cassandra/secrets/truststore'),
      CASSANDRA_TMP_P12_FILE: env('scratch PKCS12 file for client TLS'),
      CASSANDRA_SSL_CERT_FILE: env('cqlsh TLS certificate'),
      CASSANDRA_SSL_KEY_FILE: env('cqlsh TLS key'),
      CASSANDRA_SSL_CA_FILE: env('cqlsh TLS CA'),
      CASSANDRA_SSL_VALIDATE: env('cqlsh verifies the server certificate'),
      SSL_VERSION: env('cqlsh TLS version'),
      CASSANDRA_MOUNTED_CONF_DIR: env('configuration files to copy in, /bitnami/cassandra/conf'),
      JAVA_TOOL_OPTIONS: env('JVM options for every Java process'),
      BITNAMI_DEBUG: env('verbose scripts'),
      MODULE: env('the name in the scripts\' log lines'),
      // Cassandra's launcher
      MAX_HEAP_SIZE: launcher('-Xms and -Xmx; when unset, max(min(1/2, 1024 MB), min(1/4, 8192 MB)) of the RAM `free -m` shows (the node\'s)'),
      HEAP_NEWSIZE: launcher('the young generation (-Xmn, applied with CMS only); when unset, min(100 MB per core of /proc/cpuinfo, 1/4 heap)'),
      JVM_EXTRA_OPTS: launcher('appended to the JVM options'),
      MALLOC_ARENA_MAX: launcher('glibc arenas, 4 by default'),
      LOCAL_JMX: launcher('JMX on localhost only (yes by default)'),
      CASSANDRA_HEAPDUMP_DIR: launcher('where a heap dump on OutOfMemoryError goes'),
      CASSANDRA_LOG_DIR: launcher('where gc.log goes; $CASSANDRA_HOME/logs by default'),
    },
    requires: [
      // without seeds every pod forms its own ring; without peers the seeder waits for pod 1, which OrderedReady
      // creates only once pod 0 is ready, and a timeout leaves the default password for good
      'CASSANDRA_SEEDS', 'CASSANDRA_PEERS', 'CASSANDRA_PASSWORD', 'CASSANDRA_ENDPOINT_SNITCH',
      // without them the heap is sized from the node's RAM, then pre-touched (-XX:+AlwaysPreTouch in apache/cassandra
      // conf/jvm-server.options): OOMKilled
      'MAX_HEAP_SIZE', 'HEAP_NEWSIZE',
    ],
    ownVars: {
      POD_NAME: 'read by the preset\'s wrapper (${POD_NAME##*-}) to make ordinal 0 the password seeder',
      POD_IP: 'read by the preset\'s readiness probe: nodetool lists nodes by IP',
    },
    writes: [
      { path: '/opt/bitnami/cassandra/conf/cassandra.yaml', ...lib('the conf directory is emptied, refilled from conf.default and edited at every start') },
      { path: '/opt/bitnami/cassandra/conf/cassandra-env.sh', ...lib('Cassandra\'s launcher settings, copied and edited (jemalloc, JAVA_HOME)') },
      { path: '/opt/bitnami/cassandra/conf/cassandra-rackdc.properties', ...lib('datacenter and rack') },
      { path: '/opt/bitnami/cassandra/tmp/cassandra.pid', ...lib('the pid file of the first-boot start') },
      { path: '/opt/bitnami/cassandra/logs/cassandra_first_boot.log', ...lib('the log of the first-boot start') },
      { path: '/opt/bitnami/cassandra/logs/gc.log', ...launcher('the GC log, in CASSANDRA_LOG_DIR') },
      { path: '/bitnami/cassandra/data', persistent: true, ...lib('data, commit log, hints, saved caches') },
      { path: '/.cassandra', note: 'HOME is /: cqlsh (the seeder\'s password change) and nodetool keep their history in ~/.cassandra', source: 'dockerfile' },
    ],
    advertises: [
      { env: 'CASSANDRA_SEEDS', kind: 'peers', note: 'the seeds every node gossips with first, by pod FQDN', source: 'env' },
      { env: 'CASSANDRA_PEERS', kind: 'peers', note: 'the nodes the seeder waits for before setting the password', source: 'lib' },
    ],
  }],
  discovery: {
    note: 'gossip from the seeds in CASSANDRA_SEEDS; a node listens on and broadcasts its pod IP (the image resolves its hostname), which peers and drivers learn from gossip',
    source: 'lib',
  },
  unconfirmed: [
    'the launcher read is an older revision of apache/cassandra conf/cassandra-env.sh; calculate_heap_sizes and the pairing rule for MAX_HEAP_SIZE/HEAP_NEWSIZE are assumed unchanged in 5.0.5',
    'the Dockerfile read is the 5.0.4-debian-12-r1 build (HOME=/); r7 is assumed to keep it',
    'that cqlsh creates ~/.cassandra on first use (the preset mounts it writable either way)',
    'the 2Gi floor: a 1Gi heap and as much again off the heap, not measured',
  ],
};
