import { EngineContract } from './contract';

/**
 * PostgreSQL with Patroni. Patroni publishes no image; the facts are about Patroni 4.0.6 and the image its
 * `kubernetes/Dockerfile` (patroni/patroni v4.0.6) builds on the official `postgres` image, which the docs recommend
 * once pinned. The preset does not run that image's `kubernetes/entrypoint.sh` (it writes /home/postgres/patroni.yml
 * on the root filesystem): it runs `patroni /etc/patroni/patroni.yml` on a ConfigMap, so only Patroni's own
 * environment parser reads the variables. `requires`: the keys `patroni/validator.py` (v4.0.6) marks required.
 */
export const CONTRACT: EngineContract = {
  preset: 'postgresql-patroni',
  image: 'registry.example.com/patroni:4.0.6-pg17',
  sources: {
    'environment': { repo: 'patroni/patroni', path: 'docs/ENVIRONMENT.rst', ref: 'v4.0.6' },
    'config': { repo: 'patroni/patroni', path: 'patroni/config.py', ref: 'v4.0.6' },
    'bootstrap': { repo: 'patroni/patroni', path: 'patroni/postgresql/bootstrap.py', ref: 'v4.0.6' },
    'pg-config': { repo: 'patroni/patroni', path: 'patroni/postgresql/config.py', ref: 'v4.0.6' },
    'kubernetes-docs': { repo: 'patroni/patroni', path: 'docs/kubernetes.rst', ref: 'v4.0.6' },
    'postgres-image': { repo: 'docker-library/postgres', path: '17/bookworm/Dockerfile', ref: '03e18d66ddd00497a6a7f8365747fb31386ccba6' },
  },
  containers: [{
    name: 'postgres',
    reads: {
      PATRONI_NAME: { note: 'the member name, global `name`; the preset gives the pod name', source: 'config' },
      PATRONI_SCOPE: { note: 'the cluster name, global `scope`: the leader Endpoints and Service are named after it', source: 'config' },
      PATRONI_KUBERNETES_NAMESPACE: { note: 'the namespace of the DCS objects (any PATRONI_<DCS>_NAMESPACE suffix is read)', source: 'config' },
      PATRONI_KUBERNETES_LABELS: { note: 'labels that select the cluster\'s pods and DCS objects, parsed as a YAML/JSON map', source: 'config' },
      PATRONI_KUBERNETES_SCOPE_LABEL: { note: 'the label carrying the scope, default `cluster-name`', source: 'environment' },
      PATRONI_KUBERNETES_ROLE_LABEL: { note: 'the label carrying the member role, default `role`', source: 'environment' },
      PATRONI_KUBERNETES_LEADER_LABEL_VALUE: { note: 'the role label value of the leader (`primary` since 4.0)', source: 'environment' },
      PATRONI_KUBERNETES_STANDBY_LEADER_LABEL_VALUE: { note: 'the role label value of a standby leader', source: 'environment' },
      PATRONI_KUBERNETES_FOLLOWER_LABEL_VALUE: { note: 'the role label value of replicas, default `replica`', source: 'environment' },
      PATRONI_KUBERNETES_USE_ENDPOINTS: { note: 'keep the leader lock and config in Endpoints (parsed as a boolean)', source: 'config' },
      PATRONI_KUBERNETES_POD_IP: { note: 'the pod IP Patroni writes into the leader Endpoints; required with use_endpoints', source: 'environment' },
      PATRONI_KUBERNETES_PORTS: { note: 'the ports of the leader Endpoints, parsed as a list: the name must equal the leader Service\'s port name', source: 'environment' },
      PATRONI_POSTGRESQL_LISTEN: { note: 'postgresql.listen: address and port PostgreSQL listens on', source: 'config' },
      PATRONI_RESTAPI_LISTEN: { note: 'restapi.listen: address and port of the REST API', source: 'config' },
      PATRONI_POSTGRESQL_CONNECT_ADDRESS: { note: 'postgresql.connect_address: where the others (and replicas\' primary_conninfo) reach this PostgreSQL', source: 'config' },
      PATRONI_RESTAPI_CONNECT_ADDRESS: { note: 'restapi.connect_address: where the others reach this REST API; must be reachable from every member', source: 'environment' },
      PATRONI_POSTGRESQL_DATA_DIR: { note: 'postgresql.data_dir: PGDATA, created by initdb or pg_basebackup', source: 'config' },
      PATRONI_POSTGRESQL_PGPASS: { note: 'postgresql.pgpass: the password file Patroni writes for pg_basebackup and pg_rewind', source: 'config' },
      PATRONI_SUPERUSER_USERNAME: { note: 'postgresql.authentication.superuser.username', source: 'config' },
      PATRONI_SUPERUSER_PASSWORD: { note: 'postgresql.authentication.superuser.password (initdb --pwfile, then Patroni\'s own connections)', source: 'config' },
      PATRONI_REPLICATION_USERNAME: { note: 'postgresql.authentication.replication.username, created after bootstrap with REPLICATION', source: 'config' },
      PATRONI_REPLICATION_PASSWORD: { note: 'postgresql.authentication.replication.password', source: 'config' },
      PATRONI_CONFIGURATION: {
        note: 'the whole configuration as YAML, used only when no configuration file exists, and then every other variable is ignored: not used',
        source: 'environment',
      },
    },
    requires: [
      'PATRONI_NAME', 'PATRONI_SCOPE', 'PATRONI_POSTGRESQL_LISTEN', 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', 'PATRONI_RESTAPI_LISTEN',
      'PATRONI_RESTAPI_CONNECT_ADDRESS', 'PATRONI_POSTGRESQL_DATA_DIR', 'PATRONI_KUBERNETES_LABELS', 'PATRONI_KUBERNETES_POD_IP',
      'PATRONI_SUPERUSER_USERNAME', 'PATRONI_SUPERUSER_PASSWORD', 'PATRONI_REPLICATION_USERNAME', 'PATRONI_REPLICATION_PASSWORD',
    ],
    ownVars: {
      POD_NAME: 'the pod name, only for $(POD_NAME) in the connect addresses (Kubernetes expands it from an earlier variable)',
    },
    writes: [
      { path: '/home/postgres/pgdata/pgroot/data', note: 'PGDATA: initdb or pg_basebackup, then postgresql.conf, pg_hba.conf (rewritten from postgresql.pg_hba on every start) and patroni.dynamic.json', source: 'pg-config' },
      { path: '/tmp/pgpass', note: 'the pgpass file (PATRONI_POSTGRESQL_PGPASS), written before pg_basebackup and pg_rewind', source: 'config' },
      { path: '/tmp', note: 'initdb\'s --pwfile, a tempfile.mkstemp() file in the default temporary directory, removed after initdb', source: 'bootstrap' },
      { path: '/var/run/postgresql', note: 'the Unix socket and its lock: the Debian build\'s socket directory, created mode 3777 in the image', source: 'postgres-image' },
    ],
    advertises: [
      { env: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', kind: 'host', note: 'the pod FQDN and 5432, written into the member key; replicas stream from the leader\'s', source: 'config' },
      { env: 'PATRONI_RESTAPI_CONNECT_ADDRESS', kind: 'host', note: 'the pod FQDN and 8008: members call each other here (leader race, is_failover_possible)', source: 'environment' },
    ],
  }],
  discovery: {
    note: 'the Kubernetes API is the DCS: members are the pods selected by PATRONI_KUBERNETES_LABELS and the scope label (state in pod annotations); '
      + 'the leader lock and the config live in the Endpoints `<scope>` and `<scope>-config`; the leader Endpoints carry the leader\'s '
      + 'PATRONI_KUBERNETES_POD_IP and PATRONI_KUBERNETES_PORTS. A node bootstraps only with a `bootstrap` section in its configuration '
      + '(Ha.bootstrap), which only the file can carry',
    source: 'kubernetes-docs',
  },
  unconfirmed: [
    'the image is the user\'s: the facts hold for Patroni 4.0.6 on the official postgres image (UID 999, socket directory /var/run/postgresql, '
      + 'patroni and the PostgreSQL binaries on PATH); another base image may write elsewhere',
    'the smallest memory limit (384Mi) is Bitnami\'s PostgreSQL HA default, not a measured floor for PostgreSQL with Patroni',
    'the size of /dev/shm (the runtime\'s tmpfs, not a volume) for PostgreSQL\'s dynamic shared memory under parallel queries',
  ],
};
