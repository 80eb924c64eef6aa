import { EngineContract, Fact } from './contract';

/**
 * What `docker.io/bitnamilegacy/elasticsearch:9.1.2-debian-12-r0` reads, requires, writes and advertises, from the
 * image's scripts (bitnami/containers, the 9 directory) and Elasticsearch's documentation.
 */
const env = (note: string): Fact => ({ note, source: 'env' });
const lib = (note: string): Fact => ({ note, source: 'lib' });
const tls = (note: string): Fact => env(`TLS: ${note}`);

export const CONTRACT: EngineContract = {
  preset: 'elasticsearch',
  image: 'docker.io/bitnamilegacy/elasticsearch:9.1.2-debian-12-r0',
  sources: {
    env: { repo: 'bitnami/containers', path: 'bitnami/elasticsearch/9/debian-12/rootfs/opt/bitnami/scripts/elasticsearch-env.sh', ref: 'ec1651ce04bc43d136791da43fe8882c762313a3' },
    lib: { repo: 'bitnami/containers', path: 'bitnami/elasticsearch/9/debian-12/rootfs/opt/bitnami/scripts/libelasticsearch.sh', ref: '6cbbf0cdece9233f54caae197f47b1b5c50dc133' },
    postunpack: {
      repo: 'bitnami/containers', path: 'bitnami/elasticsearch/8/debian-12/rootfs/opt/bitnami/scripts/elasticsearch/postunpack.sh', ref: '4578937056c2aa96f7bd23a9d23b252b97d6d7bd',
    },
    discovery: { url: 'https://www.elastic.co/guide/en/elasticsearch/reference/current/discovery-settings.html' },
  },
  containers: [{
    name: 'elasticsearch',
    reads: {
      // node and cluster
      ELASTICSEARCH_NODE_NAME: lib('node.name; the hostname when unset'),
      ELASTICSEARCH_ADVERTISED_HOSTNAME: lib('network.host and network.publish_host; the machine\'s IP when unset'),
      ELASTICSEARCH_BIND_ADDRESS: lib('network.bind_host, 0.0.0.0 when unset'),
      ELASTICSEARCH_CLUSTER_NAME: env('cluster.name'),
      ELASTICSEARCH_CLUSTER_HOSTS: lib('discovery.seed_hosts (split on `,`, `;` or space); when unset the node runs as discovery.type: single-node'),
      ELASTICSEARCH_CLUSTER_MASTER_HOSTS: lib('cluster.initial_master_nodes, node names; the seed hosts when unset'),
      ELASTICSEARCH_IS_DEDICATED_NODE: env('no: every role; yes: the roles of ELASTICSEARCH_NODE_ROLES'),
      ELASTICSEARCH_NODE_ROLES: env('node.roles of a dedicated node'),
      // not ELASTICSEARCH_MINIMUM_MASTER_NODES (nor its alias DB_MINIMUM_MANAGER_NODES): env.sh exports it, nothing
      // uses it (Elasticsearch >= 7 has no minimum_master_nodes), so setting it is a dead setting
      ELASTICSEARCH_HTTP_PORT_NUMBER: env('http.port, 9200'),
      ELASTICSEARCH_TRANSPORT_PORT_NUMBER: env('transport.port, 9300'),
      ELASTICSEARCH_DATA_DIR_LIST: env('path.data list; /bitnami/elasticsearch/data when unset'),
      ELASTICSEARCH_FS_SNAPSHOT_REPO_PATH: env('path.repo'),
      ELASTICSEARCH_PLUGINS: env('plugins to install at start'),
      ELASTICSEARCH_KEYS: env('more keystore entries, key=value'),
      ELASTICSEARCH_ACTION_DESTRUCTIVE_REQUIRES_NAME: env('action.destructive_requires_name'),
      ELASTICSEARCH_MAX_TIMEOUT: env('listed among the settings'),
      // memory
      ELASTICSEARCH_HEAP_SIZE: lib('-Xms/-Xmx in config/jvm.options.d/heap.options; 1024m by default, whatever the container\'s memory'),
      ELASTICSEARCH_MAX_ALLOWED_MEMORY_PERCENTAGE: env('cap of the image\'s own heap computation, which the 1024m default bypasses'),
      ELASTICSEARCH_MAX_ALLOWED_MEMORY: env('the same cap, absolute'),
      ELASTICSEARCH_LOCK_ALL_MEMORY: env('bootstrap.memory_lock'),
      ELASTICSEARCH_DISABLE_JVM_HEAP_DUMP: env('drop the heap dump on OutOfMemoryError'),
      ELASTICSEARCH_DISABLE_GC_LOGS: env('drop the GC log'),
      // security
      ELASTICSEARCH_ENABLE_SECURITY: env('xpack.security.enabled; false by default'),
      ELASTICSEARCH_PASSWORD: env('the elastic user\'s bootstrap password; `bitnami` by default'),
      ELASTICSEARCH_ENABLE_FIPS_MODE: env('FIPS mode'),
      ELASTICSEARCH_CERTS_DIR: tls('the certificates directory, config/certs'),
      ELASTICSEARCH_TLS_VERIFICATION_MODE: tls('transport verification_mode, full by default'),
      ELASTICSEARCH_TLS_USE_PEM: tls('PEM files (tls.crt, tls.key, ca.crt) instead of JKS stores'),
      ELASTICSEARCH_KEYSTORE_PASSWORD: tls('JKS key store password'),
      ELASTICSEARCH_TRUSTSTORE_PASSWORD: tls('JKS trust store password'),
      ELASTICSEARCH_KEY_PASSWORD: tls('key password'),
      ELASTICSEARCH_KEYSTORE_LOCATION: tls('JKS key store'),
      ELASTICSEARCH_TRUSTSTORE_LOCATION: tls('JKS trust store'),
      ELASTICSEARCH_NODE_CERT_LOCATION: tls('PEM certificate, config/certs/tls.crt'),
      ELASTICSEARCH_NODE_KEY_LOCATION: tls('PEM key, config/certs/tls.key'),
      ELASTICSEARCH_CA_CERT_LOCATION: tls('PEM CA, config/certs/ca.crt'),
      ELASTICSEARCH_SKIP_TRANSPORT_TLS: tls('no transport TLS even with security on'),
      ELASTICSEARCH_TRANSPORT_TLS_USE_PEM: tls('transport: PEM'),
      ELASTICSEARCH_TRANSPORT_TLS_KEYSTORE_PASSWORD: tls('transport key store password'),
      ELASTICSEARCH_TRANSPORT_TLS_TRUSTSTORE_PASSWORD: tls('transport trust store password'),
      ELASTICSEARCH_TRANSPORT_TLS_KEY_PASSWORD: tls('transport key password'),
      ELASTICSEARCH_TRANSPORT_TLS_KEYSTORE_LOCATION: tls('transport key store'),
      ELASTICSEARCH_TRANSPORT_TLS_TRUSTSTORE_LOCATION: tls('transport trust store'),
      ELASTICSEARCH_TRANSPORT_TLS_NODE_CERT_LOCATION: tls('transport certificate'),
      ELASTICSEARCH_TRANSPORT_TLS_NODE_KEY_LOCATION: tls('transport key'),
      ELASTICSEARCH_TRANSPORT_TLS_CA_CERT_LOCATION: tls('transport CA'),
      ELASTICSEARCH_ENABLE_REST_TLS: tls('xpack.security.http.ssl.enabled, true by default'),
      ELASTICSEARCH_HTTP_TLS_USE_PEM: tls('REST: PEM'),
      ELASTICSEARCH_HTTP_TLS_KEYSTORE_PASSWORD: tls('REST key store password'),
      ELASTICSEARCH_HTTP_TLS_TRUSTSTORE_PASSWORD: tls('REST trust store password'),
      ELASTICSEARCH_HTTP_TLS_KEY_PASSWORD: tls('REST key password'),
      ELASTICSEARCH_HTTP_TLS_KEYSTORE_LOCATION: tls('REST key store'),
      ELASTICSEARCH_HTTP_TLS_TRUSTSTORE_LOCATION: tls('REST trust store'),
      ELASTICSEARCH_HTTP_TLS_NODE_CERT_LOCATION: tls('REST certificate'),
      ELASTICSEARCH_HTTP_TLS_NODE_KEY_LOCATION: tls('REST key'),
      ELASTICSEARCH_HTTP_TLS_CA_CERT_LOCATION: tls('REST CA'),
      BITNAMI_DEBUG: env('verbose scripts'),
      MODULE: env('the name in the scripts\' log lines'),
    },
    requires: [
      // a cluster, not single-node discovery; names the certificate covers; a secured node with its own password
      'ELASTICSEARCH_CLUSTER_HOSTS', 'ELASTICSEARCH_CLUSTER_MASTER_HOSTS', 'ELASTICSEARCH_ADVERTISED_HOSTNAME',
      'ELASTICSEARCH_ENABLE_SECURITY', 'ELASTICSEARCH_PASSWORD', 'ELASTICSEARCH_TLS_USE_PEM',
      // a heap sized from the container, not the image's fixed 1024m
      'ELASTICSEARCH_HEAP_SIZE',
    ],
    ownVars: {
      POD_NAME: 'the pod name, expanded by Kubernetes in $(POD_NAME) of ELASTICSEARCH_NODE_NAME and ELASTICSEARCH_ADVERTISED_HOSTNAME',
    },
    writes: [
      { path: '/opt/bitnami/elasticsearch/config/elasticsearch.yml', ...lib('generated when absent, then merged with my_elasticsearch.yml') },
      { path: '/opt/bitnami/elasticsearch/config/jvm.options.d/heap.options', ...lib('the heap') },
      { path: '/opt/bitnami/elasticsearch/config/elasticsearch.keystore', ...lib('bootstrap.password and the TLS passwords') },
      {
        path: '/opt/bitnami/elasticsearch/config/jvm.options',
        note: 'a copy of the build-time configuration is kept in config.default and restored into config, then edited (heap dump, GC log)',
        source: 'postunpack',
      },
      { path: '/opt/bitnami/elasticsearch/tmp/elasticsearch.pid', ...env('the pid file (ELASTICSEARCH_PID_FILE)') },
      { path: '/opt/bitnami/elasticsearch/logs', ...env('the log directory (ELASTICSEARCH_LOGS_DIR)') },
      { path: '/bitnami/elasticsearch/data', persistent: true, ...env('path.data (ELASTICSEARCH_DATA_DIR)') },
    ],
    advertises: [
      { env: 'ELASTICSEARCH_ADVERTISED_HOSTNAME', kind: 'host', note: 'publish_host: the pod FQDN the other nodes dial, and verify against the certificate', source: 'lib' },
      { env: 'ELASTICSEARCH_CLUSTER_HOSTS', kind: 'peers', note: 'seed hosts: every pod FQDN, names the documented wildcard certificate covers', source: 'discovery' },
    ],
  }],
  discovery: {
    note: 'the node dials the seed hosts (discovery.seed_hosts) to find the master-eligible nodes; the first election needs a majority of '
      + 'cluster.initial_master_nodes, the pod names',
    source: 'discovery',
  },
  unconfirmed: [
    'the 9.x entrypoint is not published in bitnami/containers: that it restores config.default (and plugins.default, empty in this build) '
      + 'into the scratch mounts is taken from the sibling Bitnami OpenSearch entrypoint and the 8.x postunpack.sh',
    'that full transport verification checks the seed name dialled (elastic/elasticsearch#39970): the preset seeds with pod FQDNs either way',
    'the 1Gi floor: a 512m heap, chosen, not measured',
  ],
};
