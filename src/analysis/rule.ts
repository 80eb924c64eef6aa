import { RuleDescription, Severity } from './finding';
import { Inventory, Workload } from './inventory';
import { K8sObject } from './objects';

/**
 * Reports one finding about an object: `message` is the part after `<Kind> <namespace>/<name>: `, starting in lower
 * case, naming the bad value and the fix; `path` points inside the object.
 */
export type Report = (object: K8sObject, message: string, path?: string) => void;

/**
 * A rule: a pure function of the inventory. It reads, never writes, and reports through `report`.
 */
export interface Rule extends RuleDescription {
  check(inventory: Inventory, report: Report): void;
}

/** Defines a rule. */
export function defineRule(rule: {
  readonly code: string;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  readonly istioCode?: string;
  readonly check: (inventory: Inventory, report: Report) => void;
}): Rule {
  return rule;
}

/** `'a', 'b' and 'c'` */
export function quoteList(values: ReadonlyArray<string | number>, max = 5): string {
  const quoted = values.slice(0, max).map(v => typeof v === 'number' ? String(v) : `'${v}'`);
  const more = values.length > max ? ` and ${values.length - max} more` : '';
  if (quoted.length <= 1) {
    return `${quoted.join('')}${more}`;
  }
  return more ? `${quoted.join(', ')}${more}` : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** `StatefulSet db/pg` without the namespace when it is the same as `namespace`. */
export function shortOrigin(object: K8sObject): string {
  return `${object.kind} '${object.name}'`;
}

/** `StatefulSet 'pg' (sidecar.istio.io/inject: "false")` for each workload, at most a few. */
export function describeWorkloads(workloads: ReadonlyArray<Workload>, why?: (w: Workload) => string): string {
  const shown = workloads.slice(0, 3).map(w => `${w.object.kind} '${w.object.name}'${why ? ` (${why(w)})` : ''}`);
  const more = workloads.length > 3 ? ` and ${workloads.length - 3} more` : '';
  return `${shown.join(', ')}${more}`;
}
