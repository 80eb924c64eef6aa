import { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { AppProtocol } from './app-protocol';
import { MeshPort, MeshPortOptions } from './mesh-port';
import { NAME_LABEL, resolveClusterDomain, resolveName, resolveNamespace, serviceFqdn } from './private/identity';
import { selectorLabels } from './private/kplus-internals';
import { recordMeshConstruct } from './private/mesh-facts';
import { claimObjectName } from './private/object-names';
import { resolveMeshPort } from './private/ports';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { childPath } from './private/validation';

/**
 * A Kubernetes Service as the mesh sees it: a name that decides DNS, a namespace, and declared ports.
 */
export interface IMeshService extends IConstruct {
  /** The Service name. */
  readonly name: string;
  /** The Service namespace. */
  readonly namespace: string;
  /** The cluster DNS domain. */
  readonly clusterDomain: string;
  /** `<name>.<namespace>.svc.<clusterDomain>`: the host of DestinationRules and the name clients use. */
  readonly fqdn: string;
  /** True for a headless Service (`clusterIP: None`), whose DNS answers with pod IPs. */
  readonly headless: boolean;
  /** The declared ports (a copy). */
  readonly meshPorts: MeshPort[];
}

/**
 * Attributes of a Service managed elsewhere (another chart, Helm, a namespace you do not own).
 */
export interface MeshServiceAttributes {
  /** The Service name. */
  readonly name: string;
  /** The Service namespace. */
  readonly namespace: string;
  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * Whether the Service is headless (`clusterIP: None`).
   * @default false
   */
  readonly headless?: boolean;
  /**
   * The Service's ports, as they are declared there.
   * @default - none known
   */
  readonly ports?: MeshPortOptions[];
}

/**
 * Properties of a `MeshService`.
 */
export interface MeshServiceProps {
  /**
   * The Service name; it is the first label of the Service's DNS name (RFC 1035 label).
   * @default - the construct id, lowercased
   */
  readonly name?: string;

  /**
   * The namespace, written on the Service and used in its DNS name.
   * @default - the chart's namespace, else 'default'
   */
  readonly namespace?: string;

  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * A headless Service (`clusterIP: None`): DNS answers with the pod IPs, and a StatefulSet's pods get
   * stable names under it. Istio sends headless traffic straight to the pod (ORIGINAL_DST): DestinationRule
   * load balancing does not apply to it.
   *
   * @default false
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
   */
  readonly headless?: boolean;

  /**
   * Publish DNS records for pods that are not ready. Peers of a stateful set must resolve each other while
   * they bootstrap (etcd, ZooKeeper, Cassandra, RabbitMQ, Kafka controllers); set it to false only for
   * workloads whose peers never look each other up before they are ready.
   *
   * @default - true for a headless Service, false otherwise
   * @see https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec
   */
  readonly publishNotReadyAddresses?: boolean;

  /**
   * Ports to declare. Each gets a name with its protocol prefix, an `appProtocol`, and targets the container
   * port of the same name. More can be added with `addPort()`.
   *
   * @default - none; add them with `addPort()` (a Service without ports fails synthesis)
   */
  readonly ports?: MeshPortOptions[];

  /**
   * The pods to select.
   *
   * @default - no selector: the Service's endpoints are managed by someone else (e.g. Patroni's leader Service)
   */
  readonly selector?: kplus.IPodSelector;

  /**
   * Extra labels and annotations for the Service. Its name and namespace come from `name` and `namespace`.
   *
   * @default - only the `app.kubernetes.io/name` label
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * A Service whose every port is declared, named `<protocol>-<purpose>`, carries `appProtocol` and targets a
 * named container port — so Istio matches its traffic, including pod-IP traffic to a headless Service.
 *
 * It is a cdk8s-plus `Service`, so it plugs into cdk8s-plus APIs (a StatefulSet's `service`, Ingress backends).
 */
export class MeshService extends kplus.Service implements IMeshService {
  /**
   * A Service created elsewhere, for policies and clients that refer to it.
   */
  public static fromAttributes(scope: Construct, id: string, attrs: MeshServiceAttributes): IMeshService {
    return new ImportedMeshService(scope, id, attrs);
  }

  /**
   * A Service created elsewhere.
   * @deprecated use `MeshService.fromAttributes()`, named like the other import factories of this library
   */
  public static fromServiceAttributes(scope: Construct, id: string, attrs: MeshServiceAttributes): IMeshService {
    return MeshService.fromAttributes(scope, id, attrs);
  }

  public readonly namespace: string;
  public readonly clusterDomain: string;
  public readonly fqdn: string;
  public readonly headless: boolean;
  /** Whether DNS publishes pods that are not ready. */
  public readonly publishNotReadyAddresses: boolean;

  private readonly _meshPorts: MeshPort[] = [];
  private readonly _selectorLabels: Record<string, string> = {};

  public constructor(scope: Construct, id: string, props: MeshServiceProps = {}) {
    const path = childPath(scope, id);
    const name = resolveName(path, 'Service name', props.name ?? props.metadata?.name, id);
    const namespace = resolveNamespace(path, scope, props.namespace ?? props.metadata?.namespace);
    super(scope, id, {
      metadata: { ...props.metadata, name, namespace, labels: { [NAME_LABEL]: name, ...props.metadata?.labels } },
      clusterIP: props.headless ? 'None' : undefined,
      type: kplus.ServiceType.CLUSTER_IP,
    });
    this.namespace = namespace;
    claimObjectName(this, 'Service', namespace, name, 'name');
    this.clusterDomain = resolveClusterDomain(this, props.clusterDomain);
    recordMeshConstruct(this, this.clusterDomain);
    watchSynthesis(this);
    this.fqdn = serviceFqdn(name, this.namespace, this.clusterDomain);
    this.headless = props.headless ?? false;
    this.publishNotReadyAddresses = props.publishNotReadyAddresses ?? this.headless;

    if (props.selector) {
      this.select(props.selector);
    }
    for (const port of props.ports ?? []) {
      this.addPort(port);
    }
    this.node.addValidation({
      validate: () => this._meshPorts.length === 0
        ? [`Service '${name}' declares no ports; Istio cannot match traffic to a Service without ports. Declare them with addPort({ port, protocol })`]
        : [],
    });
  }

  /** The declared ports (a copy). */
  public get meshPorts(): MeshPort[] {
    return this._meshPorts.map(p => ({ ...p }));
  }

  /** The labels the Service selects (a copy); empty for a Service without selector. */
  public get selectorLabels(): Record<string, string> {
    return { ...this._selectorLabels };
  }

  /**
   * Declares a port. Its name gets the protocol prefix; its `targetPort` is the container port of the same name.
   *
   * @returns the resolved port
   */
  public addPort(options: MeshPortOptions): MeshPort {
    checkNotSynthesised(this, `port ${options.port}`, 'addPort()');
    const port = resolveMeshPort(this, options, this._meshPorts);
    this._meshPorts.push(port);
    // keep cdk8s-plus' own view of the ports (`ports`, `port`) in step, for APIs such as Ingress backends
    super.bind(port.port, { name: port.name, protocol: port.protocol.transport as kplus.Protocol });
    return { ...port };
  }

  /** The declared port with this number, or undefined. */
  public findPort(port: number): MeshPort | undefined {
    const found = this._meshPorts.find(p => p.port === port);
    return found ? { ...found } : undefined;
  }

  /**
   * cdk8s-plus' way to add a port; routed to `addPort()`, so the port is named and carries `appProtocol`
   * (TCP unless `options.protocol` is UDP). A `targetPort` other than the port is refused.
   */
  public bind(port: number, options: kplus.ServiceBindOptions = {}): void {
    if (options.targetPort !== undefined && options.targetPort !== port) {
      throw new Error(`${this.node.path}: targetPort ${options.targetPort} differs from port ${port}; a MeshService port targets the container port of the same name `
        + `and number: bind(${options.targetPort}) and listen on ${options.targetPort}, or drop targetPort`);
    }
    this.addPort({ port, name: options.name, protocol: options.protocol === kplus.Protocol.UDP ? AppProtocol.UDP : AppProtocol.TCP });
  }

  public select(selector: kplus.IPodSelector): void {
    checkNotSynthesised(this, 'a selector', 'select()');
    super.select(selector);
    Object.assign(this._selectorLabels, selectorLabels(selector));
  }

  public selectLabel(key: string, value: string): void {
    checkNotSynthesised(this, `selector label ${key}=${value}`, 'selectLabel()');
    super.selectLabel(key, value);
    this._selectorLabels[key] = value;
  }

  /**
   * Replaces the selector. A cdk8s-plus StatefulSet selects its Service by its own address label when it is
   * constructed; `HeadlessStatefulService` replaces that with its readable name label.
   * @internal
   */
  public _replaceSelector(selector: kplus.IPodSelector): void {
    for (const key of Object.keys(this._selectorLabels)) {
      delete this._selectorLabels[key];
    }
    this.select(selector);
  }

  /**
   * @internal
   */
  public _toKube(): kplus.k8s.ServiceSpec {
    const selector = Object.keys(this._selectorLabels).length > 0 ? { ...this._selectorLabels } : undefined;
    return {
      type: this.type,
      clusterIp: this.clusterIP,
      selector,
      publishNotReadyAddresses: this.publishNotReadyAddresses ? true : undefined,
      ports: this._meshPorts.map(p => ({
        name: p.name,
        port: p.port,
        targetPort: kplus.k8s.IntOrString.fromString(p.name),
        protocol: p.protocol.transport,
        appProtocol: p.protocol.value,
      })),
    };
  }
}

class ImportedMeshService extends Construct implements IMeshService {
  public readonly name: string;
  public readonly namespace: string;
  public readonly clusterDomain: string;
  public readonly fqdn: string;
  public readonly headless: boolean;
  private readonly _meshPorts: MeshPort[] = [];

  constructor(scope: Construct, id: string, attrs: MeshServiceAttributes) {
    super(scope, id);
    this.name = resolveName(this, 'Service name', attrs.name, id);
    this.namespace = resolveNamespace(this, this, attrs.namespace);
    this.clusterDomain = resolveClusterDomain(this, attrs.clusterDomain);
    this.fqdn = serviceFqdn(this.name, this.namespace, this.clusterDomain);
    this.headless = attrs.headless ?? false;
    for (const port of attrs.ports ?? []) {
      this._meshPorts.push(resolveMeshPort(this, port, this._meshPorts));
    }
  }

  public get meshPorts(): MeshPort[] {
    return this._meshPorts.map(p => ({ ...p }));
  }
}
