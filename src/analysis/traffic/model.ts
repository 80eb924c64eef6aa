import {
  AGENT_PORT, DATAPLANE_MODE_LABEL, DEFAULT_TRUST_DOMAIN, EXCLUDE_OUTBOUND_PORTS_ANNOTATION, INJECTION_NAMESPACE_LABEL, REV_LABEL,
} from '../../private/istio-constants';
import { AnalyzeOptions } from '../finding';
import { Inventory, ServiceInfo, Workload } from '../inventory';
import { asArray, isObject, toPortNumber } from '../objects';
import { AuthorizationIndex } from './authorization';
import { DestinationRuleIndex } from './destination-rule';
import { AddressResolution, EdgeExpectation, EdgeIntent, meets, TrafficEdge, TrafficVerdict } from './edge';
import { AMBIENT_PROBE_IP, evaluate, EvaluationContext, Outcome } from './evaluate';
import { NetworkPolicyIndex } from './network-policy';
import { Addressing, Dataplane, Destination, serviceAccountOf, Source, workloadLabel } from './participants';
import { PeerAuthenticationIndex } from './peer-authentication';
import { DeclaredWaypoint, WaypointIndex } from './waypoints';

/**
 * Options of the traffic model: those of an analysis, and what the manifests cannot say about the mesh.
 */
export interface TrafficOptions extends AnalyzeOptions {
  /**
   * The mesh trust domain (the first part of principals).
   * @default - the mesh config's `trustDomain`, else 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * Whether istiod runs with ambient enabled (the `ambient` profile): sidecars and ambient pods then talk HBONE, and
   * injected pods get an HBONE listener.
   * @default - true when the input has ambient pods or namespaces
   */
  readonly ambientEnabled?: boolean;

  /**
   * Also evaluate, for every destination, sources nobody admitted (another pod of the namespace, a pod of another
   * namespace, a client outside the mesh): they should be denied.
   * @default false
   */
  readonly includeUnintended?: boolean;
}

/** Who an intended edge comes from (recorded by the constructs). */
export type IntendedSource =
  | { readonly kind: 'self' }
  | { readonly kind: 'kubelet' }
  | { readonly kind: 'outside' }
  | {
    readonly kind: 'client';
    readonly namespace: string;
    readonly serviceAccount?: string;
    readonly podLabels?: Readonly<Record<string, string>>;
    readonly dataplane?: Dataplane;
  };

/** An edge the constructs intend, and the outcome it must have. */
export interface IntendedEdge {
  readonly intent: EdgeIntent;
  readonly destination: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly source: IntendedSource;
  /** The destination's container ports; for probes, empty means the ports the pods' probes use. */
  readonly ports: ReadonlyArray<number>;
  readonly expected: EdgeExpectation;
  /** The construct that intends it, for messages. */
  readonly owner?: string;
}

/** A workload whose allow-list is real: sources nobody admitted must be denied (MeshAwareDatabase). */
export interface ProtectedWorkload {
  readonly destination: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly owner?: string;
}

/** What the constructs tell the model besides the manifests. */
export interface ModelFacts {
  readonly intended?: ReadonlyArray<IntendedEdge>;
  readonly protected?: ReadonlyArray<ProtectedWorkload>;
  readonly waypoints?: ReadonlyArray<DeclaredWaypoint>;
}

/**
 * An evaluated edge and, for an intended one, the construct that intends it. Its public `edge` (addresses and reasons
 * written out) is made when first read: most edges are only filtered by their intent and verdict.
 */
export interface ModelEdge {
  readonly edge: TrafficEdge;
  readonly intent: EdgeIntent;
  readonly verdict: TrafficVerdict;
  /** The destination's container port. */
  readonly port: number;
  readonly expected?: EdgeExpectation;
  /** Source, destination, port and address: edges with one key are one edge of the graph. */
  readonly key: string;
  readonly owner?: string;
  /** True when the input does not prove a dataplane the verdict depends on (lint rules skip such edges). */
  readonly assumed?: boolean;
  /** The object that made the client send what it sent (a DestinationRule, an outbound exclusion), when one did. */
  readonly clientDecidedBy?: string;
  /** The source workload, when the source is one of the input. */
  readonly sourceWorkload?: Workload;
  /** The destination workload. */
  readonly destinationWorkload?: Workload;
}

/** How a source reaches a port, and the port the connection really goes to (the agent's, for rewritten probes). */
interface Reached {
  readonly addressing: Addressing;
  readonly evaluatedPort: number;
}

