import { ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { clientPortsOf, IDatabaseEngine, IEngineTarget, PortRole, requireSecret } from './database-engine';
import { DisruptionBudget } from './disruption-budget';
import { ClientServiceRole, HeadlessStatefulService } from './headless-stateful-service';
import { MeshClient } from './mesh-client';
import { MeshMode, MeshModeKind } from './mesh-mode';
import { MeshPolicy } from './mesh-policy';
import { MeshService } from './mesh-service';
import { PortMtls } from './peer-authentication';
import { PodAntiAffinity } from './pod-anti-affinity';
import { workloadOverride } from './private/helm-overrides';
import { resolveClusterDomain, resolveName, resolveNamespace, serviceFqdn } from './private/identity';
import { claimObjectName } from './private/object-names';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail, replicasError, unpinnedImageError } from './private/validation';

/**
 * Properties of a `MeshAwareDatabase`.
 */
export interface MeshAwareDatabaseProps {
  /** The engine preset, e.g. `new PostgresPatroniEngine({ credentials })`. */
  readonly engine: IDatabaseEngine;

  /**
   * The database name: StatefulSet, Services and policies derive their names from it; pods are `<name>-<i>`.
   * @default - the construct id, lowercased
   */
  readonly name?: string;

  /**
   * The namespace.
   * @default - the chart's, else 'default'
   */
  readonly namespace?: string;

  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * Number of pods.
   * @default - the engine's default (3 for most engines)
   */
  readonly replicas?: number;

  /**
   * The image, pinned by tag or digest (`:latest` and untagged images are refused).
   * @default - the engine's default image; required for engines without an official image (Patroni)
   */
  readonly image?: string;

  /**
   * How the pods join the mesh.
   * @default MeshMode.sidecar() (with holdApplicationUntilProxyStarts)
   */
  readonly meshMode?: MeshMode;

  /**
   * Storage per pod.
   * @default - the engine's default size
   */
  readonly storage?: Size;

  /**
   * The storage class of the data volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;

  /**
   * Resources of the database container.
   * @default - the engine's defaults
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Ports whose mTLS mode differs from STRICT (e.g. a metrics port scraped from outside the mesh); each is paired
   * with a port-level DestinationRule `DISABLE`. A plaintext connection has no identity: the policy admits such a port
   * to any source, and the NetworkPolicy alone restricts it to the peers and the clients admitted on it.
   * @default - none
   */
  readonly portLevelMtls?: PortMtls[];

  /**
   * Write a NetworkPolicy admitting only peers and declared clients.
   * @default true
   */
  readonly networkPolicy?: boolean;

  /**
   * The mesh trust domain, for principals.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * Write the waypoint named in `meshMode: MeshMode.ambient({ waypoint })`, dedicated to this database (see
   * `MeshPolicyProps.createWaypoint`).
   * @default false
   */
  readonly createWaypoint?: boolean;

  /**
   * The PodDisruptionBudget.
   * @default DisruptionBudget.maxUnavailable(1)
   */
  readonly disruptionBudget?: DisruptionBudget;

  /**
   * Pod anti-affinity.
   * @default PodAntiAffinity.PREFERRED
   */
  readonly podAntiAffinity?: PodAntiAffinity;
}

/**
 * A database (or broker, or consensus store) in the mesh, correct by construction: a `HeadlessStatefulService`
 * configured by an engine preset (ports with Istio-safe names, per-pod addresses in the engine's own variables,
 * probes, storage, client Services, least-privilege RBAC, credentials from a referenced Secret), and a `MeshPolicy`
 * whose mTLS modes agree end to end (PeerAuthentication, DestinationRules, AuthorizationPolicy, NetworkPolicy,
 * Sidecar).
 *
 * Peers reach each other on every port; clients are admitted one by one with `allowFrom()`; everything else is
 * denied.
 */
