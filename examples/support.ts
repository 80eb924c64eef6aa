import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * A namespace with sidecar injection enabled (the chart's own by default). A Namespace is cluster-scoped, so the
 * chart's namespace is removed from its own metadata.
 */
export function injectedNamespace(chart: Chart, name: string = chart.namespace!): kplus.Namespace {
  const namespace = new kplus.Namespace(chart, name === chart.namespace ? 'Namespace' : `Namespace-${name}`, {
    metadata: { name, labels: { 'istio-injection': 'enabled' } },
  });
  ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return namespace;
}
