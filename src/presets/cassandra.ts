/**
 * Apache Cassandra: a ring of peers that find each other through seed nodes and gossip. The facts it relies on are
 * held as data, with their sources, in `test/contracts/cassandra.contract.ts` and checked against the pod it writes.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/cassandra/5.0/debian-12/rootfs/opt/bitnami/scripts/cassandra-env.sh` (commit 043f89c8):
 *   the variables and their defaults; `CASSANDRA_PEERS` defaults to the seeds.
 * - same directory, `libcassandra.sh` (commit 079e74b8), `cassandra_initialize`: on first boot the password seeder
 *   waits for CQL as `cassandra`/`cassandra` on every `CASSANDRA_PEERS` entry (100 tries, 10 s apart) before it sets
 *   the password; if that wait fails the container restarts with a data directory that is no longer empty and the
 *   password is never set. The image falls back to the password `cassandra` when `CASSANDRA_PASSWORD` is empty (it
 *   only warns), so the preset always sets it from the Secret.
 * - apache/cassandra `conf/cassandra-env.sh`: without `MAX_HEAP_SIZE` the heap is
 *   `max(min(1/2 RAM, 1024 MB), min(1/4 RAM, 8192 MB))` of the RAM `free -m` reports, i.e. the Kubernetes node's, not the
 *   container's; the young generation `min(100 MB per core, 1/4 heap)`; `-Xms` = `-Xmx` = `MAX_HEAP_SIZE`;
 *   `conf/jvm-server.options`: `-XX:+AlwaysPreTouch` makes the whole heap resident at start.
 * - bitnami/charts `bitnami/cassandra` (commit 5165628a): `templates/_helpers.tpl` sets `MAX_HEAP_SIZE` and
 *   `HEAP_NEWSIZE` from the memory limit whenever there is one; `templates/statefulset.yaml`: `CASSANDRA_SEEDS` = the
 *   first `seedCount` pod FQDNs (1 by default, so the seeder waits only for itself), `nodetool` probes, preStop
 *   `nodetool drain`.
 * - Cassandra docs (https://cassandra.apache.org/doc/latest/cassandra/managing/operating/topo_changes.html): bootstrap
 *   one node at a time; GossipingPropertyFileSnitch reads the datacenter and rack (SimpleSnitch ignores them).
 * - Istio: https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#headless-services: the
 *   gossip ports must be declared, or a STRICT sidecar rejects the plaintext peer.
 * - Image `docker.io/bitnamilegacy/cassandra:5.0.5-debian-12-r7` (bitnami/charts commit 2fdbfa90; Bitnami moved
 *   versioned tags to `bitnamilegacy` in Aug 2025, which gets no updates: bitnami/containers#83267).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, shellProbe, wrapEntrypoint } from '../private/bitnami';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/**
 * Options of `CassandraEngine`.
 */
export interface CassandraOptions {
  /**
   * The Secret holding the admin password under the key `cassandra-password`. Always set from it: the image would
   * otherwise keep Cassandra's well-known default password. Only referenced: no password is ever written into a
   * manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The admin user the password belongs to.
   * @default 'cassandra'
   */
  readonly user?: string;

  /**
   * The cluster name (every node of a ring must have the same).
   * @default - the database name
   */
  readonly clusterName?: string;

  /**
   * How many pods (the first ones, by ordinal) are seeds. Never more than the pods.
   * @default 2
   */
  readonly seedCount?: number;

  /**
   * The datacenter of these pods.
   * @default 'dc1'
   */
  readonly datacenter?: string;

  /**
   * The rack of these pods.
   * @default 'rack1'
   */
  readonly rack?: string;
}

const ENTRYPOINT = '/opt/bitnami/scripts/cassandra/entrypoint.sh /opt/bitnami/scripts/cassandra/run.sh';

/**
 * The heap: Cassandra's own rule, `max(min(1/2, 1 GiB), min(1/4, 8 GiB))`, applied to the container's memory limit
 * instead of the node's RAM. With `-XX:+AlwaysPreTouch` the whole heap is resident from the start, and memtables,
 * caches and Netty buffers live off the heap, so a pod below 2Gi is refused (a 1Gi heap and as much again).
 */
const HEAP: MemoryShare = {
  what: 'the JVM heap (MAX_HEAP_SIZE)',
  ratio: 0.25,
  maxMiB: 8192,
  atLeast: { ratio: 0.5, maxMiB: 1024 },
  minLimitMiB: 2048,
  source: 'apache/cassandra conf/cassandra-env.sh calculate_heap_sizes; 2Gi is the preset\'s floor, the 1Gi heap that rule gives small '
    + 'machines plus as much off the heap',
};

/** Young generation per core, as `cassandra-env.sh` sizes it (applied by the JVM only with CMS; G1 sizes it itself). */
const YOUNG_GEN_PER_CORE_MIB = 100;

/** Time for `nodetool drain` to flush every memtable and for the node to announce its shutdown to the ring. */
const GRACE_SECONDS = 120;

/**
 * Apache Cassandra: `replicas` pods (3 by default) in one datacenter and rack, created one at a time (Cassandra
 * bootstraps one node at a time). The first `seedCount` pods are the seeds, listed by FQDN in `CASSANDRA_SEEDS`;
 * ordinal 0 seeds the admin password (`CASSANDRA_PASSWORD_SEEDER=yes`, set by a wrapper from the pod name).
 *
 * Gossip identifies nodes by IP: each node listens on and broadcasts its pod IP (the image resolves its hostname),
 * and drivers learn the other nodes' pod IPs from `system.peers`. That works in the mesh because 9042, 7000 and 7001
 * are declared on the headless Service.
 */
