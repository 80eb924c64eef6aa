import { ApiObject, ApiObjectMetadata, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DisruptionBudget } from './disruption-budget';
import {
  HeadlessStatefulServiceAttributes, HeadlessStatefulServiceBase, IHeadlessStatefulService, ImportedHeadlessStatefulService, PeerListOptions,
} from './headless-stateful-service-base';
import { MeshMode, MeshModeKind } from './mesh-mode';
import { MeshPort, MeshPortOptions } from './mesh-port';
import { IMeshService, MeshService } from './mesh-service';
import { IMeshWorkload } from './mesh-workload';
import { PodAntiAffinity } from './pod-anti-affinity';
import { envOrderProblems } from './private/env';
import { claimOptions, containerProps, workloadOverride } from './private/helm-overrides';
import { checkStatefulSetName, NAME_LABEL, resolveClusterDomain, resolveName, resolveNamespace } from './private/identity';
import { ISTIO_PROXY_UID } from './private/istio-constants';
import { ClaimingStatefulSet, VolumeClaim } from './private/kplus-internals';
import { recordMeshConstruct } from './private/mesh-facts';
import { claimObjectName } from './private/object-names';
import { POD_NAME_VAR, PodIdentity } from './private/pod-identity';
import { resolveMeshPort } from './private/ports';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail, replicasError, rfc1123LabelProblem, unpinnedImageError } from './private/validation';


/**
 * Options of the methods that add an environment variable to a container of the StatefulSet.
 */
export interface PodEnvOptions {
  /**
   * The container to add the variable to.
   * @default - the first container
   */
  readonly container?: kplus.Container;
}

/**
 * Options of `addPeerListEnv()`.
 */
export interface PeerListEnvOptions extends PodEnvOptions, PeerListOptions {}

/**
 * A port to declare on the StatefulSet's pods and on its headless Service.
 */
export interface StatefulPortOptions extends MeshPortOptions {
  /**
   * The container that listens on the port; it gets a container port with the port's name.
   * @default - the first container
   */
  readonly container?: kplus.Container;
}

/**
 * A persistent volume per pod (a `volumeClaimTemplates` entry), mounted into a container.
 */
export interface VolumeClaimOptions {
  /** Where the container mounts the volume (an absolute path). */
  readonly mountPath: string;

  /** The storage each pod requests. */
  readonly storage: Size;

  /**
   * Access modes.
   * @default [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]
   */
  readonly accessModes?: kplus.PersistentVolumeAccessMode[];

  /**
   * The storage class.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;

  /**
   * The container that mounts the volume.
   * @default - the first container
   */
  readonly container?: kplus.Container;
}

/**
 * Which pods a client Service reaches, so that a database can name its Services (`MeshAwareDatabase.primaryService`,
 * `replicaService`) and a client can pick the one it needs.
 */
export enum ClientServiceRole {
  /** Every ready pod the Service selects: any member serves clients (Cassandra, Kafka bootstrap, etcd, ...). */
  MEMBERS = 'members',
  /** Only the member that accepts writes (Patroni's leader Service, whose endpoints Patroni writes). */
  PRIMARY = 'primary',
  /** Only the read replicas (Patroni's Service selecting `role: replica`). */
  REPLICAS = 'replicas',
}

/**
 * Options of a client Service.
 */
export interface ClientServiceOptions {
  /**
   * Which pods the Service reaches. `MeshAwareDatabase.primaryService` and `replicaService` return the client Services
   * with roles `PRIMARY` and `REPLICAS`.
   * @default - from the construct id: `ClientServiceRole.PRIMARY` for 'Primary' or 'Leader',
   * `ClientServiceRole.REPLICAS` for 'Replicas', otherwise `ClientServiceRole.MEMBERS`
   */
  readonly role?: ClientServiceRole;

  /**
   * The Service name.
   * @default - the StatefulSet name, for the first client Service; later ones need a name
   */
  readonly name?: string;

  /**
   * The declared ports (by number) the Service exposes.
   * @default - every declared port, including ports declared later
   */
  readonly ports?: number[];

  /**
   * Whether the Service selects the StatefulSet's pods. Without a selector, someone else writes its
   * endpoints (Patroni writes its leader Service's endpoints).
   * @default true
   */
  readonly selectPods?: boolean;

