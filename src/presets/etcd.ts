/**
 * etcd on the Bitnami image, clustered through static bootstrap on the pods' FQDNs.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/etcd/3.6/debian-12/rootfs/opt/bitnami/scripts/etcd-env.sh` (commit 7c423ec5): the
 *   variables the image reads (`ETCD_ROOT_PASSWORD`, `ALLOW_NONE_AUTHENTICATION` default `no`, `ETCD_ON_K8S`,
 *   `ETCD_CLUSTER_DOMAIN`, `ETCD_INITIAL_CLUSTER_TOKEN`); `ETCD_DATA_DIR` is a constant (`/bitnami/etcd/data`) the
 *   script exports over any value given, so the preset does not set it; conf dir `/opt/bitnami/etcd/conf`.
 * - same directory, `libetcd.sh` (commit 2880a179, and an older 3.6 copy): with `ETCD_ON_K8S=yes` the image lists
 *   members as `$MY_STS_NAME-<i>.$ETCD_CLUSTER_DOMAIN` (so both must be set), enables etcd auth (RBAC, user `root`)
 *   from the first member of `ETCD_INITIAL_CLUSTER`, and switches a restarted or re-added member to `existing` itself.
 * - bitnami/charts `bitnami/etcd` 12.0.20 (commit 5165628ae0): `Chart.yaml` pins `etcd:3.6.4-debian-12-r3` (the tag
 *   the preset pins; r4 appears in no Bitnami source), `templates/statefulset.yaml` the variables and their formats,
 *   the Secret key `etcd-root-password`; `values.yaml` `resourcesPreset: micro` (384Mi limit).
 * - etcd clustering guide (etcd.io/docs/v3.6/op-guide/clustering/): `ETCD_INITIAL_CLUSTER=<name>=<peer url>,...`,
 *   `ETCD_INITIAL_CLUSTER_STATE=new`; the initial cluster token only makes cluster IDs unique (not a credential).
 * - etcd configuration flags (etcd.io/docs/v3.6/op-guide/configuration/): every flag as `ETCD_<FLAG>`, e.g.
 *   `ETCD_QUOTA_BACKEND_BYTES` (default 2 GiB; 8 GiB the suggested maximum, etcd.io/docs/v3.6/dev-guide/limit/),
 *   `ETCD_AUTO_COMPACTION_MODE` / `_RETENTION` (off by default; etcd.io/docs/v3.6/op-guide/maintenance/ keeps one
 *   hour of history with `--auto-compaction-retention=1`).
 * - etcd-io/etcd `server/etcdserver/api/etcdhttp/health.go` (v3.6.4): `/health` needs no credentials with auth on
 *   (a permission error counts as healthy), `serializable=true` asks only the member, `exclude=NOSPACE` ignores the
 *   out-of-quota alarm (kubeadm's liveness probe uses both); `server/etcdserver/server.go` (`EtcdServer.Stop`): a
 *   stopping leader transfers its leadership to a peer first.
 * - etcd keeps the whole database mapped in memory (etcd.io/blog/2023/how_to_debug_large_db_size_issue/: "a larger
 *   value also means more memory usage"); openshift/microshift#1506 measured 30-60% on top of the database size.
 * - Ports 2379 `tcp-client`, 2380 `tcp-peer` (docs/presets/etcd.md).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';
import { MemoryShare, mibToBytes, sizeFromLimit } from '../private/memory';

/**
 * The pinned default image: the tag the Bitnami chart pins (`bitnami/etcd` 12.0.20), under `bitnamilegacy` since
 * Aug 2025.
 */
export const ETCD_DEFAULT_IMAGE = 'docker.io/bitnamilegacy/etcd:3.6.4-debian-12-r3';

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;

/**
 * The backend quota: half the memory limit, since etcd maps its whole database into memory and needs 30-60% more for
 * its index, watchers and requests; never above etcd's suggested 8 GiB maximum. At least the chart's default limit.
 */
const BACKEND_QUOTA: MemoryShare = {
  what: 'the etcd backend quota (ETCD_QUOTA_BACKEND_BYTES)',
  ratio: 0.5,
  maxMiB: 8 * 1024,
  minLimitMiB: 384,
  source: 'the smallest limit upstream runs it with: bitnami/charts bitnami/etcd 12.0.20 values.yaml, resourcesPreset micro: 384Mi',
};

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
 *
 * The backend quota is half the memory limit (at most 8 GiB): past it etcd raises NOSPACE and takes only reads and
 * deletes, instead of outgrowing its memory. History is compacted hourly. A stopping leader hands its leadership over
 * while its proxy still runs (a native sidecar).
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
    const health = (path: string, failureThreshold: number) => kplus.Probe.fromHttpGet(path, {
      port: CLIENT_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold,
    });
    return {
      containerName: 'etcd',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // /health needs no credentials with auth on. Cluster health (a leader, a linearizable read), ignoring the
        // out-of-quota alarm: a full cluster still serves the reads and deletes that recover it. Bootstrap (waiting for
        // peers, the first member's auth setup) takes as long as the startup probe allows.
        startup: health('/health?exclude=NOSPACE', 60),
        readiness: health('/health?exclude=NOSPACE', 3),
        // member-local health: a lost quorum or a full database makes pods unready, never restarts them all
        liveness: health('/health?exclude=NOSPACE&serializable=true', 6),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      writablePaths: ['/tmp', '/opt/bitnami/etcd/conf'],
      // a stopping leader transfers its leadership to a peer: peer traffic after SIGTERM
      needsProxyUntilExit: true,
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
    target.env('ETCD_NAME', '$(POD_NAME)');
    target.env('ALLOW_NONE_AUTHENTICATION', 'no');
    target.secretEnv('ETCD_ROOT_PASSWORD', this.options.credentials, 'etcd-root-password');
    workload.addPodUrlEnv('ETCD_ADVERTISE_CLIENT_URLS', 'http', CLIENT_PORT, { container });
    target.env('ETCD_LISTEN_CLIENT_URLS', `http://0.0.0.0:${CLIENT_PORT}`);
    workload.addPodUrlEnv('ETCD_INITIAL_ADVERTISE_PEER_URLS', 'http', PEER_PORT, { container });
    target.env('ETCD_LISTEN_PEER_URLS', `http://0.0.0.0:${PEER_PORT}`);
    workload.addPeerListEnv('ETCD_INITIAL_CLUSTER', `{pod}=http://{host}:${PEER_PORT}`, { container });
    target.env('ETCD_INITIAL_CLUSTER_STATE', 'new');
    target.env('ETCD_INITIAL_CLUSTER_TOKEN', this.options.initialClusterToken ?? `${workload.name}.${workload.namespace}`);
    const quotaMiB = sizeFromLimit(target.scope, this.engineName, target.resources, BACKEND_QUOTA);
    target.env('ETCD_QUOTA_BACKEND_BYTES', String(mibToBytes(quotaMiB)));
    // without compaction the history grows until the quota is hit: keep one hour of revisions
    target.env('ETCD_AUTO_COMPACTION_MODE', 'periodic');
    target.env('ETCD_AUTO_COMPACTION_RETENTION', '1h');

    workload.addClientService('Client', { ports: [CLIENT_PORT] });
  }
}