export class CassandraEngine extends DatabaseEngine {
  public readonly engineName = 'cassandra';
  public readonly defaultImage?: string = 'docker.io/bitnamilegacy/cassandra:5.0.5-debian-12-r7';
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: 9042, name: 'cql', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: 7000, name: 'intra', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: 7001, name: 'intra-tls', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: 7199, name: 'jmx', protocol: AppProtocol.TCP, role: PortRole.ADMIN },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/cassandra', defaultSize: Size.gibibytes(10) };

  private readonly options: CassandraOptions;

  public constructor(options: CassandraOptions) {
    super();
    this.options = options;
    if (options.seedCount !== undefined && (!Number.isInteger(options.seedCount) || options.seedCount < 1)) {
      throw new Error(`CassandraEngine: seedCount ${options.seedCount} is not a whole number of at least 1; use 2 (the first two pods are seeds)`);
    }
    for (const [option, value] of [['datacenter', options.datacenter], ['rack', options.rack]] as const) {
      if (value !== undefined && !/^[A-Za-z0-9._-]+$/.test(value)) {
        throw new Error(`CassandraEngine: ${option} '${value}' must be letters, digits, '.', '_' or '-'; e.g. 'dc1' / 'rack1'`);
      }
    }
    if (options.clusterName !== undefined && (options.clusterName.trim() === '' || /["\n]/.test(options.clusterName))) {
      throw new Error(`CassandraEngine: clusterName '${options.clusterName}' must be non-empty, without quotes or newlines`);
    }
  }

  public bind(_scope: Construct, _context: EngineContext): EngineConfig {
    return {
      containerName: 'cassandra',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        // ordinal 0 seeds the admin password and runs the init scripts: only the pod name knows the ordinal
        command: wrapEntrypoint(
          'if [ "${POD_NAME##*-}" = "0" ]; then export CASSANDRA_PASSWORD_SEEDER=yes; else export CASSANDRA_IGNORE_INITDB_SCRIPTS=1; fi',
          ENTRYPOINT),
        readiness: shellProbe('nodetool status | grep -E "^UN\\s+${POD_IP}\\s"',
          { initialDelay: 60, period: 10, timeout: 30, failureThreshold: 5 }),
        liveness: shellProbe('nodetool info | grep -q "Native Transport active: true"',
          { initialDelay: 180, period: 30, timeout: 30, failureThreshold: 5 }),
        // flushes the memtables and tells the ring this node is going (gossip over the proxy)
        lifecycle: { preStop: kplus.Handler.fromCommand(['sh', '-c', 'nodetool drain']) },
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.gibibytes(2), limit: Size.gibibytes(4) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      // the drain's shutdown announcement reaches the peers through the proxy: the proxy must outlive it
      needsProxyUntilExit: true,
      terminationGracePeriod: Duration.seconds(GRACE_SECONDS),
      // default OrderedReady: Cassandra bootstraps one node at a time
      writablePaths: ['/opt/bitnami/cassandra/conf', '/opt/bitnami/cassandra/logs', '/opt/bitnami/cassandra/tmp', '/tmp', '/.cassandra'],
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const seeds = Math.min(this.options.seedCount ?? 2, workload.replicas);
    workload.addPodNameEnv({ container: target.container });
    target.fieldEnv('POD_IP', kplus.EnvFieldPaths.POD_IP); // only for the readiness probe (nodetool lists nodes by IP)
    target.env('CASSANDRA_CLUSTER_NAME', this.options.clusterName ?? workload.name);
    workload.addPeerListEnv('CASSANDRA_SEEDS', '{host}', { count: seeds, container: target.container });
    // the password seeder (pod 0) waits only for itself before it sets the password: with the default (every seed)
    // it would wait for pod 1, which OrderedReady creates only later, and give up after 1000 s for good
    workload.addPeerListEnv('CASSANDRA_PEERS', '{host}', { count: 1, container: target.container });
    const heap = sizeFromLimit(target.scope, this.engineName, target.resources, HEAP);
    target.env('MAX_HEAP_SIZE', `${heap}M`);
    target.env('HEAP_NEWSIZE', `${Math.min(YOUNG_GEN_PER_CORE_MIB * cpuCores(target.resources), Math.floor(heap / 4))}M`);
    target.env('CASSANDRA_ENDPOINT_SNITCH', 'GossipingPropertyFileSnitch');
    target.env('CASSANDRA_DATACENTER', this.options.datacenter ?? 'dc1');
    target.env('CASSANDRA_RACK', this.options.rack ?? 'rack1');
    target.env('CASSANDRA_USER', this.options.user ?? 'cassandra');
    target.secretEnv('CASSANDRA_PASSWORD', this.options.credentials, 'cassandra-password');

    workload.addClientService('Client', { ports: [9042] });
  }
}

/** Whole cores of the container's CPU limit (else its request, else 1), as `cassandra-env.sh` counts cores. */
function cpuCores(resources: kplus.ContainerResources): number {
  const cpu = resources.cpu?.limit ?? resources.cpu?.request;
  if (cpu === undefined) {
    return 1;
  }
  const amount = cpu.amount;
  const cores = amount.endsWith('m') ? Number(amount.slice(0, -1)) / 1000 : Number(amount);
  return Number.isFinite(cores) ? Math.max(1, Math.ceil(cores)) : 1;
}
