import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { HeadlessStatefulService } from '../headless-stateful-service';

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
 * What a `MeshAwareDatabase` knows before it builds anything. (Not exported from the package.)
 */
export interface EngineContext {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly replicas: number;
  /** Returns the Secret, or fails (naming the construct, the variable and the key) when none was given. */
  requireSecret(secret: kplus.ISecret | undefined, key: string, variable: string): kplus.ISecret;
}

/**
 * What the engine asks the `MeshAwareDatabase` to build for it. (Not exported from the package.)
 */
export interface EngineSetup {
  /** The main container, without name, image, ports or resources (those come from the database). */
  readonly container: Omit<kplus.ContainerProps, 'image' | 'name' | 'ports' | 'portNumber' | 'resources'>;
  readonly containerName: string;
  /** Default resources of the main container. */
  readonly resources: kplus.ContainerResources;
  readonly podSecurityContext: kplus.PodSecurityContextProps;
  readonly podManagementPolicy?: kplus.PodManagementPolicy;
  /** Extra labels on the pod template (e.g. Patroni's scope label). */
  readonly podLabels?: Record<string, string>;
  /**
   * More long-running containers in each pod (e.g. Redis Sentinel beside Redis), with name and image; ports whose
   * `containerName` names one of them are declared on it. They get the same scratch mounts and data volume.
   */
  readonly extraContainers?: kplus.ContainerProps[];
  /** Writable directories for a read-only root filesystem: one emptyDir, a sub-path each. */
  readonly writablePaths: string[];
  /**
   * True when the pods call the Kubernetes API (they get a service account token and egress to the API server).
   * Default: false.
   */
  readonly needsKubernetesApi?: boolean;
  /** Namespaced RBAC rules, least privilege. Default: none (no Role). */
  readonly roleRules?: kplus.k8s.PolicyRule[];
  /** Client Services, env, extra containers: everything that needs the StatefulSet. */
  configure(target: EngineTarget): void;
}

/**
 * What the engine configures once the StatefulSet exists. (Not exported from the package.)
 */
export interface EngineTarget {
  readonly scope: Construct;
  readonly workload: HeadlessStatefulService;
  readonly container: kplus.Container;
  /** Adds `variable` from a key of a referenced Secret (never a value in the manifest). */
  secretEnv(variable: string, secret: kplus.ISecret, key: string): void;
  /** Adds a plain variable. */
  env(variable: string, value: string): void;
  /** Adds a variable from the downward API. */
  fieldEnv(variable: string, field: kplus.EnvFieldPaths): void;
}

/**
 * A database engine preset: the ports with their roles, the per-pod address variables in the engine's own format,
 * probes, storage, client Services and the RBAC the engine needs. Each preset is its own class
 * (`PostgresPatroniEngine`, ...) with its own options; credentials always come from a referenced Secret.
 */
export abstract class DatabaseEngine {
  /** The engine, e.g. `postgresql-patroni`. */
  public abstract readonly engineName: string;
  /** The default image (pinned), or undefined when the engine has no official image and one must be given. */
  public abstract readonly defaultImage?: string;
  /** The default number of pods. */
  public abstract readonly defaultReplicas: number;
  /** The engine's ports. */
  public abstract readonly ports: EnginePort[];
  /** The data volume. */
  public abstract readonly storage: EngineStorage;

  /**
   * Explains why the engine cannot run with this many pods, or returns undefined.
   */
  public replicasProblem(replicas: number): string | undefined {
    return Number.isInteger(replicas) && replicas >= 1 ? undefined : `replicas ${replicas} is not a whole number of at least 1`;
  }

  /** The ports clients use (role CLIENT). */
  public get clientPorts(): number[] {
    return this.ports.filter(p => p.role === PortRole.CLIENT).map(p => p.port);
  }

  /**
   * @internal
   */
  public abstract _setup(context: EngineContext): EngineSetup;
}
