/**
 * Redis replication with Sentinel: one master, replicas, and a Sentinel beside each Redis.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/charts `bitnami/redis/templates/scripts-configmap.yaml` (chart 23.1.1, commit 5165628ae0): master discovery
 *   with `sentinel get-master-addr-by-name`, `replica-announce-ip` = pod FQDN, Sentinel `announce-ip` = pod FQDN with
 *   `announce-hostnames yes` and `resolve-hostnames yes`, `exec redis-server <sentinel.conf> --sentinel`; a Sentinel
 *   id derived from the host name (`sentinel myid $(host_id "$HOSTNAME")`, a SHA-1); `prestop-redis.sh` (a master
 *   pauses writes, asks Sentinel to fail over and waits) and `prestop-sentinel.sh` (the Sentinel waits for it).
 * - the image library `bitnami/containers bitnami/redis-sentinel/8.2/debian-12/rootfs/opt/bitnami/scripts/libredissentinel.sh`
 *   (commit f2e70c88): its setup replaces `etc/` by a symlink, which a read-only root filesystem forbids, so the preset
 *   writes its own configuration and does not run the image's entrypoint.
 * - Redis Sentinel docs (redis.io/docs/latest/operate/oss_and_stack/management/sentinel/): `sentinel monitor`,
 *   `auth-pass`, `sentinel-pass` (Sentinels authenticating to each other when they `requirepass`), quorum.
 * - Redis Sentinel docs: "Sentinels never forget already seen Sentinels", so a Sentinel that comes back with a new id
 *   counts twice towards the majority a failover needs; hence a stable `sentinel myid`.
 * - Redis docs, SHUTDOWN (redis.io/docs/latest/commands/shutdown/): on SIGTERM a master waits up to `shutdown-timeout`
 *   (10 s) for lagging replicas: replication traffic after SIGTERM, so the proxy must outlive Redis.
 * - AWS ElastiCache, "Managing reserved memory" (docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-memory-management.html):
 *   `reserved-memory-percent` 25 by default, for replica output buffers, fragmentation and the fork's copy-on-write:
 *   `maxmemory` = 75% of the memory.
 * - istio/istio#16078, bitnami/charts#4713: with sidecars, replicas announced 127.0.0.1 until the announce addresses
 *   were set to the pod FQDN.
 * - Ports 6379 `tcp-redis`, 26379 `tcp-sentinel` (docs/presets/redis-sentinel.md).
 * - Images: `docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0` and `.../redis-sentinel:8.2.1-debian-12-r0` (the last
 *   free builds; Bitnami moved versioned tags to `bitnamilegacy` in Aug 2025, which gets no updates:
 *   bitnami/containers#83267).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole, requireSecret } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY, checkPinnedImage, shellProbe } from '../private/bitnami';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/**
 * Options of `RedisSentinelEngine`.
 */
export interface RedisSentinelOptions {
  /**
   * The Secret holding the password under the key `redis-password`: Redis requires it (`requirepass`), replicas use it
   * to reach the master (`masterauth`), and the Sentinels require it too and use it to reach the master and each
   * other. Only referenced: no password is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The name under which the Sentinels monitor the master (what clients ask Sentinel for).
   * @default 'mymaster'
   */
  readonly masterSet?: string;

  /**
   * How many Sentinels must agree that the master is down before a failover starts.
   * @default - a majority of the pods (2 of 3)
   */
  readonly quorum?: number;

  /**
   * How long the master must be unreachable before a Sentinel considers it down.
   * @default Duration.seconds(30)
   */
  readonly downAfter?: Duration;

  /**
   * The Sentinel failover timeout.
   * @default Duration.minutes(3)
   */
  readonly failoverTimeout?: Duration;

  /**
   * The Sentinel image, pinned.
   * @default 'docker.io/bitnamilegacy/redis-sentinel:8.2.1-debian-12-r0'
   */
  readonly sentinelImage?: string;
}

