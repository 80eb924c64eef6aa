import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { analyzeInventory, checkSuppression } from './analyzer';
import { AnalyzeOptions, Finding, Severity } from './finding';
import { Inventory } from './inventory';
import { appTrafficFacts, intentProblems } from './traffic/intent';
import { ModelEdge } from './traffic/model';
import { trafficModelOf } from './traffic-rules';
import { chartFacts, registerChartActivator } from '../private/mesh-facts';

/**
 * Options of the analysis run when a chart is synthesised.
 */
export interface MeshAnalysisOptions {
  /**
   * The mesh configuration, as for `MeshAnalyzer.analyze()`.
   * @default - Istio's defaults
   */
  readonly meshConfig?: any;

  /**
   * Assume sidecar injection in namespaces whose Namespace object the app does not define.
   * @default false
   */
  readonly assumeInjection?: boolean;

  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
}

interface ChartState {
  options: MeshAnalysisOptions;
  readonly printed: Set<string>;
}

/**
 * Per app: the analysed charts, and the app-wide objects of the current validation pass. cdk8s validates the whole app
 * once per synthesised chart; every chart's validation of one pass reads the same objects, so they are serialised once
 * per pass: the app's own validation (the first of each pass) opens it, the last chart's closes it.
 */
interface AppState {
  readonly charts: Set<Chart>;
  pass?: { remaining: number; objects?: AppObjects };
  /** Set for the duration of `App.synth()` / `synthYaml()`: no user code runs between its validation passes. */
  session?: { objects?: AppObjects };
  /** Objects whose JSON, computed for the analysis, waits to be handed to cdk8s' own serialization. */
  readonly cached: Set<ApiObject>;
}

interface AppObjects {
  readonly apiObjects: ApiObject[];
  readonly manifests: any[];
  /** The app's objects indexed for the analysis, by the options: the rules and the intended-edge check share it. */
  readonly inventories: Map<string, Inventory>;
  /** Findings of the whole app, by the options they were analysed with. */
  readonly findings: Map<string, Finding[]>;
  /** The intended edges of the whole app that do not get what they must, by the options. */
  readonly traffic: Map<string, ModelEdge[]>;
}

interface ConstructSuppression {
  readonly code: string;
  readonly reason: string;
}

// Symbol.for: state survives several copies of the library in one process (jsii bundles one per consumer).
const STATE = Symbol.for('cdk8s-stateful-mesh.MeshAnalysis.state');
const SUPPRESSIONS = Symbol.for('cdk8s-stateful-mesh.MeshAnalysis.suppressions');
const APP_STATE = Symbol.for('cdk8s-stateful-mesh.MeshAnalysis.app');

/**
 * The mesh analyzer at synth time.
 *
 * A chart that contains this library's constructs is analysed when it is synthesised: the rules of `MeshAnalyzer` run over
 * every ApiObject of the app (so references across charts resolve), and report on the objects of the chart. Errors fail
 * the synth, naming the construct path; warnings are printed once to stderr. A finding is accepted with
 * `MeshAnalysis.suppress(scope, code, reason)`, which covers the objects at or below `scope`; suppressed findings are
 * printed with their reason.
 */
export class MeshAnalysis {
  /**
   * Analyses the chart of `scope` when it is synthesised. Idempotent: the constructs of this library call it; call it
   * yourself for charts of raw ApiObjects, or to pass options.
   */
  public static enable(scope: IConstruct, options?: MeshAnalysisOptions): void {
    const chart = Chart.of(scope);
    const holder = chart as unknown as { [STATE]?: ChartState };
    const existing = holder[STATE];
    if (existing) {
      if (options) {
        existing.options = options;
      }
      return;
    }
    const state: ChartState = { options: options ?? {}, printed: new Set() };
    Object.defineProperty(chart, STATE, { value: state, enumerable: false });
    const app = appState(chart);
    app.charts.add(chart);
    chart.node.addValidation({ validate: () => validate(chart, state, app) });
  }

  /**
   * Accepts the findings of rule `code` about the objects at or below `scope`, for the stated reason.
   *
   * @param scope the construct whose objects (its own and its children's) the suppression covers
   * @param code the rule code, e.g. `SM102`
   * @param reason why the finding is acceptable; printed with every synth
   * @throws when the code names no rule or the reason is empty
   */
  public static suppress(scope: IConstruct, code: string, reason: string): void {
    try {
      checkSuppression(code, reason);
    } catch (e) {
      throw new Error(`${scope.node.path}: ${(e as Error).message}`);
    }
    const holder = scope as unknown as { [SUPPRESSIONS]?: ConstructSuppression[] };
    if (!holder[SUPPRESSIONS]) {
      Object.defineProperty(scope, SUPPRESSIONS, { value: [], enumerable: false });
    }
    holder[SUPPRESSIONS]!.push({ code, reason: reason.trim() });
  }

