import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { EdgeIntent, MeshAnalyzer, MeshTraffic, TrafficVerdict } from '../../src';
import { expectSchemaValid } from '../support/manifests';

/** The objects of rendered templates (YAML 1.1, as cdk8s writes them), in template order. */
export function objectsOf(manifests: Record<string, string>): any[] {
  return Object.keys(manifests).sort().flatMap(name => YAML.parseAllDocuments(manifests[name], { version: '1.1' })
    .map(d => d.toJS()).filter(o => o !== null && o !== undefined));
}

/**
 * What `cdk8s synth` writes for charts built into a fresh app, by Helm template path, the release namespace's own
 * Namespace object left out (the chart leaves it to Helm): `Yaml.stringify` of each chart's objects, as
 * `App.synth()` writes them (cdk8s `Yaml.save`).
 */
export function plainSynthesis(build: (app: App) => void, namespace: string): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'plain-synth-'));
  try {
    const app = new App({ outdir });
    build(app);
    app.synth(); // construct validation, as cdk8s synth runs it
    const result: Record<string, string> = {};
    for (const chart of app.node.children.filter((c): c is Chart => c instanceof Chart)) {
      const objects = chart.toJson().filter((o: any) => !(o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata?.name === namespace));
      result[`templates/${chart.node.id}.yaml`] = Yaml.stringify(...objects);
    }
    return result;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Rendered manifests pass what plain synthesis passes: the Kubernetes and Istio schemas, the mesh analyzer with zero
 * findings, and the traffic model with no denied peer or probe edge.
 */
export function expectWorkingRelease(objects: any[]): void {
  expectSchemaValid(objects);
  expect(MeshAnalyzer.analyze(objects).map(f => `${f.code} ${f.message}`)).toEqual([]);
  const denied = MeshTraffic.analyze(objects)
    .filter(e => (e.intent === EdgeIntent.PEER || e.intent === EdgeIntent.PROBE) && e.verdict === TrafficVerdict.DENIED)
    .map(e => `${e.source} -> ${e.destination}:${e.port} (${e.intent})`);
  expect(denied).toEqual([]);
}

/**
 * Every per-pod address of a StatefulSet in `namespace` (`<pod>.<headless>.<ns>.svc.`) that the manifests write names
 * `namespace`; returns how many there are.
 */
export function podAddressesIn(objects: any[], namespace: string): number {
  const text = JSON.stringify(objects);
  let count = 0;
  for (const sts of objects.filter(o => o.kind === 'StatefulSet' && o.metadata.namespace === namespace)) {
    const service = sts.spec.serviceName;
    const address = new RegExp(`(?:\\$\\(POD_NAME\\)|${sts.metadata.name}-[0-9]+)\\.${service}\\.([a-z0-9-]+)\\.svc\\.`, 'g');
    const found = [...text.matchAll(address)].map(m => m[1]);
    expect({ statefulSet: sts.metadata.name, namespaces: [...new Set(found)] })
      .toEqual({ statefulSet: sts.metadata.name, namespaces: found.length ? [namespace] : [] });
    count += found.length;
  }
  return count;
}