/** The model's indexes of its input that no fact changes. */
interface SharedIndexes {
  readonly workloadsByAccount: Map<string, Workload[]>;
  readonly destinations: Map<Workload, Destination>;
  /** How peers and other sources reach each port of a workload's pods. */
  readonly reachedByPort: Map<Workload, Map<number, { readonly peer: Reached[]; readonly client: Reached[] }>>;
  /** The governing headless Service of each StatefulSet asked about. */
  readonly governing: Map<Workload, ServiceInfo | undefined>;
  references?: Map<Workload, Array<{ from: Workload; port: number }>>;
  workloadsByObject?: Map<object, Workload>;
}

/**
 * The labels of the made-up pods (another pod of the namespace, a pod of another namespace): none. One object, so that
 * the policy indexes answer for them once (they cache answers by label set).
 */
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** The namespace the model uses for "a pod of another namespace": not a namespace anyone admits. */
export const OTHER_NAMESPACE = 'another-namespace';

/**
 * The traffic model: for edges (source workload, namespace or outside the mesh → destination pods, port), the name the
 * source dials and whether it resolves, the client's transport, every hop's NetworkPolicy, the server's mTLS mode and
 * authorization, as Istio and Kubernetes decide them. A pure function of the manifests (plus the facts the
 * constructs record). Edges come from the input (peers of a StatefulSet, sources named by policies, workloads whose
 * env names the destination, kubelet probes) and from the constructs' intent; each is evaluated on its own, against
 * policies indexed by namespace, so the cost is linear in the number of objects.
 */
export class TrafficModel {
  private readonly ctx: EvaluationContext;
  /** What depends on the input alone: shared by the models `withFacts()` derives from this one. */
  private readonly shared: SharedIndexes;
  /** Outcomes by source, destination, port and addressing (for sources the key fully describes). */
  private readonly outcomes: Map<string, Outcome>;

  constructor(private readonly inv: Inventory, private readonly options: TrafficOptions = {}, private readonly facts: ModelFacts = {},
    base?: TrafficModel) {
    if (base) {
      // the same input: every index is the base's; only the waypoints the constructs describe are this model's own
      this.shared = base.shared;
      this.ctx = { ...base.ctx, waypoints: new WaypointIndex(inv, facts.waypoints ?? []) };
      // with the base's waypoints (none described), an edge of both models has one outcome: evaluate it once
      this.outcomes = (facts.waypoints ?? []).length === 0 && (base.facts.waypoints ?? []).length === 0 ? base.outcomes : new Map();
      return;
    }
    const ambientEnabled = options.ambientEnabled
      ?? (inv.workloads.some(w => w.mesh === 'ambient') || inv.ofKind('Namespace', '').some(ns => ns.labels[DATAPLANE_MODE_LABEL] === 'ambient'));
    const trustDomain: string = options.trustDomain ?? inv.meshConfig.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    const aliases = asArray(inv.meshConfig.trustDomainAliases).filter((a): a is string => typeof a === 'string');
    this.ctx = {
      inv,
      trustDomain,
      ambientEnabled,
      peerAuthentications: new PeerAuthenticationIndex(inv),
      destinationRules: new DestinationRuleIndex(inv),
      authorization: new AuthorizationIndex(inv, [trustDomain, ...aliases]),
      networkPolicies: new NetworkPolicyIndex(inv),
      waypoints: new WaypointIndex(inv, facts.waypoints ?? []),
      dataplaneOf: w => dataplaneOf(w),
    };
    this.shared = { workloadsByAccount: new Map(), destinations: new Map(), reachedByPort: new Map(), governing: new Map() };
    this.outcomes = new Map();
    for (const workload of inv.workloads) {
      const key = `${workload.object.namespace}/${serviceAccountOf(workload)}`;
      const same = this.shared.workloadsByAccount.get(key);
      if (same) {
        same.push(workload);
      } else {
        this.shared.workloadsByAccount.set(key, [workload]);
      }
    }
  }

  /**
   * The model of the same input with the constructs' facts (their intended edges, protected workloads and waypoints),
   * reusing this model's indexes, so that the analysis and the synth-time check of intended edges index the input once.
   * Valid while both models have the same options.
   */
  public withFacts(facts: ModelFacts): TrafficModel {
    return new TrafficModel(this.inv, this.options, facts, this);
  }

  /** The evaluation context (for lint rules built on the model). */
  public get context(): EvaluationContext {
    return this.ctx;
  }

