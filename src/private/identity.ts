import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { DEFAULT_CLUSTER_DOMAIN } from './istio-constants';
import { dnsSubdomainProblem, fail, MAX_STATEFUL_SET_NAME, rfc1035LabelProblem, rfc1123LabelProblem, Where } from './validation';

/** The label every resource of a named workload carries, and that its selectors match. */
export const NAME_LABEL = 'app.kubernetes.io/name';

export const DEFAULT_NAMESPACE = 'default';

/**
 * The name of a resource whose name decides DNS: given, or the construct id lowercased; an RFC 1035 label.
 */
export function resolveName(where: Where, what: string, name: string | undefined, id: string): string {
  const resolved = name ?? id.toLowerCase();
  const problem = rfc1035LabelProblem(resolved);
  if (problem) {
    const origin = name === undefined ? ` (from the construct id '${id}')` : '';
    fail(where, `${what} '${resolved}'${origin} is not valid: it ${problem}; set a name such as '${suggestName(resolved)}'`);
  }
  return resolved;
}

/** The namespace: given, else the chart's, else `default`. Written explicitly on every object, so DNS names agree. */
export function resolveNamespace(where: Where, scope: IConstruct, namespace: string | undefined): string {
  const resolved = namespace ?? Chart.of(scope).namespace ?? DEFAULT_NAMESPACE;
  const problem = rfc1123LabelProblem(resolved);
  if (problem) {
    fail(where, `namespace '${resolved}' is not valid: it ${problem}; use a namespace such as '${suggestName(resolved)}'`);
  }
  return resolved;
}

export function resolveClusterDomain(where: Where, clusterDomain: string | undefined): string {
  const resolved = clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const problem = dnsSubdomainProblem(resolved); // a cluster domain is dot-separated RFC 1123 labels
  if (problem) {
    fail(where, `cluster domain '${resolved}' ${problem}; use the cluster's DNS domain, usually '${DEFAULT_CLUSTER_DOMAIN}'`);
  }
  return resolved;
}

export function checkStatefulSetName(where: Where, name: string): void {
  if (name.length > MAX_STATEFUL_SET_NAME) {
    fail(where, `StatefulSet name '${name}' is ${name.length} characters long; Kubernetes creates no pods for a StatefulSet name longer than `
      + `${MAX_STATEFUL_SET_NAME} (the controller-revision-hash label overflows 63, kubernetes/kubernetes#64023); shorten the name`);
  }
}

export function serviceFqdn(name: string, namespace: string, clusterDomain: string): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}

/** A valid DNS label close to `value`, for the fix of an error. */
export function suggestName(value: string): string {
  const cleaned = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 52).replace(/-+$/, '');
  return cleaned || 'my-app';
}
