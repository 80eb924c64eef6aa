import { App } from 'cdk8s';
import { buildExamples } from '../../examples';
import { expectEveryPortDeclaredAndNamed, expectPodAddressesResolve } from '../support/assertions';
import { expectSchemaValid } from '../support/manifests';

describe('all examples', () => {
  const app = new App({ outdir: 'unused' });
  const charts = buildExamples(app);

  test('each example is its own chart, with its own namespace', () => {
    expect(charts.map(c => c.node.id)).toEqual(['web', 'search-cache-sync', 'patroni', 'redis-outside-mesh', 'cassandra-cross-namespace', 'kafka', 'rabbitmq']);
    expect(new Set(charts.map(c => c.namespace)).size).toBe(charts.length);
  });

  test.each(charts.map(c => [c.node.id, c] as const))('%s synthesises schema-valid manifests, every port declared and named, every address resolvable', (_, chart) => {
    const manifests = chart.toJson();
    expectSchemaValid(manifests);
    expectEveryPortDeclaredAndNamed(manifests);
    expectPodAddressesResolve(manifests);
  });
});