  /**
   * Runs the analysis now and returns the findings about the objects of `chart` (suppressed ones included, with their
   * reason), each with the path of the construct that produced the object. Does not synthesise the chart.
   */
  public static findings(chart: Chart, options?: MeshAnalysisOptions): Finding[] {
    const holder = chart as unknown as { [STATE]?: ChartState };
    return analyzeChart(chart, effectiveOptions(chart, options ?? holder[STATE]?.options ?? {}));
  }

  private constructor() {}
}

// the constructs of this library turn the analysis on for their charts through the facts hook
registerChartActivator(chart => MeshAnalysis.enable(chart));

/**
 * The options of an analysis of `chart`, completed with the facts its constructs recorded: the cluster domain they
 * resolved (an explicit `clusterDomain` option wins) and, across the app, the Service hosts declared outside it.
 */
function effectiveOptions(chart: Chart, options: MeshAnalysisOptions): AnalyzeOptions {
  const clusterDomain = options.clusterDomain ?? chartFacts(chart)?.clusterDomain;
  const external = new Set<string>();
  for (const construct of chart.node.root.node.children) {
    if (Chart.isChart(construct)) {
      chartFacts(construct)?.externalHosts.forEach(host => external.add(host));
    }
  }
  return {
    ...options,
    clusterDomain,
    externalHosts: external.size > 0 ? [...external].sort() : undefined,
  };
}

function appState(chart: Chart): AppState {
  const root = chart.node.root;
  const holder = root as unknown as { [APP_STATE]?: AppState };
  if (!holder[APP_STATE]) {
    const state: AppState = { charts: new Set(), cached: new Set() };
    Object.defineProperty(root, APP_STATE, { value: state, enumerable: false });
    root.node.addValidation({
      validate: () => {
        // a new pass: JSON cached by an earlier synth may be stale (the app may have changed since)
        if (!state.session?.objects) {
          clearCached(state);
        }
        state.pass = { remaining: state.charts.size };
        return [];
      },
    });
    wrapSynth(root, state);
  }
  return holder[APP_STATE]!;
}

/**
 * `App.synth()` validates the whole app once, then once more per chart, without running user code in between: within
 * one call the app is serialised and analysed once.
 */
function wrapSynth(root: IConstruct, state: AppState): void {
  for (const method of ['synth', 'synthYaml']) {
    const original = (root as any)[method];
    if (typeof original !== 'function') {
      continue;
    }
    Object.defineProperty(root, method, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        const outer = state.session === undefined;
        if (outer) {
          state.session = {};
        }
        try {
          return original.apply(root, args);
        } finally {
          if (outer) {
            state.session = undefined;
            clearCached(state);
          }
        }
      },
    });
  }
}

/**
 * Hands the JSON computed for the analysis to cdk8s' own serialization of the object, which follows in the same
 * synchronous synth, so no object is serialised twice. One use only; cleared at the start of every validation pass,
 * at the end of every `App.synth()`, and at the end of the current task, so a changed app is always serialised anew.
 */
function cacheJson(state: AppState, apiObject: ApiObject, json: any): void {
  Object.defineProperty(apiObject, 'toJson', {
    configurable: true,
    writable: true,
    value: () => {
      delete (apiObject as any).toJson;
      state.cached.delete(apiObject);
      return json;
    },
  });
  if (state.cached.size === 0) {
    queueMicrotask(() => clearCached(state));
  }
  state.cached.add(apiObject);
}

function clearCached(state: AppState): void {
  for (const apiObject of state.cached) {
    delete (apiObject as any).toJson;
  }
  state.cached.clear();
}

/** Every ApiObject of the app, serialised (objects that cannot be are left to the synth to report). */
function appObjects(chart: IConstruct, state?: AppState): AppObjects {
  const apiObjects: ApiObject[] = [];
  const manifests: any[] = [];
  for (const construct of chart.node.root.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) {
      continue;
    }
    try {
      const json = construct.toJson();
      if (state) {
        cacheJson(state, construct, json);
      }
      manifests.push(json);
      apiObjects.push(construct);
    } catch {
      // the synth reports an object that cannot be serialised; the analysis goes on without it
    }
  }
  return { apiObjects, manifests, inventories: new Map(), findings: new Map(), traffic: new Map() };
}

/** The app's objects indexed once per options (so once per synth): by the rules and by the traffic model. */
function inventoryOf(objects: AppObjects, options: AnalyzeOptions, key: string): Inventory {
  let inventory = objects.inventories.get(key);
  if (!inventory) {
    inventory = new Inventory(objects.manifests, options);
    objects.inventories.set(key, inventory);
  }
  return inventory;
}

