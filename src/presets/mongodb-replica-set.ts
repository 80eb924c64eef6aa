/**
 * A MongoDB replica set on the Bitnami image: pod 0 initiates the set, every other pod joins it as a secondary; all
 * members advertise their pod FQDNs.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/mongodb/8.0/debian-12/rootfs/opt/bitnami/scripts/mongodb-env.sh`: the variables
 *   (`MONGODB_ADVERTISED_HOSTNAME`, `MONGODB_REPLICA_SET_MODE|NAME|KEY`, `MONGODB_INITIAL_PRIMARY_HOST|PORT_NUMBER|
 *   ROOT_USER|ROOT_PASSWORD`, `MONGODB_ROOT_USER|PASSWORD`, `ALLOW_EMPTY_PASSWORD` default `no`), data under
 *   `/bitnami/mongodb`, conf/tmp/logs under `/opt/bitnami/mongodb`, mongosh's home `/.mongodb` (`HOME=/`).
 * - same directory, `libmongodb.sh`: validation (a primary needs `MONGODB_ROOT_PASSWORD` and no
 *   `MONGODB_INITIAL_PRIMARY_ROOT_PASSWORD`; a secondary the reverse, plus `MONGODB_INITIAL_PRIMARY_HOST`; the key is
 *   at least 5 characters); the set is configured only when the data directory is empty (`rs.initiate` on the primary
 *   with its advertised host; a secondary waits until the initial primary answers as primary, `rs.add`s itself with
 *   no vote, then takes a vote); with persisted data the mode is not used; `bindIpAll: true` after initialisation.
 * - bitnami/containers `bitnami/mongodb/8.0/debian-12/Dockerfile`: entrypoint `/opt/bitnami/scripts/mongodb/entrypoint.sh`,
 *   command `/opt/bitnami/scripts/mongodb/run.sh`; `mongodb.conf.tpl`: the log goes to `/opt/bitnami/mongodb/logs/mongodb.log`.
 * - bitnami/charts `bitnami/mongodb/templates/replicaset/statefulset.yaml` and `scripts-configmap.yaml` (setup.sh,
 *   ping-mongodb.sh, readiness-probe.sh), chart 16.5.45 (probe timings, scratch mounts, the `log-dir` init container
 *   linking the log to stdout, Secret keys `mongodb-root-password` and `mongodb-replica-set-key`); chart 17.0.2
 *   (commit 5165628ae0) `values.yaml`: `resourcesPreset: small` (768Mi limit), no cache size.
 * - the image's `mongodb/run.sh` (bitnami/containers `bitnami/mongodb/7.0/debian-12/rootfs/opt/bitnami/scripts/mongodb/run.sh`,
 *   commit f82a99dc): `MONGODB_EXTRA_FLAGS` is split into words and appended to mongod's arguments.
 * - MongoDB docs, WiredTiger memory use (www.mongodb.com/docs/manual/core/wiredtiger/): the internal cache defaults to
 *   the larger of 50% of (RAM - 1 GB) and 256 MB; in a container, set `cacheSizeGB` below the memory available to it
 *   (www.mongodb.com/docs/manual/reference/configuration-options/, `storage.wiredTiger.engineConfig.cacheSizeGB`,
 *   0.25 to 10000).
 * - MongoDB docs, db.shutdownServer() (www.mongodb.com/docs/manual/reference/method/db.shutdownServer/): on SIGTERM a
 *   primary steps down, waiting up to `shutdownTimeoutMillisForSignaledShutdown` (15 s) for a secondary to catch up:
 *   replication traffic after SIGTERM.
 * - MongoDB docs (replica set members): at most 50 members, at most 7 voting members.
 * - Port 27017 `tcp-mongodb` (a `mongo` prefix turns Envoy's Mongo filter on; docs/presets/mongodb.md).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/** The pinned default image: the last free Bitnami MongoDB 8.0 tag (amd64 only), under `bitnamilegacy` since Aug 2025. */
export const MONGODB_DEFAULT_IMAGE = 'docker.io/bitnamilegacy/mongodb:8.0.13-debian-12-r0';

const MONGODB_PORT = 27017;
/** MongoDB allows at most 7 voting members, and the image gives every member it adds a vote. */
const MAX_VOTING_MEMBERS = 7;

