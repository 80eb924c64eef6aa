import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from './app-protocol';
import { HeadlessStatefulService } from './headless-stateful-service';
import { fail, replicasError } from './private/validation';

/**
 * What a port of a database engine is for. Decides who the policy admits on it.
 */
export enum PortRole {
  /** Clients connect here (`allowFrom()` opens these by default); peers may too. */
  CLIENT = 'client',
  /** Only members of the database talk here (replication, gossip, consensus, cluster bus). */
  PEER = 'peer',
  /** Administration and health endpoints, for members (and clients you admit explicitly). */
  ADMIN = 'admin',
  /** Metrics, for scrapers you admit explicitly. */
  METRICS = 'metrics',
}

/**
 * A port of a database engine.
 */
export interface EnginePort {
  /** The port number. */
  readonly port: number;
  /** The purpose, which gets the protocol prefix (`postgresql` -> `tcp-postgresql`). */
  readonly name: string;
  /** The protocol (TCP for every database wire protocol). */
  readonly protocol: AppProtocol;
  /** Who uses it. */
  readonly role: PortRole;
  /**
   * The container that listens on it.
   * @default - the engine's main container
   */
  readonly containerName?: string;
}

/**
 * Where the engine stores its data.
 */
export interface EngineStorage {
  /** Name of the volume claim template. */
  readonly claimName: string;
  /** Mount path of the data volume. */
  readonly mountPath: string;
  /** Default size per pod. */
  readonly defaultSize: Size;
}

/**
 * What a `MeshAwareDatabase` knows when it binds its engine, before it builds anything.
 */
export interface EngineContext {
  /** The database name: the StatefulSet's, and the prefix of every object's. */
  readonly name: string;
  /** The namespace. */
  readonly namespace: string;
  /** The cluster DNS domain. */
  readonly clusterDomain: string;
  /** The number of pods. */
  readonly replicas: number;
  /** The headless Service (`<name>-headless`): the StatefulSet's `serviceName`. */
  readonly headlessServiceName: string;
  /** Every pod's stable DNS name, by ordinal: `<name>-<i>.<headless>.<namespace>.svc.<clusterDomain>`. */
  readonly podFqdns: string[];
}

/**
 * The main container of an engine, apart from what the database decides (name, image, ports, resources, env).
 */
export interface EngineContainer {
  /**
   * The entrypoint.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Arguments of the entrypoint.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * The working directory.
   * @default - the image's
   */
  readonly workingDir?: string;
  /**
   * The container security context (cdk8s-plus adds non-root, a read-only root filesystem and no privilege escalation).
   * @default - cdk8s-plus' defaults
   */
  readonly securityContext?: kplus.ContainerSecurityContextProps;
  /**
   * Readiness probe: whether the pod takes client traffic (client Services only route to ready pods).
   * @default - none
   */
  readonly readiness?: kplus.Probe;
  /**
   * Liveness probe.
   * @default - none
   */
  readonly liveness?: kplus.Probe;
  /**
   * Startup probe.
   * @default - none
   */
  readonly startup?: kplus.Probe;
  /**
   * Lifecycle hooks (e.g. a `preStop` that drains the node).
   * @default - none
   */
  readonly lifecycle?: kplus.ContainerLifecycle;
}

/**
 * What an engine asks the `MeshAwareDatabase` to build, returned by `IDatabaseEngine.bind()`.
 */
export interface EngineConfig {
  /** The main container's name. */
  readonly containerName: string;
  /** The main container's command, probes and security context. */
  readonly container: EngineContainer;
  /** Default resources of the main container (the database's `resources` prop overrides them). */
  readonly resources: kplus.ContainerResources;
  /** The pod security context. */
  readonly podSecurityContext: kplus.PodSecurityContextProps;
  /**
   * Pod management policy.
   * @default kplus.PodManagementPolicy.ORDERED_READY
   */
  readonly podManagementPolicy?: kplus.PodManagementPolicy;
  /**
   * Extra labels on the pod template (e.g. Patroni's scope label).
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * More long-running containers in each pod (e.g. Redis Sentinel beside Redis), with name and image; ports whose
   * `containerName` names one of them are declared on it. They get the same scratch mounts and data volume.
   * @default - none
   */
  readonly extraContainers?: kplus.ContainerProps[];
  /**
   * Writable directories for a read-only root filesystem: one emptyDir, mounted at each path with its own sub-path.
   * @default - none
   */
  readonly writablePaths?: string[];
  /**
   * True when the pods call the Kubernetes API: they get a service account token and egress to the API server.
   * @default false
   */
  readonly needsKubernetesApi?: boolean;
  /**
   * Namespaced RBAC rules, least privilege (a Role bound to the pods' service account).
   * @default - none (no Role)
   */
  readonly roleRules?: kplus.k8s.PolicyRule[];
  /**
   * How long Kubernetes waits for a pod to stop before it kills it.
   * @default - Kubernetes' default (30 seconds)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * The engine talks to its peers or the API server while it shuts down (Patroni releasing its leader key, Kafka's
   * controlled shutdown): in sidecar mode the proxy must outlive the application. The database then runs the proxy as a
   * native sidecar (`MeshMode.sidecar({ nativeSidecar: true })`), or, when the user chose a classic sidecar, makes it
   * exit only once it carries no connection.
   * @default false
   */
  readonly needsProxyUntilExit?: boolean;
}