  /**
   * Labels the pods must carry in addition to the StatefulSet's own, e.g. `{ role: 'replica' }`.
   * @default - none
   */
  readonly selectorLabels?: Record<string, string>;

  /**
   * Extra labels and annotations.
   * @default - only the `app.kubernetes.io/name` label
   */
  readonly metadata?: ApiObjectMetadata;
}


/**
 * Properties of a `HeadlessStatefulService`: those of a cdk8s-plus workload (containers, volumes,
 * security context, service account, ...) plus the StatefulSet's and the mesh's.
 */
export interface HeadlessStatefulServiceProps extends kplus.WorkloadProps {
  /**
   * The StatefulSet name: pods are `<name>-<ordinal>`. An RFC 1035 label of at most 52 characters.
   * @default - the construct id, lowercased
   */
  readonly name?: string;

  /**
   * The namespace of every object, also used in the pods' DNS names.
   * @default - the chart's namespace, else 'default'
   */
  readonly namespace?: string;

  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * The headless Service name (the StatefulSet's `serviceName`). It is part of every pod's DNS name.
   * @default - `<name>-headless`
   */
  readonly headlessServiceName?: string;

  /**
   * Ports to declare on the first container and on the headless Service. More with `addPort()`.
   * @default - none; add them with `addPort()` (at least one is required)
   */
  readonly ports?: MeshPortOptions[];

  /**
   * Number of pods.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Publish DNS records for pods that are not ready yet, so peers resolve each other while they bootstrap
   * (etcd, ZooKeeper, Cassandra, RabbitMQ, Kafka controllers all need it). Set it to false only when no
   * peer looks another up before it is ready.
   *
   * @default true
   */
  readonly publishNotReadyAddresses?: boolean;

  /**
   * Pod management policy.
   * @default kplus.PodManagementPolicy.ORDERED_READY
   */
  readonly podManagementPolicy?: kplus.PodManagementPolicy;

  /**
   * Update strategy.
   * @default - RollingUpdate with partition 0
   */
  readonly strategy?: kplus.StatefulSetUpdateStrategy;

  /**
   * Minimum time a new pod must be ready before it counts as available.
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration;

  /**
   * The PodDisruptionBudget.
   * @default DisruptionBudget.maxUnavailable(1)
   */
  readonly disruptionBudget?: DisruptionBudget;

  /**
   * Anti-affinity between the pods, on `kubernetes.io/hostname`.
   * @default PodAntiAffinity.PREFERRED
   */
  readonly podAntiAffinity?: PodAntiAffinity;

  /**
   * How the pods join the mesh, written on the pod template: `MeshMode.sidecar()`, `MeshMode.ambient()` or
   * `MeshMode.outside()`. Mesh policy (`MeshPolicy`, `MeshAwareDatabase`) derives mTLS modes from it.
   *
   * @default - not set: the namespace decides, and no mesh policy can be derived
   */
  readonly meshMode?: MeshMode;
}

/**
 * A StatefulSet behind a headless Service, with every port declared and named, stable per-pod DNS names and
 * helpers that put them into the pods' environment.
 *
 * Creates:
 * - `HeadlessService`: a headless `MeshService` (`clusterIP: None`, `publishNotReadyAddresses: true`), named
 *   `<name>-headless`, selecting exactly the pods; it is the StatefulSet's `serviceName`;
 * - `Resource`: a cdk8s-plus `StatefulSet` (use `statefulSet` for its container, volume and probe API);
 * - `DisruptionBudget`: a PodDisruptionBudget, `maxUnavailable: 1` by default;
 * - client Services from `addClientService()`.
 *
 * Pods get DNS names `<name>-<ordinal>.<name>-headless.<namespace>.svc.<clusterDomain>`.
 */
export class HeadlessStatefulService extends HeadlessStatefulServiceBase implements IHeadlessStatefulService, IMeshWorkload {
  /**
   * A StatefulSet created elsewhere, to compute its pods' addresses (e.g. a client's connection string).
   */
  public static fromAttributes(scope: Construct, id: string, attrs: HeadlessStatefulServiceAttributes): IHeadlessStatefulService {
    return new ImportedHeadlessStatefulService(scope, id, attrs);
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly clusterDomain: string;
  public readonly headlessServiceName: string;
  public readonly headlessServiceFqdn: string;
  public readonly replicas: number;
  public readonly meshMode?: MeshMode;

  /** The cdk8s-plus StatefulSet: add containers, volumes, probes, scheduling through it. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless Service. */
  public readonly headlessService: MeshService;
  /** Selects exactly the StatefulSet's pods (by `app.kubernetes.io/name`), e.g. for NetworkPolicies. */
  public readonly pods: kplus.Pods;
  /** The PodDisruptionBudget, unless disabled. */
  public readonly podDisruptionBudget?: ApiObject;

  /** @internal */
  protected readonly _identity: PodIdentity;
  private readonly claims: VolumeClaim[] = [];
  private readonly _clientServices: Array<{ readonly service: MeshService; readonly everyPort: boolean; readonly role: ClientServiceRole }> = [];

  public constructor(scope: Construct, id: string, props: HeadlessStatefulServiceProps = {}) {
    super(scope, id);
    this.name = resolveName(this, 'StatefulSet name', props.name ?? props.metadata?.name, id);
    checkStatefulSetName(this, this.name);
    this.namespace = resolveNamespace(this, this, props.namespace ?? props.metadata?.namespace);
    this.clusterDomain = resolveClusterDomain(this, props.clusterDomain);
    recordMeshConstruct(this, this.clusterDomain);
    watchSynthesis(this);
    this.headlessServiceName = resolveName(this, 'headless Service name', props.headlessServiceName ?? `${this.name}-headless`, id);
    // the settings a HelmChart builds this StatefulSet with, when it does (private/helm-overrides.ts); else the props
    this.replicas = workloadOverride(this)?.replicas ?? props.replicas ?? 1;
    const containers = containerProps(this, props.containers);
    const replicasProblem = replicasError(this.replicas);
    if (replicasProblem) {
      fail(this, replicasProblem);
    }
    if (`${this.name}-${this.replicas - 1}`.length > 63) {
      fail(this, `pod name '${this.name}-${this.replicas - 1}' is longer than 63 characters, the limit of a DNS label; shorten the name`);
    }
    for (const container of containers ?? []) {
      const imageProblem = unpinnedImageError(container.image, `container '${container.name ?? 'main'}'`);
      if (imageProblem) {
        fail(this, imageProblem);
      }
    }
    claimObjectName(this, 'StatefulSet', this.namespace, this.name, 'name');
    claimObjectName(this, 'Service', this.namespace, this.headlessServiceName, 'headlessServiceName');
    this._identity = new PodIdentity(this, this.name, this.headlessServiceName, this.namespace, this.clusterDomain, () => this.replicas);
    this.headlessServiceFqdn = this._identity.headlessServiceFqdn;

    const labels = { [NAME_LABEL]: this.name };
    this.headlessService = new MeshService(this, 'HeadlessService', {
      name: this.headlessServiceName,
      namespace: this.namespace,
      clusterDomain: this.clusterDomain,
      headless: true,
      publishNotReadyAddresses: props.publishNotReadyAddresses ?? true,
      metadata: { labels },
    });

    this.statefulSet = new ClaimingStatefulSet(this, 'Resource', {
      ...props,
      containers,
      metadata: { ...props.metadata, name: this.name, namespace: this.namespace, labels: { ...labels, ...props.metadata?.labels } },
      podMetadata: { ...props.podMetadata, labels: { ...props.podMetadata?.labels, ...labels } },
      service: this.headlessService,
      select: props.select ?? false,
      replicas: this.replicas,
    }, this.claims);
    // every selector (StatefulSet, Services, PDB, anti-affinity, mesh policies) reads `app.kubernetes.io/name: <name>`
    this.pods = kplus.Pods.select(this, 'Pods', { labels });
    this.statefulSet.select(kplus.LabelSelector.of({ labels }));
    this.headlessService._replaceSelector(this.pods);

    this.meshMode = props.meshMode;
    if (this.meshMode) {
      // on the pod template: Istio reads injection and dataplane mode from the pods, not from the StatefulSet
      for (const [key, value] of Object.entries(this.meshMode.podLabels())) {
        this.statefulSet.podMetadata.addLabel(key, value);
      }
      for (const [key, value] of Object.entries(this.meshMode.podAnnotations())) {
        this.statefulSet.podMetadata.addAnnotation(key, value);
      }
    }

    const antiAffinity = props.podAntiAffinity ?? PodAntiAffinity.PREFERRED;
    if (antiAffinity !== PodAntiAffinity.NONE) {
      this.statefulSet.scheduling.separate(this.pods, {
        topology: kplus.Topology.HOSTNAME,
        weight: antiAffinity === PodAntiAffinity.PREFERRED ? 1 : undefined,
      });
    }

    this.podDisruptionBudget = this.createDisruptionBudget(props.disruptionBudget ?? DisruptionBudget.maxUnavailable(1), labels);

    for (const problem of this.proxyUidProblems()) {
      fail(this, problem);
    }
    for (const port of props.ports ?? []) {
      this.addPort(port);
    }
    this.node.addValidation({ validate: () => this.validatePods() });
  }

  /** The declared ports (a copy). */
  public get ports(): MeshPort[] {
    return this.headlessService.meshPorts;
  }

  /** The client Services (a copy of the list). */
  public get clientServices(): MeshService[] {
    return this._clientServices.map(c => c.service);
  }

  /**
   * The first client Service with this role, or undefined when there is none.
   */
  public findClientService(role: ClientServiceRole): MeshService | undefined {
    return this._clientServices.find(c => c.role === role)?.service;
  }

  /** The headless Service, then the client Services. */
  public get services(): IMeshService[] {
    return [this.headlessService, ...this.clientServices];
  }

  /** Labels that select exactly this StatefulSet's pods: `app.kubernetes.io/name: <name>`. */
  public get selectorLabels(): Record<string, string> {
    return { [NAME_LABEL]: this.name };
  }

  /** The pods' service account, when one is set (their mTLS identity). */
  public get serviceAccountName(): string | undefined {
    return this.statefulSet.serviceAccount?.name;
  }

  /**
   * This pod's own FQDN written with `$(POD_NAME)`, for env values:
   * `$(POD_NAME).<headless>.<namespace>.svc.<clusterDomain>`. The container needs `POD_NAME` defined
   * before the variable that uses it: `addPodNameEnv()` (the `addPod*Env` methods call it).
   */
  public get selfFqdn(): string {
    return this._identity.selfFqdn;
  }

  /**
   * Declares a port on a container (a named container port) and on the headless Service (named, with
   * `appProtocol`, targeting the container port by name), and on client Services that expose every port.
   */
  public addPort(options: StatefulPortOptions): MeshPort {
    checkNotSynthesised(this, `port ${options.port}`, 'addPort()');
    const container = this.containerFor(options.container, `port ${options.port}`, false);
    const port = resolveMeshPort(this, options, this.headlessService.meshPorts);
    const existing = container.ports.find(p => p.number === port.port);
    if (existing && existing.name !== port.name) {
      fail(this, `container '${container.name}' already declares port ${port.port} ${existing.name ? `as '${existing.name}'` : 'without a name'}; `
        + 'remove it from the container (ports/portNumber) and declare it only with addPort(), which adds the named container port');
    }
    if (!existing) {
      container.addPort({ number: port.port, name: port.name, protocol: port.protocol.transport as kplus.Protocol });
    }
    this.headlessService.addPort(port);
    for (const client of this._clientServices.filter(c => c.everyPort)) {
      client.service.addPort(port);
    }
    return port;
  }

  /**
   * Gives every pod its own persistent volume (a `volumeClaimTemplates` entry named `name`; the pod's claim is
   * `<name>-<pod>`) and mounts it into a container.
   *
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#volume-claim-templates
   */
  public addVolumeClaim(name: string, claim: VolumeClaimOptions): void {
    checkNotSynthesised(this, `volume claim '${name}'`, 'addVolumeClaim()');
    const options = claimOptions(this, name, claim);
    const container = this.containerFor(options.container, `volume claim '${name}'`);
    const problem = rfc1123LabelProblem(name);
    if (problem) {
      fail(this, `volume claim name '${name}' is not valid: it ${problem}; use a name such as 'data'`);
    }
    if (this.claims.some(c => c.name === name)) {
      fail(this, `volume claim '${name}' is already declared; declare each claim once`);
    }
    if (!options.mountPath.startsWith('/')) {
      fail(this, `volume claim '${name}' mount path '${options.mountPath}' is not absolute; use e.g. '/${options.mountPath}'`);
    }
    if (options.storage.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) <= 0) {
      fail(this, `volume claim '${name}' requests ${options.storage.asString()}; request more than zero, e.g. Size.gibibytes(8)`);
    }
    this.claims.push({ name, options, mounts: [{ container, mountPath: options.mountPath }] });
  }

