/**
 * PostgreSQL with Patroni, using the Kubernetes API as its DCS.
 *
 * Sources (facts carried over, code written here):
 * - Patroni docs ENVIRONMENT.rst and kubernetes.rst (Patroni 4.x): PATRONI_* variables, the Kubernetes DCS,
 *   `PATRONI_KUBERNETES_PORTS`, role label values (`primary`/`replica` since 4.0, `master` before).
 * - Patroni's kubernetes/patroni_k8s.yaml example: the leader Service without selector, the `-config` Service,
 *   the Role (configmaps, endpoints, pods, services: create), data dir `/home/postgres/pgdata/pgroot/data`.
 * - Patroni docs rest_api.rst: `/readiness` and `/liveness` on 8008.
 * - ../shared/REFERENCE.md: ports 5432 `tcp-postgresql`, 8008 `http-patroni`; connect addresses on the pod FQDN.
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole } from '../database-engine';

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
   * The superuser name.
   * @default 'postgres'
   */
  readonly superuserName?: string;

  /**
   * The replication user name.
   * @default 'standby'
   */
  readonly replicationUserName?: string;

  /**
   * The UID the image's PostgreSQL runs as (the official `postgres` image, which Patroni's Dockerfile builds on,
   * uses 999).
   * @default 999
   */
  readonly runAsUser?: number;
}

/** Patroni's role label and its follower value. */
export const PATRONI_ROLE_LABEL = 'role';
export const PATRONI_REPLICA_LABEL_VALUE = 'replica';
/** Patroni's default scope label. */
export const PATRONI_SCOPE_LABEL = 'cluster-name';

/**
 * PostgreSQL with Patroni: three pods electing a leader through the Kubernetes API, advertising their pod FQDNs,
 * behind a leader Service (no selector: Patroni writes its endpoints) and a replicas Service (`role: replica`).
 *
 * Patroni publishes no official image: pass your image (e.g. built from Patroni's `kubernetes/Dockerfile`) as the
 * database's `image`. It must read its configuration from `PATRONI_*` variables and keep data under
 * `/home/postgres/pgdata`. With a sidecar, PostgreSQL sees connections from the proxy, not from the peer's pod IP:
 * keep `pg_hba` rules address-agnostic (`0.0.0.0/0` with `scram-sha-256`) and let mTLS and the
 * AuthorizationPolicy decide who connects.
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
      writablePaths: ['/tmp', '/var/run/postgresql'],
      needsKubernetesApi: true,
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
    const credentials = this.options.credentials;
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
    target.env('PATRONI_REPLICATION_USERNAME', this.options.replicationUserName ?? 'standby');
    target.secretEnv('PATRONI_REPLICATION_PASSWORD', credentials, 'replication-password');

    // the leader Service: no selector, Patroni writes its endpoints (the leader's pod IP and the named port)
    workload.addClientService('Leader', { name: scope, ports: [5432], selectPods: false });
    workload.addClientService('Replicas', {
      name: `${scope}-repl`, ports: [5432], selectorLabels: { [PATRONI_ROLE_LABEL]: PATRONI_REPLICA_LABEL_VALUE },
    });
  }
}
