import { Testing } from 'cdk8s';
import { buildExamples } from '../../examples';
import { MeshAnalysis, MeshAnalyzer } from '../../src';
import { expectSchemaValid } from '../support/manifests';

describe('the examples', () => {
  test('synthesise (with the analysis at synth) and the analyzer finds nothing in them, not even info', () => {
    const app = Testing.app();
    const charts = buildExamples(app);
    expect(charts.length).toBeGreaterThan(0);
    const manifests = charts.flatMap(chart => chart.toJson());
    expectSchemaValid(manifests);
    expect(MeshAnalyzer.analyze(manifests).map(f => f.message)).toEqual([]);
    for (const chart of charts) {
      expect(MeshAnalysis.findings(chart)).toEqual([]);
    }
  });
});
