/**
 * Redis Cluster: sharded Redis, masters with replicas, created once by ordinal 0.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/charts `bitnami/redis-cluster/templates/redis-statefulset.yaml` (chart 13.0.5, commit 5165628ae0):
 *   `REDIS_NODES`, the creator on ordinal 0 with `REDIS_CLUSTER_REPLICAS`, `podManagementPolicy: Parallel`,
 *   `REDISCLI_AUTH`.
 * - the image library, bitnami/containers `bitnami/redis-cluster/8.8/debian-12/rootfs/opt/bitnami/scripts/librediscluster.sh`
 *   (commit 33c2b714) and `redis-cluster/run.sh` (commit 600c3dbd): `REDIS_NODES` split on `,`, `;` or space,
 *   `host[:port]`; before Redis starts, `redis_cluster_update_ips` resolves every node, waiting up to
 *   `REDIS_DNS_RETRIES` (120) x 5 s for each (a startup probe covers it); the creator (only when `nodes.conf` does not
 *   exist yet) waits for every node to answer PING, resolves them and runs `redis-cli --cluster create ...
 *   --cluster-replicas N`; `REDIS_CLUSTER_DYNAMIC_IPS=yes` announces the pod IP and rewrites `nodes.conf` after
 *   restarts; `REDIS_CLUSTER_ANNOUNCE_HOSTNAME` / `REDIS_CLUSTER_PREFERRED_ENDPOINT_TYPE` set
 *   `cluster-announce-hostname` / `cluster-preferred-endpoint-type`; `REDIS_EXTRA_FLAGS` is appended to
 *   `redis-server`'s arguments (run.sh).
 * - AWS ElastiCache, "Managing reserved memory" (docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-memory-management.html):
 *   `maxmemory` = 75% of the memory (a 25% reserve for replica buffers, fragmentation, copy-on-write).
 * - Redis docs, SHUTDOWN (redis.io/docs/latest/commands/shutdown/): on SIGTERM a master waits up to
 *   `shutdown-timeout` (10 s) for lagging replicas, so the proxy must outlive Redis.
 * - Redis cluster spec (redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/): at least 3 masters;
 *   hostnames in MOVED/CLUSTER SLOTS since Redis 7.0 when `cluster-preferred-endpoint-type hostname`.
 * - Client support for hostname endpoints varies: redis/redis-rb#1184 (redis-rb 4.x mis-maps nodes when the cluster
 *   answers hostnames; fixed in redis-cluster-client 0.4.3), redis/lettuce#2290 (unknown endpoints in MOVED).
 * - bitnami/bitnami-docker-redis-cluster PR #20 ("always set announce-ip", because the first node announced
 *   127.0.0.1 under Istio).
 * - Ports 6379 `tcp-redis`, 16379 `tcp-redis-bus` (docs/presets/redis-cluster.md).
 * - Image `docker.io/bitnamilegacy/redis-cluster:8.2.1-debian-12-r0` (the last free build; Bitnami moved versioned
 *   tags to `bitnamilegacy` in Aug 2025, which gets no updates: bitnami/containers#83267).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, seedWritablePaths, shellProbe, wrapEntrypoint } from '../private/bitnami';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/**
 * Options of `RedisClusterEngine`.
 */
export interface RedisClusterOptions {
  /**
   * The Secret holding the password under the key `redis-password` (`requirepass`, `masterauth`, and `REDISCLI_AUTH`
   * for the probes and the cluster creator). Only referenced: no password is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * Replicas per master: the pods form `replicas / (1 + replicasPerMaster)` masters, which must be at least 3.
   * @default 1
   */
  readonly replicasPerMaster?: number;

  /**
   * Announce each node's pod FQDN to clients (`cluster-announce-hostname` and
   * `cluster-preferred-endpoint-type hostname`, Redis >= 7.0), so MOVED redirects and CLUSTER SLOTS/SHARDS carry
   * stable names instead of pod IPs. Clients must route by the hostname they get (check your client: older redis-rb,
   * for one, mis-maps nodes in this mode). The cluster bus always uses pod IPs.
   *
   * @default false - clients get pod IPs, which every cluster client understands and which Istio matches because
   *   6379 and 16379 are declared on the headless Service
   */
  readonly announceHostnames?: boolean;
}

/** The image's own entrypoint and command. */
const ENTRYPOINT = '/opt/bitnami/scripts/redis-cluster/entrypoint.sh /opt/bitnami/scripts/redis-cluster/run.sh';
const CONF_DIR = '/opt/bitnami/redis/etc';

/** `maxmemory`: 75% of the memory limit (ElastiCache's default 25% reserve); at least what the Bitnami chart runs with. */
const MAXMEMORY: MemoryShare = {
  what: 'Redis maxmemory',
  ratio: 0.75,
  minLimitMiB: 192,
  source: 'the smallest limit upstream runs it with: bitnami/charts bitnami/redis-cluster 13.0.5 values.yaml, redis.resourcesPreset nano: 192Mi',
};

