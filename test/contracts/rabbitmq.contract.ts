import { EngineContract, Fact } from './contract';

/**
 * What `docker.io/bitnamilegacy/rabbitmq:4.1.3-debian-12-r1` reads, requires, writes and advertises, from the image's
 * scripts (bitnami/containers, the 4.1 directory the tag was built from) and RabbitMQ's own documentation.
 */
const env = (note: string): Fact => ({ note, source: 'env' });
const lib = (note: string): Fact => ({ note, source: 'lib' });

export const CONTRACT: EngineContract = {
  preset: 'rabbitmq',
  image: 'docker.io/bitnamilegacy/rabbitmq:4.1.3-debian-12-r1',
  sources: {
    env: { repo: 'bitnami/containers', path: 'bitnami/rabbitmq/4.1/debian-12/rootfs/opt/bitnami/scripts/rabbitmq-env.sh', ref: 'a9bc104ca723ccb973e88d23abb1cff6362def79' },
    lib: { repo: 'bitnami/containers', path: 'bitnami/rabbitmq/4.1/debian-12/rootfs/opt/bitnami/scripts/librabbitmq.sh', ref: '46ccb4922adb33156884c5b742c6c4110c0e5b40' },
    postunpack: {
      repo: 'bitnami/containers', path: 'bitnami/rabbitmq/3.13/debian-12/rootfs/opt/bitnami/scripts/rabbitmq/postunpack.sh', ref: '16651ef0dca0a757ddf9c4d42b1cacfc956a1393',
    },
    discovery: { repo: 'rabbitmq/rabbitmq-website', path: 'blog/2025-04-04-new-k8s-peer-discovery/index.md', ref: '7e6064c34cbdbf4980c855cec00d790492fd6efa' },
  },
  containers: [{
    name: 'rabbitmq',
    reads: {
      // node identity and clustering
      RABBITMQ_NODE_NAME: env('the node name, written as NODENAME into rabbitmq-env.conf; `rabbit@localhost` when unset'),
      RABBITMQ_USE_LONGNAME: env('long (FQDN) node names; the validation refuses a node name with a dot unless this is true'),
      RABBITMQ_ERL_COOKIE: env('the Erlang cookie, written to $HOME/.erlang.cookie; a random one per node when unset'),
      RABBITMQ_ERLANG_COOKIE: env('older name of RABBITMQ_ERL_COOKIE'),
      RABBITMQ_CLUSTER_NODE_NAME: env('a node to join with rabbitmqctl join_cluster; only for the queue-* node types'),
      RABBITMQ_CLUSTER_PARTITION_HANDLING: env('cluster_partition_handling in rabbitmq.conf; `ignore` by default'),
      RABBITMQ_CLUSTER_REBALANCE: env('rebalance queue leaders in the background after start'),
      RABBITMQ_CLUSTER_REBALANCE_ATTEMPTS: env('how often the rebalance is tried'),
      RABBITMQ_NODE_TYPE: env('stats (the default), queue-disc or queue-ram'),
      RABBITMQ_FORCE_BOOT: env('rabbitmqctl force_boot before starting on persisted data'),
      // listeners
      RABBITMQ_NODE_PORT_NUMBER: env('the AMQP listener, 5672 by default'),
      RABBITMQ_MANAGEMENT_BIND_IP: env('management.tcp.ip, 0.0.0.0 by default'),
      RABBITMQ_MANAGER_BIND_IP: env('older name of RABBITMQ_MANAGEMENT_BIND_IP'),
      RABBITMQ_MANAGEMENT_PORT_NUMBER: env('management.tcp.port, 15672 by default'),
      RABBITMQ_MANAGER_PORT_NUMBER: env('older name of RABBITMQ_MANAGEMENT_PORT_NUMBER'),
      RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS: lib('true writes `loopback_users.<user> = false`; anything else `= true`, which limits the user to loopback connections'),
      // users, vhosts, definitions
      RABBITMQ_USERNAME: env('default_user, `user` by default'),
      RABBITMQ_DEFAULT_USER: env('older name of RABBITMQ_USERNAME'),
      RABBITMQ_PASSWORD: env('default_pass; `bitnami` when empty'),
      RABBITMQ_DEFAULT_PASS: env('older name of RABBITMQ_PASSWORD'),
      RABBITMQ_SECURE_PASSWORD: env('set the password with rabbitmqctl instead of writing default_pass'),
      RABBITMQ_UPDATE_PASSWORD: env('change the password on a restart with persisted data'),
      RABBITMQ_VHOST: env('default_vhost, `/` by default'),
      RABBITMQ_DEFAULT_VHOST: env('older name of RABBITMQ_VHOST'),
      RABBITMQ_VHOSTS: env('more vhosts, `name[:queue-type]`'),
      RABBITMQ_NODE_DEFAULT_QUEUE_TYPE: env('listed among the settings'),
      RABBITMQ_LOAD_DEFINITIONS: env('import definitions instead of creating the default user'),
      RABBITMQ_DEFINITIONS_FILE: env('the definitions file, /app/load_definition.json by default'),
      RABBITMQ_CONF_FILE: env('the generated rabbitmq.conf, in /opt/bitnami/rabbitmq/etc/rabbitmq by default'),
      RABBITMQ_CONFIG_FILE: env('older name of RABBITMQ_CONF_FILE'),
      // resource alarms
      RABBITMQ_VM_MEMORY_HIGH_WATERMARK: lib('vm_memory_high_watermark: absolute (bytes, or with M/G units) or relative; not written when unset'),
      RABBITMQ_DISK_FREE_ABSOLUTE_LIMIT: lib('disk_free_limit.absolute; without it the image writes disk_free_limit.relative'),
      RABBITMQ_DISK_FREE_RELATIVE_LIMIT: env('disk_free_limit.relative, 1.0 (times the memory RabbitMQ detects) by default'),
      // plugins
      RABBITMQ_PLUGINS: lib('plugins to enable, besides rabbitmq_management_agent and rabbitmq_prometheus'),
      RABBITMQ_COMMUNITY_PLUGINS: lib('plugin archives downloaded into the plugins directory at start'),
      // LDAP
      RABBITMQ_ENABLE_LDAP: env('the LDAP backend'),
      RABBITMQ_LDAP_TLS: env('LDAP over TLS'),
      RABBITMQ_LDAP_SERVERS: env('LDAP servers'),
      RABBITMQ_LDAP_SERVERS_PORT: env('LDAP port, 389 by default'),
      RABBITMQ_LDAP_USER_DN_PATTERN: env('LDAP user DN pattern'),
      // TLS
      RABBITMQ_NODE_SSL_PORT_NUMBER: env('the AMQPS listener, 5671 by default'),
      RABBITMQ_SSL_CACERTFILE: env('AMQP TLS: the CA file'),
      RABBITMQ_SSL_CACERT_FILE: env('older name of RABBITMQ_SSL_CACERTFILE'),
      RABBITMQ_SSL_CERTFILE: env('AMQP TLS: the certificate'),
      RABBITMQ_SSL_CERT_FILE: env('older name of RABBITMQ_SSL_CERTFILE'),
      RABBITMQ_SSL_KEYFILE: env('AMQP TLS: the key'),
      RABBITMQ_SSL_KEY_FILE: env('older name of RABBITMQ_SSL_KEYFILE'),
      RABBITMQ_SSL_PASSWORD: env('AMQP TLS: the key password'),
      RABBITMQ_SSL_DEPTH: env('AMQP TLS: the verification depth'),
      RABBITMQ_SSL_FAIL_IF_NO_PEER_CERT: env('AMQP TLS: require a client certificate'),
      RABBITMQ_SSL_VERIFY: env('AMQP TLS: verify_none or verify_peer'),
      RABBITMQ_COMBINED_CERT_PATH: env('certificate and key in one file for TLS distribution; its directory (/tmp) must be writable, checked at every start'),
      RABBITMQ_MANAGEMENT_SSL_PORT_NUMBER: env('management TLS port, 15671 by default'),
      RABBITMQ_MANAGEMENT_SSL_CACERTFILE: env('management TLS: the CA file'),
      RABBITMQ_MANAGEMENT_SSL_CERTFILE: env('management TLS: the certificate'),
      RABBITMQ_MANAGEMENT_SSL_KEYFILE: env('management TLS: the key'),
      RABBITMQ_MANAGEMENT_SSL_PASSWORD: env('management TLS: the key password'),
      RABBITMQ_MANAGEMENT_SSL_DEPTH: env('management TLS: the verification depth'),
      RABBITMQ_MANAGEMENT_SSL_FAIL_IF_NO_PEER_CERT: env('management TLS: require a client certificate'),
      RABBITMQ_MANAGEMENT_SSL_VERIFY: env('management TLS: verify_none or verify_peer'),
      // logging
      BITNAMI_DEBUG: env('verbose scripts'),
      MODULE: env('the name in the scripts\' log lines'),
    },
    // given the preset's FQDN node name and a cluster of several nodes
    requires: [
      'RABBITMQ_NODE_NAME', 'RABBITMQ_USE_LONGNAME', 'RABBITMQ_ERL_COOKIE', 'RABBITMQ_PASSWORD', 'RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS',
    ],
    ownVars: {
      POD_NAME: 'the pod name, expanded by Kubernetes in $(POD_NAME) of RABBITMQ_NODE_NAME',
    },
    writes: [
      { path: '/opt/bitnami/rabbitmq/etc/rabbitmq/rabbitmq.conf', ...lib('generated on first start of the container (with default_pass in clear)') },
      { path: '/opt/bitnami/rabbitmq/etc/rabbitmq/rabbitmq-env.conf', ...lib('HOME, NODE_PORT, NODENAME') },
      { path: '/opt/bitnami/rabbitmq/etc/rabbitmq/enabled_plugins', ...lib('the enabled plugins') },
      { path: '/opt/bitnami/rabbitmq/etc/rabbitmq/custom.conf', ...lib('copied from the mounted /bitnami/rabbitmq/conf, merged into rabbitmq.conf, then removed') },
      { path: '/opt/bitnami/rabbitmq/var/lib/rabbitmq/.start', ...lib('a marker, touched at every start') },
      { path: '/opt/bitnami/rabbitmq/var/lib/rabbitmq/.erlang.cookie', ...lib('a symlink to the cookie in $HOME') },
      { path: '/opt/bitnami/rabbitmq/.rabbitmq/.erlang.cookie', ...lib('the cookie ($HOME is /opt/bitnami/rabbitmq/.rabbitmq), mode 400') },
      {
        path: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia',
        persistent: true,
        note: 'the node\'s data: RABBITMQ_DATA_DIR /bitnami/rabbitmq/mnesia is a symlink to /var/lib/rabbitmq/mnesia, and /var/lib/rabbitmq '
          + 'to /opt/bitnami/rabbitmq/.rabbitmq; the chart mounts its claim here (persistence.mountPath)',
        source: 'postunpack',
      },
      { path: '/opt/bitnami/rabbitmq/var/log/rabbitmq', ...env('RabbitMQ\'s log directory (RABBITMQ_LOGS_DIR)') },
      { path: '/tmp/rabbitmq_combined_keys.pem', ...env('RABBITMQ_COMBINED_CERT_PATH: its directory must be writable even without TLS') },
    ],
    advertises: [
      { env: 'RABBITMQ_NODE_NAME', kind: 'host', note: 'rabbit@<pod FQDN>: peers and CLI tools reach the node by this name (epmd 4369, then 25672)', source: 'lib' },
    ],
  }],
  discovery: {
    note: 'rabbit_peer_discovery_k8s (RabbitMQ 4.1) asks no API: every node joins the node whose name is its own with the ordinal 0, only on first boot',
    source: 'discovery',
  },
  unconfirmed: [
    'the 4.1 postunpack.sh is not published in bitnami/containers: the symlinked data directory is read from the 3.13 one, which the chart\'s mount path matches',
    'that the old mount at /bitnami/rabbitmq/mnesia ended up hidden under the $HOME scratch mount (container runtimes mount shallower paths first, after resolving symlinks): inferred, not run',
    'whether /opt/bitnami/scripts/rabbitmq/nodeshutdown.sh ships in 4.1.3-debian-12-r1 (the preStop falls back to rabbitmqctl stop_app, as the chart does)',
    'the 512Mi floor: chosen so that the 0.4 watermark sits above an idle node, not measured',
  ],
};
