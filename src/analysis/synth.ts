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

interface ConstructSuppression {
  readonly code: string;
  readonly reason: string;
}

// Symbol.for: state survives several copies of the library in one process (jsii bundles one per consumer).
const STATE = Symbol.for('cdk8s-stateful-mesh.MeshAnalysis.state');
const SUPPRESSIONS = Symbol.for('cdk8s-stateful-mesh.MeshAnalysis.suppressions');

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
    chart.node.addValidation({ validate: () => validate(chart, state) });
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

function analyzeChart(chart: Chart, options: MeshAnalysisOptions): Finding[] {
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
  return MeshAnalyzer.analyze(manifests, { ...options })
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

function validate(chart: Chart, state: ChartState): string[] {
  const errors: string[] = [];
  for (const f of analyzeChart(chart, state.options)) {
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
