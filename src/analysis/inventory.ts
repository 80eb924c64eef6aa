import { load as parseYaml } from 'js-yaml';
import { AnalyzeOptions } from './finding';
import { MeshState, namespaceInAmbientMode, podMeshState } from './mesh-state';
import { asArray, dig, isObject, K8sObject, stringMap, toObject, toPortNumber } from './objects';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_ROOT_NAMESPACE } from '../private/istio-constants';

/** A container port of a workload. */
export interface ContainerPort {
  readonly container: string;
  readonly port: number;
  readonly name?: string;
  readonly protocol: string;
}

/** A container of a pod template, with its path inside the object. */
export interface ContainerRef {
  readonly container: any;
  readonly path: string;
  readonly init: boolean;
}

/** An object that creates pods (or a Pod), seen through its pod template. */
export interface Workload {
  readonly object: K8sObject;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly podSpec: any;
  /** The path of the pod template in the object ('' for a Pod). */
  readonly templatePath: string;
  readonly containers: ReadonlyArray<ContainerRef>;
  /** Ports of the (non-init) containers. */
  readonly ports: ReadonlyArray<ContainerPort>;
  readonly mesh: MeshState;
}

/** A port of a Service. */
export interface ServicePortInfo {
  readonly index: number;
  readonly name?: string;
  readonly port: number;
  /** The target port: a number, or a container port name. */
  readonly targetPort: number | string;
  /** The Kubernetes protocol, upper case (TCP when not written). */
  readonly protocol: string;
  readonly appProtocol?: string;
}

/** A core/v1 Service. */
export interface ServiceInfo {
  readonly object: K8sObject;
  readonly type: string;
  readonly headless: boolean;
  /** The selector; undefined or empty when the Service selects nothing. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: ReadonlyArray<ServicePortInfo>;
  readonly fqdn: string;
}

/** What a DestinationRule host resolves to. */
export type HostTarget =
  | { readonly type: 'service'; readonly service: ServiceInfo }
  | { readonly type: 'serviceentry'; readonly object: K8sObject };

const WORKLOAD_KINDS: ReadonlyMap<string, { readonly groups: ReadonlyArray<string>; readonly template: string }> = new Map([
  ['Pod', { groups: [''], template: '' }],
  ['Deployment', { groups: ['apps', 'extensions'], template: 'spec.template' }],
  ['StatefulSet', { groups: ['apps'], template: 'spec.template' }],
  ['DaemonSet', { groups: ['apps', 'extensions'], template: 'spec.template' }],
  ['ReplicaSet', { groups: ['apps', 'extensions'], template: 'spec.template' }],
  ['ReplicationController', { groups: [''], template: 'spec.template' }],
  ['Job', { groups: ['batch'], template: 'spec.template' }],
  ['CronJob', { groups: ['batch'], template: 'spec.jobTemplate.spec.template' }],
]);


/**
 * The input, indexed once: objects by kind and name, workloads by namespace and label, Services with the
 * workloads they select, hosts. Every rule reads it; nothing writes to it after construction.
 */
export class Inventory {
  public readonly objects: ReadonlyArray<K8sObject>;
  public readonly workloads: ReadonlyArray<Workload>;
  public readonly services: ReadonlyArray<ServiceInfo>;
  public readonly clusterDomain: string;
  public readonly defaultNamespace: string;
  public readonly rootNamespace: string;
  public readonly meshConfig: any;
  /** Hosts declared outside the input (`AnalyzeOptions.externalHosts`), lowercased. */
  public readonly externalHosts: ReadonlyArray<string>;
  /** The input is part of the cluster's objects (`AnalyzeOptions.partialInput`). */
  public readonly partialInput: boolean;

  private readonly byKind = new Map<string, K8sObject[]>();
  private readonly kindCache = new Map<string, K8sObject[]>();
  private readonly derivedCache = new Map<string, unknown>();
  private readonly byKey = new Map<string, K8sObject>();
  private readonly namespaceObjects = new Map<string, K8sObject>();
  private readonly workloadsByNamespace = new Map<string, Workload[]>();
  private readonly workloadLabelIndex = new Map<string, Workload[]>();
  private readonly servicesByKey = new Map<string, ServiceInfo>();
  private readonly selectedByService = new Map<ServiceInfo, Workload[]>();
  private readonly servicesByWorkload = new Map<Workload, ServiceInfo[]>();
  private readonly hosts = new Map<string, HostTarget>();
  private readonly wildcardHosts: Array<{ readonly suffix: string; readonly target: HostTarget }> = [];
  private readonly assumeInjection: boolean;

