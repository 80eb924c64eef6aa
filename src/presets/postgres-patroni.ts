/**
 * PostgreSQL with Patroni, using the Kubernetes API as its DCS.
 *
 * Sources (facts carried over, code written here), patroni/patroni at tag v4.0.6 unless noted:
 * - `docs/ENVIRONMENT.rst` and `patroni/config.py` (`_build_environment_configuration`): the PATRONI_* variables,
 *   which "always take precedence" over the configuration file; there is no variable for `pg_hba`, PostgreSQL
 *   parameters or the `bootstrap` section. `PATRONI_CONFIGURATION` would replace the file and ignore every other
 *   variable, so it is not used.
 * - `patroni/ha.py` (`Ha.bootstrap`): a node bootstraps a new cluster only when its configuration has a
 *   `bootstrap` section; `patroni/__main__.py` then reads `bootstrap.dcs`. Without a file, nobody ever initialises.
 * - `kubernetes/Dockerfile` and `kubernetes/entrypoint.sh`: the recipe builds `FROM postgres:16` with Patroni from
 *   git master, and the entrypoint writes `/home/postgres/patroni.yml` (impossible under a read-only root
 *   filesystem) with `pg_hba` admitting replication only from `<pod IP>/16` and 127.0.0.1 — under an Istio sidecar
 *   inbound connections arrive from 127.0.0.6 (istio/istio `pilot/pkg/networking/core/listener_address.go`,
 *   `InboundPassthroughBindIpv4`, 1.28). The preset therefore runs Patroni itself on a file from a ConfigMap.
 * - `patroni/postgresql/config.py` (`replace_pg_hba`, `_get_tcp_local_address`): a configured `postgresql.pg_hba`
 *   replaces `pg_hba.conf` on every start; Patroni connects to its own PostgreSQL over TCP to `localhost`.
 * - `kubernetes/patroni_k8s.yaml`: the leader Service without selector, the `-config` Service, the Role, data dir
 *   `/home/postgres/pgdata/pgroot/data`; `docs/rest_api.rst`: `/readiness` and `/liveness` on 8008.
 * - `patroni/ha.py` (`Ha.shutdown`): a stopping leader waits for the replicas to receive the shutdown checkpoint
 *   (asking their REST APIs) and then deletes its leader key through the API server; `patroni/dcs/kubernetes.py`
 *   (`delete_leader`) PATCHes the leader Endpoints. All of it needs the network after SIGTERM.
 * - PostgreSQL docs, runtime-config-resource (https://www.postgresql.org/docs/17/runtime-config-resource.html):
 *   "a reasonable starting value for shared_buffers is 25% of the memory in your system".
 * - zalando/postgres-operator `docs/reference/operator_parameters.md` (v1.14.0): Patroni pods get
 *   `pod_terminate_grace_period` 5m by default.
 * - Ports 5432 `tcp-postgresql`, 8008 `http-patroni`; connect addresses on the pod FQDN (docs/presets/postgres-patroni.md).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';
import { MemoryShare, sizeFromLimit } from '../private/memory';

/**
 * Options of `PostgresPatroniEngine`.
 */
export interface PostgresPatroniOptions {
  /**
   * The Secret holding the passwords, under the keys `superuser-password` and `replication-password`.
   * Only referenced: no password is ever written into a manifest.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The Patroni scope (cluster name): the name of the leader Service and of Patroni's Endpoints.
   * @default - the database name
   */
  readonly scope?: string;

  /**
   * The role label value Patroni puts on the leader pod: `primary` since Patroni 4.0, `master` before.
   * @default 'primary'
   */
  readonly leaderLabelValue?: string;

  /**
   * The superuser name (a plain PostgreSQL identifier).
   * @default 'postgres'
   */
  readonly superuserName?: string;

  /**
   * The replication user name (a plain PostgreSQL identifier): the only user `pg_hba` admits to replication.
   * @default 'standby'
   */
  readonly replicationUserName?: string;

  /**
   * The UID the image's PostgreSQL runs as (the official `postgres` image, which Patroni's Dockerfile builds on,
   * uses 999). It must have an entry in the image's `/etc/passwd`: initdb looks the running user up, and the
   * entrypoint that would add one for a UID of 10000 or more is not run (the root filesystem is read-only).
   * @default 999
   */
  readonly runAsUser?: number;
}

/** Patroni's role label and its follower value. */
export const PATRONI_ROLE_LABEL = 'role';
export const PATRONI_REPLICA_LABEL_VALUE = 'replica';
/** Patroni's default scope label. */
export const PATRONI_SCOPE_LABEL = 'cluster-name';

/** Where the ConfigMap with Patroni's configuration file is mounted (read-only). */
export const PATRONI_CONFIG_DIR = '/etc/patroni';
const PATRONI_CONFIG_FILE = `${PATRONI_CONFIG_DIR}/patroni.yml`;

/** A role name PostgreSQL takes unquoted, which `pg_hba.conf` and Patroni's SQL take as they are. */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `shared_buffers`: a quarter of the container's memory limit, as the PostgreSQL docs advise for a dedicated server.
 * The smallest limit is the one Bitnami's PostgreSQL HA chart (PostgreSQL beside a manager process) runs with.
 */
