import { Construct, IConstruct } from 'constructs';
import { MeshPort, MeshPortOptions } from './mesh-port';
import { resolveClusterDomain, resolveName, resolveNamespace } from './private/identity';
import { PodIdentity } from './private/pod-identity';
import { resolveMeshPort } from './private/ports';
import { fail, replicasError } from './private/validation';

/**
 * The stable network identity of a StatefulSet's pods behind a headless Service.
 */
export interface IHeadlessStatefulService extends IConstruct {
  /** The StatefulSet name; pods are `<name>-<ordinal>`. */
  readonly name: string;
  /** The namespace of the StatefulSet and its Services. */
  readonly namespace: string;
  /** The cluster DNS domain. */
  readonly clusterDomain: string;
  /** The headless Service name (the StatefulSet's `serviceName`). */
  readonly headlessServiceName: string;
  /** `<headless>.<namespace>.svc.<clusterDomain>`: resolves to every pod IP. */
  readonly headlessServiceFqdn: string;
  /** The number of pods. */
  readonly replicas: number;
  /** The declared ports (a copy). */
  readonly ports: MeshPort[];

  /** The pod name for an ordinal: `<name>-<ordinal>`. */
  podName(ordinal: number): string;
  /** The pod's stable DNS name: `<name>-<ordinal>.<headless>.<namespace>.svc.<clusterDomain>`. */
  podFqdn(ordinal: number): string;
  /** `podFqdn(ordinal):port`, for a declared port. */
  connectAddress(ordinal: number, port: number): string;
  /** The FQDN of every pod, by ordinal. */
  peerFqdns(): string[];
  /**
   * One entry per pod from a template, joined by a separator: `{ordinal}`, `{id}` (ordinal + 1), `{pod}` (pod name)
   * and `{host}` (pod FQDN) are replaced. E.g. `'{host}:2888:3888::{id}'` gives a ZooKeeper `ZOO_SERVERS` list.
   */
  peerList(template: string, options?: PeerListOptions): string;
}

/**
 * Options of a peer list.
 */
export interface PeerListOptions {
  /**
   * Between two entries.
   * @default ','
   */
  readonly separator?: string;
  /**
   * List only the first `count` pods (e.g. two Cassandra seeds).
   * @default - every pod
   */
  readonly count?: number;
}

/**
 * What a StatefulSet behind a headless Service and one created elsewhere (`HeadlessStatefulService.fromAttributes()`)
 * have in common: the pods' names and addresses, computed from the StatefulSet name, the headless Service, the
 * namespace and the cluster domain.
 */
export abstract class HeadlessStatefulServiceBase extends Construct implements IHeadlessStatefulService {
  public abstract readonly name: string;
  public abstract readonly namespace: string;
  public abstract readonly clusterDomain: string;
  public abstract readonly headlessServiceName: string;
  public abstract readonly headlessServiceFqdn: string;
  public abstract readonly replicas: number;
  public abstract readonly ports: MeshPort[];

  /**
   * The pods' DNS identities.
   * @internal
   */
  protected abstract readonly _identity: PodIdentity;

  public podName(ordinal: number): string {
    return this._identity.podName(ordinal);
  }

  public podFqdn(ordinal: number): string {
    return this._identity.podFqdn(ordinal);
  }

  public connectAddress(ordinal: number, port: number): string {
    this._checkConnectPort(port);
    return `${this._identity.podFqdn(ordinal)}:${port}`;
  }

  public peerFqdns(): string[] {
    return Array.from({ length: this.replicas }, (_, i) => this._identity.podFqdn(i));
  }

  public peerList(template: string, options: PeerListOptions = {}): string {
    return this._identity.peerList(template, options.separator ?? ',', options.count);
  }

  /**
   * Fails when `port` cannot be connected to.
   * @internal
   */
  protected abstract _checkConnectPort(port: number): void;
}

/**
 * Attributes of a StatefulSet created elsewhere.
 */
export interface HeadlessStatefulServiceAttributes {
  /** The StatefulSet name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its number of pods. */
  readonly replicas: number;
  /**
   * Its headless Service (`serviceName`).
   * @default - `<name>-headless`
   */
  readonly headlessServiceName?: string;
  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * Its ports, as declared on the headless Service.
   * @default - none known; `connectAddress()` then accepts any port
   */
  readonly ports?: MeshPortOptions[];
}

/** A StatefulSet created elsewhere: its identities from its attributes. Not exported from the package. */
export class ImportedHeadlessStatefulService extends HeadlessStatefulServiceBase {
  public readonly name: string;
  public readonly namespace: string;
  public readonly clusterDomain: string;
  public readonly headlessServiceName: string;
  public readonly headlessServiceFqdn: string;
  public readonly replicas: number;
  /** @internal */
  protected readonly _identity: PodIdentity;
  private readonly _ports: MeshPort[] = [];

  constructor(scope: Construct, id: string, attrs: HeadlessStatefulServiceAttributes) {
    super(scope, id);
    this.name = resolveName(this, 'StatefulSet name', attrs.name, id);
    this.namespace = resolveNamespace(this, this, attrs.namespace);
    this.clusterDomain = resolveClusterDomain(this, attrs.clusterDomain);
    this.headlessServiceName = resolveName(this, 'headless Service name', attrs.headlessServiceName ?? `${this.name}-headless`, id);
    this.replicas = attrs.replicas;
    const replicasProblem = replicasError(this.replicas);
    if (replicasProblem) {
      fail(this, replicasProblem);
    }
    this._identity = new PodIdentity(this, this.name, this.headlessServiceName, this.namespace, this.clusterDomain, () => this.replicas);
    this.headlessServiceFqdn = this._identity.headlessServiceFqdn;
    for (const port of attrs.ports ?? []) {
      this._ports.push(resolveMeshPort(this, port, this._ports));
    }
  }

  public get ports(): MeshPort[] {
    return this._ports.map(p => ({ ...p }));
  }

  /** @internal */
  protected _checkConnectPort(port: number): void {
    if (this._ports.length > 0 && !this._ports.some(p => p.port === port)) {
      fail(this, `port ${port} is not one of the declared ports of '${this.name}' (${this._ports.map(p => p.port).join(', ')}); `
        + 'use one of them, or add the port to the attributes\' ports');
    }
  }
}