/**
 * The WiredTiger cache: MongoDB's own default formula, 50% of (memory - 1 GB) and at least 256 MB, applied to the
 * container's memory limit rather than left to mongod's detection. At least the chart's default limit, which leaves
 * room beside the cache for mongod and the mongosh probes.
 */
const WIREDTIGER_CACHE: MemoryShare = {
  what: 'the WiredTiger cache (--wiredTigerCacheSizeGB)',
  ratio: 0.5,
  reserveMiB: 1024,
  minMiB: 256,
  minLimitMiB: 768,
  source: 'the smallest limit upstream runs it with: bitnami/charts bitnami/mongodb 17.0.2 values.yaml, resourcesPreset small: 768Mi',
};

/** A size in MiB as mongod's `--wiredTigerCacheSizeGB` value (GB of 1024 MB), rounded down to two decimals. */
function cacheSizeGb(mib: number): string {
  return String(Math.floor((mib / 1024) * 100) / 100);
}

/**
 * The container's command: choose the replica set mode from the pod ordinal, then run the image's own entrypoint.
 * Pod 0 initiates the set (`primary`); the others join it (`secondary`), which the image accepts only with the root
 * password under `MONGODB_INITIAL_PRIMARY_ROOT_PASSWORD` and none under `MONGODB_ROOT_PASSWORD`. The mode matters only
 * on a member's first boot (empty data directory).
 */
export const MONGODB_REPLICA_SET_COMMAND = [
  'ln -sf /dev/stdout /opt/bitnami/mongodb/logs/mongodb.log',
  'if [[ "${POD_NAME##*-}" == "0" ]]; then',
  '  export MONGODB_REPLICA_SET_MODE=primary',
  'else',
  '  export MONGODB_REPLICA_SET_MODE=secondary',
  '  export MONGODB_INITIAL_PRIMARY_ROOT_PASSWORD="$MONGODB_ROOT_PASSWORD"',
  '  unset MONGODB_ROOT_PASSWORD',
  'fi',
  'exec /opt/bitnami/scripts/mongodb/entrypoint.sh /opt/bitnami/scripts/mongodb/run.sh',
].join('\n');

/**
 * Options of `MongoDbReplicaSetEngine`.
 */
export interface MongoDbReplicaSetOptions {
  /**
   * The Secret holding the root password under the key `mongodb-root-password` and the replica set key (the shared
   * keyfile members authenticate each other with: 6 to 1024 characters of the base64 alphabet) under the key
   * `mongodb-replica-set-key`. Only referenced: no value is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The replica set name (`replSetName`); clients pass it as `replicaSet=` in their connection string.
   * @default 'rs0'
   */
  readonly replicaSetName?: string;

  /**
   * The root user the primary creates on first boot (role `root` on `admin`).
   * @default 'root'
   */
  readonly rootUser?: string;
}

/**
 * A MongoDB replica set: every member advertises its pod FQDN (`MONGODB_ADVERTISED_HOSTNAME`), pod 0 initiates the set
 * and the other pods join it through pod 0's FQDN (`MONGODB_INITIAL_PRIMARY_HOST`), authenticated with the root
 * password and the replica set key from a Secret. Port 27017 is named `tcp-mongodb`, not `mongo-`: Istio turns its
 * Mongo filter on for `mongo` ports, and a database needs only opaque TCP.
 *
 * The WiredTiger cache is sized from the memory limit with MongoDB's own formula; a stopping primary steps down while
 * its proxy still runs (a native sidecar). Pod 0 is initiated with priority 5 (the image's choice), so it takes the
 * primary back after it restarts.
 *
 * Clients connect to the members themselves, not to a Service:
 * `mongodb://<user>:<password>@<name>-0.<name>-headless.<ns>.svc.<cd>:27017,.../?replicaSet=rs0&authSource=admin`.
 * Pods start one by one (pod 0 first). The pinned default image is amd64-only.
 */
export class MongoDbReplicaSetEngine extends DatabaseEngine {
  public readonly engineName = 'mongodb';
  public readonly defaultImage?: string = MONGODB_DEFAULT_IMAGE;
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: MONGODB_PORT, name: 'mongodb', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/mongodb', defaultSize: Size.gibibytes(8) };

