/**
 * Apache Cassandra: a ring of peers that find each other through seed nodes and gossip.
 *
 * Sources (facts carried over, code written here):
 * - /work/notes/engines.md §4 (Cassandra), from the Bitnami chart `bitnami/cassandra`
 *   (`templates/statefulset.yaml`: `CASSANDRA_SEEDS` = the first `seedCount` pod FQDNs, the password seeder on
 *   ordinal 0, `nodetool` probes) and the image
 *   `bitnami/containers bitnami/cassandra/5.0/debian-12/rootfs/opt/bitnami/scripts/cassandra-env.sh`
 *   (variables and defaults, `conf.default`) and `cassandra/entrypoint.sh`.
 * - The image falls back to the password `cassandra` when `CASSANDRA_PASSWORD` is empty (it only warns), so the
 *   preset always sets it from the Secret (engines.md §4.4, libcassandra.sh).
 * - Cassandra docs (cassandra.apache.org/doc/latest/cassandra/managing/operating/topo_changes.html): bootstrap one
 *   node at a time; GossipingPropertyFileSnitch reads the datacenter and rack (SimpleSnitch ignores them).
 * - ../shared/REFERENCE.md: 9042 `tcp-cql`, 7000 `tcp-intra`, 7001 `tcp-intra-tls`, 7199 `tcp-jmx`; gossip ports must
 *   be declared or a STRICT sidecar rejects the plaintext peer.
 * - Image `docker.io/bitnamilegacy/cassandra:5.0.5-debian-12-r7` (Bitnami moved versioned tags to `bitnamilegacy` in
 *   Aug 2025, which gets no updates: bitnami/containers#83267).
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, shellProbe, wrapEntrypoint } from '../private/bitnami';

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
        lifecycle: { preStop: kplus.Handler.fromCommand(['sh', '-c', 'nodetool drain']) },
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.gibibytes(2), limit: Size.gibibytes(4) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
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
    target.env('CASSANDRA_ENDPOINT_SNITCH', 'GossipingPropertyFileSnitch');
    target.env('CASSANDRA_DATACENTER', this.options.datacenter ?? 'dc1');
    target.env('CASSANDRA_RACK', this.options.rack ?? 'rack1');
    target.env('CASSANDRA_USER', this.options.user ?? 'cassandra');
    target.secretEnv('CASSANDRA_PASSWORD', this.options.credentials, 'cassandra-password');

    workload.addClientService('Client', { ports: [9042] });
  }
}