/** Where the start scripts are mounted in both containers. */
const SCRIPTS_DIR = '/opt/bitnami/scripts/start-scripts';
const REDIS_CONF_DIR = '/opt/bitnami/redis/etc';
const SENTINEL_CONF_DIR = '/opt/bitnami/redis-sentinel/etc';
/** How long a stopping master waits for Sentinel to fail over, in seconds (the chart: the grace period minus 10 s). */
const FAILOVER_WAIT_SECONDS = 20;

/**
 * `maxmemory`: 75% of the container's memory limit, keeping ElastiCache's default 25% reserve for what Redis does not
 * count (replica output buffers, fragmentation, the copy-on-write of the AOF rewrite fork). The smallest limit is the
 * one Bitnami's chart runs Redis with.
 */
const MAXMEMORY: MemoryShare = {
  what: 'Redis maxmemory',
  ratio: 0.75,
  minLimitMiB: 192,
  source: 'the smallest limit upstream runs it with: bitnami/charts bitnami/redis 23.1.1 values.yaml, master.resourcesPreset nano: 192Mi',
};

/**
 * Asks the Sentinel of every pod, by pod FQDN, which master it monitors; prints the first answer. Nothing is printed
 * when no Sentinel answers (the first start of the set, or every pod restarting at once).
 */
const DISCOVER_MASTER = `discover_master() {
  for peer in $REDIS_PEERS; do
    reply="$(REDISCLI_AUTH="$REDIS_PASSWORD" timeout 5 redis-cli --no-auth-warning -h "$peer" -p 26379 \\
      sentinel get-master-addr-by-name "$REDIS_MASTER_SET" 2>/dev/null | head -n 1)" || true
    case "$reply" in
      ''|*' '*|ERR*|NOAUTH*|WRONGPASS*) continue ;;
      *) echo "$reply"; return 0 ;;
    esac
  done
}
# a double-quoted Redis config string: backslashes and quotes escaped (passwords may contain both)
conf_quote() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')"
}`;

/** Starts Redis as master or as a replica of the master the Sentinels know (ordinal 0 when none answers). */
const START_REDIS = `#!/bin/bash
set -eu
${DISCOVER_MASTER}
master="$(discover_master)"
if [ -z "$master" ]; then
  echo "no Sentinel answered: the initial master is $REDIS_INITIAL_MASTER"
  master="$REDIS_INITIAL_MASTER"
fi
umask 077
conf="${REDIS_CONF_DIR}/redis.conf"
{
  echo "port 6379"
  echo "bind * -::*"
  echo "dir $REDIS_DATA_DIR"
  echo "appendonly yes"
  echo "maxmemory $REDIS_MAXMEMORY"
  echo "requirepass $(conf_quote "$REDIS_PASSWORD")"
  echo "masterauth $(conf_quote "$REDIS_PASSWORD")"
  echo "replica-announce-ip $REDIS_ANNOUNCE_HOST"
  echo "replica-announce-port 6379"
  if [ "$master" != "$REDIS_ANNOUNCE_HOST" ]; then
    echo "replicaof $master 6379"
  fi
} > "$conf"
mkdir -p "$REDIS_DATA_DIR"
echo "starting Redis as $([ "$master" = "$REDIS_ANNOUNCE_HOST" ] && echo master || echo "replica of $master")"
exec redis-server "$conf"
`;