  /**
   * Mounts a volume claim declared with `addVolumeClaim()` into another container (or init container),
   * e.g. an init container that prepares the data directory, or a backup sidecar.
   */
  public mountVolumeClaim(name: string, container: kplus.Container, mountPath: string): void {
    checkNotSynthesised(this, `a mount of volume claim '${name}'`, 'mountVolumeClaim()');
    const claim = this.claims.find(c => c.name === name);
    if (!claim) {
      fail(this, `volume claim '${name}' is not declared (declared: ${this.claims.map(c => c.name).join(', ') || 'none'}); declare it with addVolumeClaim() first`);
    }
    this.containerFor(container, `volume claim '${name}'`);
    if (!mountPath.startsWith('/')) {
      fail(this, `volume claim '${name}' mount path '${mountPath}' is not absolute; use e.g. '/${mountPath}'`);
    }
    if (claim.mounts.some(m => m.container === container)) {
      fail(this, `volume claim '${name}' is already mounted into container '${container.name}'; mount it once per container`);
    }
    claim.mounts.push({ container, mountPath });
  }

  /**
   * Adds `POD_NAME` from the downward API (`metadata.name`) to the container, unless it is already there.
   * Kubernetes expands `$(POD_NAME)` only in variables defined after it, so call this before adding
   * variables that use it (the `addPod*Env` methods do).
   */
  public addPodNameEnv(options: PodEnvOptions = {}): void {
    checkNotSynthesised(this, `env ${POD_NAME_VAR}`, 'addPodNameEnv()');
    const container = this.containerFor(options.container, `env ${POD_NAME_VAR}`);
    const existing = container.env.variables[POD_NAME_VAR];
    if (existing === undefined) {
      container.env.addVariable(POD_NAME_VAR, kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME));
    } else if (existing.valueFrom?.fieldRef?.fieldPath !== 'metadata.name') {
      fail(this, `container '${container.name}' defines ${POD_NAME_VAR} as something other than the pod name (metadata.name); `
        + `per-pod addresses need ${POD_NAME_VAR} from the downward API: remove the container's own ${POD_NAME_VAR}`);
    }
  }