  public constructor(manifests: ReadonlyArray<any>, options: AnalyzeOptions = {}) {
    this.defaultNamespace = options.defaultNamespace ?? 'default';
    this.clusterDomain = (options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN).toLowerCase();
    this.assumeInjection = options.assumeInjection ?? false;
    this.externalHosts = (options.externalHosts ?? []).map(h => h.toLowerCase());
    this.partialInput = options.partialInput ?? false;

    const objects: K8sObject[] = [];
    manifests.forEach((body, index) => {
      const object = toObject(body, index, this.defaultNamespace);
      if (object) {
        objects.push(object);
      }
    });
    this.objects = objects;
    for (const object of objects) {
      push(this.byKind, object.kind, object);
      this.byKey.set(key(object.kind, object.namespace, object.name), object);
      if (object.kind === 'Namespace' && object.group === '') {
        this.namespaceObjects.set(object.name, object);
      }
    }

    this.meshConfig = options.meshConfig ?? this.meshConfigFromConfigMap() ?? {};
    this.rootNamespace = this.meshConfig.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;

    const workloads: Workload[] = [];
    for (const object of objects) {
      const workload = this.toWorkload(object);
      if (workload) {
        workloads.push(workload);
        push(this.workloadsByNamespace, object.namespace, workload);
        for (const [k, v] of Object.entries(workload.podLabels)) {
          push(this.workloadLabelIndex, labelKey(object.namespace, k, v), workload);
          push(this.workloadLabelIndex, labelKey(undefined, k, v), workload);
        }
      }
    }
    this.workloads = workloads;

    const services: ServiceInfo[] = [];
    for (const object of this.ofKind('Service', '')) {
      const service = this.toService(object);
      services.push(service);
      this.servicesByKey.set(key('Service', object.namespace, object.name), service);
      this.hosts.set(service.fqdn, { type: 'service', service });
      if (service.selector && Object.keys(service.selector).length > 0) {
        const selected = this.selectWorkloads(object.namespace, service.selector);
        this.selectedByService.set(service, selected);
        for (const workload of selected) {
          push(this.servicesByWorkload, workload, service);
        }
      }
    }
    this.services = services;

    for (const object of this.ofKind('ServiceEntry', 'networking.istio.io')) {
      for (const host of asArray(object.body.spec?.hosts)) {
        if (typeof host !== 'string') {
          continue;
        }
        const target: HostTarget = { type: 'serviceentry', object };
        const fqdn = this.hostFqdn(host, object.namespace);
        if (fqdn.startsWith('*')) {
          this.wildcardHosts.push({ suffix: fqdn.slice(1), target });
        } else if (!this.hosts.has(fqdn)) {
          this.hosts.set(fqdn, target);
        }
      }
    }
  }

  /** Objects of a kind in an API group ('' for core). The filter runs once per kind; callers share the list. */
  public ofKind(kind: string, group: string): ReadonlyArray<K8sObject> {
    const k = `${kind}\u0000${group}`;
    let found = this.kindCache.get(k);
    if (!found) {
      found = (this.byKind.get(kind) ?? []).filter(o => o.group === group);
      this.kindCache.set(k, found);
    }
    return found;
  }

  /**
   * A value derived from the inventory, computed once for all rules (the DestinationRules read, the PeerAuthentications
   * read, ...): `name` names it, `compute` builds it the first time.
   */
  public derived<T>(name: string, compute: () => T): T {
    if (!this.derivedCache.has(name)) {
      this.derivedCache.set(name, compute());
    }
    return this.derivedCache.get(name) as T;
  }

  public find(kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.byKey.get(key(kind, namespace, name));
  }

  public service(namespace: string, name: string): ServiceInfo | undefined {
    return this.servicesByKey.get(key('Service', namespace, name));
  }

  /** The Namespace object, when the input has it. */
  public namespaceObject(name: string): K8sObject | undefined {
    return this.namespaceObjects.get(name);
  }

  /** True when the input proves the namespace is in ambient mode (labelled, without sidecar injection labels). */
  public namespaceIsAmbient(name: string): boolean {
    const ns = this.namespaceObjects.get(name);
    return ns !== undefined && namespaceInAmbientMode(ns.labels);
  }

  /** The workloads of a namespace. */
  public workloadsIn(namespace: string): ReadonlyArray<Workload> {
    return this.workloadsByNamespace.get(namespace) ?? [];
  }

  /** The workloads a Service selects (empty without selector). */
  public selectedBy(service: ServiceInfo): ReadonlyArray<Workload> {
    return this.selectedByService.get(service) ?? [];
  }

  /** The Services (with a selector) that select a workload's pods. */
  public servicesOf(workload: Workload): ReadonlyArray<ServiceInfo> {
    return this.servicesByWorkload.get(workload) ?? [];
  }

  /**
   * Workloads whose pod labels match `matchLabels` (and `matchExpressions`), in a namespace or in all of them.
   * Uses the label index: the cost is that of the smallest candidate list, not of every workload.
   */
  public selectWorkloads(namespace: string | undefined, matchLabels: Readonly<Record<string, unknown>> | undefined,
    matchExpressions?: ReadonlyArray<any>): Workload[] {
    const labels = Object.entries(matchLabels ?? {}).map(([k, v]) => [k, String(v)] as const);
    let candidates: ReadonlyArray<Workload>;
    if (labels.length === 0) {
      candidates = namespace === undefined ? this.workloads : this.workloadsIn(namespace);
    } else {
      let smallest: Workload[] | undefined;
      for (const [k, v] of labels) {
        const list = this.workloadLabelIndex.get(labelKey(namespace, k, v));
        if (!list) {
          return [];
        }
        if (!smallest || list.length < smallest.length) {
          smallest = list;
        }
      }
      candidates = smallest ?? [];
    }
    return candidates.filter(w => labels.every(([k, v]) => w.podLabels[k] === v)
      && asArray(matchExpressions).every(e => expressionMatches(e, w.podLabels)));
  }

