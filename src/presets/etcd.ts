/**
 * etcd on the Bitnami image, clustered through static bootstrap on the pods' FQDNs.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/etcd/3.6/debian-12/rootfs/opt/bitnami/scripts/etcd-env.sh`: the variables the image
 *   reads (`ETCD_ROOT_PASSWORD`, `ALLOW_NONE_AUTHENTICATION` default `no`, `ETCD_ON_K8S`, `ETCD_CLUSTER_DOMAIN`,
 *   `ETCD_INITIAL_CLUSTER_TOKEN`), data dir `/bitnami/etcd/data`, conf dir `/opt/bitnami/etcd/conf`.
 * - same directory, `libetcd.sh`: with `ETCD_ON_K8S=yes` the image lists members as `$MY_STS_NAME-<i>.$ETCD_CLUSTER_DOMAIN`
 *   (so both must be set), enables etcd auth (RBAC, user `root`) from the first member of `ETCD_INITIAL_CLUSTER`, makes
 *   the others wait for it, and switches a restarted or re-added member to `existing` itself.
 * - same directory, `etcd/healthcheck.sh`: `etcdctl endpoint health` against the first advertised client URL.
 * - bitnami/charts `bitnami/etcd/templates/statefulset.yaml`: the variables and their formats, the Secret key
 *   `etcd-root-password`, the exec readiness probe; ../../notes/engines.md §7.
 * - etcd clustering guide (etcd.io/docs/latest/op-guide/clustering): `ETCD_INITIAL_CLUSTER=<name>=<peer url>,...`,
 *   `ETCD_INITIAL_CLUSTER_STATE=new`; the initial cluster token only makes cluster IDs unique (not a credential).
 * - kubeadm's etcd probes (`/health?serializable=true`, etcd >= 3.5.3): member-local health, no quorum needed.
 * - ../shared/REFERENCE.md: 2379 `tcp-client`, 2380 `tcp-peer` (a `grpc`/`http` name only when known plaintext).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';

/** The pinned default image: the last free Bitnami etcd tag, under `bitnamilegacy` since Aug 2025. */
export const ETCD_DEFAULT_IMAGE = 'docker.io/bitnamilegacy/etcd:3.6.4-debian-12-r4';

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;
const HEALTHCHECK = '/opt/bitnami/scripts/etcd/healthcheck.sh';

/**
 * Options of `EtcdEngine`.
 */
export interface EtcdOptions {
  /**
   * The Secret holding the password of etcd's `root` user under the key `etcd-root-password`. etcd authentication
   * (RBAC) is always on; only referenced: no password is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The initial cluster token (`ETCD_INITIAL_CLUSTER_TOKEN`), mixed into the cluster and member IDs at bootstrap so
   * that two clusters with the same members never talk to each other. Not a credential. Only read at bootstrap:
   * changing it later has no effect.
   * @default - `<database name>.<namespace>`
   * @see https://etcd.io/docs/latest/op-guide/clustering/
   */
  readonly initialClusterToken?: string;
}

/**
 * etcd: every pod a member, advertising `http://<pod FQDN>:2379` to clients and `http://<pod FQDN>:2380` to peers,
 * bootstrapped statically from `ETCD_INITIAL_CLUSTER` (`<pod>=http://<pod FQDN>:2380,...`), with etcd authentication
 * on (user `root`, password from the Secret) and a client Service `<name>` on 2379.
 *
 * Pods start in parallel: a member waits for a quorum of its peers before it serves. Any number of pods from 1 works;
 * an even number tolerates no more failures than the odd number below it (4 pods survive 1 loss, like 3), so prefer
 * 3 or 5. The ports are named `tcp-` although etcd speaks plaintext gRPC/HTTP here, so that turning on etcd's own TLS
 * later never makes Envoy parse encrypted bytes as HTTP.
 */
export class EtcdEngine extends DatabaseEngine {
  public readonly engineName = 'etcd';
  public readonly defaultImage?: string = ETCD_DEFAULT_IMAGE;
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: CLIENT_PORT, name: 'client', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: PEER_PORT, name: 'peer', protocol: AppProtocol.TCP, role: PortRole.PEER },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/etcd', defaultSize: Size.gibibytes(8) };

  private readonly options: EtcdOptions;

  public constructor(options: EtcdOptions) {
    super();
    this.options = options;
    const token = options.initialClusterToken;
    if (token !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(token)) {
      throw new Error(`EtcdEngine: initialClusterToken '${token}' must be 1 to 128 letters, digits, '.', '_' or '-'; `
        + 'use e.g. \'orders-etcd-2026\'');
    }
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    const healthcheck = (timings: kplus.CommandProbeOptions) => kplus.Probe.fromCommand([HEALTHCHECK], timings);
    return {
      containerName: 'etcd',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // bootstrap (auth setup, waiting for peers) listens on 127.0.0.1 only: the startup probe covers it
        startup: healthcheck({
          periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 60,
        }),
        readiness: healthcheck({ periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 3 }),
        // member-local health: a lost quorum makes pods unready, never restarts them all
        liveness: kplus.Probe.fromHttpGet('/health?serializable=true', {
          port: CLIENT_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 6,
        }),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      writablePaths: ['/tmp', '/opt/bitnami/etcd/conf'],
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const container = target.container;
    workload.addPodNameEnv({ container });
    target.env('MY_POD_NAME', '$(POD_NAME)');
    target.env('MY_STS_NAME', workload.name);
    target.env('ETCD_ON_K8S', 'yes');
    target.env('ETCD_CLUSTER_DOMAIN', workload.headlessServiceFqdn);
    target.env('ETCDCTL_API', '3');
    target.env('ETCD_NAME', '$(POD_NAME)');
    target.env('ETCD_DATA_DIR', `${this.storage.mountPath}/data`);
    target.env('ALLOW_NONE_AUTHENTICATION', 'no');
    target.secretEnv('ETCD_ROOT_PASSWORD', this.options.credentials, 'etcd-root-password');
    workload.addPodUrlEnv('ETCD_ADVERTISE_CLIENT_URLS', 'http', CLIENT_PORT, { container });
    target.env('ETCD_LISTEN_CLIENT_URLS', `http://0.0.0.0:${CLIENT_PORT}`);
    workload.addPodUrlEnv('ETCD_INITIAL_ADVERTISE_PEER_URLS', 'http', PEER_PORT, { container });
    target.env('ETCD_LISTEN_PEER_URLS', `http://0.0.0.0:${PEER_PORT}`);
    workload.addPeerListEnv('ETCD_INITIAL_CLUSTER', `{pod}=http://{host}:${PEER_PORT}`, { container });
    target.env('ETCD_INITIAL_CLUSTER_STATE', 'new');
    target.env('ETCD_INITIAL_CLUSTER_TOKEN', this.options.initialClusterToken ?? `${workload.name}.${workload.namespace}`);

    workload.addClientService('Client', { ports: [CLIENT_PORT] });
  }
}