  /**
   * Every edge the input implies, then the intended ones (each once). With `fromWorkloadsOnly`, only the edges whose
   * source is a workload of the input: the lint rules judge no other edge (kubelet probes and the sources a policy only
   * names have no workload to report), and they are most of the graph. Of the edges the input implies, the others are
   * not even evaluated; intended edges (the constructs' facts) are evaluated as always, and those not from a
   * workload are dropped.
   */
  public edges(options: { readonly fromWorkloadsOnly?: boolean } = {}): ModelEdge[] {
    const found = new Map<string, ModelEdge>();
    for (const workload of this.inv.workloads) {
      if (workload.ports.length > 0) {
        for (const edge of this.derivedEdges(workload, options.fromWorkloadsOnly === true)) {
          found.set(edge.key, found.get(edge.key) ?? edge);
        }
      }
    }
    for (const edge of this.intendedEdges()) {
      if (!options.fromWorkloadsOnly || edge.sourceWorkload !== undefined) {
        found.set(edge.key, edge); // an intended edge carries its expectation
      }
    }
    return [...found.values()];
  }

  /** The edges the constructs intend, and the sources they did not admit to the workloads they protect. */
  public intendedEdges(): ModelEdge[] {
    return this.intendedWhere(() => true);
  }

  /**
   * The intended edges (and the sources nobody admitted) whose verdict does not meet what they must: what synthesis
   * refuses. Only those become edges; the others are decided and dropped.
   */
  public unmetIntendedEdges(): ModelEdge[] {
    return this.intendedWhere((verdict, expected) => !meets(verdict, expected));
  }

  /** The intended edges, and the sources nobody admitted to the protected workloads, whose outcome `keep` accepts. */
  private intendedWhere(keep: (verdict: TrafficVerdict, expected: EdgeExpectation) => boolean): ModelEdge[] {
    const edges: ModelEdge[] = [];
    for (const intended of this.facts.intended ?? []) {
      const workload = this.findWorkload(intended.destination);
      if (!workload) {
        continue;
      }
      const destination = this.destination(workload);
      const source = this.intendedSource(intended.source, destination);
      const ports = intended.intent === EdgeIntent.PROBE && intended.ports.length === 0 ? probePorts(workload) : intended.ports;
      for (const port of ports) {
        for (const { addressing, evaluatedPort } of this.addressings(workload, port, intended.intent, source)) {
          const outcome = this.outcome(source, destination, evaluatedPort, addressing);
          if (keep(outcome.verdict, intended.expected)) {
            edges.push(this.modelEdge(source, destination, port, addressing, intended.intent, intended.expected, evaluatedPort, outcome,
              intended.owner));
          }
        }
      }
    }
    // the namespaces admitted as a whole, by destination: one pass over the intended edges, not one per protected workload
    const admittedByDestination = new Map<string, Set<string>>();
    for (const i of this.facts.intended ?? []) {
      if (i.source.kind === 'client' && i.source.serviceAccount === undefined) {
        const key = destinationKey(i.destination);
        const admitted = admittedByDestination.get(key) ?? new Set<string>();
        admitted.add(i.source.namespace);
        admittedByDestination.set(key, admitted);
      }
    }
    for (const protectedWorkload of this.facts.protected ?? []) {
      const workload = this.findWorkload(protectedWorkload.destination);
      if (workload) {
        const admittedNamespaces = admittedByDestination.get(destinationKey(protectedWorkload.destination)) ?? new Set<string>();
        const unintended = this.unintendedEdges(workload, admittedNamespaces, EdgeExpectation.DENIED, keep, protectedWorkload.owner);
        edges.push(...unintended);
      }
    }
    return edges;
  }

  /** The dataplane of a destination, and its service account. */
  private destination(workload: Workload): Destination {
    let found = this.shared.destinations.get(workload);
    if (!found) {
      const { dataplane, assumed } = dataplaneOf(workload);
      found = { workload, label: workloadLabel(workload), dataplane, assumed, serviceAccount: serviceAccountOf(workload) };
      this.shared.destinations.set(workload, found);
    }
    return found;
  }

