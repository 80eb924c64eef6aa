import { EngineContract } from './contract';

/**
 * etcd on the Bitnami image, run through its own entrypoint. Two readers: the image's scripts (`etcd-env.sh`,
 * `libetcd.sh`) and etcd itself, which takes every flag from an `ETCD_<FLAG>` variable. The scripts were read for the
 * 3.6 line (the stored copies build 3.6.8; which libetcd revision 3.6.4-debian-12-r3 carries is not known).
 */
export const CONTRACT: EngineContract = {
  preset: 'etcd',
  image: 'docker.io/bitnamilegacy/etcd:3.6.4-debian-12-r3',
  sources: {
    env: { repo: 'bitnami/containers', path: 'bitnami/etcd/3.6/debian-12/rootfs/opt/bitnami/scripts/etcd-env.sh', ref: '7c423ec59e497c5a2e117517f4c7dfa852d1733f' },
    lib: { repo: 'bitnami/containers', path: 'bitnami/etcd/3.6/debian-12/rootfs/opt/bitnami/scripts/libetcd.sh', ref: '2880a1791a5c98a14bac6a7a5ce47e15a44fae0f' },
    entrypoint: { repo: 'bitnami/containers', path: 'bitnami/etcd/3.5/debian-12/rootfs/opt/bitnami/scripts/etcd/entrypoint.sh', ref: 'accc99590d41b63996b7321800aa190eb45af6e9' },
    flags: { url: 'https://etcd.io/docs/v3.6/op-guide/configuration/' },
    clustering: { url: 'https://etcd.io/docs/v3.6/op-guide/clustering/' },
    chart: { repo: 'bitnami/charts', path: 'bitnami/etcd/Chart.yaml', ref: '5165628ae06697f8f68a670bef7739d93c4b7f44' },
  },
  containers: [{
    name: 'etcd',
    reads: {
      MY_STS_NAME: { note: 'libetcd builds the member endpoints as $MY_STS_NAME-<i>.$ETCD_CLUSTER_DOMAIN, one per IP the headless name resolves to', source: 'lib' },
      MY_POD_NAME: { note: 'libetcd leaves this pod out when it lists the other members', source: 'lib' },
      ETCD_ON_K8S: { note: 'yes: StatefulSet-aware member discovery and rejoin in the setup', source: 'env' },
      ETCD_CLUSTER_DOMAIN: { note: 'the headless Service domain of the member endpoints', source: 'lib' },
      ETCD_NAME: { note: 'the member name (etcd flag); libetcd strips "$ETCD_NAME." from the advertised host to find the domain', source: 'lib' },
      ALLOW_NONE_AUTHENTICATION: { note: 'no (the default): an empty ETCD_ROOT_PASSWORD is refused', source: 'env' },
      ETCD_ROOT_PASSWORD: { note: 'the password of etcd\'s root user, which the first member creates when it turns RBAC on', source: 'lib' },
      ETCD_ADVERTISE_CLIENT_URLS: { note: 'etcd flag; its first URL also gives libetcd the client port', source: 'lib' },
      ETCD_LISTEN_CLIENT_URLS: { note: 'etcd flag (libetcd narrows it to 127.0.0.1 while it sets up RBAC)', source: 'lib' },
      ETCD_INITIAL_ADVERTISE_PEER_URLS: { note: 'etcd flag: this member\'s peer URL, also how libetcd finds its member id', source: 'flags' },
      ETCD_LISTEN_PEER_URLS: { note: 'etcd flag', source: 'flags' },
      ETCD_INITIAL_CLUSTER: { note: 'etcd flag: <name>=<peer URL>,... for static bootstrap', source: 'clustering' },
      ETCD_INITIAL_CLUSTER_STATE: { note: 'etcd flag, new; libetcd switches a restarted or re-added member to existing itself', source: 'lib' },
      ETCD_INITIAL_CLUSTER_TOKEN: { note: 'etcd flag: mixed into the cluster and member ids at bootstrap', source: 'clustering' },
      ETCD_QUOTA_BACKEND_BYTES: { note: 'etcd flag --quota-backend-bytes: past it, the NOSPACE alarm and only reads and deletes', source: 'flags' },
      ETCD_AUTO_COMPACTION_MODE: { note: 'etcd flag --auto-compaction-mode (periodic)', source: 'flags' },
      ETCD_AUTO_COMPACTION_RETENTION: { note: 'etcd flag --auto-compaction-retention (0, off, by default)', source: 'flags' },
      ETCD_DATA_DIR: { note: 'not set by the preset: etcd-env.sh exports the constant /bitnami/etcd/data over any value', source: 'env' },
    },
    requires: ['ETCD_ROOT_PASSWORD', 'MY_STS_NAME', 'ETCD_CLUSTER_DOMAIN', 'ETCD_NAME', 'ETCD_ADVERTISE_CLIENT_URLS', 'ETCD_INITIAL_ADVERTISE_PEER_URLS', 'ETCD_INITIAL_CLUSTER'],
    ownVars: {
      POD_NAME: 'the pod name, for $(POD_NAME) in MY_POD_NAME, ETCD_NAME and the advertised URLs',
    },
    writes: [
      { path: '/opt/bitnami/etcd/conf', note: 'the entrypoint copies conf.default into it; etcd.yaml only with ETCD_CFG_* variables', source: 'entrypoint' },
      { path: '/tmp', note: 'mktemp files of the setup scripts', source: 'lib' },
      { path: '/bitnami/etcd/data', note: 'the member\'s WAL and snapshots, and new_member_envs when a member re-adds itself', source: 'env' },
    ],
    advertises: [
      { env: 'ETCD_ADVERTISE_CLIENT_URLS', kind: 'host', note: 'what clients and the member list get for this member', source: 'flags' },
      { env: 'ETCD_INITIAL_ADVERTISE_PEER_URLS', kind: 'host', note: 'the peer URL the other members dial', source: 'flags' },
      { env: 'ETCD_INITIAL_CLUSTER', kind: 'peers', note: 'every member by name and peer URL', source: 'clustering' },
    ],
  }],
  discovery: {
    note: 'static bootstrap from ETCD_INITIAL_CLUSTER (pod FQDNs); the scripts count the IPs behind the headless Service and talk to '
      + '$MY_STS_NAME-<i>.$ETCD_CLUSTER_DOMAIN:2379 for member status, add and remove. The pinned tag is the one the Bitnami chart pins',
    source: 'chart',
  },
  unconfirmed: [
    'which libetcd revision ships in 3.6.4-debian-12-r3: the newest (read) makes non-primary members wait for RBAC with their client '
      + 'port on 127.0.0.1; an older 3.6 copy does not. The startup probe (10 minutes) covers both',
    'the smallest memory limit (384Mi) is the chart\'s default, not a measured floor',
  ],
};
