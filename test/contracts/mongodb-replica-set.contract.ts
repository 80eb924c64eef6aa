import { EngineContract } from './contract';

/**
 * A MongoDB replica set on the Bitnami image, run through its own entrypoint behind a wrapper that picks the replica
 * set mode from the pod ordinal (and moves the root password on secondaries, as the image's validation demands). The
 * scripts were read for the 8.0 line (entrypoint and run.sh from 7.0, not stored for 8.0).
 */
export const CONTRACT: EngineContract = {
  preset: 'mongodb-replica-set',
  image: 'docker.io/bitnamilegacy/mongodb:8.0.13-debian-12-r0',
  sources: {
    'env': { repo: 'bitnami/containers', path: 'bitnami/mongodb/8.0/debian-12/rootfs/opt/bitnami/scripts/mongodb-env.sh', ref: '4fe538c531073079670e646b7ef9ddabded23d15' },
    'lib': { repo: 'bitnami/containers', path: 'bitnami/mongodb/8.0/debian-12/rootfs/opt/bitnami/scripts/libmongodb.sh', ref: '1d9c1d41722a2e121b88d257fcdd7cc5042eb4c1' },
    'run': { repo: 'bitnami/containers', path: 'bitnami/mongodb/7.0/debian-12/rootfs/opt/bitnami/scripts/mongodb/run.sh', ref: 'f82a99dc6c7d90724daada34bf72bc68df889fc0' },
    'entrypoint': { repo: 'bitnami/containers', path: 'bitnami/mongodb/7.0/debian-12/rootfs/opt/bitnami/scripts/mongodb/entrypoint.sh', ref: 'f82a99dc6c7d90724daada34bf72bc68df889fc0' },
    'conf-template': { repo: 'bitnami/containers', path: 'bitnami/mongodb/8.0/debian-12/rootfs/opt/bitnami/mongodb/templates/mongodb.conf.tpl', ref: '3d6c676d19ef2a81dda7f718b057123e4bcbe0c9' },
    'wiredtiger': { url: 'https://www.mongodb.com/docs/manual/core/wiredtiger/' },
  },
  containers: [{
    name: 'mongodb',
    reads: {
      MONGODB_ADVERTISED_HOSTNAME: { note: 'the host of this member in rs.initiate / rs.add (MONGODB_ADVERTISE_IP stays false)', source: 'lib' },
      MONGODB_PORT_NUMBER: { note: 'net.port, and the advertised port unless MONGODB_ADVERTISED_PORT_NUMBER is set', source: 'env' },
      MONGODB_REPLICA_SET_NAME: { note: 'replication.replSetName', source: 'lib' },
      MONGODB_INITIAL_PRIMARY_HOST: { note: 'where a secondary joins: it waits until this host answers as primary, then rs.add()s itself', source: 'lib' },
      MONGODB_INITIAL_PRIMARY_PORT_NUMBER: { note: 'the initial primary\'s port (27017 by default)', source: 'env' },
      MONGODB_ROOT_USER: { note: 'the root user the primary creates on first boot (root by default)', source: 'env' },
      MONGODB_INITIAL_PRIMARY_ROOT_USER: { note: 'the user a secondary authenticates to the initial primary with', source: 'env' },
      MONGODB_ROOT_PASSWORD: { note: 'the root password on the primary; refused on a secondary (the wrapper moves it)', source: 'lib' },
      MONGODB_INITIAL_PRIMARY_ROOT_PASSWORD: { note: 'the root password on a secondary (exported by the wrapper); refused on a primary', source: 'lib' },
      MONGODB_REPLICA_SET_KEY: { note: 'the keyfile content, written to conf/keyfile at every start; at least 5 characters', source: 'lib' },
      MONGODB_REPLICA_SET_MODE: { note: 'primary or secondary (exported by the wrapper); used only while the data directory is empty', source: 'lib' },
      MONGODB_EXTRA_FLAGS: { note: 'split into words and appended to mongod\'s arguments: the preset passes --wiredTigerCacheSizeGB', source: 'run' },
      ALLOW_EMPTY_PASSWORD: { note: 'not set: the default `no` refuses a primary without a root password', source: 'env' },
    },
    requires: ['MONGODB_ROOT_PASSWORD', 'MONGODB_REPLICA_SET_KEY', 'MONGODB_INITIAL_PRIMARY_HOST', 'MONGODB_ADVERTISED_HOSTNAME'],
    ownVars: {
      POD_NAME: 'the wrapper takes the ordinal from it (${POD_NAME##*-}); also $(POD_NAME) in MONGODB_ADVERTISED_HOSTNAME',
    },
    writes: [
      { path: '/opt/bitnami/mongodb/conf', note: 'the entrypoint copies conf.default into it; setup rewrites mongodb.conf and writes the keyfile (mode 600)', source: 'entrypoint' },
      { path: '/opt/bitnami/mongodb/tmp', note: 'mongodb.pid and the Unix socket', source: 'env' },
      { path: '/opt/bitnami/mongodb/logs/mongodb.log', note: 'systemLog.path; the wrapper links it to /dev/stdout (the scratch mount hides the image\'s own link)', source: 'conf-template' },
      { path: '/.mongodb', note: 'mongosh\'s state directory under HOME=/ (setup and the probes run mongosh)', source: 'env' },
      { path: '/bitnami/mongodb/data/db', note: 'storage.dbPath', source: 'env' },
    ],
    advertises: [
      { env: 'MONGODB_ADVERTISED_HOSTNAME', kind: 'host', note: 'the member host written into the replica set configuration', source: 'lib' },
      { env: 'MONGODB_INITIAL_PRIMARY_HOST', kind: 'peers', note: 'pod 0, which initiates the set', source: 'lib' },
    ],
  }],
  discovery: {
    note: 'pod 0 initiates the set with itself (rs.initiate, priority 5); each other pod waits for pod 0 to answer as primary, rs.add()s '
      + 'itself without a vote, waits to be SECONDARY, takes a vote and waits for its initial sync. Afterwards the replica set '
      + 'configuration (pod FQDNs) is the membership; drivers discover members from it. The WiredTiger cache otherwise defaults to '
      + 'half of (memory - 1 GB), at least 256 MB',
    source: 'wiredtiger',
  },
  unconfirmed: [
    'the exact 8.0.13-debian-12-r0 scripts (stored 8.0 copies build 8.0.4; entrypoint and run.sh read from 7.0)',
    'the smallest memory limit (768Mi) is the chart\'s default, not a measured floor; mongosh\'s memory in the exec probes is not measured',
  ],
};
