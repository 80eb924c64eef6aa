/**
 * Apache ZooKeeper: an ensemble with a fixed membership, ids 1..n. The facts it relies on are held as data, with their
 * sources, in `test/contracts/zookeeper.contract.ts` and checked against the pod it writes.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/zookeeper/3.9/debian-12/rootfs/opt/bitnami/scripts/zookeeper-env.sh` and
 *   `libzookeeper.sh` (commit 2d4af38a), `zookeeper/entrypoint.sh` (commit accc9959):
 *   - `ZOO_SERVERS` is split on `,`, `;` or space; with `::` every entry must match
 *     `host:port:port[:observer|:participant]::id` and becomes `server.<id>=<host>:2888:3888;2181`;
 *   - `ZOO_SERVER_ID` is written to `<dataDir>/myid` when the data directory is empty;
 *   - without `ZOO_ENABLE_AUTH=yes` the image refuses to start unless `ALLOW_EMPTY_PASSWORD=yes` (never set here);
 *   - SASL (`ZOO_ENABLE_AUTH`, `ZOO_ENABLE_QUORUM_AUTH`) is refused while `ZOO_FIPS_MODE` is yes (its default);
 *   - `ZOO_LISTEN_ALLIPS_ENABLED=yes` writes `quorumListenOnAllIPs=true`;
 *   - `ZOO_HEAP_SIZE` (MiB, default 1024 whatever the container's memory) becomes `-Xmx`/`-Xms`;
 *   - `ZOO_AUTOPURGE_INTERVAL` defaults to 0: old snapshots and transaction logs are never purged;
 *   - the entrypoint copies the default configuration into an empty `conf/` (so it can be a writable emptyDir).
 * - bitnami/charts `bitnami/zookeeper` (commit 5165628a): `values.yaml` `autopurge.purgeInterval: 1`,
 *   `autopurge.snapRetainCount: 10`; the last image the chart pinned is `3.9.3-debian-12-r21` (commit 3d774dec).
 * - istio/istio#19280, helm/charts#17183, pravega/zookeeper-operator#109: quorum ports bound to the pod IP broke under
 *   sidecars that forwarded to localhost (before Istio 1.10); `quorumListenOnAllIPs=true` is the fix.
 * - ZooKeeper admin guide (https://zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html): `ruok` four-letter word,
 *   myid, "a maximum heap size of 3GB for a 4GB machine" (never let ZooKeeper swap).
 * - Istio: https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#headless-services (ports
 *   of a headless Service must be declared); port names `tcp-client`, `tcp-follower`, `tcp-election`.
 * - Image `docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22` (Bitnami moved versioned tags to `bitnamilegacy`
 *   in Aug 2025, which gets no updates: bitnami/containers#83267).
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, shellProbe, wrapEntrypoint } from '../private/bitnami';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/**
 * Options of `ZooKeeperEngine`.
 */
export interface ZooKeeperOptions {
  /**
   * The Secret holding, under these keys:
   * - `client-password`: the password of `clientUser` (used by the server's own tools);
   * - `server-passwords`: the passwords of `serverUsers`, comma-separated, in the same order;
   * - `quorum-password`: the password of `quorumUser` (only with `quorumAuth`).
   * Only referenced: no password is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The SASL user of the server's own client tools.
   * @default 'zookeeper'
   */
  readonly clientUser?: string;

  /**
   * The SASL users clients may authenticate as (SASL/DIGEST-MD5; every session must authenticate).
   * @default - [clientUser]
   */
  readonly serverUsers?: string[];

  /**
   * Authenticate servers to each other (SASL on 2888/3888), on top of the mesh's mTLS. Outside the mesh it is the
   * only peer authentication.
   * @default true
   */
  readonly quorumAuth?: boolean;

  /**
   * The SASL user servers authenticate as to each other.
   * @default 'quorum'
   */
  readonly quorumUser?: string;
}

const ENTRYPOINT = '/opt/bitnami/scripts/zookeeper/entrypoint.sh /opt/bitnami/scripts/zookeeper/run.sh';

/**
 * The heap: three quarters of what the container's memory limit leaves after 256Mi for the JVM itself (metaspace,
 * threads, network buffers), the admin guide's "3GB heap for a 4GB machine". A limit below 512Mi is refused.
 */
const HEAP: MemoryShare = {
  what: 'the JVM heap (ZOO_HEAP_SIZE)',
  ratio: 0.75,
  reserveMiB: 256,
  minLimitMiB: 512,
  source: 'ZooKeeper admin guide, zookeeperAdmin.html: a 3GB heap for a 4GB machine; the 256Mi reserve and the 512Mi floor are the preset\'s',
};

/** Autopurge, as the chart sets it: every hour, keeping the 10 newest snapshots (and their transaction logs). */
const AUTOPURGE = { intervalHours: 1, retainCount: 10 };

