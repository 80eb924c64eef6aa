/**
 * Apache ZooKeeper: an ensemble with a fixed membership, ids 1..n.
 *
 * Sources (facts carried over, code written here):
 * - /work/notes/engines.md §6 (ZooKeeper) and the image scripts
 *   `bitnami/containers bitnami/zookeeper/3.9/debian-12/rootfs/opt/bitnami/scripts/libzookeeper.sh` and
 *   `zookeeper/entrypoint.sh`:
 *   - `ZOO_SERVERS` is split on `,`, `;` or space; with `::` every entry must match
 *     `host:port:port[:observer|:participant]::id` and becomes `server.<id>=<host>:2888:3888;2181`;
 *   - `ZOO_SERVER_ID` is written to `<dataDir>/myid` when the data directory is empty;
 *   - without `ZOO_ENABLE_AUTH=yes` the image refuses to start unless `ALLOW_EMPTY_PASSWORD=yes` (never set here);
 *   - SASL (`ZOO_ENABLE_AUTH`, `ZOO_ENABLE_QUORUM_AUTH`) is refused while `ZOO_FIPS_MODE` is yes (its default);
 *   - `ZOO_LISTEN_ALLIPS_ENABLED=yes` writes `quorumListenOnAllIPs=true`;
 *   - the entrypoint copies the default configuration into an empty `conf/` (so it can be a writable emptyDir).
 * - istio/istio#19280, helm/charts#17183, pravega/zookeeper-operator#109: quorum ports bound to the pod IP broke under
 *   sidecars that forwarded to localhost (before Istio 1.10); `quorumListenOnAllIPs=true` is the fix.
 * - ZooKeeper admin guide (zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html): `ruok` four-letter word, myid.
 * - ../shared/REFERENCE.md: 2181 `tcp-client`, 2888 `tcp-follower`, 3888 `tcp-election`; `ZOO_SERVERS` =
 *   `<fqdn>:2888:3888::<id>` list.
 * - Image `docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22` (Bitnami moved versioned tags to `bitnamilegacy`
 *   in Aug 2025, which gets no updates: bitnami/containers#83267).
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, shellProbe, wrapEntrypoint } from '../private/bitnami';

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
 * Apache ZooKeeper: `replicas` pods (3 by default) started in parallel. Server ids are ordinal + 1 (ZooKeeper ids
 * start at 1): `ZOO_SERVERS = <pod FQDN>:2888:3888::<ordinal + 1>` for every pod, space-separated, and
 * `ZOO_SERVER_ID` is computed from the pod name by a wrapper before the image's own entrypoint. The quorum listens on
 * all interfaces (`ZOO_LISTEN_ALLIPS_ENABLED=yes`), clients must authenticate (SASL), and the membership is fixed:
 * changing `replicas` later needs a rolling restart of every server (or ZooKeeper's dynamic reconfiguration).
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
