/**
 * RabbitMQ on the Bitnami image, clustered by the Kubernetes peer discovery plugin (version 2, RabbitMQ >= 4.1) with
 * node names on the pods' FQDNs. The facts it relies on are held as data, with their sources, in
 * `test/contracts/rabbitmq.contract.ts` and checked against the pod it writes.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/rabbitmq/4.1/debian-12/rootfs/opt/bitnami/scripts/rabbitmq-env.sh` (commit a9bc104c):
 *   the variables (`RABBITMQ_NODE_NAME`, `RABBITMQ_USE_LONGNAME`, `RABBITMQ_ERL_COOKIE`, `RABBITMQ_VM_MEMORY_HIGH_WATERMARK`,
 *   `RABBITMQ_DISK_FREE_ABSOLUTE_LIMIT`, `RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS`; `RABBITMQ_PASSWORD` falls back to
 *   `bitnami`), the data dir `/bitnami/rabbitmq/mnesia`, the mounted conf dir `/bitnami/rabbitmq/conf`.
 * - same directory, `librabbitmq.sh` (commit 46ccb492): `rabbitmq_print_management_configuration` writes
 *   `loopback_users.<user> = true` unless `RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS` is true; without an absolute limit it
 *   writes `disk_free_limit.relative = 1.0` (times the RAM RabbitMQ detects); `custom.conf` from the mounted conf dir
 *   is merged into `rabbitmq.conf`; the data directory is tested through `realpath` because it is a symlink.
 * - bitnami/containers `bitnami/rabbitmq/3.13/debian-12/rootfs/opt/bitnami/scripts/rabbitmq/postunpack.sh` (commit
 *   16651ef0; the 4.1 one is not published in that repository): `/var/lib/rabbitmq` links to
 *   `/opt/bitnami/rabbitmq/.rabbitmq`, and `/bitnami/rabbitmq/mnesia` is replaced by a link to
 *   `/var/lib/rabbitmq/mnesia`, so the data really lives in `/opt/bitnami/rabbitmq/.rabbitmq/mnesia`.
 * - bitnami/charts `bitnami/rabbitmq` (commit 5165628a, chart 16.0.16, image 4.1.3-debian-12-r1): `values.yaml`
 *   `persistence.mountPath: /opt/bitnami/rabbitmq/.rabbitmq/mnesia`, `auth.enableLoopbackUser: false`,
 *   `terminationGracePeriodSeconds: 120`, `memoryHighWatermark.value: 0.4`; `templates/statefulset.yaml`: the
 *   preStop hook (`nodeshutdown.sh -t <grace>` when present, else `rabbitmqctl stop_app`), port names, probes.
 * - rabbitmq/rabbitmq-website `docs/memory.md`: use an absolute memory threshold in containers (RabbitMQ does not
 *   always see the cgroup limit), 0.4 of the memory by default; `docs/disk-alarms.md`: the conservative free-disk
 *   limit is the amount of memory.
 * - rabbitmq/rabbitmq-server `deps/rabbitmq_peer_discovery_k8s` README and `src/rabbit_peer_discovery_k8s.erl` (v2,
 *   4.1+): no Kubernetes API query; the seed is this node's name with the pod ordinal replaced by 0
 *   (`^([^@]+@)([^.]*-)([0-9]+)`), so FQDN node names work; only the seed forms a cluster, the others join it.
 *   rabbitmq/rabbitmq-website `blog/2025-04-04-new-k8s-peer-discovery/index.md`: the API permissions are no longer needed.
 * - rabbitmq/cluster-operator discussion #1997, bitnami/charts PR #25916: `OrderedReady` can deadlock a full restart
 *   (a node waits for the peer that stopped last, which is never created); the operator uses `Parallel`.
 * - Istio: https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#headless-services
 *   (ports of a headless Service must be declared); https://istio.io/latest/blog/2021/upcoming-networking-changes/
 *   (since 1.10 inbound traffic reaches the application on the pod IP, not on loopback).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';
import { MemoryShare, mibToBytes, sizeFromLimit } from '../private/memory';

/** The pinned default image: the last free Bitnami RabbitMQ 4.1 tag, under `bitnamilegacy` since Aug 2025. */
export const RABBITMQ_DEFAULT_IMAGE = 'docker.io/bitnamilegacy/rabbitmq:4.1.3-debian-12-r1';

const AMQP_PORT = 5672;
const EPMD_PORT = 4369;
const DIST_PORT = 25672;
const MANAGEMENT_PORT = 15672;
const PROMETHEUS_PORT = 15692;