  private readonly options: MongoDbReplicaSetOptions;

  public constructor(options: MongoDbReplicaSetOptions) {
    super();
    this.options = options;
    if (options.replicaSetName !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(options.replicaSetName)) {
      throw new Error(`MongoDbReplicaSetEngine: replicaSetName '${options.replicaSetName}' must be 1 to 64 letters, digits, '_' or '-'; use e.g. 'rs0'`);
    }
    if (options.rootUser !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(options.rootUser)) {
      throw new Error(`MongoDbReplicaSetEngine: rootUser '${options.rootUser}' must be 1 to 64 letters, digits, '.', '_' or '-' `
        + '(the image writes it into mongosh commands); use e.g. \'root\'');
    }
  }

  /**
   * A replica set has at most 7 voting members, and the image gives every member it adds a vote: an eighth pod would
   * fail to join, forever.
   */
  public replicasProblem(replicas: number): string | undefined {
    const problem = super.replicasProblem(replicas);
    if (problem !== undefined) {
      return problem;
    }
    return replicas > MAX_VOTING_MEMBERS
      ? `replicas ${replicas} is more than ${MAX_VOTING_MEMBERS}: the image gives every member a vote and a replica set has at most `
        + `${MAX_VOTING_MEMBERS} voting members, so pod ${MAX_VOTING_MEMBERS} would never join; use at most ${MAX_VOTING_MEMBERS} replicas`
      : undefined;
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    const mongosh = (evaluate: string) => ['mongosh', '--port', String(MONGODB_PORT), '--quiet', '--eval', evaluate];
    return {
      containerName: 'mongodb',
      container: {
        command: ['/bin/bash', '-ec', MONGODB_REPLICA_SET_COMMAND],
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // no authentication needed for `ping` and `hello`
        liveness: kplus.Probe.fromCommand(mongosh('db.adminCommand(\'ping\')'), {
          initialDelaySeconds: Duration.seconds(30), periodSeconds: Duration.seconds(20), timeoutSeconds: Duration.seconds(10), failureThreshold: 6,
        }),
        readiness: kplus.Probe.fromCommand(mongosh('if (!(db.hello().isWritablePrimary || db.hello().secondary)) { throw new Error(\'not ready\') }'), {
          initialDelaySeconds: Duration.seconds(5), periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 6,
        }),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      writablePaths: ['/tmp', '/opt/bitnami/mongodb/conf', '/opt/bitnami/mongodb/tmp', '/opt/bitnami/mongodb/logs', '/.mongodb'],
      // on SIGTERM a primary steps down and waits up to 15 s for a secondary to catch up, then takes its last
      // checkpoint: the proxy must outlive mongod, and 30 s would leave the checkpoint 15
      needsProxyUntilExit: true,
      terminationGracePeriod: Duration.seconds(60),
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const container = target.container;
    const rootUser = this.options.rootUser ?? 'root';
    workload.addPodHostEnv('MONGODB_ADVERTISED_HOSTNAME', { container });
    target.env('MONGODB_PORT_NUMBER', String(MONGODB_PORT));
    target.env('MONGODB_REPLICA_SET_NAME', this.options.replicaSetName ?? 'rs0');
    target.env('MONGODB_INITIAL_PRIMARY_HOST', workload.podFqdn(0));
    target.env('MONGODB_INITIAL_PRIMARY_PORT_NUMBER', String(MONGODB_PORT));
    target.env('MONGODB_ROOT_USER', rootUser);
    target.env('MONGODB_INITIAL_PRIMARY_ROOT_USER', rootUser);
    target.secretEnv('MONGODB_ROOT_PASSWORD', this.options.credentials, 'mongodb-root-password');
    target.secretEnv('MONGODB_REPLICA_SET_KEY', this.options.credentials, 'mongodb-replica-set-key');
    const cacheMiB = sizeFromLimit(target.scope, this.engineName, target.resources, WIREDTIGER_CACHE);
    target.env('MONGODB_EXTRA_FLAGS', `--wiredTigerCacheSizeGB=${cacheSizeGb(cacheMiB)}`);
    // ALLOW_EMPTY_PASSWORD stays unset: the image's default is `no`, and a root password is always given
  }
}
