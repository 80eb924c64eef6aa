import { Severity } from './finding';
import { Inventory } from './inventory';
import { asArray, isObject, K8sObject } from './objects';
import { defineRule, Rule } from './rule';

/** The label Kubernetes (>= 1.22) puts on every Namespace, with its name: what a NetworkPolicy selects namespaces by. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A namespace a policy admits, and where. */
interface NamedNamespace {
  readonly namespace: string;
  readonly path: string;
}

/** Namespaces an AuthorizationPolicy names: `source.namespaces` and the namespace part of `source.principals`. */
function authorizationNamespaces(policy: K8sObject): NamedNamespace[] {
  const found: NamedNamespace[] = [];
  asArray(policy.body.spec?.rules).forEach((rule, r) => asArray(rule?.from).forEach((from, f) => {
    const source = isObject(from?.source) ? from.source : {};
    const path = `spec.rules[${r}].from[${f}].source`;
    for (const ns of asArray(source.namespaces)) {
      if (typeof ns === 'string') {
        found.push({ namespace: ns, path: `${path}.namespaces` });
      }
    }
    for (const principal of asArray(source.principals)) {
      const match = typeof principal === 'string' ? /\/ns\/([^/*]+)\/sa\//.exec(principal) : null;
      if (match) {
        found.push({ namespace: match[1], path: `${path}.principals` });
      }
    }
  }));
  return found;
}

/** Namespaces a NetworkPolicy selects by name (`namespaceSelector.matchLabels['kubernetes.io/metadata.name']`). */
function networkPolicyNamespaces(policy: K8sObject): NamedNamespace[] {
  const found: NamedNamespace[] = [];
  asArray(policy.body.spec?.ingress).forEach((rule, r) => asArray(rule?.from).forEach((from, f) => {
    const name = from?.namespaceSelector?.matchLabels?.[NAMESPACE_NAME_LABEL];
    if (typeof name === 'string') {
      found.push({ namespace: name, path: `spec.ingress[${r}].from[${f}].namespaceSelector` });
    }
  }));
  return found;
}

/** The namespaces the input uses: those its objects are written in, and its Namespace objects. */
function usedNamespaces(inv: Inventory): Set<string> {
  const used = new Set<string>();
  for (const object of inv.objects) {
    if (object.kind === 'Namespace' && object.group === '') {
      used.add(object.name);
    } else if (object.writtenNamespace) {
      used.add(object.writtenNamespace);
    }
  }
  return used;
}

export const NAMESPACE_TYPO = defineRule({
  code: 'SM504',
  severity: Severity.ERROR,
  title: 'policy admits a namespace one typo away from one the input uses',
  description: 'An AuthorizationPolicy (`source.namespaces`, the namespace of `source.principals`) or a NetworkPolicy (a '
    + '`namespaceSelector` on `kubernetes.io/metadata.name`) that names a namespace no object of the input uses, one edit (or one '
    + 'swap of neighbouring letters) away from a namespace the input does use, admits nobody: the clients it was meant for are '
    + 'denied. Names shorter than four letters, and names that differ only in digits (`app-v1`, `app-v2`), are not judged; a '
    + 'namespace unknown to the input and near none of its namespaces is taken as managed elsewhere.',
  check(inv, report) {
    const used = usedNamespaces(inv);
    const near = new Map<string, string | undefined>();
    const nearest = (ns: string): string | undefined => {
      if (!near.has(ns)) {
        near.set(ns, used.has(ns) || ns.length < 4 ? undefined
          : [...used].filter(k => k.length >= 4 && editDistance(k, ns) <= 1 && !differsOnlyInDigits(k, ns)).sort()[0]);
      }
      return near.get(ns);
    };
    const named = [
      ...inv.ofKind('AuthorizationPolicy', 'security.istio.io').map(object => ({ object, names: authorizationNamespaces(object) })),
      ...inv.ofKind('NetworkPolicy', 'networking.k8s.io').map(object => ({ object, names: networkPolicyNamespaces(object) })),
    ];
    for (const { object, names } of named) {
      const reported = new Set<string>();
      for (const { namespace, path } of names) {
        const guess = nearest(namespace);
        if (guess !== undefined && !reported.has(namespace)) {
          reported.add(namespace);
          report(object, `admits clients of namespace '${namespace}', which no object of the input uses; did you mean '${guess}'? `
            + 'Fix the namespace (of the MeshClient, for policies this library writes)', path);
        }
      }
    }
  },
});

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbouring letters) between short strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (__, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** `app-v1` and `app-v2`: the same name with other digits, usually two real namespaces rather than a typo. */
export function differsOnlyInDigits(a: string, b: string): boolean {
  return a.length === b.length && a.replace(/[0-9]/g, '0') === b.replace(/[0-9]/g, '0');
}

export const NAMESPACE_RULES: ReadonlyArray<Rule> = [NAMESPACE_TYPO];