/** What the image merges into `rabbitmq.conf`: use the Kubernetes backend (v2: the seed is the pod with ordinal 0). */
const CUSTOM_CONF = 'cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s\n';

/**
 * The real data directory: the image's `RABBITMQ_DATA_DIR` (`/bitnami/rabbitmq/mnesia`) is a symlink to it
 * (postunpack.sh), and it lies inside the scratch mount of `$HOME` (`/opt/bitnami/rabbitmq/.rabbitmq`), so the claim is
 * mounted here, as the chart does (`persistence.mountPath`): at the symlink's path the claim would end up under the
 * scratch mount and the data in the emptyDir.
 */
const RABBITMQ_DATA_PATH = '/opt/bitnami/rabbitmq/.rabbitmq/mnesia';

/** The grace period the chart gives a node to hand over its queues (`terminationGracePeriodSeconds: 120`). */
const GRACE_SECONDS = 120;

/**
 * The memory alarm: RabbitMQ blocks publishers above 0.4 of its memory (its default threshold, and the chart's
 * `memoryHighWatermark.value`), written as an absolute value because RabbitMQ does not always see the cgroup limit.
 */
const MEMORY_WATERMARK: MemoryShare = {
  what: 'the memory high watermark (RABBITMQ_VM_MEMORY_HIGH_WATERMARK)',
  ratio: 0.4,
  minLimitMiB: 512,
  source: 'rabbitmq/rabbitmq-website docs/memory.md: 0.4 by default, absolute in containers; 512Mi is the preset\'s floor, so that '
    + 'the threshold, 205Mi, sits above an idle node',
};

/**
 * The disk alarm: publishers block when free disk falls below the node's memory (the image's
 * `disk_free_limit.relative = 1.0`, but of the container's limit instead of the node's RAM, which would block every
 * publisher on a large node from the first boot).
 */
const DISK_FREE_LIMIT: MemoryShare = {
  what: 'the free disk limit (RABBITMQ_DISK_FREE_ABSOLUTE_LIMIT)',
  ratio: 1,
  minLimitMiB: MEMORY_WATERMARK.minLimitMiB,
  source: 'rabbitmq/rabbitmq-website docs/disk-alarms.md: as much free disk as memory',
};

/**
 * Options of `RabbitMqEngine`.
 */
export interface RabbitMqOptions {
  /**
   * The Secret holding the administrator's password under the key `rabbitmq-password` and the Erlang cookie every node
   * (and its CLI tools) shares under the key `rabbitmq-erlang-cookie`. Only referenced: no value is ever written into
   * a manifest. The image would fall back to the password `bitnami`: the preset always sets it from here.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The administrator the image creates on first boot (tags `administrator`).
   * @default 'user'
   */
  readonly username?: string;
}

/**
 * RabbitMQ: nodes named `rabbit@<pod FQDN>` (long names), clustered by the Kubernetes peer discovery plugin without
 * any Kubernetes API access (RabbitMQ >= 4.1 joins every node to the pod with ordinal 0), the Erlang distribution
 * (epmd 4369, dist 25672) declared so that inter-node traffic gets mTLS, and a client Service `<name>` on AMQP 5672
 * and the management API 15672. The Prometheus endpoint of `rabbitmq_prometheus` listens on its own default, 15692.
 *
 * Pods start in parallel. On first boot only pod 0 forms the cluster; the others join it and keep retrying until they
 * can. If pod 0 ever loses its volume, it forms a new cluster of its own: restore it from the others, do not let it
 * start empty.
 *
 * The memory alarm (0.4 of the container's memory limit) and the free-disk alarm (as much free disk as that limit) are
 * written as absolute values from the limit, so a node never sizes them from the Kubernetes node's RAM; a limit below
 * 512Mi is refused. A stopping node waits until no quorum queue loses its majority (up to 110 s of a 120 s grace
 * period) and keeps its proxy until it exits.
 */
