import { EngineContract, Fact } from './contract';

/**
 * What `docker.io/bitnamilegacy/kafka:4.0.0-debian-12-r10` reads, requires, writes and advertises, from the image's
 * scripts (bitnami/containers, the 4.0 directory), Kafka's launcher scripts and its broker configuration reference.
 * `KAFKA_CFG_<NAME>` becomes `<name>` in server.properties (underscores to dots, lower case): only the properties the
 * preset sets are listed, each a Kafka 4.0 broker property, so a misspelled one is caught.
 */
const env = (note: string): Fact => ({ note, source: 'env' });
const lib = (note: string): Fact => ({ note, source: 'lib' });
const launcher = (note: string): Fact => ({ note, source: 'launcher' });
const property = (name: string, note: string): Fact => ({ note: `${name}: ${note}`, source: 'configs' });

export const CONTRACT: EngineContract = {
  preset: 'kafka',
  image: 'docker.io/bitnamilegacy/kafka:4.0.0-debian-12-r10',
  sources: {
    env: { repo: 'bitnami/containers', path: 'bitnami/kafka/4.0/debian-12/rootfs/opt/bitnami/scripts/kafka-env.sh', ref: 'b34777087566971b20b70faea1f22b80a7bbc4a2' },
    lib: { repo: 'bitnami/containers', path: 'bitnami/kafka/4.0/debian-12/rootfs/opt/bitnami/scripts/libkafka.sh', ref: 'b34777087566971b20b70faea1f22b80a7bbc4a2' },
    launcher: { repo: 'apache/kafka', path: 'bin/kafka-run-class.sh', ref: '1eb7644349cb07139d6a3c1ad1986979647cac99' },
    configs: { url: 'https://kafka.apache.org/40/documentation.html#brokerconfigs' },
    formatter: { url: 'https://github.com/apache/kafka/pull/20551' },
  },
  containers: [
    {
      name: 'kafka',
      reads: {
        // the image's settings
        KAFKA_MOUNTED_CONF_DIR: env('configuration files to copy in; a server.properties there skips the env configuration'),
        KAFKA_CLUSTER_ID: lib('--cluster-id of the storage format; when empty every node generates its own (only a warning)'),
        KAFKA_KRAFT_CLUSTER_ID: env('older name of KAFKA_CLUSTER_ID'),
        KAFKA_INITIAL_CONTROLLERS: lib('--initial-controllers of a dynamic quorum; without it controllers are formatted with --no-initial-controllers'),
        KAFKA_SKIP_KRAFT_STORAGE_INIT: env('skip kafka-storage.sh format'),
        KAFKA_CLIENT_LISTENER_NAME: lib('the listener producer.properties and consumer.properties use, CLIENT by default'),
        KAFKA_CLIENT_USERS: env('SASL users of the client listener, `user` by default'),
        KAFKA_CLIENT_PASSWORDS: env('their passwords, `bitnami` by default'),
        KAFKA_CLIENT_SASL_MECHANISM: lib('the mechanism producer.properties uses'),
        KAFKA_INTER_BROKER_USER: env('SASL user between brokers, `user` by default'),
        KAFKA_INTER_BROKER_PASSWORD: env('its password, `bitnami` by default'),
        KAFKA_CONTROLLER_USER: env('SASL user between controllers, controller_user by default'),
        KAFKA_CONTROLLER_PASSWORD: env('its password, `bitnami` by default'),
        KAFKA_CERTIFICATE_PASSWORD: env('TLS key store password'),
        KAFKA_TLS_TRUSTSTORE_FILE: env('TLS trust store'),
        KAFKA_TLS_TYPE: env('JKS or PEM'),
        KAFKA_TLS_CLIENT_AUTH: env('TLS client authentication, required by default'),
        KAFKA_NODE_ID_COMMAND: lib('a command whose output becomes node.id'),
        KAFKA_CONTROLLER_QUORUM_VOTERS_COMMAND: lib('a command whose output becomes controller.quorum.voters'),
        KAFKA_ZOOKEEPER_PROTOCOL: env('ZooKeeper mode only (Kafka < 4)'),
        KAFKA_ZOOKEEPER_USER: env('ZooKeeper mode only'),
        KAFKA_ZOOKEEPER_PASSWORD: env('ZooKeeper mode only'),
        KAFKA_ZOOKEEPER_TLS_KEYSTORE_PASSWORD: env('ZooKeeper mode only'),
        KAFKA_ZOOKEEPER_TLS_TRUSTSTORE_PASSWORD: env('ZooKeeper mode only'),
        KAFKA_ZOOKEEPER_TLS_TRUSTSTORE_FILE: env('ZooKeeper mode only'),
        KAFKA_ZOOKEEPER_TLS_VERIFY_HOSTNAME: env('ZooKeeper mode only'),
        KAFKA_ZOOKEEPER_TLS_TYPE: env('ZooKeeper mode only'),
        JAVA_TOOL_OPTIONS: env('JVM options for every Java process'),
        BITNAMI_DEBUG: env('verbose scripts'),
        MODULE: env('the name in the scripts\' log lines'),
        // Kafka's launcher
        KAFKA_HEAP_OPTS: env('the heap flags; the image defaults them to -Xmx1024m -Xms1024m, whatever the container\'s memory'),
        KAFKA_OPTS: launcher('more JVM options'),
        KAFKA_JVM_PERFORMANCE_OPTS: launcher('GC options, G1 by default'),
        KAFKA_GC_LOG_OPTS: launcher('GC log options'),
        KAFKA_JMX_OPTS: launcher('JMX options'),
        KAFKA_LOG4J_OPTS: launcher('log4j options'),
        LOG_DIR: launcher('the log directory, $base_dir/logs by default'),
        // server.properties
        KAFKA_CFG_NODE_ID: property('node.id', 'this node\'s id; KRaft refuses to start without a unique one'),
        KAFKA_CFG_PROCESS_ROLES: property('process.roles', 'broker, controller or both'),
        KAFKA_CFG_LISTENERS: property('listeners', 'what the node binds'),
        KAFKA_CFG_ADVERTISED_LISTENERS: property('advertised.listeners', 'what clients and brokers are told to dial'),
        KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP: property('listener.security.protocol.map', 'the protocol of each listener'),
        KAFKA_CFG_CONTROLLER_LISTENER_NAMES: property('controller.listener.names', 'the listeners the controllers use'),
        KAFKA_CFG_INTER_BROKER_LISTENER_NAME: property('inter.broker.listener.name', 'the listener brokers use between them'),
        KAFKA_CFG_SASL_MECHANISM_CONTROLLER_PROTOCOL: property('sasl.mechanism.controller.protocol', 'SASL mechanism to the controllers'),
        KAFKA_CFG_SASL_MECHANISM_INTER_BROKER_PROTOCOL: property('sasl.mechanism.inter.broker.protocol', 'SASL mechanism between brokers'),
        KAFKA_CFG_SASL_ENABLED_MECHANISMS: property('sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512 in the image'),
        KAFKA_CFG_CONTROLLER_QUORUM_VOTERS: property('controller.quorum.voters', 'the static quorum, <id>@<host>:<port> per controller'),
        KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR: property('offsets.topic.replication.factor', 'copies of the consumer offsets topic'),
        KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: property('transaction.state.log.replication.factor', 'copies of the transaction log'),
        KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR: property('transaction.state.log.min.isr', 'in-sync copies the transaction log needs'),
      },
      requires: [
        // the image's validation refuses a controller without them ("Role 'controller' enabled but environment variable
        // KAFKA_CFG_CONTROLLER_QUORUM_VOTERS was not provided")
        'KAFKA_CFG_PROCESS_ROLES', 'KAFKA_CFG_NODE_ID', 'KAFKA_CFG_LISTENERS', 'KAFKA_CFG_CONTROLLER_LISTENER_NAMES', 'KAFKA_CFG_CONTROLLER_QUORUM_VOTERS',
        'KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP', 'KAFKA_CFG_SASL_MECHANISM_CONTROLLER_PROTOCOL', 'KAFKA_CFG_SASL_MECHANISM_INTER_BROKER_PROTOCOL',
        // one cluster for all nodes, and no `bitnami` password
        'KAFKA_CLUSTER_ID', 'KAFKA_CLIENT_PASSWORDS', 'KAFKA_INTER_BROKER_PASSWORD', 'KAFKA_CONTROLLER_PASSWORD',
        // a heap sized from the container, not the image's fixed 1024m
        'KAFKA_HEAP_OPTS',
      ],
      ownVars: {
        POD_NAME: 'the pod name, expanded by Kubernetes in $(POD_NAME) of KAFKA_CFG_ADVERTISED_LISTENERS',
      },
      writes: [
        { path: '/opt/bitnami/kafka/config/server.properties', ...lib('copied from server.properties.original (beside it in config/), then set from the env') },
        { path: '/opt/bitnami/kafka/config/producer.properties', ...lib('the client listener\'s protocol, mechanism and JAAS for the image\'s tools') },
        { path: '/opt/bitnami/kafka/config/consumer.properties', ...lib('the same for consumers') },
        { path: '/bitnami/kafka/data', persistent: true, ...lib('log.dirs: meta.properties and the metadata log, written by kafka-storage.sh format') },
        { path: '/opt/bitnami/kafka/logs', ...launcher('server and GC logs (LOG_DIR)') },
      ],
      advertises: [
        { env: 'KAFKA_CFG_ADVERTISED_LISTENERS', kind: 'host', note: 'CLIENT and INTERNAL on the pod FQDN', source: 'configs' },
        { env: 'KAFKA_CFG_CONTROLLER_QUORUM_VOTERS', kind: 'peers', note: 'every controller by node id and pod FQDN, on the controller port', source: 'configs' },
      ],
    },
    {
      name: 'seed-writable-dirs',
      reads: {},
      writes: [
        { path: '/seed/opt/bitnami/kafka/config', ...env('the preset copies KAFKA_CONF_DIR (server.properties.original, log4j) into the scratch sub-path later mounted there') },
      ],
    },
  ],
  discovery: {
    note: 'a static quorum: controller.quorum.voters names every controller; the image formats each with --feature=kraft.version=1 '
      + '--no-initial-controllers, which Kafka 4.0.0 accepts and maintainers call valid with static voters',
    source: 'formatter',
  },
  unconfirmed: [
    'KAFKA_CFG_* to server.properties is read from the calls in libkafka.sh, not from kafka_configure_from_environment_variables itself',
    'what kraft.version=1 in the bootstrap metadata means later for a static quorum (feature upgrades, Kafka 4.1+ images whose scripts read KAFKA_KRAFT_VERSION)',
    'that the scripts read (one stored revision of the 4.0 directory) are those of r10',
  ],
};