const SHARED_BUFFERS: MemoryShare = {
  what: 'PostgreSQL shared_buffers',
  ratio: 0.25,
  minLimitMiB: 384,
  source: 'the smallest limit upstream runs it with: bitnami/charts bitnami/postgresql-ha 16.3.4 values.yaml, postgresql.resourcesPreset micro: 384Mi',
};

/**
 * `pg_hba.conf`, address-agnostic: under a sidecar every inbound connection comes from 127.0.0.6, so an address rule
 * decides nothing. Every connection needs a SCRAM password; mTLS, the AuthorizationPolicy and the NetworkPolicy decide
 * who reaches the port. Replication only for the replication user.
 */
export function patroniPgHba(replicationUser: string): string[] {
  return [
    'local all all scram-sha-256',
    'host all all 0.0.0.0/0 scram-sha-256',
    'host all all ::/0 scram-sha-256',
    `host replication ${replicationUser} 0.0.0.0/0 scram-sha-256`,
    `host replication ${replicationUser} ::/0 scram-sha-256`,
  ];
}

/**
 * Patroni's configuration file: only what no PATRONI_* variable can say (the `bootstrap` section, `pg_hba`,
 * PostgreSQL parameters). No secret: names, addresses, the DCS and the passwords come from the variables, which take
 * precedence over the file.
 */
function patroniConfigFile(replicationUser: string, sharedBuffersMiB: number): string {
  const quoted = (s: string) => JSON.stringify(s);
  return [
    '# Written by PostgresPatroniEngine (cdk8s-stateful-mesh). No secrets: PATRONI_* variables supply names, addresses,',
    '# the Kubernetes DCS and the passwords, and take precedence over this file.',
    'bootstrap:',
    '  dcs:',
    '    postgresql:',
    '      use_pg_rewind: true',
    '  initdb:',
    '    - auth-host: scram-sha-256',
    '    - auth-local: scram-sha-256',
    '    - encoding: UTF8',
    '    - data-checksums',
    'postgresql:',
    '  parameters:',
    '    password_encryption: scram-sha-256',
    `    shared_buffers: ${sharedBuffersMiB}MB`,
    '  pg_hba:',
    ...patroniPgHba(replicationUser).map(line => `    - ${quoted(line)}`),
    '',
  ].join('\n');
}

/**
 * PostgreSQL with Patroni: three pods electing a leader through the Kubernetes API, advertising their pod FQDNs,
 * behind a leader Service (no selector: Patroni writes its endpoints) and a replicas Service (`role: replica`).
 *
 * Patroni publishes no official image: pass your image as the database's `image`. It needs `patroni` (with the
 * `kubernetes` extra) and the PostgreSQL binaries on `PATH`; the preset runs `patroni /etc/patroni/patroni.yml`
 * itself, on a configuration file from a ConfigMap (the `bootstrap` section, address-agnostic SCRAM `pg_hba` rules,
 * `shared_buffers` from the memory limit), so the image's own entrypoint and its writes are not used. Data lives under
 * `/home/postgres/pgdata`. Pods keep their proxy until Patroni has exited (a native sidecar), so that a stopping
 * leader can still release its leader key through the API server.
 */
