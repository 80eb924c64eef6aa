import { Severity } from './finding';
import { Workload } from './inventory';
import { isObject, stringMap } from './objects';
import { defineRule, Rule } from './rule';

/** Pods the mesh enforces policy on: with a sidecar, in ambient mode, or not proven outside the mesh. */
function inMesh(workload: Workload): boolean {
  return workload.mesh !== 'none';
}

export const AUTHORIZATION_POLICY_MATCHES_NOTHING = defineRule({
  code: 'SM502',
  severity: Severity.WARNING,
  istioCode: 'IST0127',
  title: 'AuthorizationPolicy selector matches no pod',
  description: 'An AuthorizationPolicy whose selector matches no pod template in its namespace (any namespace, for the root namespace), '
    + 'or a namespace-wide one in a namespace without pods, applies to nothing. Pods proven outside the mesh do not count; '
    + 'policies attached with targetRef(s) are skipped. On a partial input (the `lint` command: policies often live in a file or '
    + 'overlay of their own) it is reported only when the selected pods are in another namespace (both namespaces written on '
    + 'the objects), and mesh-wide policies are not judged.',
  check(inv, report) {
    for (const ap of inv.ofKind('AuthorizationPolicy', 'security.istio.io')) {
      const spec = isObject(ap.body.spec) ? ap.body.spec : {};
      if (spec.targetRef !== undefined || spec.targetRefs !== undefined) {
        continue;
      }
      const hasSelector = isObject(spec.selector);
      const labels = stringMap(spec.selector?.matchLabels);
      const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
      if (ap.namespace === inv.rootNamespace) {
        // a mesh-wide policy of a partial input (the gateway's own chart, an overlay): nothing can prove it wrong
        if (hasSelector && !inv.partialInput && !inv.selectWorkloads(undefined, labels).some(inMesh)) {
          report(ap, `mesh-wide selector (${text}) matches no pod in the mesh among the manifests, so the policy applies to nothing; `
            + 'use the labels of the pod template it is meant for', 'spec.selector');
        }
        continue;
      }
      if (!hasSelector) {
        if (!inv.partialInput && !inv.workloadsIn(ap.namespace).some(inMesh)) {
          report(ap, `applies to namespace '${ap.namespace}', which has no pods in the mesh among the manifests, so the policy applies to nothing; `
            + 'check its namespace');
        }
      } else if (!inv.selectWorkloads(ap.namespace, labels).some(inMesh)) {
        // on a partial input (a policy in its own file), only evidence of a mistake: the pods are in another namespace,
        // both written on the objects (a kustomize base leaves them to the overlay)
        const elsewhere = ap.writtenNamespace === undefined ? undefined : inv.selectWorkloads(undefined, labels)
          .filter(w => inMesh(w) && w.object.writtenNamespace !== undefined).map(w => w.object.namespace).sort()[0];
        if (inv.partialInput && elsewhere === undefined) {
          continue;
        }
        report(ap, `selector (${text}) matches no pod in namespace '${ap.namespace}' among the manifests, so the policy applies to nothing; `
          + (elsewhere ? `the pods it selects are in namespace '${elsewhere}': move the policy there` : 'use the labels of the pod template it is meant for'),
        'spec.selector');
      }
    }
  },
});

export const AUTHORIZATION_RULES: ReadonlyArray<Rule> = [AUTHORIZATION_POLICY_MATCHES_NOTHING];
