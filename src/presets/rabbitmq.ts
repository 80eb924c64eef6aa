/**
 * RabbitMQ on the Bitnami image, clustered by the Kubernetes peer discovery plugin (version 2, RabbitMQ >= 4.1) with
 * node names on the pods' FQDNs.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/rabbitmq/4.1/debian-12/rootfs/opt/bitnami/scripts/rabbitmq-env.sh`: the variables
 *   (`RABBITMQ_NODE_NAME`, `RABBITMQ_USE_LONGNAME`, `RABBITMQ_PLUGINS`, `RABBITMQ_ERL_COOKIE`; `RABBITMQ_PASSWORD` falls
 *   back to `bitnami` when empty), data dir `/bitnami/rabbitmq/mnesia`, mounted conf dir `/bitnami/rabbitmq/conf`,
 *   the writable conf, lib, home and log directories.
 * - same directory, `librabbitmq.sh`: `custom.conf` from the mounted conf dir is merged into `rabbitmq.conf`; with
 *   `RABBITMQ_PLUGINS` set the image enables `rabbitmq_management_agent` and `rabbitmq_prometheus` plus those plugins;
 *   the cookie is written to `$HOME/.erlang.cookie` from `RABBITMQ_ERL_COOKIE`.
 * - rabbitmq/rabbitmq-server `deps/rabbitmq_peer_discovery_k8s` README and `src/rabbit_peer_discovery_k8s.erl` (v2,
 *   4.1+): no Kubernetes API query; the seed is this node's name with the pod ordinal replaced by 0
 *   (`^([^@]+@)([^.]*-)([0-9]+)`), so FQDN node names work; only the seed forms a cluster, the others join it.
 *   rabbitmq.com blog 2025-04-04 "New Kubernetes Peer Discovery": the API permissions are no longer needed.
 * - bitnami/charts `bitnami/rabbitmq/templates/statefulset.yaml`: port names, `rabbitmq-diagnostics` probes, data at
 *   `/bitnami/rabbitmq/mnesia`, Secret keys `rabbitmq-password` and `rabbitmq-erlang-cookie`; the chart's Role
 *   (`endpoints: get`, `events: create`) served the pre-4.1 plugin. ../../notes/engines.md §8.
 * - rabbitmq/cluster-operator discussion #1997, bitnami/charts PR #25916: `OrderedReady` can deadlock a full restart
 *   (a node waits for the peer that stopped last, which is never created); the operator uses `Parallel`.
 * - ../shared/REFERENCE.md: 5672 `tcp-amqp`, 4369 `tcp-epmd`, 25672 `tcp-dist`, 15672 `http-stats`;
 *   `RABBITMQ_NODE_NAME=rabbit@$(POD_NAME).<hl>.<ns>.svc.<cd>`, `RABBITMQ_USE_LONGNAME=true`.
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';

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
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/rabbitmq/mnesia', defaultSize: Size.gibibytes(8) };

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
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
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
