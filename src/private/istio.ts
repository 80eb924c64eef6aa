import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { IMeshWorkload } from '../mesh-workload';
import { fail, portNumberProblem, Where } from './validation';

/** An Istio duration string (`5s`, `250ms`); Istio's CRDs require more than 1ms. */
export function istioDuration(where: Where, what: string, duration: Duration): string {
  const ms = duration.toMilliseconds();
  if (!Number.isInteger(ms) || ms <= 1) {
    fail(where, `${what} ${ms}ms must be a whole number of milliseconds above 1ms (Istio rejects shorter durations)`);
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Istio workload selectors take exact labels: no wildcard in keys or values, no empty key. */
export function checkSelectorLabels(where: Where, labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (key === '' || key.includes('*') || value.includes('*')) {
      fail(where, `selector label '${key}: ${value}' is not allowed: Istio selectors take exact labels (no wildcard, no empty key)`);
    }
  }
  return { ...labels };
}

/** The selector of a workload-scoped policy: from the workload, or given labels, never both. */
export function policySelector(
  where: Where, workload: IMeshWorkload | undefined, labels: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (workload && labels) {
    fail(where, 'both workload and selectorLabels are set; give one of them (the workload already selects its pods)');
  }
  const selector = workload?.selectorLabels ?? labels;
  if (selector !== undefined && Object.keys(selector).length === 0) {
    fail(where, 'selectorLabels is empty, which would select every pod of the namespace; omit it for a namespace-wide policy');
  }
  return selector ? checkSelectorLabels(where, selector) : undefined;
}

/** A port a workload-scoped policy names must be one of the workload's declared (container) ports. */
export function checkWorkloadPort(scope: IConstruct, workload: IMeshWorkload | undefined, port: number, what: string): void {
  const problem = portNumberProblem(port);
  if (problem) {
    fail(scope, `${what} port ${port} ${problem}`);
  }
  if (workload && !workload.ports.some(p => p.port === port)) {
    fail(scope, `${what} port ${port} is not a container port of '${workload.name}' (${workload.ports.map(p => p.port).join(', ') || 'none declared'}); `
      + 'port-level settings are keyed by the pods\' container ports');
  }
}
