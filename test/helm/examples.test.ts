import * as fs from 'fs';
import * as YAML from 'yaml';
import { helmTemplate, helmTemplateError, writeChart } from './render';
import { expectWorkingRelease, objectsOf, plainSynthesis, podAddressesIn } from './support';
import { exampleHelmChart, HELM_EXAMPLES } from '../../scripts/helm-examples';
import { HelmChart } from '../../src';

/**
 * Every example as a Helm chart (`npx projen synth:helm`), rendered by the template engine (tools/helm-render): with the
 * defaults into the example's own namespace and into another, and with overrides, the manifests are byte for byte what
 * plain synthesis writes for the same namespace and settings, and they pass the schemas, the analyzer (zero findings)
 * and the traffic model (no denied peer or probe edge), with every per-pod address in the release namespace.
 */
describe.each(HELM_EXAMPLES.map(e => [e.id, e] as const))('helm chart of example %s', (id, example) => {
  let chart: HelmChart;
  let dir: string;
  let values: any;
  let schema: any;

  beforeAll(() => {
    chart = exampleHelmChart(id);
    const files = chart.files();
    dir = writeChart(files);
    values = YAML.parse(files['values.yaml']);
    schema = JSON.parse(files['values.schema.json']);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('Chart.yaml carries the name, version and appVersion the example sets', () => {
    expect(YAML.parse(chart.files()['Chart.yaml'])).toMatchObject({ apiVersion: 'v2', name: id, version: '0.1.0', appVersion: example.appVersion });
  });

  test.each([example.namespace, 'other-team'])('with the defaults, into namespace %s, it renders the plain synthesis of the example there', namespace => {
    const rendered = helmTemplate(dir, { namespace });
    expect(rendered.manifests).toEqual(plainSynthesis(app => new example.chart(app, id, { namespace }), namespace));
    const objects = objectsOf(rendered.manifests);
    expectWorkingRelease(objects);
    expect(podAddressesIn(objects, namespace)).toBeGreaterThan(0);
    expect(rendered.notes).toContain(`is installed in namespace ${namespace}`);
  });

  test('with overrides (values file and --set), it renders the plain synthesis with those settings', () => {
    // GIVEN every workload's values changed: another allowed number of pods, a preset, an image, a size and a class
    const overrides: any = {};
    const flags: string[] = [];
    for (const [key, workload] of Object.entries<any>(values)) {
      const allowed = schema.properties[key].properties;
      const counts: number[] = allowed.replicas.enum;
      const presets: string[] = allowed.resourcesPreset?.enum ?? [];
      const persistence = workload.persistence?.size !== undefined ? { size: '50Gi', storageClass: 'fast-ssd' } : undefined;
      overrides[key] = {
        ...presets.length > 1 ? { resourcesPreset: presets.includes('large') ? 'large' : presets[presets.length - 1] } : {},
        ...workload.image ? { image: workload.image.replace(/:[^:/@]+$/, ':9.9.9') } : {},
        ...persistence ? { persistence } : {},
      };
      // the number of pods through --set, typed as Helm types it (an integer)
      flags.push(`${key}.replicas=${Math.max(...counts.filter(c => c !== workload.replicas))}`);
    }
    const namespace = 'staging';
    const rendered = helmTemplate(dir, { namespace, valuesFiles: [overrides], set: flags });
    const settings = JSON.parse(JSON.stringify(overrides));
    for (const flag of flags) {
      const [path, count] = flag.split('=');
      settings[path.split('.')[0]].replicas = Number(count);
    }
    // THEN the manifests are those the app writes with these settings, and they work
    expect(rendered.manifests).toEqual(chart.manifestsFor({ namespace, values: settings }));
    const objects = objectsOf(rendered.manifests);
    expectWorkingRelease(objects);
    expect(podAddressesIn(objects, namespace)).toBeGreaterThan(0);
    expect(rendered.manifests).not.toEqual(helmTemplate(dir, { namespace }).manifests);
    for (const [key, workload] of Object.entries<any>(settings)) {
      const sts = objects.find(o => o.kind === 'StatefulSet' && o.metadata.name === key);
      const claim = sts.spec.volumeClaimTemplates?.[0]?.spec;
      const image = sts.spec.template.spec.containers[0].image;
      expect({ key, replicas: sts.spec.replicas, image, size: claim?.resources.requests.storage, class: claim?.storageClassName })
        .toEqual({
          key,
          replicas: workload.replicas,
          image: workload.image,
          size: workload.persistence?.size,
          class: workload.persistence?.storageClass,
        });
    }
  });
});

describe('helm chart of example patroni: bad values are refused by the schema', () => {
  let dir: string;
  beforeAll(() => {
    dir = writeChart(exampleHelmChart('patroni').files());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['replicas 0', ['pg.replicas=0'], [], 'pg.replicas: Must be greater than or equal to 1'],
    ['replicas 2 (not an allowed number)', ['pg.replicas=2'], [], 'pg.replicas: pg.replicas must be one of the following: 1, 3, 5'],
    ['replicas as a string', [], ['pg.replicas=3'], 'pg.replicas: Invalid type. Expected: integer, given: string'],
    ['an image on :latest', ['pg.image=registry.example.com/patroni:latest'], [], 'pg.image: Must not validate the schema (not)'],
    ['an untagged image', ['pg.image=foo'], [], 'pg.image: Does not match pattern'],
    ['a size in GB', ['pg.persistence.size=10GB'], [], 'pg.persistence.size: Does not match pattern'],
    ['a size that is no quantity', ['pg.persistence.size=ten'], [], 'pg.persistence.size: Does not match pattern'],
    ['a size of zero', ['pg.persistence.size=0Gi'], [], 'pg.persistence.size: Does not match pattern'],
    ['an unknown preset', ['pg.resourcesPreset=huge'], [], 'pg.resourcesPreset: pg.resourcesPreset must be one of the following: "default"'],
    ['a preset the engine refuses (nano: below the 384Mi minimum)', ['pg.resourcesPreset=nano'], [], 'pg.resourcesPreset: pg.resourcesPreset must be one of the following'],
    ['a storage class that is no DNS name', ['pg.persistence.storageClass=Fast_SSD'], [], 'pg.persistence.storageClass: Does not match pattern'],
    ['an unknown value', ['pg.replica=3'], [], 'pg: Additional property replica is not allowed'],
  ])('refuses %s', (_, set, setString, message) => {
    const error = helmTemplateError(dir, { namespace: 'db', set, setString });
    expect(error).toContain('values don\'t meet the specifications of the schema(s) in the following chart(s):\npatroni:\n');
    expect(error).toContain(`- ${message}`);
  });
});