  /** A host as Istio reads it in a DestinationRule of `namespace`: short names get `.<ns>.svc.<clusterDomain>`. */
  public hostFqdn(host: string, namespace: string): string {
    const lower = host.toLowerCase();
    return lower.startsWith('*') || lower.includes('.') ? lower : `${lower}.${namespace}.svc.${this.clusterDomain}`;
  }

  /** The Service or ServiceEntry a host (already an FQDN) names, if the input has it. */
  public resolveHost(fqdn: string): HostTarget | undefined {
    const exact = this.hosts.get(fqdn);
    if (exact) {
      return exact;
    }
    const bare = fqdn.startsWith('*') ? fqdn.slice(1) : fqdn;
    return this.wildcardHosts.find(w => bare.endsWith(w.suffix))?.target;
  }

  /** The container port number a Service port reaches on a workload, if the workload declares it. */
  public targetPortOn(port: ServicePortInfo, workload: Workload): number | undefined {
    if (typeof port.targetPort === 'number') {
      return port.targetPort;
    }
    return workload.ports.find(p => p.name === port.targetPort)?.port;
  }

  private meshConfigFromConfigMap(): any {
    const configMap = this.find('ConfigMap', 'istio-system', 'istio');
    const mesh = configMap?.body.data?.mesh;
    if (typeof mesh !== 'string') {
      return undefined;
    }
    try {
      const parsed = parseYaml(mesh);
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  private toWorkload(object: K8sObject): Workload | undefined {
    const def = WORKLOAD_KINDS.get(object.kind);
    if (!def || !def.groups.includes(object.group)) {
      return undefined;
    }
    const template = def.template === '' ? object.body : dig(object.body, def.template);
    if (!isObject(template)) {
      return undefined;
    }
    const podSpec = isObject(template.spec) ? template.spec : {};
    const podLabels = def.template === '' ? object.labels : stringMap(template.metadata?.labels);
    const podAnnotations = def.template === '' ? object.annotations : stringMap(template.metadata?.annotations);
    const specPath = def.template === '' ? 'spec' : `${def.template}.spec`;
    const containers: ContainerRef[] = [];
    for (const [field, init] of [['initContainers', true], ['containers', false]] as const) {
      asArray(podSpec[field]).forEach((container, i) => {
        if (isObject(container)) {
          containers.push({ container, path: `${specPath}.${field}[${i}]`, init });
        }
      });
    }
    const ports: ContainerPort[] = [];
    for (const ref of containers.filter(c => !c.init)) {
      for (const port of asArray(ref.container.ports)) {
        const number = toPortNumber(port?.containerPort);
        if (number !== undefined) {
          ports.push({
            container: String(ref.container.name ?? ''),
            port: number,
            name: typeof port.name === 'string' ? port.name : undefined,
            protocol: String(port.protocol ?? 'TCP').toUpperCase(),
          });
        }
      }
    }
    return {
      object,
      podLabels,
      podAnnotations,
      podSpec,
      containers,
      ports,
      templatePath: def.template,
      mesh: podMeshState(podLabels, podAnnotations, podSpec, this.namespaceObjects.get(object.namespace)?.labels, this.assumeInjection),
    };
  }
  private toService(object: K8sObject): ServiceInfo {
    const spec = isObject(object.body.spec) ? object.body.spec : {};
    const ports: ServicePortInfo[] = [];
    asArray(spec.ports).forEach((port, index) => {
      const number = toPortNumber(port?.port);
      if (number === undefined) {
        return;
      }
      const target = port.targetPort;
      const targetNumber = toPortNumber(target);
      ports.push({
        index,
        name: typeof port.name === 'string' && port.name !== '' ? port.name : undefined,
        port: number,
        targetPort: targetNumber ?? (typeof target === 'string' && target !== '' ? target : number),
        protocol: String(port.protocol ?? 'TCP').toUpperCase(),
        appProtocol: typeof port.appProtocol === 'string' && port.appProtocol !== '' ? port.appProtocol : undefined,
      });
    });
    const selector = isObject(spec.selector) ? stringMap(spec.selector) : undefined;
    return {
      object,
      type: String(spec.type ?? 'ClusterIP'),
      headless: spec.clusterIP === 'None' || (Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None'),
      selector,
      ports,
      fqdn: `${object.name}.${object.namespace}.svc.${this.clusterDomain}`,
    };
  }
}

/** A Kubernetes label selector requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`). */
export function expressionMatches(expression: any, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(expression)) {
    return true;
  }
  const value = labels[String(expression.key)];
  const values = asArray(expression.values).map(String);
  switch (expression.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    default: return false;
  }
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) {
    list.push(v);
  } else {
    map.set(k, [v]);
  }
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

function labelKey(namespace: string | undefined, k: string, v: string): string {
  return `${namespace ?? '*'}\u0000${k}\u0000${v}`;
}