/** Starts a Sentinel monitoring the master the other Sentinels know (ordinal 0 when none answers). */
const START_SENTINEL = `#!/bin/bash
set -eu
${DISCOVER_MASTER}
master="$(discover_master)"
if [ -z "$master" ]; then
  master="$REDIS_INITIAL_MASTER"
fi
umask 077
conf="${SENTINEL_CONF_DIR}/sentinel.conf"
# the same id at every start: the other Sentinels never forget an id, and a new one would count twice in the majority
myid="$(printf '%s' "$REDIS_SENTINEL_ANNOUNCE_IP" | sha1sum | cut -c1-40)"
{
  echo "port 26379"
  echo "dir /tmp"
  echo "sentinel myid $myid"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $REDIS_SENTINEL_ANNOUNCE_IP"
  echo "sentinel announce-port 26379"
  echo "requirepass $(conf_quote "$REDIS_PASSWORD")"
  echo "sentinel sentinel-pass $(conf_quote "$REDIS_PASSWORD")"
  echo "sentinel monitor $REDIS_MASTER_SET $master 6379 $REDIS_SENTINEL_QUORUM"
  echo "sentinel auth-pass $REDIS_MASTER_SET $(conf_quote "$REDIS_PASSWORD")"
  echo "sentinel down-after-milliseconds $REDIS_MASTER_SET $REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS"
  echo "sentinel failover-timeout $REDIS_MASTER_SET $REDIS_SENTINEL_FAILOVER_TIMEOUT"
  echo "sentinel parallel-syncs $REDIS_MASTER_SET 1"
} > "$conf"
echo "Sentinel monitors $master"
exec redis-server "$conf" --sentinel
`;

/**
 * Runs before Redis is stopped: a master pauses writes, asks its Sentinel to fail over and waits until the Sentinel
 * names another master, so the set keeps a master (and the writes) instead of waiting `downAfter` for a failover.
 */
const PRESTOP_REDIS = `#!/bin/bash
set -u
cli() { timeout 3 redis-cli --no-auth-warning -h 127.0.0.1 "$@" 2>/dev/null; }
master_is_me() {
  [ "$(cli -p 26379 sentinel get-master-addr-by-name "$REDIS_MASTER_SET" | head -n 1)" = "$REDIS_ANNOUNCE_HOST" ]
}
[ "$(cli -p 6379 role | head -n 1)" = "master" ] && master_is_me || exit 0
echo "stopping the master: pausing writes and asking Sentinel to fail over"
cli -p 6379 client pause ${(FAILOVER_WAIT_SECONDS + 2) * 1000} write >/dev/null
cli -p 26379 sentinel failover "$REDIS_MASTER_SET"
for _ in $(seq 1 ${FAILOVER_WAIT_SECONDS}); do
  master_is_me || { echo "Sentinel failed over"; exit 0; }
  sleep 1
done
echo "no failover within ${FAILOVER_WAIT_SECONDS}s: stopping anyway"
`;

/** Keeps the Sentinel of a stopping master up until it has failed over (it is the one asked to). */
const PRESTOP_SENTINEL = `#!/bin/bash
set -u
for _ in $(seq 1 ${FAILOVER_WAIT_SECONDS}); do
  master="$(timeout 3 redis-cli --no-auth-warning -h 127.0.0.1 -p 26379 sentinel get-master-addr-by-name "$REDIS_MASTER_SET" 2>/dev/null | head -n 1)"
  [ "$master" = "$REDIS_SENTINEL_ANNOUNCE_IP" ] || exit 0
  sleep 1
done
`;

/**
 * Redis replication with Sentinel: `replicas` pods (3 by default), each running Redis (6379) and a Sentinel (26379,
 * in its own container `sentinel`). Every address is a pod FQDN: replicas announce
 * `<pod>.<name>-headless.<ns>.svc.<cd>` (`replica-announce-ip`), Sentinels announce theirs (`announce-ip`, with
 * `announce-hostnames yes` and `resolve-hostnames yes`), so Sentinel hands clients the master's FQDN.
 *
 * Master discovery at start (both containers): ask every pod's Sentinel (`sentinel get-master-addr-by-name`); the
 * first answer is the master. When no Sentinel answers (the first start), ordinal 0 is the master and the others
 * replicate it. If every pod restarts at once after a failover, ordinal 0 becomes master again with whatever data it
 * has: writes acknowledged only by the later master since ordinal 0 last synced can be lost.
 *
 * Clients: a Sentinel-aware client asks `<name>:26379` for the master of `masterSet` and connects to the FQDN it
 * gets; the ClusterIP Service `<name>` also exposes 6379, which reaches any pod (a replica answers reads only).
 *
 * `maxmemory` is 75% of Redis' memory limit (writes fail past it, `noeviction`); each Sentinel keeps its id across
 * restarts; a stopping master hands over to a replica first, while its proxy still runs (a native sidecar).
 */
