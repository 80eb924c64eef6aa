import { EngineContract } from './contract';

/**
 * Redis Cluster on the Bitnami image, run through its own entrypoint (behind a one-line wrapper that sets
 * REDIS_CLUSTER_CREATOR on ordinal 0). The scripts were read for 8.x siblings of the pinned tag (the pinned
 * 8.2.1-debian-12-r0 bytes are not in the source index).
 */
export const CONTRACT: EngineContract = {
  preset: 'redis-cluster',
  image: 'docker.io/bitnamilegacy/redis-cluster:8.2.1-debian-12-r0',
  sources: {
    'env': {
      repo: 'bitnami/containers',
      path: 'bitnami/redis-cluster/8.10/debian-12/rootfs/opt/bitnami/scripts/redis-cluster-env.sh',
      ref: 'e38f8852f9a3930c9fc0f7630ed1d758e4ff376d',
    },
    'lib': {
      repo: 'bitnami/containers',
      path: 'bitnami/redis-cluster/8.8/debian-12/rootfs/opt/bitnami/scripts/librediscluster.sh',
      ref: '33c2b7146d3fcd29f94d7c22e3899e9475d51052',
    },
    'run': {
      repo: 'bitnami/containers',
      path: 'bitnami/redis-cluster/8.8/debian-12/rootfs/opt/bitnami/scripts/redis-cluster/run.sh',
      ref: '600c3dbda6e360b468a06e0e2d43c37650c244e9',
    },
    'entrypoint': {
      repo: 'bitnami/containers',
      path: 'bitnami/redis-cluster/7.2/debian-12/rootfs/opt/bitnami/scripts/redis-cluster/entrypoint.sh',
      ref: 'accc99590d41b63996b7321800aa190eb45af6e9',
    },
    'redis-cli': { repo: 'redis/redis', path: 'src/redis-cli.c', ref: '8.2.1' },
  },
  containers: [
    {
      name: 'redis',
      reads: {
        REDIS_PASSWORD: { note: 'requirepass and masterauth; the image refuses an empty one without ALLOW_EMPTY_PASSWORD', source: 'lib' },
        REDISCLI_AUTH: { note: 'every redis-cli the scripts and probes run: the creator\'s PING loop never ends without it (NOAUTH)', source: 'redis-cli' },
        REDIS_PORT_NUMBER: { note: '`port`, 6379 by default; validation refuses an empty one', source: 'env' },
        REDIS_NODES: { note: 'every node as host[:port], split on `,`, `;` or space; required', source: 'lib' },
        REDIS_CLUSTER_REPLICAS: { note: '`--cluster-replicas` of the creator', source: 'lib' },
        REDIS_CLUSTER_DYNAMIC_IPS: { note: 'yes: announce the pod IP and rewrite nodes.conf with the new IPs after a restart', source: 'lib' },
        REDIS_CLUSTER_ANNOUNCE_HOSTNAME: { note: '`cluster-announce-hostname`', source: 'lib' },
        REDIS_CLUSTER_PREFERRED_ENDPOINT_TYPE: { note: '`cluster-preferred-endpoint-type` (written always, `ip` by default)', source: 'lib' },
        REDIS_EXTRA_FLAGS: { note: 'split into words and appended to redis-server\'s arguments: the preset passes --maxmemory', source: 'run' },
        REDIS_CLUSTER_CREATOR: { note: 'yes on the node that runs `redis-cli --cluster create` (exported by the wrapper on ordinal 0)', source: 'run' },
        REDIS_DNS_RETRIES: { note: 'lookups 5 s apart per node before redis-server starts, 120 by default (not set: the startup probe allows 10 minutes)', source: 'env' },
      },
      requires: ['REDIS_PASSWORD', 'REDISCLI_AUTH', 'REDIS_NODES', 'REDIS_PORT_NUMBER', 'REDIS_CLUSTER_REPLICAS'],
      ownVars: {
        POD_NAME: 'the wrapper takes the ordinal from it (${POD_NAME##*-}); also $(POD_NAME) in REDIS_CLUSTER_ANNOUNCE_HOSTNAME',
      },
      writes: [
        { path: '/opt/bitnami/redis/etc', note: 'the entrypoint copies etc.default into it (cp -nr), then setup edits redis.conf in place', source: 'entrypoint' },
        { path: '/opt/bitnami/redis/tmp', note: 'REDIS_TMP_DIR: redis.pid (removed at setup, written by redis-server)', source: 'env' },
        { path: '/opt/bitnami/redis/logs', note: 'REDIS_LOG_DIR, created by setup', source: 'env' },
        { path: '/bitnami/redis/data', note: 'REDIS_DATA_DIR: nodes.conf, nodes.sh (host to IP map, rewritten at every restart), the append-only files', source: 'lib' },
      ],
      advertises: [
        { env: 'REDIS_NODES', kind: 'peers', note: 'the creator pings and resolves these, and every node re-resolves them after a restart', source: 'lib' },
        {
          env: 'REDIS_CLUSTER_ANNOUNCE_HOSTNAME',
          kind: 'host',
          optional: true,
          note: 'with announceHostnames: the name MOVED/ASK and CLUSTER SLOTS give clients; the bus keeps `cluster-announce-ip` (the pod IP)',
          source: 'lib',
        },
      ],
    },
    {
      name: 'seed-writable-dirs',
      reads: {},
      writes: [
        { path: '/seed/opt/bitnami/redis/etc', note: 'a copy of the image\'s /opt/bitnami/redis/etc into the scratch sub-path the main container mounts there', source: 'entrypoint' },
      ],
    },
  ],
  discovery: {
    note: 'REDIS_NODES lists every pod FQDN. Ordinal 0, while it has no nodes.conf, waits until every node answers PING, resolves the FQDNs '
      + 'and runs `redis-cli --cluster create <ip:port>... --cluster-replicas N`; afterwards nodes.conf holds the topology, and each '
      + 'restart re-resolves REDIS_NODES and swaps old for new IPs in it. By default every node announces its pod IP '
      + '(cluster-announce-ip), which Istio matches because 6379 and 16379 are declared on the headless Service',
    source: 'lib',
  },
  unconfirmed: [
    'the exact 8.2.1-debian-12-r0 scripts (8.8/8.10 and, for the entrypoint, 7.2 copies read); the seed init container makes the '
      + 'entrypoint\'s etc.default copy irrelevant either way',
    'the smallest memory limit (192Mi) is the chart\'s default for Redis, not a measured floor',
  ],
};
