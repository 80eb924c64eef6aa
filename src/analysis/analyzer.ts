import { AMBIENT_RULES } from './ambient';
import { ANNOTATION_RULES } from './annotations';
import { AUTHORIZATION_RULES } from './authorization';
import { DESTINATION_RULE_RULES } from './destination-rules';
import { AnalyzeOptions, Finding, RuleDescription, Severity, Suppression } from './finding';
import { Inventory } from './inventory';
import { MTLS_RULES } from './mtls';
import { NAMESPACE_RULES } from './namespaces';
import { K8sObject } from './objects';
import { defineRule, Rule } from './rule';
import { SERVICE_ENTRY_RULES } from './service-entries';
import { SERVICE_RULES } from './services';
import { TRAFFIC_RULES } from './traffic-rules';
import { WORKLOAD_RULES } from './workloads';

/** The annotation that suppresses findings about the object it is on: `SM102: reason` entries, separated by `;` or new lines. */
export const SUPPRESS_ANNOTATION = 'lint.cdk8s-stateful-mesh.dev/suppress';

/**
 * Istio's own suppression annotation: `IST0118,IST0135` (comma-separated codes, `*` for every code) hides the messages of
 * `istioctl analyze` about the object it is on (istio/istio pkg/config/analysis/local/analyze.go, "Filter out any
 * messages on resources with suppression annotations"). It hides the findings that carry one of those IST codes.
 */
export const ISTIO_SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

const INVALID_SUPPRESSION = defineRule({
  code: 'SM001',
  severity: Severity.ERROR,
  title: 'invalid suppression',
  description: `An entry of the \`${SUPPRESS_ANNOTATION}\` annotation must be \`<rule code>: <reason>\` with a known rule code and a `
    + 'non-empty reason; nothing is hidden without a stated reason. This finding cannot be suppressed.',
  check(inv, report) {
    for (const object of inv.objects) {
      for (const entry of annotationSuppressions(object)) {
        if (entry.problem) {
          report(object, `annotation ${SUPPRESS_ANNOTATION} entry '${entry.text}' ${entry.problem}`, `metadata.annotations.${SUPPRESS_ANNOTATION}`);
        }
      }
    }
  },
});

const RULES: ReadonlyArray<Rule> = [
  INVALID_SUPPRESSION, ...SERVICE_RULES, ...WORKLOAD_RULES, ...DESTINATION_RULE_RULES, ...MTLS_RULES, ...AMBIENT_RULES,
  ...SERVICE_ENTRY_RULES, ...AUTHORIZATION_RULES, ...NAMESPACE_RULES, ...ANNOTATION_RULES,
  ...TRAFFIC_RULES,
];
const RULES_BY_CODE: ReadonlyMap<string, Rule> = new Map(RULES.map(r => [r.code, r]));

/**
 * The mesh analyzer: rules that know the pitfalls of stateful workloads in an Istio mesh (undeclared or sniffed
 * ports of headless Services, StatefulSet DNS, per-pod addresses, mTLS that clients and servers disagree on,
 * ambient mode), run over plain manifest objects.
 *
 * The rules are pure functions of the manifests: the same code runs when a chart is synthesised (see `MeshAnalysis`)
 * and in the `cdk8s-stateful-mesh lint` command, on manifests from anywhere (Helm, kustomize, hand-written YAML).
 * Where a rule reproduces an `istioctl analyze` message, the finding names its code (`istioCode`).
 *
 * @see https://github.com/cdk8s-stateful-mesh/cdk8s-stateful-mesh/blob/main/docs/rules.md
 */