export class RedisSentinelEngine extends DatabaseEngine {
  public readonly engineName = 'redis-sentinel';
  public readonly defaultImage?: string = 'docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0';
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    // a bare 'redis' would read as Istio's Redis protocol: spell the TCP name out
    { port: 6379, name: 'tcp-redis', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: 26379, name: 'sentinel', protocol: AppProtocol.TCP, role: PortRole.CLIENT, containerName: 'sentinel' },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/redis', defaultSize: Size.gibibytes(8) };

  private readonly options: RedisSentinelOptions;
  /** The monitored master set's name, as both containers are told it. */
  private readonly masterSet: string;

  public constructor(options: RedisSentinelOptions) {
    super();
    this.options = options;
    this.masterSet = options.masterSet ?? 'mymaster';
    if (options.masterSet !== undefined && !/^[A-Za-z0-9._-]+$/.test(options.masterSet)) {
      throw new Error(`RedisSentinelEngine: masterSet '${options.masterSet}' must be letters, digits, '.', '_' or '-' (Sentinel takes it as one word); e.g. 'mymaster'`);
    }
    if (options.quorum !== undefined && (!Number.isInteger(options.quorum) || options.quorum < 1)) {
      throw new Error(`RedisSentinelEngine: quorum ${options.quorum} is not a whole number of at least 1; use a majority of the pods, e.g. 2 of 3`);
    }
    for (const [option, value] of [['downAfter', options.downAfter], ['failoverTimeout', options.failoverTimeout]] as const) {
      if (value !== undefined && value.toMilliseconds() < 1) {
        throw new Error(`RedisSentinelEngine: ${option} ${value.toMilliseconds()}ms must be at least 1ms; e.g. Duration.seconds(30)`);
      }
    }
    if (options.sentinelImage !== undefined) {
      checkPinnedImage('RedisSentinelEngine', 'sentinelImage', options.sentinelImage);
    }
  }

  /**
   * At least 3 pods: a failover needs a majority of the Sentinels to authorize it, so with 1 or 2 pods the loss of
   * one pod leaves no failover at all.
   */
  public replicasProblem(replicas: number): string | undefined {
    const problem = super.replicasProblem(replicas);
    if (problem) {
      return problem;
    }
    if (replicas < 3) {
      return `replicas ${replicas} is too few for Sentinel: a failover needs a majority of the Sentinels, so losing one of ${replicas} pod(s) `
        + 'leaves none; use replicas: 3 or more';
    }
    if (this.options.quorum !== undefined && this.options.quorum > replicas) {
      return `quorum ${this.options.quorum} is more than the ${replicas} Sentinels, so no failover could ever start; use a majority, e.g. ${Math.floor(replicas / 2) + 1}`;
    }
    return undefined;
  }