export class PostgresPatroniEngine extends DatabaseEngine {
  public readonly engineName = 'postgresql-patroni';
  public readonly defaultImage?: string = undefined;
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: 5432, name: 'postgresql', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: 8008, name: 'patroni', protocol: AppProtocol.HTTP, role: PortRole.ADMIN },
  ];
  public readonly storage: EngineStorage = { claimName: 'pgdata', mountPath: '/home/postgres/pgdata', defaultSize: Size.gibibytes(10) };

  private readonly options: PostgresPatroniOptions;

  public constructor(options: PostgresPatroniOptions) {
    super();
    this.options = options;
    if (options.leaderLabelValue !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.leaderLabelValue)) {
      throw new Error(`PostgresPatroniEngine: leaderLabelValue '${options.leaderLabelValue}' is not a label value; use 'primary' (Patroni >= 4) or 'master'`);
    }
    for (const [option, value] of [['superuserName', options.superuserName], ['replicationUserName', options.replicationUserName]] as const) {
      if (value !== undefined && !PLAIN_IDENTIFIER.test(value)) {
        throw new Error(`PostgresPatroniEngine: ${option} '${value}' is not a plain PostgreSQL identifier (pg_hba.conf and Patroni's SQL take it `
          + 'unquoted); use lowercase letters, digits and \'_\', starting with a letter or \'_\', e.g. \'standby\'');
      }
    }
  }

  public bind(_scope: Construct, context: EngineContext): EngineConfig {
    const scope = this.options.scope ?? context.name;
    const uid = this.options.runAsUser ?? 999;
    const probe = (path: string) => kplus.Probe.fromHttpGet(path, {
      port: 8008,
      initialDelaySeconds: Duration.seconds(3),
      periodSeconds: Duration.seconds(10),
      timeoutSeconds: Duration.seconds(5),
      failureThreshold: 3,
    });
    return {
      containerName: 'postgres',
      container: {
        // Patroni itself, on the ConfigMap's file: the image's entrypoint would write /home/postgres/patroni.yml
        command: ['patroni', PATRONI_CONFIG_FILE],
        securityContext: { user: uid, group: uid },
        readiness: probe('/readiness'),
        liveness: probe('/liveness'),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      podSecurityContext: { user: uid, group: uid, fsGroup: uid },
      podLabels: { [PATRONI_SCOPE_LABEL]: scope },
      // /tmp: the pgpass file and initdb's password file; /var/run/postgresql: the socket
      writablePaths: ['/tmp', '/var/run/postgresql'],
      needsKubernetesApi: true,
      // a stopping leader asks the replicas whether they have its shutdown checkpoint and deletes its leader key
      // through the API server: the proxy must outlive Patroni, and the checkpoint may take minutes
      needsProxyUntilExit: true,
      terminationGracePeriod: Duration.minutes(5),
      roleRules: [
        // Patroni's DCS: leader lock and config in Endpoints (use_endpoints), member state in pod annotations
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch'] },
        { apiGroups: [''], resources: ['endpoints'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'update', 'watch'] },
        // only to create the headless `<scope>-config` Service that keeps the config Endpoints alive
        { apiGroups: [''], resources: ['services'], verbs: ['create'] },
      ],
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const scope = this.options.scope ?? workload.name;
    const leaderValue = this.options.leaderLabelValue ?? 'primary';
    const replicationUser = this.options.replicationUserName ?? 'standby';
    const credentials = this.options.credentials;
    const sharedBuffersMiB = sizeFromLimit(target.scope, this.engineName, target.resources, SHARED_BUFFERS);

    const config = new kplus.ConfigMap(target.scope, 'PatroniConfig', {
      metadata: { name: `${workload.name}-patroni`, namespace: workload.namespace },
      data: { 'patroni.yml': patroniConfigFile(replicationUser, sharedBuffersMiB) },
    });
    target.container.mount(PATRONI_CONFIG_DIR, kplus.Volume.fromConfigMap(target.scope, 'PatroniConfigVolume', config, { name: 'patroni-config' }),
      { readOnly: true });

    target.fieldEnv('PATRONI_NAME', kplus.EnvFieldPaths.POD_NAME);
    target.env('PATRONI_SCOPE', scope);
    target.env('PATRONI_KUBERNETES_NAMESPACE', workload.namespace);
    target.env('PATRONI_KUBERNETES_LABELS', JSON.stringify(workload.selectorLabels));
    target.env('PATRONI_KUBERNETES_SCOPE_LABEL', PATRONI_SCOPE_LABEL);
    target.env('PATRONI_KUBERNETES_ROLE_LABEL', PATRONI_ROLE_LABEL);
    target.env('PATRONI_KUBERNETES_LEADER_LABEL_VALUE', leaderValue);
    target.env('PATRONI_KUBERNETES_STANDBY_LEADER_LABEL_VALUE', leaderValue);
    target.env('PATRONI_KUBERNETES_FOLLOWER_LABEL_VALUE', PATRONI_REPLICA_LABEL_VALUE);
    target.env('PATRONI_KUBERNETES_USE_ENDPOINTS', 'true');
    target.fieldEnv('PATRONI_KUBERNETES_POD_IP', kplus.EnvFieldPaths.POD_IP);
    // the leader Service names its port; Patroni must write the same name into its Endpoints
    target.env('PATRONI_KUBERNETES_PORTS', JSON.stringify([{ name: workload.headlessService.findPort(5432)!.name, port: 5432 }]));
    target.env('PATRONI_POSTGRESQL_LISTEN', '0.0.0.0:5432');
    target.env('PATRONI_RESTAPI_LISTEN', '0.0.0.0:8008');
    workload.addPodAddressEnv('PATRONI_POSTGRESQL_CONNECT_ADDRESS', 5432, { container: target.container });
    workload.addPodAddressEnv('PATRONI_RESTAPI_CONNECT_ADDRESS', 8008, { container: target.container });
    target.env('PATRONI_POSTGRESQL_DATA_DIR', `${this.storage.mountPath}/pgroot/data`);
    target.env('PATRONI_POSTGRESQL_PGPASS', '/tmp/pgpass');
    target.env('PATRONI_SUPERUSER_USERNAME', this.options.superuserName ?? 'postgres');
    target.secretEnv('PATRONI_SUPERUSER_PASSWORD', credentials, 'superuser-password');
    target.env('PATRONI_REPLICATION_USERNAME', replicationUser);
    target.secretEnv('PATRONI_REPLICATION_PASSWORD', credentials, 'replication-password');

    // the leader Service: no selector, Patroni writes its endpoints (the leader's pod IP and the named port)
    workload.addClientService('Leader', { name: scope, ports: [5432], selectPods: false });
    workload.addClientService('Replicas', {
      name: `${scope}-repl`, ports: [5432], selectorLabels: { [PATRONI_ROLE_LABEL]: PATRONI_REPLICA_LABEL_VALUE },
    });
  }
}
