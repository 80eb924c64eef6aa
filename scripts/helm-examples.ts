/**
 * The examples as Helm charts, one per example (each example is its own app, in its own namespace):
 * `npx projen synth:helm` writes them into cdk8s.out/helm/<example>/. The tests render them with the template engine
 * (tools/helm-render) and check the result against plain synthesis (test/helm/).
 */
import * as path from 'path';
import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { CassandraCrossNamespaceChart } from '../examples/cassandra-cross-namespace';
import { KafkaChart } from '../examples/kafka';
import { PatroniChart } from '../examples/patroni';
import { RabbitMqChart } from '../examples/rabbitmq';
import { RedisOutsideMeshChart } from '../examples/redis-outside-mesh';
import { SearchCacheSyncChart } from '../examples/search-cache-sync';
import { WebChart } from '../examples/web';
import { HelmBuildContext, HelmChart, IHelmChartBuilder } from '../src';

type ExampleChart = new (scope: Construct, id: string, props?: ChartProps) => Chart;

/** Builds one example in the release namespace: its own namespace follows `helm install -n`, the others stay pinned. */
class ExampleBuilder implements IHelmChartBuilder {
  constructor(private readonly id: string, private readonly chart: ExampleChart) {}

  public buildApp(scope: Construct, context: HelmBuildContext): void {
    new this.chart(scope, this.id, { namespace: context.namespace });
  }
}

/** Each example: its id (chart name), its class, the namespace it is written for, and the version of what it runs. */
export interface HelmExample {
  readonly id: string;
  readonly chart: ExampleChart;
  readonly namespace: string;
  readonly appVersion: string;
}

export const HELM_EXAMPLES: readonly HelmExample[] = [
  { id: 'web', chart: WebChart, namespace: 'web', appVersion: '1.27.4' },
  { id: 'search-cache-sync', chart: SearchCacheSyncChart, namespace: 'search', appVersion: '1.4.2' },
  { id: 'patroni', chart: PatroniChart, namespace: 'db', appVersion: '4.0.6-pg17' },
  { id: 'redis-outside-mesh', chart: RedisOutsideMeshChart, namespace: 'cache', appVersion: '8.2.1' },
  { id: 'cassandra-cross-namespace', chart: CassandraCrossNamespaceChart, namespace: 'data', appVersion: '5.0.5' },
  { id: 'kafka', chart: KafkaChart, namespace: 'streaming', appVersion: '4.0.0' },
  { id: 'rabbitmq', chart: RabbitMqChart, namespace: 'messaging', appVersion: '4.1.3' },
];

/** The Helm chart of one example. */
export function exampleHelmChart(id: string): HelmChart {
  const example = HELM_EXAMPLES.find(e => e.id === id);
  if (!example) {
    throw new Error(`no example '${id}'; examples: ${HELM_EXAMPLES.map(e => e.id).join(', ')}`);
  }
  return new HelmChart({
    name: example.id,
    version: '0.1.0',
    appVersion: example.appVersion,
    description: `The cdk8s-stateful-mesh example '${example.id}' (examples/${example.id}.ts)`,
    builder: new ExampleBuilder(example.id, example.chart),
  });
}

if (require.main === module) {
  const outdir = path.join('cdk8s.out', 'helm');
  for (const example of HELM_EXAMPLES) {
    const chart = exampleHelmChart(example.id);
    const started = Date.now();
    chart.synth(path.join(outdir, example.id));
    const files = chart.files();
    const lines = Object.values(files).reduce((n, text) => n + text.split('\n').length - 1, 0);
    const bytes = Object.values(files).reduce((n, text) => n + Buffer.byteLength(text), 0);
    console.log(`${path.join(outdir, example.id)}: ${Object.keys(files).length} files, ${lines} lines, ${(bytes / 1024).toFixed(1)} KiB `
      + `(${chart.builds} syntheses, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}