function analyzeChart(chart: Chart, options: AnalyzeOptions, objects: AppObjects = appObjects(chart)): Finding[] {
  const { apiObjects } = objects;
  const key = JSON.stringify(options);
  const all = objects.findings.get(key) ?? analyzeInventory(inventoryOf(objects, options, key), options);
  objects.findings.set(key, all);
  return all
    .filter(f => Chart.of(apiObjects[f.objectIndex]) === chart)
    .map(f => {
      const apiObject = apiObjects[f.objectIndex];
      return { ...f, constructPath: apiObject.node.path, suppressedReason: f.suppressedReason ?? constructSuppression(apiObject, f.code) };
    });
}

/**
 * Every manifest of the app of `scope` and the options its constructs imply (their cluster domain, the hosts they
 * import): what `MeshTraffic.ofApp()` evaluates. Not part of the public API.
 */
export function appManifests(scope: IConstruct, options: AnalyzeOptions): { manifests: any[]; options: AnalyzeOptions } {
  const charts = scope.node.root.node.children.filter(Chart.isChart);
  const first = charts.find(c => chartFacts(c) !== undefined) ?? charts[0];
  return { manifests: appObjects(scope).manifests, options: first ? effectiveOptions(first, options) : options };
}

/**
 * The edges the app's constructs intend (and the sources they did not admit) that do not get what they must, evaluated
 * once per validation pass by the traffic model over every object of the app. Only those are kept for the other charts
 * of the pass: the rest of the synth runs with a smaller heap.
 */
function failingIntendedEdges(chart: Chart, options: AnalyzeOptions, objects: AppObjects): ModelEdge[] {
  const key = JSON.stringify(options);
  let edges = objects.traffic.get(key);
  if (!edges) {
    const facts = appTrafficFacts(chart.node.root);
    // the analyzer's own model of the same inventory, with the constructs' facts: the input is indexed once
    edges = (facts.intended?.length ?? 0) + (facts.protected?.length ?? 0) === 0 ? []
      : trafficModelOf(inventoryOf(objects, options, key)).withFacts(facts).unmetIntendedEdges();
    objects.traffic.set(key, edges);
  }
  return edges;
}

/** The reason of the nearest suppression of `code` on the object or an ancestor. */
function constructSuppression(apiObject: ApiObject, code: string): string | undefined {
  for (const scope of [...apiObject.node.scopes].reverse()) {
    const found = (scope as unknown as { [SUPPRESSIONS]?: ConstructSuppression[] })[SUPPRESSIONS]?.find(s => s.code === code);
    if (found) {
      return found.reason;
    }
  }
  return undefined;
}

/** The app's objects for this validation pass: serialised by the first chart of the pass, reused by the others. */
function passObjects(chart: Chart, app: AppState): AppObjects {
  if (app.session) {
    app.session.objects = app.session.objects ?? appObjects(chart, app);
    return app.session.objects;
  }
  const pass = app.pass;
  if (!pass || pass.remaining <= 0) {
    return appObjects(chart); // validated outside an app-wide pass
  }
  pass.objects = pass.objects ?? appObjects(chart, app);
  const objects = pass.objects;
  if (--pass.remaining === 0) {
    app.pass = undefined;
  }
  return objects;
}

function validate(chart: Chart, state: ChartState, app: AppState): string[] {
  const errors: string[] = [];
  const options = effectiveOptions(chart, state.options);
  const objects = passObjects(chart, app);
  for (const problem of intentProblems(failingIntendedEdges(chart, options, objects), chart.node.path)) {
    errors.push(`${problem.owner}: ${problem.message}`);
  }
  const findings = analyzeChart(chart, options, objects);
  // both results of these options are kept; the inventory and its traffic model can go
  objects.inventories.delete(JSON.stringify(options));
  for (const f of findings) {
    const where = `${f.constructPath}: ${f.code}`;
    if (f.suppressedReason !== undefined) {
      printOnce(state, `[cdk8s-stateful-mesh] suppressed ${where} ${f.origin} (reason: ${f.suppressedReason})`);
    } else if (f.severity === Severity.ERROR) {
      errors.push(`${where} ${f.message}`);
    } else if (f.severity === Severity.WARNING) {
      printOnce(state, `[cdk8s-stateful-mesh] warning ${where} ${f.message}`);
    }
  }
  return errors;
}

/** Validation runs several times per synth (once per chart serialised); print each line once. */
function printOnce(state: ChartState, line: string): void {
  if (!state.printed.has(line)) {
    state.printed.add(line);
    console.error(line);
  }
}