/**
 * What an engine configures once the StatefulSet exists: `IDatabaseEngine.configure()` receives it.
 */
export interface IEngineTarget {
  /** The database construct: the scope for the objects the engine adds (ConfigMaps, volumes). */
  readonly scope: Construct;
  /** The StatefulSet, its headless Service and client Services: pod addresses, peer lists, client Services. */
  readonly workload: HeadlessStatefulService;
  /** The main container. */
  readonly container: kplus.Container;
  /** The main container's resources, as the database runs it (its `resources` prop, else the engine's defaults). */
  readonly resources: kplus.ContainerResources;
  /** Adds a plain variable to the main container. */
  env(variable: string, value: string): void;
  /** Adds a variable from the downward API to the main container. */
  fieldEnv(variable: string, field: kplus.EnvFieldPaths): void;
  /** Adds a variable from a key of a referenced Secret (never a value in the manifest); fails when no Secret was given. */
  secretEnv(variable: string, secret: kplus.ISecret, key: string): void;
}

/**
 * A database engine: what `MeshAwareDatabase` needs to run it. Implement it (or extend `DatabaseEngine`) for an engine
 * of your own, in any jsii language.
 *
 * The database calls `replicasProblem()` first, then `bind()` (the pod's shape: container, resources, security,
 * writable paths, RBAC), builds the StatefulSet with the engine's `ports` and `storage`, then calls `configure()` (env,
 * config files, client Services), and finally writes the mesh policy.
 */
export interface IDatabaseEngine {
  /** The engine, e.g. `postgresql-patroni`; used in error messages. */
  readonly engineName: string;
  /** The default image (pinned), or undefined when the engine has no official image and one must be given. */
  readonly defaultImage?: string;
  /** The default number of pods. */
  readonly defaultReplicas: number;
  /** The engine's ports, each with its role. */
  readonly ports: EnginePort[];
  /** The data volume. */
  readonly storage: EngineStorage;

  /** Explains why the engine cannot run with this many pods, or returns undefined. */
  replicasProblem(replicas: number): string | undefined;

  /** Returns what the database must build for the engine, before the StatefulSet exists. */
  bind(scope: Construct, context: EngineContext): EngineConfig;

  /** Configures the engine on the StatefulSet: per-pod addresses, peer lists, credentials, config files, client Services. */
  configure(target: IEngineTarget): void;
}

/**
 * The base of the engine presets: the common defaults of `IDatabaseEngine`. Each preset is its own class
 * (`PostgresPatroniEngine`, ...) with its own options; credentials always come from a referenced Secret.
 */
export abstract class DatabaseEngine implements IDatabaseEngine {
  public abstract readonly engineName: string;
  public abstract readonly defaultImage?: string;
  public abstract readonly defaultReplicas: number;
  public abstract readonly ports: EnginePort[];
  public abstract readonly storage: EngineStorage;

  /** Any whole number of pods of at least 1. */
  public replicasProblem(replicas: number): string | undefined {
    return replicasError(replicas);
  }

  /** The ports clients use (role CLIENT). */
  public get clientPorts(): number[] {
    return clientPortsOf(this);
  }

  public abstract bind(scope: Construct, context: EngineContext): EngineConfig;

  public abstract configure(target: IEngineTarget): void;
}

/** The CLIENT ports of an engine. */
export function clientPortsOf(engine: IDatabaseEngine): number[] {
  return engine.ports.filter(p => p.role === PortRole.CLIENT).map(p => p.port);
}

/**
 * Returns the Secret, or fails naming the construct, the variable and the key when none was given (JavaScript callers
 * can omit a required option). Not exported from the package.
 */
export function requireSecret(scope: Construct, engine: IDatabaseEngine, secret: kplus.ISecret | undefined, key: string, variable: string,
  database: string): kplus.ISecret {
  if (!secret) {
    fail(scope, `${engine.engineName}: ${variable} comes from key '${key}' of the credentials Secret, but no Secret was given; `
      + `pass credentials: kplus.Secret.fromSecretName(scope, 'Credentials', '${database}-credentials') (a Secret you create, holding '${key}')`);
  }
  return secret;
}
