import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkSuppression, MeshAnalyzer } from './analyzer';
import { Finding, Severity } from './finding';

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
}

interface AppObjects {
  readonly apiObjects: ApiObject[];
  readonly manifests: any[];
  /** Findings of the whole app, by the options they were analysed with. */
  readonly findings: Map<string, Finding[]>;
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
    return analyzeChart(chart, options ?? holder[STATE]?.options ?? {});
  }

  private constructor() {}
}

function appState(chart: Chart): AppState {
  const root = chart.node.root;
  const holder = root as unknown as { [APP_STATE]?: AppState };
  if (!holder[APP_STATE]) {
    const state: AppState = { charts: new Set() };
    Object.defineProperty(root, APP_STATE, { value: state, enumerable: false });
    root.node.addValidation({
      validate: () => {
        state.pass = { remaining: state.charts.size };
        return [];
      },
    });
  }
  return holder[APP_STATE]!;
}

/** Every ApiObject of the app, serialised (objects that cannot be are left to the synth to report). */
function appObjects(chart: Chart): AppObjects {
  const apiObjects: ApiObject[] = [];
  const manifests: any[] = [];
  for (const construct of chart.node.root.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) {
      continue;
    }
    try {
      manifests.push(construct.toJson());
      apiObjects.push(construct);
    } catch {
      // the synth reports an object that cannot be serialised; the analysis goes on without it
    }
  }
  return { apiObjects, manifests, findings: new Map() };
}

function analyzeChart(chart: Chart, options: MeshAnalysisOptions, objects: AppObjects = appObjects(chart)): Finding[] {
  const { apiObjects, manifests } = objects;
  const key = JSON.stringify(options);
  const all = objects.findings.get(key) ?? MeshAnalyzer.analyze(manifests, { ...options });
  objects.findings.set(key, all);
  return all
    .filter(f => Chart.of(apiObjects[f.objectIndex]) === chart)
    .map(f => {
      const apiObject = apiObjects[f.objectIndex];
      return { ...f, constructPath: apiObject.node.path, suppressedReason: f.suppressedReason ?? constructSuppression(apiObject, f.code) };
    });
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
  const pass = app.pass;
  if (!pass || pass.remaining <= 0) {
    return appObjects(chart); // validated outside an app-wide pass
  }
  pass.objects = pass.objects ?? appObjects(chart);
  const objects = pass.objects;
  if (--pass.remaining === 0) {
    app.pass = undefined;
  }
  return objects;
}

function validate(chart: Chart, state: ChartState, app: AppState): string[] {
  const errors: string[] = [];
  for (const f of analyzeChart(chart, state.options, passObjects(chart, app))) {
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