  public bind(scope: Construct, context: EngineContext): EngineConfig {
    const credentials = requireSecret(scope, this, this.options.credentials, 'redis-password', 'REDIS_PASSWORD', context.name);
    const quorum = this.options.quorum ?? Math.floor(context.replicas / 2) + 1;
    const sentinelImage = this.options.sentinelImage ?? 'docker.io/bitnamilegacy/redis-sentinel:8.2.1-debian-12-r0';
    const password = kplus.EnvValue.fromSecretValue({ secret: credentials, key: 'redis-password' });
    const timings = { initialDelay: 20, period: 5, timeout: 5, failureThreshold: 5 };
    return {
      containerName: 'redis',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        command: ['/bin/bash', `${SCRIPTS_DIR}/start-redis.sh`],
        lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/bash', `${SCRIPTS_DIR}/prestop-redis.sh`]) },
        readiness: shellProbe('redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG', { ...timings, timeout: 2 }),
        liveness: shellProbe('redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG', timings),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      extraContainers: [{
        name: 'sentinel',
        image: sentinelImage,
        securityContext: BITNAMI_CONTAINER_SECURITY,
        command: ['/bin/bash', `${SCRIPTS_DIR}/start-sentinel.sh`],
        lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/bash', `${SCRIPTS_DIR}/prestop-sentinel.sh`]) },
        envVariables: {
          REDIS_PASSWORD: password,
          REDISCLI_AUTH: password,
          REDIS_MASTER_SET: kplus.EnvValue.fromValue(this.masterSet),
          REDIS_SENTINEL_QUORUM: kplus.EnvValue.fromValue(String(quorum)),
          REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS: kplus.EnvValue.fromValue(String((this.options.downAfter ?? Duration.seconds(30)).toMilliseconds())),
          REDIS_SENTINEL_FAILOVER_TIMEOUT: kplus.EnvValue.fromValue(String((this.options.failoverTimeout ?? Duration.minutes(3)).toMilliseconds())),
        },
        readiness: shellProbe('redis-cli -h 127.0.0.1 -p 26379 ping | grep -q PONG', { ...timings, timeout: 2 }),
        liveness: shellProbe('redis-cli -h 127.0.0.1 -p 26379 ping | grep -q PONG', timings),
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(250) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
      }],
      writablePaths: [REDIS_CONF_DIR, SENTINEL_CONF_DIR, '/tmp'],
      // the failover before a master stops, and the master's wait for its replicas on SIGTERM, need the proxy
      needsProxyUntilExit: true,
      // the failover wait, then up to shutdown-timeout (10 s) for lagging replicas, then a margin
      terminationGracePeriod: Duration.seconds(FAILOVER_WAIT_SECONDS + 25),
    };
  }

  public configure(target: IEngineTarget): void {
    const credentials = this.options.credentials;
    const workload = target.workload;
    const sentinel = workload.statefulSet.containers.find(c => c.name === 'sentinel')!;
    const scripts = new kplus.ConfigMap(target.scope, 'Scripts', {
      metadata: { name: `${workload.name}-scripts`, namespace: workload.namespace },
      data: {
        'start-redis.sh': START_REDIS,
        'start-sentinel.sh': START_SENTINEL,
        'prestop-redis.sh': PRESTOP_REDIS,
        'prestop-sentinel.sh': PRESTOP_SENTINEL,
      },
    });
    const scriptsVolume = kplus.Volume.fromConfigMap(target.scope, 'ScriptsVolume', scripts, { name: 'start-scripts' });
    target.container.mount(SCRIPTS_DIR, scriptsVolume, { readOnly: true });
    sentinel.mount(SCRIPTS_DIR, scriptsVolume, { readOnly: true });

    target.secretEnv('REDIS_PASSWORD', credentials, 'redis-password');
    target.secretEnv('REDISCLI_AUTH', credentials, 'redis-password');
    target.env('REDIS_MASTER_SET', this.masterSet);
    target.env('REDIS_DATA_DIR', `${this.storage.mountPath}/data`);
    target.env('REDIS_MAXMEMORY', `${sizeFromLimit(target.scope, this.engineName, target.resources, MAXMEMORY)}mb`);
    // who I am, who my peers are, and who is master when no Sentinel knows: pod FQDNs only
    workload.addPodHostEnv('REDIS_ANNOUNCE_HOST', { container: target.container });
    workload.addPeerListEnv('REDIS_PEERS', '{host}', { separator: ' ', container: target.container });
    target.env('REDIS_INITIAL_MASTER', workload.podFqdn(0));
    workload.addPodHostEnv('REDIS_SENTINEL_ANNOUNCE_IP', { container: sentinel });
    workload.addPeerListEnv('REDIS_PEERS', '{host}', { separator: ' ', container: sentinel });
    sentinel.env.addVariable('REDIS_INITIAL_MASTER', kplus.EnvValue.fromValue(workload.podFqdn(0)));

    workload.addClientService('Client', { ports: [6379, 26379] });
  }
}
