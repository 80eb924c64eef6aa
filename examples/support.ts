import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * The chart's namespace, with sidecar injection enabled. A Namespace is cluster-scoped, so the chart's
 * namespace is removed from its own metadata.
 */
export function injectedNamespace(chart: Chart): kplus.Namespace {
  const namespace = new kplus.Namespace(chart, 'Namespace', {
    metadata: { name: chart.namespace, labels: { 'istio-injection': 'enabled' } },
  });
  ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return namespace;
}
