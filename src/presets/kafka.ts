/**
 * Apache Kafka in KRaft mode: every pod is a controller and a broker. The facts it relies on are held as data, with
 * their sources, in `test/contracts/kafka.contract.ts` and checked against the pod it writes.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/kafka/4.0/debian-12/rootfs/opt/bitnami/scripts/kafka-env.sh` and `libkafka.sh`
 *   (commit b3477708):
 *   - the controller role requires `KAFKA_CFG_CONTROLLER_QUORUM_VOTERS` ("Role 'controller' enabled but environment
 *     variable KAFKA_CFG_CONTROLLER_QUORUM_VOTERS was not provided");
 *   - `kafka_kraft_storage_initialize` formats a controller of Kafka >= 4 with `--feature=kraft.version=1` and
 *     `--initial-controllers` when `KAFKA_INITIAL_CONTROLLERS` is set, else `--no-initial-controllers`; these scripts
 *     have no `KAFKA_KRAFT_VERSION` (newer ones, e.g. `bitnami/kafka/4.3/...`, do);
 *   - defaults `KAFKA_CLIENT_PASSWORDS`, `KAFKA_INTER_BROKER_PASSWORD`, `KAFKA_CONTROLLER_PASSWORD` = `bitnami`, so
 *     the preset always sets all three from the Secret;
 *   - an empty `KAFKA_CLUSTER_ID` makes each node generate its own, so it comes from the Secret, the same for all;
 *   - `KAFKA_HEAP_OPTS` defaults to `-Xmx1024m -Xms1024m`, whatever the container's memory.
 * - Apache Kafka: KAFKA-18028 (apache/kafka#17836, in 4.0.0: `--no-initial-controllers` accepts
 *   `kraft.version=1`), KAFKA-19719 (apache/kafka#20551: "a static quorum defined by controller.quorum.voters but
 *   [controllers formatted] with --no-initial-controllers" is a valid configuration), KIP-853 docs
 *   (apache/kafka#17076: a dynamic quorum uses `controller.quorum.bootstrap.servers` and per-controller directory ids).
 * - apache/kafka `docs/ops.html` ("Java Version": a 6 GB heap on LinkedIn's busiest brokers; Kafka reads and writes
 *   through the OS page cache, which needs the memory the heap leaves) and "Graceful shutdown" (a stopping broker
 *   moves its partition leaderships away first, which in KRaft goes through the active controller).
 * - bitnami/charts `bitnami/kafka` (commit 5165628a): ports 9092 CLIENT, 9093 CONTROLLER, 9094 INTERNAL; advertised
 *   listeners on the pod FQDN; `podManagementPolicy: Parallel`; `controller.quorum.voters` as
 *   `<id>@<pod FQDN>:<port>` (`templates/_helpers.tpl`); bitnami/charts#34015 and PR #34689 (`kraftVersion: 0`).
 * - Istio: https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#headless-services (ports
 *   of a headless Service must be declared); port names `tcp-client`, `tcp-controller`, `tcp-interbroker`.
 * - Image `docker.io/bitnamilegacy/kafka:4.0.0-debian-12-r10` (bitnami/charts commit 936d2fe0; Bitnami moved versioned
 *   tags to `bitnamilegacy` in Aug 2025, which gets no updates: bitnami/containers#83267).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, POD_INDEX_LABEL, seedWritablePaths, tcpProbe } from '../private/bitnami';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/**
 * Options of `KafkaEngine`.
 */
export interface KafkaOptions {
  /**
   * The Secret holding, under these keys:
   * - `cluster-id`: the KRaft cluster id, the same for every node (a base64 UUID, e.g. from
   *   `kafka-storage.sh random-uuid`);
   * - `client-passwords`: the SASL passwords of `clientUsers`, comma-separated, in the same order;
   * - `inter-broker-password`: the password of `interBrokerUser`;
   * - `controller-password`: the password of `controllerUser`.
   * Only referenced: no password is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The SASL users clients authenticate as (PLAIN or SCRAM-SHA-256/512).
   * @default ['user']
   */
  readonly clientUsers?: string[];