  /** Edges the input implies for one destination (with `fromWorkloadsOnly`, those whose source is a workload). */
  private derivedEdges(workload: Workload, fromWorkloadsOnly: boolean): ModelEdge[] {
    const destination = this.destination(workload);
    const edges: ModelEdge[] = [];
    const add = (source: Source, port: number, intent: EdgeIntent) => {
      if (fromWorkloadsOnly && source.workload === undefined) {
        return;
      }
      for (const { addressing, evaluatedPort } of this.addressings(workload, port, intent, source)) {
        const outcome = this.outcome(source, destination, evaluatedPort, addressing);
        edges.push(this.modelEdge(source, destination, port, addressing, intent, undefined, evaluatedPort, outcome));
      }
    };
    const ports = [...new Set(workload.ports.map(p => p.port))];

    // peers: the pods of a StatefulSet to each other, on the ports of its headless Service
    const headless = this.governingService(workload);
    if (headless) {
      const self = this.workloadSource(workload);
      for (const port of headless.ports.map(p => this.inv.targetPortOn(p, workload)).filter((p): p is number => p !== undefined)) {
        add(self, port, EdgeIntent.PEER);
      }
    }
    // sources the policies name
    for (const { source, ports: admitted } of this.policySources(workload, destination)) {
      for (const port of admitted.length > 0 ? admitted.filter(p => ports.includes(p)) : ports) {
        add(source, port, EdgeIntent.CLIENT);
      }
    }
    // workloads whose env names the destination
    for (const { source, port } of this.references(workload)) {
      add(source, port, EdgeIntent.REFERENCE);
    }
    if (fromWorkloadsOnly) {
      return edges; // the kubelet and the made-up sources below are no workload
    }
    // kubelet probes
    for (const port of probePorts(workload)) {
      add(this.kubelet(destination), port, EdgeIntent.PROBE);
    }
    if (this.options.includeUnintended) {
      edges.push(...this.unintendedEdges(workload, new Set()));
    }
    return edges;
  }

  /** Another pod of the namespace, a pod of another namespace, a client outside the mesh: on every port. */
  private unintendedEdges(workload: Workload, admittedNamespaces: ReadonlySet<string>, expected?: EdgeExpectation,
    keep: (verdict: TrafficVerdict, expected: EdgeExpectation) => boolean = () => true, owner?: string): ModelEdge[] {
    const destination = this.destination(workload);
    const dataplane: Dataplane = destination.dataplane === 'none' ? 'sidecar' : destination.dataplane;
    const ns = workload.object.namespace;
    const sources: Source[] = [
      ...admittedNamespaces.has(ns) ? [] : [synthetic('service-account', `another pod of namespace ${ns}`, ns, 'default', NO_LABELS, dataplane, true)],
      synthetic('namespace', 'a pod of another namespace', OTHER_NAMESPACE, undefined, NO_LABELS, dataplane, true),
      { key: 'outside', label: 'outside the mesh', kind: 'outside', dataplane: 'none', assumed: false, excludedOutboundPorts: [] },
    ];
    const edges: ModelEdge[] = [];
    for (const source of sources) {
      for (const port of [...new Set(workload.ports.map(p => p.port))]) {
        for (const { addressing, evaluatedPort } of this.addressings(workload, port, EdgeIntent.UNINTENDED, source)) {
          // the made-up sources are this destination's own, asked about once per destination: not memoised
          const outcome = evaluate(this.ctx, source, destination, evaluatedPort, addressing);
          if (expected === undefined || keep(outcome.verdict, expected)) {
            // the sources are made up: the edge carries no facts of its source for the rules
            edges.push(this.modelEdge(source, destination, port, addressing, EdgeIntent.UNINTENDED, expected, evaluatedPort, outcome, owner, false));
          }
        }
      }
    }
    return edges;
  }

  /**
   * How a source reaches a port: peers through the headless Service, the kubelet at the pod IP (in sidecar mode at the
   * agent on 15020: the injector rewrites probes, istio/istio 1.30.3 `pkg/kube/inject/app_probe.go`), clients through
   * every Service that exposes the port (the headless one by pod FQDN, ClusterIP ones by their address).
   */
  private addressings(workload: Workload, port: number, intent: EdgeIntent, source: Source): Reached[] {
    if (intent === EdgeIntent.PROBE || intent === EdgeIntent.SCRAPER) {
      const agent = dataplaneOf(workload).dataplane === 'sidecar' && (intent === EdgeIntent.SCRAPER ? port === AGENT_PORT : rewritesProbes(workload));
      return [{ addressing: { kind: 'pod' }, evaluatedPort: agent ? AGENT_PORT : port }];
    }
    const byPort = this.shared.reachedByPort.get(workload) ?? new Map<number, { readonly peer: Reached[]; readonly client: Reached[] }>();
    this.shared.reachedByPort.set(workload, byPort);
    let reached = byPort.get(port);
    if (!reached) {
      reached = this.reach(workload, port);
      byPort.set(port, reached);
    }
    return intent === EdgeIntent.PEER && source.workload === workload ? reached.peer : reached.client;
  }

