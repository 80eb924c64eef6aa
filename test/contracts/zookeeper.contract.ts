import { EngineContract, Fact } from './contract';

/**
 * What `docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22` reads, requires, writes and advertises, from the
 * image's scripts (bitnami/containers, the 3.9 directory).
 */
const env = (note: string): Fact => ({ note, source: 'env' });
const lib = (note: string): Fact => ({ note, source: 'lib' });

export const CONTRACT: EngineContract = {
  preset: 'zookeeper',
  image: 'docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22',
  sources: {
    env: { repo: 'bitnami/containers', path: 'bitnami/zookeeper/3.9/debian-12/rootfs/opt/bitnami/scripts/zookeeper-env.sh', ref: '2d4af38ae34d4b5fa125286b9ea80d11d215c278' },
    lib: { repo: 'bitnami/containers', path: 'bitnami/zookeeper/3.9/debian-12/rootfs/opt/bitnami/scripts/libzookeeper.sh', ref: '2d4af38ae34d4b5fa125286b9ea80d11d215c278' },
    entrypoint: {
      repo: 'bitnami/containers', path: 'bitnami/zookeeper/3.9/debian-12/rootfs/opt/bitnami/scripts/zookeeper/entrypoint.sh', ref: 'accc99590d41b63996b7321800aa190eb45af6e9',
    },
  },
  containers: [{
    name: 'zookeeper',
    reads: {
      // ensemble
      ZOO_SERVERS: lib('the ensemble; with `::` every entry is host:port:port[:role]::id and becomes server.<id>=<host>:2888:3888;2181'),
      ZOO_SERVER_ID: lib('written to <dataDir>/myid when the data directory is empty; 1 by default'),
      ZOO_PEER_TYPE: env('observer or participant'),
      ZOO_LISTEN_ALLIPS_ENABLED: lib('yes writes quorumListenOnAllIPs=true: the quorum ports listen on every interface'),
      ZOO_RECONFIG_ENABLED: env('reconfigEnabled'),
      ZOO_PORT_NUMBER: env('clientPort, 2181'),
      ZOO_TICK_TIME: env('tickTime, 2000'),
      ZOO_INIT_LIMIT: env('initLimit, 10'),
      ZOO_SYNC_LIMIT: env('syncLimit, 5'),
      ZOO_MAX_CNXNS: env('maxCnxns'),
      ZOO_MAX_CLIENT_CNXNS: env('maxClientCnxns, 60'),
      ZOO_MAX_SESSION_TIMEOUT: env('maxSessionTimeout, 40000'),
      ZOO_PRE_ALLOC_SIZE: env('preAllocSize'),
      ZOO_SNAPCOUNT: env('snapCount'),
      ZOO_AUTOPURGE_INTERVAL: env('autopurge.purgeInterval in hours; 0 (never purge) by default'),
      ZOO_AUTOPURGE_RETAIN_COUNT: env('autopurge.snapRetainCount, 3 by default'),
      ZOO_DATA_LOG_DIR: env('a separate transaction log directory'),
      ZOO_4LW_COMMANDS_WHITELIST: env('the four-letter words allowed, `srvr, mntr` by default'),
      ZOO_LOG_LEVEL: env('console log level'),
      ZOO_ENABLE_ADMIN_SERVER: env('the AdminServer, off by default'),
      ZOO_ADMIN_SERVER_ADDRESS: env('its address, 127.0.0.1'),
      ZOO_ADMIN_SERVER_PORT_NUMBER: env('its port, 8080'),
      ZOO_ENABLE_PROMETHEUS_METRICS: env('the Prometheus metrics provider'),
      ZOO_PROMETHEUS_METRICS_PORT_NUMBER: env('its port, 7000'),
      ZOO_HC_TIMEOUT: env('timeout of the image\'s health check'),
      // JVM
      ZOO_HEAP_SIZE: lib('the heap in MiB, written as -Xmx/-Xms into conf/java.env; 1024 by default, whatever the container\'s memory'),
      JVMFLAGS: lib('more JVM flags for conf/java.env'),
      ZOO_FIPS_MODE: env('FIPS mode, yes by default; the validation refuses SASL while it is on'),
      // authentication
      ZOO_ENABLE_AUTH: lib('client SASL (DIGEST-MD5); without it the image refuses to start unless ALLOW_EMPTY_PASSWORD=yes'),
      ALLOW_EMPTY_PASSWORD: env('start without authentication (never set by the preset)'),
      ZOO_CLIENT_USER: env('the user of the server\'s own client tools'),
      ZOO_CLIENT_PASSWORD: env('its password'),
      ZOO_SERVER_USERS: lib('the users clients may authenticate as'),
      ZOO_SERVER_PASSWORDS: lib('their passwords, in the same order'),
      ZOO_ENABLE_QUORUM_AUTH: lib('SASL between servers'),
      ZOO_QUORUM_LEARNER_USER: lib('the user a server authenticates as to the leader'),
      ZOO_QUORUM_LEARNER_PASSWORD: lib('its password'),
      ZOO_QUORUM_SERVER_USERS: lib('the users a leader accepts'),
      ZOO_QUORUM_SERVER_PASSWORDS: lib('their passwords'),
      // TLS
      ZOO_TLS_CLIENT_ENABLE: env('client TLS'),
      ZOO_TLS_PORT_NUMBER: env('secure client port, 3181'),
      ZOO_TLS_CLIENT_KEYSTORE_FILE: env('client TLS key store'),
      ZOO_TLS_CLIENT_KEYSTORE_TYPE: env('its type'),
      ZOO_TLS_CLIENT_KEYSTORE_PASSWORD: env('its password'),
      ZOO_TLS_CLIENT_TRUSTSTORE_FILE: env('client TLS trust store'),
      ZOO_TLS_CLIENT_TRUSTSTORE_TYPE: env('its type'),
      ZOO_TLS_CLIENT_TRUSTSTORE_PASSWORD: env('its password'),
      ZOO_TLS_CLIENT_AUTH: env('client certificate requirement, need'),
      ZOO_TLS_QUORUM_ENABLE: env('quorum TLS'),
      ZOO_TLS_QUORUM_KEYSTORE_FILE: env('quorum TLS key store'),
      ZOO_TLS_QUORUM_KEYSTORE_TYPE: env('its type'),
      ZOO_TLS_QUORUM_KEYSTORE_PASSWORD: env('its password'),
      ZOO_TLS_QUORUM_TRUSTSTORE_FILE: env('quorum TLS trust store'),
      ZOO_TLS_QUORUM_TRUSTSTORE_TYPE: env('its type'),
      ZOO_TLS_QUORUM_TRUSTSTORE_PASSWORD: env('its password'),
      ZOO_TLS_QUORUM_CLIENT_AUTH: env('quorum certificate requirement, need'),
      BITNAMI_DEBUG: env('verbose scripts'),
      MODULE: env('the name in the scripts\' log lines'),
    },
    requires: [
      // refused otherwise: no authentication without ALLOW_EMPTY_PASSWORD, no SASL in FIPS mode
      'ZOO_ENABLE_AUTH', 'ZOO_FIPS_MODE', 'ZOO_SERVER_USERS', 'ZOO_SERVER_PASSWORDS',
      // an ensemble (standalone without), the readiness probe's ruok, a heap from the container
      'ZOO_SERVERS', 'ZOO_4LW_COMMANDS_WHITELIST', 'ZOO_HEAP_SIZE',
    ],
    ownVars: {
      POD_NAME: 'read by the preset\'s wrapper, which exports ZOO_SERVER_ID=ordinal+1 before the image\'s entrypoint',
    },
    writes: [
      { path: '/opt/bitnami/zookeeper/conf', note: 'conf.default is copied into an empty conf directory', source: 'entrypoint' },
      { path: '/opt/bitnami/zookeeper/conf/zoo.cfg', ...lib('generated from zoo_sample.cfg when absent') },
      { path: '/opt/bitnami/zookeeper/conf/java.env', ...lib('the JVM flags, the heap among them') },
      { path: '/opt/bitnami/zookeeper/conf/zoo_jaas.conf', ...lib('the SASL users and passwords, mode 400') },
      { path: '/bitnami/zookeeper/data', persistent: true, ...lib('dataDir: myid, snapshots and transaction logs') },
      { path: '/opt/bitnami/zookeeper/logs', ...env('ZOO_LOG_DIR: zookeeper.out') },
    ],
    advertises: [
      { env: 'ZOO_SERVERS', kind: 'peers', note: 'every server as <pod FQDN>:2888:3888::<ordinal + 1>', source: 'lib' },
    ],
  }],
  discovery: {
    note: 'a fixed ensemble: zoo.cfg lists every server from ZOO_SERVERS, and myid says which one this is',
    source: 'lib',
  },
  unconfirmed: [
    'the scripts read are a later revision of the 3.9 directory than r22 may carry (r22 is not in bitnami/charts, whose last 3.9.3 tag is r21)',
    'the 256Mi reserve and the 512Mi floor of the heap sizing: chosen, not measured',
  ],
};