  /**
   * The SASL user brokers authenticate as to each other (PLAIN).
   * @default 'inter_broker_user'
   */
  readonly interBrokerUser?: string;

  /**
   * The SASL user controllers authenticate as to each other (PLAIN).
   * @default 'controller_user'
   */
  readonly controllerUser?: string;
}

const LISTENERS = { client: 9092, controller: 9093, interbroker: 9094 };

/**
 * The heap: half the container's memory limit, the other half for the page cache Kafka serves reads and writes from,
 * never more than the 6 GB heap Kafka's docs run their busiest brokers with. Below a 1Gi limit (a 512Mi heap for a
 * combined controller and broker) the configuration is refused.
 */
const HEAP: MemoryShare = {
  what: 'the JVM heap (KAFKA_HEAP_OPTS)',
  ratio: 0.5,
  maxMiB: 6144,
  minLimitMiB: 1024,
  source: 'apache/kafka docs/ops.html: a 6g heap, the rest for the page cache; 1Gi is the preset\'s floor, a 512Mi heap for a combined '
    + 'controller and broker',
};

/** Time for a controlled shutdown: the broker moves its partition leaderships away, then the controller lets it go. */
const GRACE_SECONDS = 120;

/**
 * Apache Kafka in KRaft mode: `replicas` pods (3 by default), each a controller and a broker
 * (`process.roles=controller,broker`), started in parallel so the controller quorum can form.
 *
 * - Node id = the pod ordinal, from the downward API label `apps.kubernetes.io/pod-index` (Kubernetes >= 1.28): the
 *   image's own entrypoint runs unchanged.
 * - Advertised listeners: `CLIENT://<pod FQDN>:9092,INTERNAL://<pod FQDN>:9094`, with `$(POD_NAME)`.
 * - Quorum: static, `controller.quorum.voters = <ordinal>@<pod FQDN>:9093,...`. The pinned image's scripts require
 *   it for the controller role, and a dynamic quorum (`KAFKA_INITIAL_CONTROLLERS`) needs a directory id per
 *   controller that must be generated once and kept, which a StatefulSet cannot hand out. A static quorum's voters
 *   cannot change without downtime: choose the pod count once.
 * - Every listener is SASL_PLAINTEXT (SASL PLAIN between brokers and controllers); encryption in transit comes from
 *   the mesh (mTLS). Outside the mesh the traffic is authenticated but not encrypted.
 * - Heap: half the container's memory limit, at most 6 GiB (`KAFKA_HEAP_OPTS`); a limit below 1Gi is refused.
 * - Shutdown: the proxy outlives the broker (a native sidecar, or a classic one that waits for zero connections), so
 *   the controlled shutdown reaches the controller quorum; 120 s of grace.
 */