  /** How a peer, and any other source, reaches a port of the workload's pods (the same for every source of the kind). */
  private reach(workload: Workload, port: number): { readonly peer: Reached[]; readonly client: Reached[] } {
    const services = this.inv.servicesOf(workload)
      .flatMap(service => service.ports
        .filter(p => this.inv.targetPortOn(p, workload) === port)
        .map(p => ({ service, servicePort: p.port })));
    const governing = this.governingService(workload);
    const headless = services.filter(s => s.service.headless);
    const chosenHeadless = headless.find(s => s.service === governing) ?? headless[0];
    const pod: Reached[] = [{ addressing: { kind: 'pod' }, evaluatedPort: port }];
    const found: Reached[] = [
      ...chosenHeadless ? [{ addressing: { kind: 'headless' as const, ...chosenHeadless }, evaluatedPort: port }] : [],
      ...services.filter(s => !s.service.headless && s.service.type !== 'ExternalName')
        .map(s => ({ addressing: { kind: 'service' as const, ...s }, evaluatedPort: port })),
    ];
    return { peer: chosenHeadless ? found.slice(0, 1) : pod, client: found.length > 0 ? found : pod };
  }

  /** The outcome of a source reaching the destination's port by an addressing, evaluated once per model and edge. */
  private outcome(source: Source, destination: Destination, evaluatedPort: number, addressing: Addressing): Outcome {
    const memo = `${evaluationKey(source)}\u0000${destination.workload.object.index}\u0000${evaluatedPort}\u0000${addressingKey(addressing)}`;
    let outcome = this.outcomes.get(memo);
    if (!outcome) {
      outcome = evaluate(this.ctx, source, destination, evaluatedPort, addressing);
      this.outcomes.set(memo, outcome);
    }
    return outcome;
  }

  private modelEdge(source: Source, destination: Destination, port: number, addressing: Addressing, intent: EdgeIntent,
    expected: EdgeExpectation | undefined, evaluatedPort: number, outcome: Outcome, owner?: string, sourceFacts = true): ModelEdge {
    const governing = addressing.kind === 'headless' ? this.governingService(destination.workload) : undefined;
    return new DecidedEdge({ source, destination, port, addressing, intent, expected, evaluatedPort, outcome, governing }, owner, sourceFacts);
  }

  /** The headless Service that gives a StatefulSet's pods their DNS names (its `serviceName`), if the input has it. */
  private governingService(workload: Workload): ServiceInfo | undefined {
    if (workload.object.kind !== 'StatefulSet') {
      return undefined;
    }
    if (this.shared.governing.has(workload)) {
      return this.shared.governing.get(workload);
    }
    const name = workload.object.body.spec?.serviceName;
    const service = typeof name === 'string' ? this.inv.service(workload.object.namespace, name) : undefined;
    const governing = service?.headless && this.inv.selectedBy(service).includes(workload) ? service : undefined;
    this.shared.governing.set(workload, governing);
    return governing;
  }

  private findWorkload(ref: { readonly kind: string; readonly namespace: string; readonly name: string }): Workload | undefined {
    const object = this.inv.find(ref.kind, ref.namespace, ref.name);
    this.shared.workloadsByObject = this.shared.workloadsByObject ?? new Map(this.inv.workloads.map(w => [w.object, w]));
    return object ? this.shared.workloadsByObject.get(object) : undefined;
  }

  private workloadSource(workload: Workload): Source {
    const { dataplane, assumed } = dataplaneOf(workload);
    return {
      key: `workload:${workload.object.kind}/${workload.object.namespace}/${workload.object.name}`,
      label: workloadLabel(workload),
      kind: 'workload',
      namespace: workload.object.namespace,
      serviceAccount: serviceAccountOf(workload),
      podLabels: workload.podLabels,
      dataplane,
      assumed,
      excludedOutboundPorts: excludedOutbound(workload),
      workload,
    };
  }

  private kubelet(destination: Destination): Source {
    return {
      key: 'kubelet',
      label: 'kubelet',
      kind: 'kubelet',
      dataplane: 'none',
      assumed: false,
      excludedOutboundPorts: [],
      ip: destination.dataplane === 'ambient' ? AMBIENT_PROBE_IP : undefined,
    };
  }

