import { EngineContract } from './contract';

/**
 * Redis with Sentinel on the Bitnami images. Neither image's entrypoint runs: both containers start from the preset's
 * scripts in the ConfigMap `<name>-scripts` (as the Bitnami chart does for Sentinel), because the Sentinel image's
 * setup replaces `etc/` by a symlink, which a read-only root filesystem forbids. So the only variable an image binary
 * reads is `REDISCLI_AUTH` (redis-cli); every other variable is the scripts' own, and `requires` lists what the
 * scripts (`set -u`) cannot start without. The image scripts were read for 8.x siblings of the pinned tag.
 */
export const CONTRACT: EngineContract = {
  preset: 'redis-sentinel',
  image: 'docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0',
  sources: {
    'redis-cli': { repo: 'redis/redis', path: 'src/redis-cli.c', ref: '8.2.1' },
    'redis-conf': { repo: 'redis/redis', path: 'redis.conf', ref: '8.2.1' },
    'sentinel-conf': { repo: 'redis/redis', path: 'sentinel.conf', ref: '8.2.1' },
    'sentinel-docs': { url: 'https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/' },
    'chart-scripts': { repo: 'bitnami/charts', path: 'bitnami/redis/templates/scripts-configmap.yaml', ref: '5165628ae06697f8f68a670bef7739d93c4b7f44' },
    'sentinel-lib': {
      repo: 'bitnami/containers',
      path: 'bitnami/redis-sentinel/8.2/debian-12/rootfs/opt/bitnami/scripts/libredissentinel.sh',
      ref: 'f2e70c8889b2f87328bfcf1e6b52ea039d75a2e3',
    },
  },
  containers: [
    {
      name: 'redis',
      reads: {
        REDISCLI_AUTH: { note: 'redis-cli authenticates with it (probes, prestop-redis.sh): PING without it gets NOAUTH', source: 'redis-cli' },
      },
      requires: ['REDIS_PASSWORD', 'REDIS_MASTER_SET', 'REDIS_DATA_DIR', 'REDIS_MAXMEMORY', 'REDIS_ANNOUNCE_HOST', 'REDIS_PEERS', 'REDIS_INITIAL_MASTER'],
      ownVars: {
        POD_NAME: 'the pod name, for $(POD_NAME) in REDIS_ANNOUNCE_HOST',
        REDIS_PASSWORD: 'start-redis.sh: requirepass and masterauth; discovery asks the Sentinels with it',
        REDIS_MASTER_SET: 'start-redis.sh and prestop-redis.sh: the name the Sentinels monitor',
        REDIS_DATA_DIR: 'start-redis.sh: `dir` (created if missing)',
        REDIS_MAXMEMORY: 'start-redis.sh: `maxmemory`, 75% of the memory limit',
        REDIS_ANNOUNCE_HOST: 'start-redis.sh: replica-announce-ip; prestop-redis.sh: is the master this pod?',
        REDIS_PEERS: 'start-redis.sh: every pod, whose Sentinel is asked for the master',
        REDIS_INITIAL_MASTER: 'start-redis.sh: the master when no Sentinel answers (ordinal 0)',
      },
      writes: [
        { path: '/opt/bitnami/redis/etc/redis.conf', note: 'start-redis.sh writes the whole configuration (mode 0600) before exec redis-server', source: 'chart-scripts' },
        { path: '/bitnami/redis/data', note: '`dir`: the append-only files (appendonlydir) and RDB snapshots', source: 'redis-conf' },
      ],
      advertises: [
        { env: 'REDIS_ANNOUNCE_HOST', kind: 'host', note: 'replica-announce-ip: what the master and the Sentinels list for this replica', source: 'redis-conf' },
        { env: 'REDIS_PEERS', kind: 'peers', note: 'whose Sentinels are asked `get-master-addr-by-name` at start', source: 'chart-scripts' },
        { env: 'REDIS_INITIAL_MASTER', kind: 'peers', note: 'the master of a set whose Sentinels all are down', source: 'chart-scripts' },
      ],
    },
    {
      name: 'sentinel',
      reads: {
        REDISCLI_AUTH: { note: 'redis-cli authenticates with it (probes, prestop-sentinel.sh)', source: 'redis-cli' },
      },
      requires: [
        'REDIS_PASSWORD', 'REDIS_MASTER_SET', 'REDIS_SENTINEL_QUORUM', 'REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS', 'REDIS_SENTINEL_FAILOVER_TIMEOUT',
        'REDIS_SENTINEL_ANNOUNCE_IP', 'REDIS_PEERS', 'REDIS_INITIAL_MASTER',
      ],
      ownVars: {
        POD_NAME: 'the pod name, for $(POD_NAME) in REDIS_SENTINEL_ANNOUNCE_IP',
        REDIS_PASSWORD: 'start-sentinel.sh: requirepass, sentinel-pass, auth-pass',
        REDIS_MASTER_SET: 'start-sentinel.sh and prestop-sentinel.sh: the monitored name',
        REDIS_SENTINEL_QUORUM: 'start-sentinel.sh: the quorum of `sentinel monitor` (the image would read the same name, but its setup does not run)',
        REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS: 'start-sentinel.sh: down-after-milliseconds',
        REDIS_SENTINEL_FAILOVER_TIMEOUT: 'start-sentinel.sh: failover-timeout',
        REDIS_SENTINEL_ANNOUNCE_IP: 'start-sentinel.sh: announce-ip, and the SHA-1 that is `sentinel myid`',
        REDIS_PEERS: 'start-sentinel.sh: every pod, whose Sentinel is asked for the master',
        REDIS_INITIAL_MASTER: 'start-sentinel.sh: the master when no Sentinel answers',
      },
      writes: [
        { path: '/opt/bitnami/redis-sentinel/etc/sentinel.conf', note: 'written by start-sentinel.sh, then rewritten by Sentinel on every state change (it must be writable)', source: 'sentinel-docs' },
        { path: '/tmp', note: '`dir /tmp`: Sentinel\'s working directory', source: 'sentinel-conf' },
      ],
      advertises: [
        { env: 'REDIS_SENTINEL_ANNOUNCE_IP', kind: 'host', note: '`sentinel announce-ip` with announce-hostnames yes: the address in hello messages and in answers to clients', source: 'sentinel-conf' },
        { env: 'REDIS_PEERS', kind: 'peers', note: 'whose Sentinels are asked for the master at start', source: 'chart-scripts' },
        { env: 'REDIS_INITIAL_MASTER', kind: 'peers', note: 'the monitored master when no Sentinel answers', source: 'chart-scripts' },
      ],
    },
  ],
  discovery: {
    note: 'at start each container asks every pod\'s Sentinel (REDIS_PEERS, port 26379) for the master of REDIS_MASTER_SET and falls back to '
      + 'ordinal 0; then Sentinels find each other and the replicas through the master\'s hello channel (__sentinel__:hello), by the '
      + 'FQDNs they announce. The image\'s own setup (which would symlink etc/ into its volume) does not run',
    source: 'sentinel-lib',
  },
  unconfirmed: [
    'the exact 8.2.1-debian-12-r0 bytes of the image scripts (siblings read); irrelevant to the start, which uses the preset\'s scripts',
    'the smallest memory limit (192Mi) is the Bitnami chart\'s default for Redis, not a measured floor',
  ],
};