export class MeshAwareDatabase extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The engine preset. */
  public readonly engine: IDatabaseEngine;
  /** The StatefulSet, its headless Service, client Services and PodDisruptionBudget. */
  public readonly workload: HeadlessStatefulService;
  /** The mesh policy. */
  public readonly policy: MeshPolicy;
  /** The pods' own service account: their mTLS identity and, when the engine needs it, their API access. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The engine's Role, when it needs the Kubernetes API. */
  public readonly role?: ApiObject;
  /** The database container. */
  public readonly container: kplus.Container;

  public constructor(scope: Construct, id: string, props: MeshAwareDatabaseProps) {
    super(scope, id);
    const engine = props.engine;
    this.engine = engine;
    this.name = resolveName(this, 'database name', props.name, id);
    this.namespace = resolveNamespace(this, this, props.namespace);
    const clusterDomain = resolveClusterDomain(this, props.clusterDomain);
    // the settings a HelmChart builds this database with, when it does (private/helm-overrides.ts); else the props
    const settings = workloadOverride(this);
    const replicas = settings?.replicas ?? props.replicas ?? engine.defaultReplicas;
    const replicasProblem = replicasError(replicas) ?? engine.replicasProblem(replicas);
    if (replicasProblem) {
      fail(this, `${engine.engineName}: ${replicasProblem}`);
    }
    const image = settings?.image ?? props.image ?? engine.defaultImage;
    if (image === undefined) {
      fail(this, `${engine.engineName} has no official image; pass image: '<registry>/<repository>:<version>' (pinned)`);
    }
    const imageProblem = unpinnedImageError(image);
    if (imageProblem) {
      fail(this, imageProblem);
    }
    // before any child: a second database with this name fails here, naming the database rather than its workload
    claimObjectName(this, 'StatefulSet', this.namespace, this.name, 'name');
    watchSynthesis(this);
    const chosenMeshMode = props.meshMode ?? MeshMode.sidecar();
    const headlessServiceName = `${this.name}-headless`;
    const podFqdns = Array.from({ length: replicas }, (_, i) => `${this.name}-${i}.${serviceFqdn(headlessServiceName, this.namespace, clusterDomain)}`);
    const setup = engine.bind(this, { name: this.name, namespace: this.namespace, clusterDomain, replicas, headlessServiceName, podFqdns });
    const resources = settings?.resources ?? props.resources ?? setup.resources;
    const meshMode = setup.needsProxyUntilExit ? chosenMeshMode._keepingProxyUntilExit() : chosenMeshMode;

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace: this.namespace },
      automountToken: false,
    });
    this.workload = new HeadlessStatefulService(this, 'Workload', {
      name: this.name,
      namespace: this.namespace,
      clusterDomain,
      headlessServiceName,
      replicas,
      meshMode,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: setup.needsKubernetesApi ?? false,
      securityContext: setup.podSecurityContext,
      podManagementPolicy: setup.podManagementPolicy,
      podMetadata: { labels: setup.podLabels },
      disruptionBudget: props.disruptionBudget,
      podAntiAffinity: props.podAntiAffinity,
      ...setup.terminationGracePeriod ? { terminationGracePeriod: setup.terminationGracePeriod } : {},
      containers: [
        { ...setup.container, name: setup.containerName, image, resources },
        ...setup.extraContainers ?? [],
      ],
    });
    const containers = this.workload.statefulSet.containers;
    this.container = containers[0];
    for (const port of engine.ports) {
      const container = containers.find(c => c.name === (port.containerName ?? setup.containerName));
      if (!container) {
        fail(this, `${engine.engineName}: port ${port.port} names container '${port.containerName}', which the engine does not define; `
          + `name one of ${containers.map(c => `'${c.name}'`).join(', ')} in the port's containerName`);
      }
      this.workload.addPort({ port: port.port, name: port.name, protocol: port.protocol, container });
    }

    const writablePaths = setup.writablePaths ?? [];
    const scratch = writablePaths.length > 0 ? kplus.Volume.fromEmptyDir(this, 'Scratch', 'scratch') : undefined;
    this.workload.addVolumeClaim(engine.storage.claimName, {
      mountPath: engine.storage.mountPath,
      storage: props.storage ?? engine.storage.defaultSize,
      storageClassName: props.storageClassName,
    });
    containers.forEach((container, i) => {
      // the root filesystem stays read-only; the engine writes only where it must
      for (const path of scratch ? writablePaths : []) {
        container.mount(path, scratch!, { subPath: path.replace(/^\//, '').replace(/\//g, '-') });
      }
      if (i > 0) {
        this.workload.mountVolumeClaim(engine.storage.claimName, container, engine.storage.mountPath);
      }
    });

    engine.configure(new EngineTarget(this, resources));

    const roleRules = setup.roleRules ?? [];
    if (roleRules.length > 0) {
      this.role = new kplus.k8s.KubeRole(this, 'Role', {
        metadata: { name: this.name, namespace: this.namespace },
        rules: roleRules,
      });
      new kplus.k8s.KubeRoleBinding(this, 'RoleBinding', {
        metadata: { name: this.name, namespace: this.namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
        subjects: [{ kind: 'ServiceAccount', name: this.serviceAccount.name, namespace: this.namespace }],
      });
    }

    const apiServer = `default/kubernetes.default.svc.${clusterDomain}`;
    this.policy = new MeshPolicy(this, 'Policy', {
      workload: this.workload,
      clientPorts: clientPortsOf(engine).length > 0 ? clientPortsOf(engine) : undefined,
      portLevelMtls: props.portLevelMtls,
      networkPolicy: props.networkPolicy,
      trustDomain: props.trustDomain,
      createWaypoint: props.createWaypoint,
      egressHosts: meshMode.kind === MeshModeKind.SIDECAR && setup.needsKubernetesApi ? ['./*', 'istio-system/*', apiServer] : undefined,
    });
  }

  /** The headless Service (pods resolve each other through it). */
  public get headlessService(): MeshService {
    return this.workload.headlessService;
  }

  /** The client Services the engine created (e.g. Patroni's leader and replicas Services). */
  public get clientServices(): MeshService[] {
    return this.workload.clientServices;
  }

  /**
   * The Service clients connect to: the engine's primary Service when it has one (Patroni: the leader Service, which
   * always reaches the member that accepts writes), otherwise its first client Service (any member serves clients).
   *
   * Fails when the engine created no client Service (clients then connect to the pods by name, `workload.podFqdn()`).
   */
  public get clientService(): MeshService {
    const service = this.primaryService ?? this.workload.clientServices[0];
    if (!service) {
      fail(this, `${this.engine.engineName} created no client Service, so there is no clientService; connect to the pods by name `
        + '(workload.podFqdn(0)), or have the engine\'s configure() call target.workload.addClientService()');
    }
    return service;
  }

  /**
   * The Service that reaches only the member accepting writes (the client Service with role `ClientServiceRole.PRIMARY`:
   * Patroni's leader Service), or undefined for engines without a single primary.
   */
  public get primaryService(): MeshService | undefined {
    return this.workload.findClientService(ClientServiceRole.PRIMARY);
  }

  /**
   * The Service that reaches only the read replicas (the client Service with role `ClientServiceRole.REPLICAS`:
   * Patroni's replicas Service), or undefined for engines without one.
   */
  public get replicaService(): MeshService | undefined {
    return this.workload.findClientService(ClientServiceRole.REPLICAS);
  }

  /** The ports clients use (the engine's CLIENT ports). */
  public get clientPorts(): number[] {
    return clientPortsOf(this.engine);
  }

  /**
   * Admits a client (a service account, workload or namespace, in any namespace): an AuthorizationPolicy rule by
   * mTLS identity and a NetworkPolicy ingress rule (plus HBONE, 15008, in the mesh).
   *
   * @param client who may connect
   * @param ports container ports, e.g. a metrics port for a scraper
   * @default ports - the engine's client ports
   */
  public allowFrom(client: MeshClient, ports?: number[]): void {
    checkNotSynthesised(this, `client ${client}`, 'allowFrom()');
    this.policy.allowFrom(client, ports);
  }

  /**
   * Admits a metrics scraper (e.g. Prometheus in `monitoring`). In sidecar mode it scrapes the sidecar agent's merged
   * metrics on 15020: the pods are annotated `prometheus.io/scrape`, `prometheus.io/port` (the engine's metrics port)
   * and `prometheus.io/path`, which the injector moves to the agent so that it merges the engine's metrics with the
   * proxy's (istio.io docs ops/integrations/prometheus, "Option 1: Metrics merging"), and the NetworkPolicy admits the
   * scraper on 15020. In ambient mode, or outside the mesh, it scrapes the engine's metrics port itself.
   *
   * @param scraper who scrapes
   * @param path the engine's metrics path
   * @default path '/metrics'
   */
  public allowScraper(scraper: MeshClient, path: string = '/metrics'): void {
    checkNotSynthesised(this, `scraper ${scraper}`, 'allowScraper()');
    const metrics = this.engine.ports.find(p => p.role === PortRole.METRICS);
    if (!metrics) {
      fail(this, `${this.engine.engineName} declares no metrics port (PortRole.METRICS), so there is nothing to scrape; `
        + 'add an exporter container with a metrics port to the engine, or admit the scraper on a port with allowFrom()');
    }
    if (!path.startsWith('/')) {
      fail(this, `metrics path '${path}' is not absolute; use e.g. '/metrics'`);
    }
    if (this.workload.meshMode?.kind === MeshModeKind.SIDECAR) {
      const template = this.workload.statefulSet.podMetadata;
      template.addAnnotation('prometheus.io/scrape', 'true');
      template.addAnnotation('prometheus.io/port', String(metrics.port));
      template.addAnnotation('prometheus.io/path', path);
      this.policy.allowScraper(scraper);
    } else {
      this.policy.allowScraper(scraper, metrics.port);
    }
  }
}

/** What the database hands its engine's `configure()`: the workload, the main container, and env helpers. */
class EngineTarget implements IEngineTarget {
  public readonly scope: Construct;
  public readonly workload: HeadlessStatefulService;
  public readonly container: kplus.Container;

  constructor(private readonly database: MeshAwareDatabase, public readonly resources: kplus.ContainerResources) {
    this.scope = database;
    this.workload = database.workload;
    this.container = database.container;
  }

  public env(variable: string, value: string): void {
    this.container.env.addVariable(variable, kplus.EnvValue.fromValue(value));
  }

  public fieldEnv(variable: string, field: kplus.EnvFieldPaths): void {
    this.container.env.addVariable(variable, kplus.EnvValue.fromFieldRef(field));
  }

  public secretEnv(variable: string, secret: kplus.ISecret, key: string): void {
    const checked = requireSecret(this.database, this.database.engine, secret, key, variable, this.database.name);
    this.container.env.addVariable(variable, kplus.EnvValue.fromSecretValue({ secret: checked, key }));
  }
}