/**
 * Redis Cluster: `replicas` pods (6 by default: 3 masters with 1 replica each), started in parallel. Every pod knows
 * the others by FQDN (`REDIS_NODES`); ordinal 0 is the creator (`REDIS_CLUSTER_CREATOR=yes`, set by a wrapper from
 * the pod name) and runs `redis-cli --cluster create` once, when its `nodes.conf` does not exist yet. Later changes
 * of `replicas` do not reshard: add or remove nodes with `redis-cli --cluster add-node` / `del-node` and `reshard`.
 *
 * `maxmemory` is 75% of the memory limit (`noeviction`: writes fail past it); a startup probe lets a node wait for
 * its peers' DNS records (up to 10 minutes) before liveness applies; the proxy outlives Redis (a native sidecar).
 */
export class RedisClusterEngine extends DatabaseEngine {
  public readonly engineName = 'redis-cluster';
  public readonly defaultImage?: string = 'docker.io/bitnamilegacy/redis-cluster:8.2.1-debian-12-r0';
  public readonly defaultReplicas = 6;
  public readonly ports: EnginePort[] = [
    // a bare 'redis' would read as Istio's Redis protocol: spell the TCP name out
    { port: 6379, name: 'tcp-redis', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: 16379, name: 'tcp-redis-bus', protocol: AppProtocol.TCP, role: PortRole.PEER },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/redis', defaultSize: Size.gibibytes(8) };

  private readonly options: RedisClusterOptions;
  private readonly replicasPerMaster: number;

  public constructor(options: RedisClusterOptions) {
    super();
    this.options = options;
    this.replicasPerMaster = options.replicasPerMaster ?? 1;
    if (!Number.isInteger(this.replicasPerMaster) || this.replicasPerMaster < 0) {
      throw new Error(`RedisClusterEngine: replicasPerMaster ${options.replicasPerMaster} is not a whole number of at least 0; use 1 (one replica per master)`);
    }
  }

  /**
   * A Redis Cluster needs at least 3 masters, each with `replicasPerMaster` replicas: the pods must be a multiple of
   * `1 + replicasPerMaster`, and at least `3 * (1 + replicasPerMaster)` (6 with one replica per master).
   */
  public replicasProblem(replicas: number): string | undefined {
    const problem = super.replicasProblem(replicas);
    if (problem) {
      return problem;
    }
    const group = 1 + this.replicasPerMaster;
    const minimum = 3 * group;
    if (replicas % group !== 0 || replicas < minimum) {
      const suggestion = Math.max(minimum, Math.ceil(replicas / group) * group);
      return `replicas ${replicas} cannot form a Redis Cluster with replicasPerMaster ${this.replicasPerMaster}: it needs at least 3 masters with `
        + `${this.replicasPerMaster} replica(s) each, so a multiple of ${group} pods and at least ${minimum}; use replicas: ${suggestion}`;
    }
    return undefined;
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    const timings = { initialDelay: 5, period: 5, timeout: 5, failureThreshold: 5 };
    return {
      containerName: 'redis',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // the ordinal decides who creates the cluster: only the pod name knows it
        command: wrapEntrypoint('if [ "${POD_NAME##*-}" = "0" ]; then export REDIS_CLUSTER_CREATOR=yes; fi', ENTRYPOINT),
        // before redis-server starts, the image resolves every node, waiting up to 120 x 5 s for each missing DNS record
        startup: shellProbe('redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG', { initialDelay: 5, period: 10, timeout: 5, failureThreshold: 60 }),
        readiness: shellProbe('redis-cli -h 127.0.0.1 -p 6379 cluster info | grep -q "cluster_state:ok"', timings),
        liveness: shellProbe('redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG', { ...timings, initialDelay: 20 }),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      // the creator waits until every node answers: start them together
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      writablePaths: [CONF_DIR, '/opt/bitnami/redis/tmp', '/opt/bitnami/redis/logs', '/tmp'],
      // on SIGTERM a master waits up to shutdown-timeout (10 s) for its replicas: replication traffic through the proxy
      needsProxyUntilExit: true,
      terminationGracePeriod: Duration.seconds(30),
    };
  }

  public configure(target: IEngineTarget): void {
    const credentials = this.options.credentials;
    const announceHostnames = this.options.announceHostnames ?? false;
    const workload = target.workload;
    seedWritablePaths(target, [CONF_DIR]);
    workload.addPodNameEnv({ container: target.container });
    target.secretEnv('REDIS_PASSWORD', credentials, 'redis-password');
    target.secretEnv('REDISCLI_AUTH', credentials, 'redis-password');
    target.env('REDIS_PORT_NUMBER', '6379');
    workload.addPeerListEnv('REDIS_NODES', '{host}', { separator: ' ', container: target.container });
    target.env('REDIS_CLUSTER_REPLICAS', String(this.replicasPerMaster));
    target.env('REDIS_CLUSTER_DYNAMIC_IPS', 'yes');
    target.env('REDIS_EXTRA_FLAGS', `--maxmemory ${sizeFromLimit(target.scope, this.engineName, target.resources, MAXMEMORY)}mb`);
    if (announceHostnames) {
      workload.addPodHostEnv('REDIS_CLUSTER_ANNOUNCE_HOSTNAME', { container: target.container });
      target.env('REDIS_CLUSTER_PREFERRED_ENDPOINT_TYPE', 'hostname');
    }

    workload.addClientService('Client', { ports: [6379] });
  }
}