  private intendedSource(source: IntendedSource, destination: Destination): Source {
    switch (source.kind) {
      case 'self':
        return this.workloadSource(destination.workload);
      case 'kubelet':
        return this.kubelet(destination);
      case 'outside':
        return { key: 'outside', label: 'outside the mesh', kind: 'outside', dataplane: 'none', assumed: false, excludedOutboundPorts: [] };
      default:
        return this.clientSource(source.namespace, source.serviceAccount, source.podLabels, source.dataplane, destination);
    }
  }

  /** A workload of the input running as the account (with the labels), else a source the input only names. */
  private clientSource(namespace: string, serviceAccount: string | undefined, podLabels: Readonly<Record<string, string>> | undefined,
    dataplane: Dataplane | undefined, destination: Destination): Source {
    if (serviceAccount !== undefined) {
      const workload = (this.shared.workloadsByAccount.get(`${namespace}/${serviceAccount}`) ?? [])
        .find(w => Object.entries(podLabels ?? {}).every(([k, v]) => w.podLabels[k] === v));
      if (workload) {
        return this.workloadSource(workload);
      }
    }
    const fromNamespace = this.namespaceDataplane(namespace);
    const chosen = dataplane ?? fromNamespace ?? (destination.dataplane === 'none' ? 'sidecar' : destination.dataplane);
    const assumed = dataplane === undefined && fromNamespace === undefined;
    return serviceAccount !== undefined
      ? synthetic('service-account', `ServiceAccount ${namespace}/${serviceAccount}`, namespace, serviceAccount, podLabels, chosen, assumed)
      : synthetic('namespace', `namespace ${namespace}`, namespace, undefined, podLabels, chosen, assumed);
  }

  /** What a Namespace object among the input says about its pods' dataplane. */
  private namespaceDataplane(namespace: string): Dataplane | undefined {
    const ns = this.inv.namespaceObject(namespace);
    if (!ns) {
      return undefined;
    }
    if (ns.labels[INJECTION_NAMESPACE_LABEL] === 'enabled' || ns.labels[REV_LABEL]) {
      return 'sidecar';
    }
    return ns.labels[DATAPLANE_MODE_LABEL] === 'ambient' ? 'ambient' : 'none';
  }