export class MeshAnalyzer {
  /**
   * Analyses manifests (Kubernetes objects as plain JSON, e.g. from `chart.toJson()` or parsed YAML).
   * Objects that are not `{ apiVersion, kind, ... }` are ignored.
   *
   * @returns the findings, suppressed ones included (with `suppressedReason`), ordered by object then rule code
   */
  public static analyze(manifests: any[], options: AnalyzeOptions = {}): Finding[] {
    for (const s of options.suppressions ?? []) {
      checkSuppression(s.code, s.reason);
    }
    const inventory = new Inventory(manifests, options);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const rule of RULES) {
      rule.check(inventory, (object, message, path) => {
        const id = `${rule.code}\u0000${object.index}\u0000${path ?? ''}\u0000${message}`;
        if (seen.has(id)) {
          return;
        }
        seen.add(id);
        const suppressedReason = rule === INVALID_SUPPRESSION ? undefined : suppressionFor(rule, object, options.suppressions ?? []);
        findings.push({
          code: rule.code,
          severity: rule.severity,
          message: `${object.origin}: ${message}`,
          kind: object.kind,
          namespace: object.writtenNamespace,
          name: object.name,
          origin: object.origin,
          objectIndex: object.index,
          istioCode: rule.istioCode,
          path,
          suppressedReason,
        });
      });
    }
    return findings.sort((a, b) => a.objectIndex - b.objectIndex || compare(a.code, b.code) || compare(a.path ?? '', b.path ?? '')
      || compare(a.message, b.message));
  }

  /** Every rule, in code order. */
  public static rules(): RuleDescription[] {
    return [...RULES].sort((a, b) => compare(a.code, b.code)).map(describe);
  }

  /**
   * One rule.
   * @throws when no rule has this code
   */
  public static rule(code: string): RuleDescription {
    const rule = RULES_BY_CODE.get(code);
    if (!rule) {
      throw new Error(`unknown rule code '${code}'; the codes are ${[...RULES_BY_CODE.keys()].sort().join(', ')}`);
    }
    return describe(rule);
  }

  private constructor() {}
}

/** Throws when a suppression names no known rule, or has no reason. */
export function checkSuppression(code: string, reason: string): void {
  MeshAnalyzer.rule(code);
  if (code === INVALID_SUPPRESSION.code) {
    throw new Error(`rule ${code} cannot be suppressed: fix the suppression it reports`);
  }
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new Error(`a suppression of ${code} needs a reason: say why the finding is acceptable`);
  }
}

function describe(rule: Rule): RuleDescription {
  return { code: rule.code, severity: rule.severity, title: rule.title, description: rule.description, istioCode: rule.istioCode };
}

interface AnnotationEntry {
  readonly text: string;
  readonly code?: string;
  readonly reason?: string;
  readonly problem?: string;
}

function annotationSuppressions(object: K8sObject): AnnotationEntry[] {
  const value = object.annotations[SUPPRESS_ANNOTATION];
  if (value === undefined) {
    return [];
  }
  return value.split(/[;\n]/).map(t => t.trim()).filter(t => t !== '').map(text => {
    const match = /^([A-Za-z]+\d+)\s*(?::\s*(.*))?$/.exec(text);
    if (!match) {
      return { text, problem: 'is not \'<rule code>: <reason>\'; write e.g. \'SM102: the port is sniffed on purpose\'' };
    }
    const [, code, reason] = match;
    if (!RULES_BY_CODE.has(code) || code === INVALID_SUPPRESSION.code) {
      return { text, problem: `names no rule that can be suppressed; use one of ${[...RULES_BY_CODE.keys()].filter(c => c !== 'SM001').sort().join(', ')}` };
    }
    if (!reason || reason.trim() === '') {
      return { text, problem: `has no reason; write '${code}: <why the finding is acceptable>'` };
    }
    return { text, code, reason: reason.trim() };
  });
}

function suppressionFor(rule: Rule, object: K8sObject, suppressions: ReadonlyArray<Suppression>): string | undefined {
  const code = rule.code;
  const fromAnnotation = annotationSuppressions(object).find(e => e.code === code);
  if (fromAnnotation) {
    return fromAnnotation.reason;
  }
  const istio = object.annotations[ISTIO_SUPPRESS_ANNOTATION];
  if (rule.istioCode !== undefined && istio !== undefined && istio.split(',').some(c => c === '*' || c === rule.istioCode)) {
    return `${ISTIO_SUPPRESS_ANNOTATION}: ${istio}`;
  }
  return suppressions.find(s => s.code === code
    && (s.kind === undefined || s.kind === object.kind)
    && (s.namespace === undefined || s.namespace === object.namespace)
    && (s.name === undefined || s.name === object.name))?.reason;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
