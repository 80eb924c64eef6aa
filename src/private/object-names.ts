import { IConstruct } from 'constructs';
import { fail } from './validation';

/**
 * One owner per Kubernetes object name: two objects of one kind with one name in one namespace are one object in the
 * cluster (the second `kubectl apply` overwrites the first), yet cdk8s writes both without a word. Constructs claim
 * the names they write (`claimObjectName`); a second claim anywhere in the app fails, naming both. A construct's
 * descendants may claim what it claimed (a database claims its StatefulSet name before its workload does).
 * Not exported from the package.
 */

// Symbol.for: several copies of the library in one process (jsii bundles one per consumer) share the claims.
const CLAIMS = Symbol.for('cdk8s-stateful-mesh.object-names');

/**
 * Claims `<kind> <namespace>/<name>` for `owner`, in `owner`'s app.
 *
 * @param what how the user sets the name, for the fix, e.g. `name` or `headlessServiceName`
 */
export function claimObjectName(owner: IConstruct, kind: string, namespace: string, name: string, what: string): void {
  const claims = claimsOf(owner.node.root);
  const key = `${kind} ${namespace}/${name}`;
  const holder = claims.get(key);
  if (holder && !isAncestorOf(holder, owner)) {
    fail(owner, `${kind} '${name}' in namespace '${namespace}' is already written by ${holder.node.path || 'the app'}: `
      + 'two objects with one name in one namespace are one object in the cluster, the second overwriting the first; '
      + `give one of them another ${what} (or another namespace)`);
  }
  if (!holder) {
    claims.set(key, owner);
  }
}

function isAncestorOf(ancestor: IConstruct, scope: IConstruct): boolean {
  return scope.node.scopes.includes(ancestor);
}

function claimsOf(root: IConstruct): Map<string, IConstruct> {
  const holder = root as unknown as { [CLAIMS]?: Map<string, IConstruct> };
  if (!holder[CLAIMS]) {
    Object.defineProperty(root, CLAIMS, { value: new Map<string, IConstruct>(), enumerable: false });
  }
  return holder[CLAIMS]!;
}