export class RabbitMqEngine extends DatabaseEngine {
  public readonly engineName = 'rabbitmq';
  public readonly defaultImage?: string = RABBITMQ_DEFAULT_IMAGE;
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: AMQP_PORT, name: 'amqp', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: EPMD_PORT, name: 'epmd', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: DIST_PORT, name: 'dist', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: MANAGEMENT_PORT, name: 'stats', protocol: AppProtocol.HTTP, role: PortRole.ADMIN },
    { port: PROMETHEUS_PORT, name: 'metrics', protocol: AppProtocol.HTTP, role: PortRole.METRICS },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: RABBITMQ_DATA_PATH, defaultSize: Size.gibibytes(8) };

  private readonly options: RabbitMqOptions;

  public constructor(options: RabbitMqOptions) {
    super();
    this.options = options;
    const username = options.username;
    if (username !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(username)) {
      throw new Error(`RabbitMqEngine: username '${username}' must be 1 to 64 letters, digits, '.', '_' or '-' `
        + '(the image writes it into rabbitmq.conf keys); use e.g. \'admin\'');
    }
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    const diagnostics = (check: string, timings: kplus.CommandProbeOptions) => kplus.Probe.fromCommand(['/bin/bash', '-ec', check], timings);
    return {
      containerName: 'rabbitmq',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // the AMQP listener opens once the node has booted and joined the cluster (pod 0 first)
        startup: kplus.Probe.fromTcpSocket({
          port: AMQP_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 60,
        }),
        readiness: diagnostics('rabbitmq-diagnostics -q check_running && rabbitmq-diagnostics -q check_local_alarms', {
          periodSeconds: Duration.seconds(30), timeoutSeconds: Duration.seconds(20), failureThreshold: 3,
        }),
        liveness: diagnostics('rabbitmq-diagnostics -q ping', {
          periodSeconds: Duration.seconds(30), timeoutSeconds: Duration.seconds(20), failureThreshold: 6,
        }),
        // the chart's hook: wait (up to the grace period less 10 s) until stopping this node loses no quorum queue
        // majority, then stop the application; the image without nodeshutdown.sh just stops the application
        lifecycle: {
          preStop: kplus.Handler.fromCommand(['/bin/bash', '-ec',
            'if [[ -f /opt/bitnami/scripts/rabbitmq/nodeshutdown.sh ]]; then\n'
            + `  /opt/bitnami/scripts/rabbitmq/nodeshutdown.sh -t ${GRACE_SECONDS} -d false\n`
            + 'else\n'
            + '  rabbitmqctl stop_app\n'
            + 'fi']),
        },
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      // the node hands its quorum queue leaderships to its peers and leaves the cluster over the Erlang distribution,
      // through the proxy: the proxy must outlive it
      needsProxyUntilExit: true,
      terminationGracePeriod: Duration.seconds(GRACE_SECONDS),
      writablePaths: [
        '/tmp',
        '/opt/bitnami/rabbitmq/etc/rabbitmq',
        '/opt/bitnami/rabbitmq/var/lib/rabbitmq',
        '/opt/bitnami/rabbitmq/.rabbitmq',
        '/opt/bitnami/rabbitmq/var/log/rabbitmq',
      ],
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const container = target.container;
    workload.addPodNameEnv({ container });
    target.env('RABBITMQ_NODE_NAME', `rabbit@${workload.selfFqdn}`);
    target.env('RABBITMQ_USE_LONGNAME', 'true');
    target.env('RABBITMQ_PLUGINS', 'rabbitmq_management rabbitmq_peer_discovery_k8s rabbitmq_prometheus');
    target.env('RABBITMQ_CLUSTER_PARTITION_HANDLING', 'autoheal');
    target.env('RABBITMQ_MANAGEMENT_BIND_IP', '0.0.0.0');
    // otherwise the image writes `loopback_users.<user> = true`, and RabbitMQ refuses the user on every connection
    // whose local address is not loopback, which is every connection in the mesh (delivered to the pod IP)
    target.env('RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS', 'true');
    target.env('RABBITMQ_VM_MEMORY_HIGH_WATERMARK', String(mibToBytes(sizeFromLimit(target.scope, this.engineName, target.resources, MEMORY_WATERMARK))));
    target.env('RABBITMQ_DISK_FREE_ABSOLUTE_LIMIT', String(mibToBytes(sizeFromLimit(target.scope, this.engineName, target.resources, DISK_FREE_LIMIT))));
    target.env('RABBITMQ_USERNAME', this.options.username ?? 'user');
    target.secretEnv('RABBITMQ_PASSWORD', this.options.credentials, 'rabbitmq-password');
    target.secretEnv('RABBITMQ_ERL_COOKIE', this.options.credentials, 'rabbitmq-erlang-cookie');

    const config = new kplus.ConfigMap(target.scope, 'Config', {
      metadata: { name: `${workload.name}-config`, namespace: workload.namespace },
      data: { 'custom.conf': CUSTOM_CONF },
    });
    container.mount('/bitnami/rabbitmq/conf', kplus.Volume.fromConfigMap(target.scope, 'ConfigVolume', config, { name: 'config' }), { readOnly: true });

    workload.addClientService('Client', { ports: [AMQP_PORT, MANAGEMENT_PORT] });
  }
}