export class KafkaEngine extends DatabaseEngine {
  public readonly engineName = 'kafka';
  public readonly defaultImage?: string = 'docker.io/bitnamilegacy/kafka:4.0.0-debian-12-r10';
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: LISTENERS.client, name: 'client', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: LISTENERS.controller, name: 'controller', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: LISTENERS.interbroker, name: 'interbroker', protocol: AppProtocol.TCP, role: PortRole.PEER },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/kafka', defaultSize: Size.gibibytes(8) };

  private readonly options: KafkaOptions;

  public constructor(options: KafkaOptions) {
    super();
    this.options = options;
    const users = options.clientUsers ?? ['user'];
    if (users.length === 0) {
      throw new Error('KafkaEngine: clientUsers is empty; name at least one SASL user, e.g. [\'user\']');
    }
    for (const user of [...users, options.interBrokerUser, options.controllerUser]) {
      if (user !== undefined && !/^[A-Za-z0-9._-]+$/.test(user)) {
        throw new Error(`KafkaEngine: SASL user '${user}' must be letters, digits, '.', '_' or '-' (the image splits user lists on ',', ';' and spaces)`);
      }
    }
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    const { client, controller } = LISTENERS;
    return {
      containerName: 'kafka',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        readiness: tcpProbe(client, { initialDelay: 5, period: 10, timeout: 5, failureThreshold: 6 }),
        liveness: tcpProbe(controller, { initialDelay: 10, period: 10, timeout: 5, failureThreshold: 3 }),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      // controllers must all start to form the quorum
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      // controlled shutdown: the broker asks the active controller (9093, through the proxy) to move its leaderships
      // away before it stops; without the proxy it cannot, and its partitions are unavailable until the session expires
      needsProxyUntilExit: true,
      terminationGracePeriod: Duration.seconds(GRACE_SECONDS),
      writablePaths: ['/opt/bitnami/kafka/config', '/opt/bitnami/kafka/logs', '/tmp'],
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const credentials = this.options.credentials;
    const { client, controller, interbroker } = LISTENERS;
    const replicas = workload.replicas;
    // the image writes server.properties next to the files it ships in config/
    seedWritablePaths(target, ['/opt/bitnami/kafka/config']);
    target.container.env.addVariable('KAFKA_CFG_NODE_ID',
      kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_LABEL, { key: POD_INDEX_LABEL }));
    target.env('KAFKA_CFG_PROCESS_ROLES', 'controller,broker');
    target.env('KAFKA_CFG_LISTENERS', `CLIENT://:${client},CONTROLLER://:${controller},INTERNAL://:${interbroker}`);
    workload.addPodNameEnv({ container: target.container });
    target.env('KAFKA_CFG_ADVERTISED_LISTENERS', `CLIENT://${workload.selfFqdn}:${client},INTERNAL://${workload.selfFqdn}:${interbroker}`);
    target.env('KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP', 'CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT');
    target.env('KAFKA_CFG_CONTROLLER_LISTENER_NAMES', 'CONTROLLER');
    target.env('KAFKA_CFG_INTER_BROKER_LISTENER_NAME', 'INTERNAL');
    target.env('KAFKA_CFG_SASL_MECHANISM_CONTROLLER_PROTOCOL', 'PLAIN');
    target.env('KAFKA_CFG_SASL_MECHANISM_INTER_BROKER_PROTOCOL', 'PLAIN');
    // static quorum: every controller by ordinal (= node id) and pod FQDN
    workload.addPeerListEnv('KAFKA_CFG_CONTROLLER_QUORUM_VOTERS', `{ordinal}@{host}:${controller}`, { container: target.container });
    const heap = sizeFromLimit(target.scope, this.engineName, target.resources, HEAP);
    target.env('KAFKA_HEAP_OPTS', `-Xms${heap}m -Xmx${heap}m`);
    target.secretEnv('KAFKA_CLUSTER_ID', credentials, 'cluster-id');
    target.env('KAFKA_CLIENT_USERS', (this.options.clientUsers ?? ['user']).join(','));
    target.secretEnv('KAFKA_CLIENT_PASSWORDS', credentials, 'client-passwords');
    target.env('KAFKA_INTER_BROKER_USER', this.options.interBrokerUser ?? 'inter_broker_user');
    target.secretEnv('KAFKA_INTER_BROKER_PASSWORD', credentials, 'inter-broker-password');
    target.env('KAFKA_CONTROLLER_USER', this.options.controllerUser ?? 'controller_user');
    target.secretEnv('KAFKA_CONTROLLER_PASSWORD', credentials, 'controller-password');
    // internal topics replicated across the pods (at most 3 copies, at least 2 in sync when there are 2 or more)
    target.env('KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR', String(Math.min(3, replicas)));
    target.env('KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', String(Math.min(3, replicas)));
    target.env('KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR', String(Math.min(2, replicas)));

    workload.addClientService('Client', { ports: [client] });
  }
}
