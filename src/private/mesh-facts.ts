import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The one hook between the constructs and the synth-time analysis.
 *
 * Constructs record facts here that their manifests cannot carry (the cluster domain they resolved, hosts that exist
 * outside the app); the analysis (`analysis/synth.ts`) registers itself when the package is loaded, turns on for
 * every chart that holds one of this library's constructs, and reads the facts. Constructs never import the
 * analyzer and never name a rule: the analyzer decides what a fact means. Not exported from the package.
 */
export interface ChartFacts {
  /** The cluster domain the chart's constructs resolved (the first one recorded). */
  clusterDomain?: string;
  /** Service hosts (FQDNs) the chart refers to that are declared outside the app. */
  readonly externalHosts: Set<string>;
  /** What must (and must not) get through, produced when the chart is synthesised (clients are added after construction). */
  readonly traffic: Array<() => TrafficFacts>;
}

/** A workload, by kind, namespace and name. */
export interface WorkloadRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Who an intended edge comes from: the workload's own pods, the kubelet, a client (by namespace, service account, labels). */
export interface IntendedSourceFact {
  readonly kind: 'self' | 'kubelet' | 'outside' | 'client';
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** An edge a construct intends: the source, the destination's container ports, and what it must get. */
export interface IntendedEdgeFact {
  readonly intent: 'peer' | 'client' | 'probe' | 'scraper';
  readonly destination: WorkloadRef;
  readonly source: IntendedSourceFact;
  /** Container ports; empty for probes means the ports the pods' probes use. */
  readonly ports: ReadonlyArray<number>;
  readonly expected: 'mtls' | 'plaintext' | 'allowed';
  /** The construct path that intends it. */
  readonly owner: string;
}

/** A waypoint the constructs describe, whether or not they write its Gateway. */
export interface WaypointFact {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** `service`, `workload`, `all`; undefined when only its Gateway (if in the app) can tell. */
  readonly trafficType?: string;
}

/** The traffic facts of one construct. */
export interface TrafficFacts {
  readonly intended: ReadonlyArray<IntendedEdgeFact>;
  /** Workloads whose allow-list is real: a source nobody admitted must be denied. */
  readonly protected: ReadonlyArray<{ readonly destination: WorkloadRef; readonly owner: string }>;
  readonly waypoints: ReadonlyArray<WaypointFact>;
}

/** What the analysis does with a chart that holds mesh constructs. */
export type ChartActivator = (chart: Chart) => void;

// Symbol.for: several copies of the library in one process (jsii bundles one per consumer) share the facts.
const FACTS = Symbol.for('cdk8s-stateful-mesh.facts');

let activator: ChartActivator | undefined;
const waiting = new Set<Chart>();

/** Called once by the synth-time analysis, when it is loaded. */
export function registerChartActivator(activate: ChartActivator): void {
  activator = activate;
  for (const chart of waiting) {
    activate(chart);
  }
  waiting.clear();
}

/** Records that `scope`'s chart holds a mesh construct (and, optionally, the cluster domain it resolved). */
export function recordMeshConstruct(scope: IConstruct, clusterDomain?: string): void {
  const chart = Chart.of(scope);
  const facts = factsOf(chart);
  if (clusterDomain !== undefined && facts.clusterDomain === undefined) {
    facts.clusterDomain = clusterDomain;
  }
  if (activator) {
    activator(chart);
  } else {
    waiting.add(chart);
  }
}

/** Records that `host` (a Service FQDN `scope` refers to) is declared outside the app. */
export function recordExternalHost(scope: IConstruct, host: string): void {
  recordMeshConstruct(scope);
  factsOf(Chart.of(scope)).externalHosts.add(host);
}

/** Records what `scope` intends to get through, computed at synthesis by `produce`. */
export function recordTraffic(scope: IConstruct, produce: () => TrafficFacts): void {
  recordMeshConstruct(scope);
  factsOf(Chart.of(scope)).traffic.push(produce);
}

/** The facts recorded for a chart, if any. */
export function chartFacts(chart: Chart): ChartFacts | undefined {
  return (chart as unknown as { [FACTS]?: ChartFacts })[FACTS];
}

function factsOf(chart: Chart): ChartFacts {
  const holder = chart as unknown as { [FACTS]?: ChartFacts };
  if (!holder[FACTS]) {
    Object.defineProperty(chart, FACTS, { value: { externalHosts: new Set<string>(), traffic: [] }, enumerable: false });
  }
  return holder[FACTS]!;
}
