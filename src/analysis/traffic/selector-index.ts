import { expressionMatches } from '../inventory';
import { asArray, isObject, stringMap } from '../objects';

/**
 * Items that select pods by labels (policies with a `selector`, NetworkPolicies with a `podSelector`), indexed so that
 * finding those that select a pod costs the pod's few labels, not every item of its namespace: each item with
 * `matchLabels` is filed under one of its labels; items that select a whole namespace, or only by expressions, are
 * kept apart and checked one by one (there are few of them).
 */
export class SelectorIndex<T> {
  private readonly byLabel = new Map<string, Array<{ readonly item: T; readonly labels: Record<string, string>; readonly expressions: any[] }>>();
  private readonly unindexed = new Map<string, Array<{ readonly item: T; readonly labels: Record<string, string>; readonly expressions: any[] }>>();
  private readonly orders = new Map<T, number>();
  /** Answers by pod label set (a workload's labels are one object, asked about once per edge): cleared by `add()`. */
  private answers = new WeakMap<object, Map<string, ReadonlyArray<T>>>();

  /**
   * Files an item of a namespace under its selector; `selector` undefined (or empty) selects every pod of the namespace.
   */
  public add(namespace: string, selector: any, item: T): void {
    const labels = isObject(selector) ? stringMap(selector.matchLabels) : {};
    const expressions = isObject(selector) ? asArray(selector.matchExpressions) : [];
    const entry = { item, labels, expressions };
    this.answers = new WeakMap();
    if (!this.orders.has(item)) {
      this.orders.set(item, this.orders.size);
    }
    const [first] = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
    const map = first ? this.byLabel : this.unindexed;
    const key = first ? labelKey(namespace, first[0], first[1]) : namespace;
    const list = map.get(key);
    if (list) {
      list.push(entry);
    } else {
      map.set(key, [entry]);
    }
  }

  /** The items of `namespace` whose selector the pod labels satisfy, in the order they were added. */
  public selecting(namespace: string, podLabels: Readonly<Record<string, string>>): ReadonlyArray<T> {
    let byNamespace = this.answers.get(podLabels);
    if (!byNamespace) {
      byNamespace = new Map();
      this.answers.set(podLabels, byNamespace);
    }
    let answer = byNamespace.get(namespace);
    if (!answer) {
      answer = this.select(namespace, podLabels);
      byNamespace.set(namespace, answer);
    }
    return answer;
  }

  private select(namespace: string, podLabels: Readonly<Record<string, string>>): T[] {
    const found: Array<{ readonly item: T; readonly order: number }> = [];
    const seen = new Set<T>();
    const consider = (entries: ReadonlyArray<Entry<T>> | undefined) => {
      for (const entry of entries ?? []) {
        if (!seen.has(entry.item) && matchesLabels(entry.labels, podLabels) && entry.expressions.every(e => expressionMatches(e, podLabels))) {
          seen.add(entry.item);
          found.push({ item: entry.item, order: this.orders.get(entry.item)! });
        }
      }
    };
    consider(this.unindexed.get(namespace));
    for (const k in podLabels) {
      consider(this.byLabel.get(labelKey(namespace, k, podLabels[k])));
    }
    return found.length < 2 ? found.map(f => f.item) : found.sort((a, b) => a.order - b.order).map(f => f.item);
  }

}

function matchesLabels(wanted: Readonly<Record<string, string>>, podLabels: Readonly<Record<string, string>>): boolean {
  for (const k in wanted) {
    if (podLabels[k] !== wanted[k]) {
      return false;
    }
  }
  return true;
}

/** An item filed under its selector's labels and expressions. */
interface Entry<T> {
  readonly item: T;
  readonly labels: Record<string, string>;
  readonly expressions: any[];
}

function labelKey(namespace: string, key: string, value: string): string {
  return `${namespace}\u0000${key}\u0000${value}`;
}