  /** Sources the AuthorizationPolicies and NetworkPolicies of a destination name, with the ports they admit them on. */
  private policySources(workload: Workload, destination: Destination): Array<{ source: Source; ports: number[] }> {
    const found = new Map<string, { source: Source; ports: number[] }>();
    const addSource = (source: Source, ports: number[]) => {
      const existing = found.get(source.key);
      // an empty list means every port
      const merged = !existing ? ports : existing.ports.length === 0 || ports.length === 0 ? [] : [...new Set([...existing.ports, ...ports])];
      found.set(source.key, { source, ports: merged });
    };
    const enforcer = destination.dataplane === 'ambient' ? 'ztunnel' : 'sidecar-tcp';
    for (const policy of this.ctx.authorization.forWorkload(workload, enforcer)) {
      if (policy.action !== 'ALLOW') {
        continue;
      }
      for (const rule of policy.rules) {
        const ports = asArray(rule?.to).flatMap(t => asArray(t?.operation?.ports)).map(toPortNumber).filter((p): p is number => p !== undefined);
        for (const from of asArray(rule?.from)) {
          for (const principal of asArray(from?.source?.principals).map(String)) {
            const match = /^(?:spiffe:\/\/)?[^/]+\/ns\/([^/*]+)\/sa\/([^/*]+)$/.exec(principal);
            if (match && !(match[1] === workload.object.namespace && match[2] === destination.serviceAccount)) {
              addSource(this.clientSource(match[1], match[2], undefined, undefined, destination), ports);
            }
          }
          for (const ns of asArray(from?.source?.namespaces).map(String).filter(n => !n.includes('*'))) {
            addSource(this.clientSource(ns, undefined, undefined, undefined, destination), ports);
          }
        }
      }
    }
    return [...found.values()];
  }

  /** Workloads whose env values name one of the destination's Services (or its pods), and the ports they name. */
  private references(workload: Workload): Array<{ source: Source; port: number }> {
    const services = this.inv.servicesOf(workload);
    if (services.length === 0) {
      return [];
    }
    const found: Array<{ source: Source; port: number }> = [];
    for (const other of this.referenceIndex().get(workload) ?? []) {
      found.push({ source: this.workloadSource(other.from), port: other.port });
    }
    return found;
  }

  /** Every env reference of the input, indexed once by the workload it names (linear in the env text). */
  private referenceIndex(): Map<Workload, Array<{ from: Workload; port: number }>> {
    if (this.shared.references) {
      return this.shared.references;
    }
    const index = new Map<Workload, Array<{ from: Workload; port: number }>>();
    const suffix = `.svc.${this.inv.clusterDomain}`;
    const host = new RegExp(`([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)*([a-z0-9-]+)\\.([a-z0-9-]+)${suffix.replace(/\./g, '\\.')}(?::(\\d+))?`, 'g');
    for (const from of this.inv.workloads) {
      const seen = new Set<string>();
      for (const ref of from.containers) {
        for (const env of asArray(ref.container.env)) {
          const value = isObject(env) && typeof env.value === 'string' ? env.value : '';
          if (!value.includes(suffix)) {
            continue; // names no cluster host (most values): skip the regex
          }
          for (const m of value.matchAll(host)) {
            const service = this.inv.service(m[4], m[3]);
            if (!service) {
              continue;
            }
            for (const target of this.inv.selectedBy(service)) {
              if (target === from) {
                continue;
              }
              const ports = m[5] !== undefined
                ? service.ports.filter(p => p.port === Number(m[5]))
                : service.ports;
              for (const p of ports) {
                const port = this.inv.targetPortOn(p, target);
                const key = `${target.object.index}:${port}`;
                if (port !== undefined && !seen.has(key)) {
                  seen.add(key);
                  const named = index.get(target);
                  if (named) {
                    named.push({ from, port });
                  } else {
                    index.set(target, [{ from, port }]);
                  }
                }
              }
            }
          }
        }
      }
    }
    this.shared.references = index;
    return index;
  }
}

/** What decides one edge, kept until its public edge is written. */
interface Decision {
  readonly source: Source;
  readonly destination: Destination;
  readonly port: number;
  readonly addressing: Addressing;
  readonly intent: EdgeIntent;
  readonly expected?: EdgeExpectation;
  readonly evaluatedPort: number;
  readonly outcome: Outcome;
  /** The destination's governing headless Service, for headless addressing. */
  readonly governing?: ServiceInfo;
}

/** A model edge whose public edge is written out on first read, once. */
class DecidedEdge implements ModelEdge {
  public readonly intent: EdgeIntent;
  public readonly verdict: TrafficVerdict;
  public readonly port: number;
  public readonly expected?: EdgeExpectation;
  public readonly key: string;
  public readonly assumed?: boolean;
  public readonly clientDecidedBy?: string;
  public readonly sourceWorkload?: Workload;
  public readonly destinationWorkload?: Workload;
  private written?: TrafficEdge;

  /** @param sourceFacts whether the edge carries the facts of its source and destination (not for made-up sources) */
  constructor(private readonly decision: Decision, public readonly owner: string | undefined, sourceFacts: boolean) {
    const { source, destination, port, addressing, outcome, evaluatedPort } = decision;
    this.intent = decision.intent;
    this.verdict = outcome.verdict;
    this.port = port;
    this.expected = decision.expected;
    // the address as the public edge writes it (one function decides both): edges that dial the same name are one
    const { address } = addressOf(destination.workload, port, evaluatedPort, addressing, decision.governing);
    this.key = `${source.label}\u0000${destination.label}\u0000${port}\u0000${address}`;
    if (sourceFacts) {
      this.assumed = source.assumed || destination.assumed;
      this.clientDecidedBy = outcome.clientDecidedBy;
      this.sourceWorkload = source.workload;
      this.destinationWorkload = destination.workload;
    }
  }

  public get edge(): TrafficEdge {
    if (!this.written) {
      const { source, destination, port, addressing, intent, expected, evaluatedPort, outcome, governing } = this.decision;
      const { address, resolution } = addressOf(destination.workload, port, evaluatedPort, addressing, governing);
      const assumed = source.assumed || destination.assumed;
      this.written = {
        source: source.label,
        sourceNamespace: source.namespace,
        sourceMesh: `${source.dataplane}${source.assumed ? ' (assumed)' : ''}`,
        destination: destination.label,
        destinationNamespace: destination.workload.object.namespace,
        port,
        address,
        resolution,
        intent,
        verdict: outcome.verdict,
        expected,
        via: outcome.via ? `${outcome.via.namespace}/${outcome.via.name}` : undefined,
        peerIdentity: outcome.peerIdentity,
        decidedBy: outcome.decidedBy,
        reason: `${outcome.reason}${assumed && !outcome.reason.includes('assumed') ? ` (assuming ${assumedWhat(source, destination)})` : ''}`,
      };
    }
    return this.written;
  }
}

/** The name the source dials, and whether it resolves (kubernetes.io docs dns-pod-service; StatefulSet stable network ID). */
function addressOf(workload: Workload, port: number, evaluatedPort: number, addressing: Addressing, governing: ServiceInfo | undefined):
{ address: string; resolution: AddressResolution } {
  if (addressing.kind === 'pod') {
    return {
      address: evaluatedPort === port ? `pod IP:${port}` : `pod IP:${evaluatedPort} (the sidecar agent, for port ${port})`,
      resolution: AddressResolution.NOT_NAMED,
    };
  }
  const service = addressing.service;
  const publishes = service.object.body.spec?.publishNotReadyAddresses === true;
  if (addressing.kind === 'headless') {
    const perPod = governing === service;
    return {
      address: `${perPod ? `${workload.object.name}-*.` : ''}${service.fqdn}:${addressing.servicePort}`,
      resolution: publishes ? AddressResolution.ALWAYS : AddressResolution.WHEN_READY,
    };
  }
  return { address: `${service.fqdn}:${addressing.servicePort}`, resolution: AddressResolution.WHEN_READY };
}

/** A workload's dataplane as the input proves it; an unknown one is assumed to have a sidecar. */
function dataplaneOf(workload: Workload): { dataplane: Dataplane; assumed: boolean } {
  return workload.mesh === 'unknown' ? { dataplane: 'sidecar', assumed: true } : { dataplane: workload.mesh, assumed: false };
}

function synthetic(kind: 'service-account' | 'namespace', label: string, namespace: string, serviceAccount: string | undefined,
  podLabels: Readonly<Record<string, string>> | undefined, dataplane: Dataplane, assumed: boolean): Source {
  return { key: `${kind}:${namespace}/${serviceAccount ?? '*'}:${label}`, label, kind, namespace, serviceAccount, podLabels, dataplane, assumed, excludedOutboundPorts: [] };
}

function excludedOutbound(workload: Workload): number[] {
  return String(workload.podAnnotations[EXCLUDE_OUTBOUND_PORTS_ANNOTATION] ?? '')
    .split(',').map(p => Number(p.trim())).filter(p => Number.isInteger(p) && p > 0);
}

/** Whether the injector rewrites the pods' probes to the agent (on by default; the pod annotation turns it off). */
function rewritesProbes(workload: Workload): boolean {
  return workload.podAnnotations['sidecar.istio.io/rewriteAppHTTPProbers'] !== 'false';
}

/** The ports the kubelet probes (HTTP, TCP and gRPC probes; exec probes open no connection). */
function probePorts(workload: Workload): number[] {
  const ports = new Set<number>();
  for (const ref of workload.containers.filter(c => !c.init)) {
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'].map(k => ref.container[k]).filter(isObject)) {
      const raw = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
      const port = toPortNumber(raw) ?? workload.ports.find(p => p.name === raw)?.port;
      if (port !== undefined) {
        ports.add(port);
      }
    }
  }
  return [...ports];
}

function assumedWhat(source: Source, destination: Destination): string {
  const parts: string[] = [];
  if (source.assumed) {
    parts.push(`${source.label} runs with ${source.dataplane === 'sidecar' ? 'a sidecar' : source.dataplane === 'ambient' ? 'ambient mode' : 'no proxy'}`);
  }
  if (destination.assumed) {
    parts.push(`${destination.label} runs with a sidecar`);
  }
  return parts.join(' and ');
}

/**
 * What decides a source's side of an evaluation: a workload, the kubelet and a client outside the mesh are what their
 * key says; a source the input only names is also its dataplane (assumed or not) and the pod labels it is given.
 */
function evaluationKey(source: Source): string {
  if (source.kind === 'workload' || source.kind === 'kubelet' || source.kind === 'outside') {
    return source.key;
  }
  const labels = source.podLabels === undefined ? undefined : Object.entries(source.podLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([source.key, source.namespace, source.serviceAccount, source.dataplane, source.assumed, labels]);
}

function addressingKey(addressing: Addressing): string {
  return addressing.kind === 'pod' ? 'pod' : `${addressing.kind}:${addressing.service.object.index}:${addressing.servicePort}`;
}

function destinationKey(d: { kind: string; namespace: string; name: string }): string {
  return `${d.kind}\u0000${d.namespace}\u0000${d.name}`;
}