/**
 * Apache ZooKeeper: `replicas` pods (3 by default) started in parallel. Server ids are ordinal + 1 (ZooKeeper ids
 * start at 1): `ZOO_SERVERS = <pod FQDN>:2888:3888::<ordinal + 1>` for every pod, space-separated, and
 * `ZOO_SERVER_ID` is computed from the pod name by a wrapper before the image's own entrypoint. The quorum listens on
 * all interfaces (`ZOO_LISTEN_ALLIPS_ENABLED=yes`), clients must authenticate (SASL), and the membership is fixed:
 * changing `replicas` later needs a rolling restart of every server (or ZooKeeper's dynamic reconfiguration).
 *
 * The heap is three quarters of the memory limit less 256Mi (`ZOO_HEAP_SIZE`; a limit below 512Mi is refused), and
 * old snapshots and transaction logs are purged every hour, keeping the 10 newest.
 */
export class ZooKeeperEngine extends DatabaseEngine {
  public readonly engineName = 'zookeeper';
  public readonly defaultImage?: string = 'docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22';
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: 2181, name: 'client', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: 2888, name: 'follower', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: 3888, name: 'election', protocol: AppProtocol.TCP, role: PortRole.PEER },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/zookeeper', defaultSize: Size.gibibytes(8) };

  private readonly options: ZooKeeperOptions;

  public constructor(options: ZooKeeperOptions) {
    super();
    this.options = options;
    if (options.serverUsers !== undefined && options.serverUsers.length === 0) {
      throw new Error('ZooKeeperEngine: serverUsers is empty; name at least one SASL user, e.g. [\'zookeeper\']');
    }
    for (const user of [options.clientUser, options.quorumUser, ...options.serverUsers ?? []]) {
      if (user !== undefined && !/^[A-Za-z0-9._-]+$/.test(user)) {
        throw new Error(`ZooKeeperEngine: SASL user '${user}' must be letters, digits, '.', '_' or '-' (the image splits user lists on ',', ';' and spaces)`);
      }
    }
  }

  /** ZooKeeper server ids go up to 255 (ids are ordinal + 1). */
  public replicasProblem(replicas: number): string | undefined {
    const problem = super.replicasProblem(replicas);
    if (problem) {
      return problem;
    }
    return replicas > 255 ? `replicas ${replicas} is more than the 255 server ids ZooKeeper accepts; use an odd number such as 3 or 5` : undefined;
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    const ruok = 'echo ruok | timeout 4 nc -w 3 127.0.0.1 2181 | grep -q imok';
    return {
      containerName: 'zookeeper',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // server ids are ordinal + 1: only the pod name knows the ordinal
        command: wrapEntrypoint('export ZOO_SERVER_ID="$(( ${POD_NAME##*-} + 1 ))"', ENTRYPOINT),
        readiness: shellProbe(ruok, { initialDelay: 5, period: 10, timeout: 5, failureThreshold: 6 }),
        liveness: shellProbe(ruok, { initialDelay: 30, period: 10, timeout: 5, failureThreshold: 6 }),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      // every server must start for the ensemble to elect a leader
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      // no needsProxyUntilExit: a stopping server tells no one; its peers see the connections close and, when it led,
      // elect another leader among themselves
      writablePaths: ['/opt/bitnami/zookeeper/conf', '/opt/bitnami/zookeeper/logs', '/tmp'],
    };
  }

  public configure(target: IEngineTarget): void {
    const credentials = this.options.credentials;
    const clientUser = this.options.clientUser ?? 'zookeeper';
    const quorumAuth = this.options.quorumAuth ?? true;
    const quorumUser = this.options.quorumUser ?? 'quorum';
    const workload = target.workload;
    workload.addPodNameEnv({ container: target.container });
    workload.addPeerListEnv('ZOO_SERVERS', '{host}:2888:3888::{id}', { separator: ' ', container: target.container });
    target.env('ZOO_LISTEN_ALLIPS_ENABLED', 'yes');
    target.env('ZOO_4LW_COMMANDS_WHITELIST', 'srvr, mntr, ruok');
    target.env('ZOO_HEAP_SIZE', String(sizeFromLimit(target.scope, this.engineName, target.resources, HEAP)));
    target.env('ZOO_AUTOPURGE_INTERVAL', String(AUTOPURGE.intervalHours));
    target.env('ZOO_AUTOPURGE_RETAIN_COUNT', String(AUTOPURGE.retainCount));
    // SASL/DIGEST-MD5 is refused in FIPS mode, the image's default
    target.env('ZOO_FIPS_MODE', 'no');
    target.env('ZOO_ENABLE_AUTH', 'yes');
    target.env('ZOO_CLIENT_USER', clientUser);
    target.secretEnv('ZOO_CLIENT_PASSWORD', credentials, 'client-password');
    target.env('ZOO_SERVER_USERS', (this.options.serverUsers ?? [clientUser]).join(','));
    target.secretEnv('ZOO_SERVER_PASSWORDS', credentials, 'server-passwords');
    if (quorumAuth) {
      target.env('ZOO_ENABLE_QUORUM_AUTH', 'yes');
      target.env('ZOO_QUORUM_LEARNER_USER', quorumUser);
      target.secretEnv('ZOO_QUORUM_LEARNER_PASSWORD', credentials, 'quorum-password');
      target.env('ZOO_QUORUM_SERVER_USERS', quorumUser);
      target.secretEnv('ZOO_QUORUM_SERVER_PASSWORDS', credentials, 'quorum-password');
    }

    workload.addClientService('Client', { ports: [2181] });
  }
}