  /**
   * Adds `variable = $(POD_NAME).<headless>.<namespace>.svc.<clusterDomain>` (the pod's stable host name).
   * @returns the value
   */
  public addPodHostEnv(variable: string, options: PodEnvOptions = {}): string {
    checkNotSynthesised(this, `env ${variable}`, 'addPodHostEnv()');
    return this.addPodEnv(variable, this._identity.selfFqdn, options);
  }

  /**
   * Adds `variable = $(POD_NAME).<headless>.<namespace>.svc.<clusterDomain>:<port>`, Patroni style
   * (`PATRONI_POSTGRESQL_CONNECT_ADDRESS`). The port must be declared.
   * @returns the value
   */
  public addPodAddressEnv(variable: string, port: number, options: PodEnvOptions = {}): string {
    checkNotSynthesised(this, `env ${variable}`, 'addPodAddressEnv()');
    this.declaredPort(port, variable);
    return this.addPodEnv(variable, `${this._identity.selfFqdn}:${port}`, options);
  }

  /**
   * Adds `variable = <scheme>://$(POD_NAME).<headless>.<namespace>.svc.<clusterDomain>:<port>`
   * (e.g. `ETCD_ADVERTISE_CLIENT_URLS`). The port must be declared.
   * @returns the value
   */
  public addPodUrlEnv(variable: string, scheme: string, port: number, options: PodEnvOptions = {}): string {
    checkNotSynthesised(this, `env ${variable}`, 'addPodUrlEnv()');
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
      fail(this, `URL scheme '${scheme}' for ${variable} is not a scheme (lowercase letters, digits, '+', '.', '-'); e.g. 'http'`);
    }
    this.declaredPort(port, variable);
    return this.addPodEnv(variable, `${scheme}://${this._identity.selfFqdn}:${port}`, options);
  }

  /**
   * Adds `variable` = one entry per pod from `template` (see `peerList()`), e.g.
   * `addPeerListEnv('ZOO_SERVERS', '{host}:2888:3888::{id}', { separator: ' ' })`.
   * @returns the value
   */
  public addPeerListEnv(variable: string, template: string, options: PeerListEnvOptions = {}): string {
    checkNotSynthesised(this, `env ${variable}`, 'addPeerListEnv()');
    const value = this.peerList(template, options);
    this.addEnv(variable, value, options);
    return value;
  }

  /**
   * Adds a ClusterIP Service in front of the pods, for clients that need load balancing: Istio sends traffic
   * to a headless Service straight to the pod IP (ORIGINAL_DST), so DestinationRule load balancing never
   * applies to it.
   *
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#headless-services
   */
  public addClientService(id: string, options: ClientServiceOptions = {}): MeshService {
    checkNotSynthesised(this, `client Service '${id}'`, 'addClientService()');
    const name = options.name ?? (this._clientServices.length === 0 ? this.name : undefined);
    if (name === undefined) {
      fail(this, `client Service '${id}' needs a name: '${this.name}' is taken by the first client Service; pass name: '${this.name}-${id.toLowerCase()}'`);
    }
    const taken = [this.headlessServiceName, ...this.clientServices.map(s => s.name)];
    if (taken.includes(name)) {
      fail(this, `client Service name '${name}' is already used by another Service of '${this.name}'; choose another name`);
    }
    claimObjectName(this, 'Service', this.namespace, name, 'client Service name');
    const selectPods = options.selectPods ?? true;
    if (!selectPods && options.selectorLabels) {
      fail(this, `client Service '${name}' has selectorLabels but selectPods: false; drop one of them`);
    }
    const ports = (options.ports ?? this.ports.map(p => p.port)).map(port => this.declaredPort(port, `client Service '${name}'`));
    const service = new MeshService(this, id, {
      name,
      namespace: this.namespace,
      clusterDomain: this.clusterDomain,
      ports,
      metadata: { ...options.metadata, labels: { [NAME_LABEL]: this.name, ...options.metadata?.labels } },
    });
    if (selectPods) {
      service.select(this.pods);
      for (const [key, value] of Object.entries(options.selectorLabels ?? {})) {
        service.selectLabel(key, value);
      }
    }
    this._clientServices.push({ service, everyPort: options.ports === undefined, role: options.role ?? defaultRole(id) });
    return service;
  }

  /** @internal */
  protected _checkConnectPort(port: number): void {
    this.declaredPort(port, 'connect address');
  }

  private addPodEnv(variable: string, value: string, options: PodEnvOptions): string {
    const container = this.containerFor(options.container, `env ${variable}`);
    this.addPodNameEnv({ container });
    this.addEnv(variable, value, { container });
    return value;
  }

  private addEnv(variable: string, value: string, options: PodEnvOptions): void {
    const container = this.containerFor(options.container, `env ${variable}`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      fail(this, `env variable name '${variable}' is not a C identifier (letters, digits, '_', not starting with a digit); rename it`);
    }
    if (container.env.variables[variable] !== undefined) {
      fail(this, `container '${container.name}' already defines ${variable}; define it once`);
    }
    container.env.addVariable(variable, kplus.EnvValue.fromValue(value));
  }

  private declaredPort(port: number, purpose: string): MeshPort {
    const found = this.headlessService.findPort(port);
    if (!found) {
      const declared = this.ports.map(p => p.port).join(', ') || 'none';
      fail(this, `${purpose}: port ${port} is not declared on '${this.headlessServiceName}' (declared: ${declared}); declare it with addPort({ port: ${port} })`);
    }
    return found;
  }

  private containerFor(container: kplus.Container | undefined, purpose: string, allowInit = true): kplus.Container {
    const chosen = container ?? this.statefulSet.containers[0];
    if (!chosen) {
      fail(this, `${purpose}: the StatefulSet has no container yet; pass containers in the props or call statefulSet.addContainer() first`);
    }
    const candidates = allowInit ? [...this.statefulSet.containers, ...this.statefulSet.initContainers] : this.statefulSet.containers;
    if (!candidates.includes(chosen)) {
      const which = allowInit ? 'statefulSet.containers or statefulSet.initContainers' : 'statefulSet.containers (ports belong to long-running containers)';
      fail(this, `${purpose}: container '${chosen.name}' is not a container of this StatefulSet; pass one of ${which}`);
    }
    return chosen;
  }

  private createDisruptionBudget(budget: DisruptionBudget, labels: Record<string, string>): ApiObject | undefined {
    const { maxUnavailablePods: maxUnavailable, minAvailablePods: minAvailable } = budget;
    if (maxUnavailable === undefined && minAvailable === undefined) {
      return undefined;
    }
    if (maxUnavailable !== undefined && (!Number.isInteger(maxUnavailable) || maxUnavailable < 1)) {
      fail(this, `disruption budget maxUnavailable ${maxUnavailable} must be a whole number of at least 1 (0 blocks every node drain); use DisruptionBudget.none() to have no budget`);
    }
    if (minAvailable !== undefined && (!Number.isInteger(minAvailable) || minAvailable < 0 || minAvailable >= this.replicas)) {
      fail(this, `disruption budget minAvailable ${minAvailable} must be a whole number below the ${this.replicas} replica(s), or no pod could ever be evicted `
        + 'and node drains would hang; use DisruptionBudget.maxUnavailable(1)');
    }
    return new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        maxUnavailable: maxUnavailable !== undefined ? kplus.k8s.IntOrString.fromNumber(maxUnavailable) : undefined,
        minAvailable: minAvailable !== undefined ? kplus.k8s.IntOrString.fromNumber(minAvailable) : undefined,
        selector: { matchLabels: labels },
      },
    });
  }

  /** Istio's proxy runs as UID 1337: an application running as it bypasses the sidecar's capture (IST0144). */
  private proxyUidProblems(): string[] {
    const offenders: string[] = [];
    if (this.statefulSet.securityContext.user === ISTIO_PROXY_UID) {
      offenders.push('the pod security context');
    }
    for (const container of [...this.statefulSet.initContainers, ...this.statefulSet.containers]) {
      if (container.securityContext.user === ISTIO_PROXY_UID) {
        offenders.push(`container '${container.name}'`);
      }
    }
    return offenders.length === 0 ? [] : [`${offenders.join(' and ')} set runAsUser ${ISTIO_PROXY_UID}, the UID of the Istio proxy: `
      + 'its traffic would bypass the sidecar (IST0144); run as another UID'];
  }

  private validatePods(): string[] {
    const errors: string[] = [];
    if (this.ports.length === 0) {
      errors.push(`'${this.name}' declares no ports: a headless Service needs every port declared, or Istio sends pod-IP traffic as passthrough without mTLS; `
        + 'declare them with addPort({ port, protocol })');
    }
    errors.push(...this.proxyUidProblems());
    for (const container of this.statefulSet.containers) {
      for (const port of container.ports) {
        const declared = this.headlessService.findPort(port.number);
        if (!declared) {
          errors.push(`container '${container.name}' listens on port ${port.number}, which is not declared on the headless Service '${this.headlessServiceName}': `
            + `Istio would not match pod-IP traffic to it; declare it with addPort({ port: ${port.number}, protocol, container })`);
        } else if (declared.name !== port.name) {
          errors.push(`container '${container.name}' names port ${port.number} '${port.name ?? ''}' but the headless Service targets '${declared.name}'; `
            + 'remove the container\'s own port and declare it only with addPort()');
        }
      }
    }
    for (const container of [...this.statefulSet.initContainers, ...this.statefulSet.containers]) {
      errors.push(...envOrderProblems(container));
      const imageProblem = unpinnedImageError(container.image, `container '${container.name}'`);
      if (imageProblem) {
        errors.push(imageProblem);
      }
    }
    if (this.meshMode?.kind === MeshModeKind.SIDECAR) {
      for (const port of this.meshMode.excludedInboundPorts.filter(p => !this.headlessService.findPort(p))) {
        errors.push(`mesh mode excludes inbound port ${port} from the sidecar, but '${this.name}' declares no such port; exclude only declared ports`);
      }
    }
    return errors;
  }
}

/** The role a client Service's id implies, when no role is given. */
function defaultRole(id: string): ClientServiceRole {
  switch (id) {
    case 'Primary':
    case 'Leader':
      return ClientServiceRole.PRIMARY;
    case 'Replicas':
      return ClientServiceRole.REPLICAS;
    default:
      return ClientServiceRole.MEMBERS;
  }
}
