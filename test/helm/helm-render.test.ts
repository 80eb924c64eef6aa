import * as fs from 'fs';
import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { helmTemplate, helmTemplateError, writeChart } from './render';
import { helpersTpl, QUOTED_SCALAR_PATTERN } from '../../src/helm/internal/chart-files';
import { assertProperty } from '../support/properties';

/**
 * tools/helm-render behaves as Helm documents it (helm.sh docs "Template Functions and Pipelines", "Named Templates",
 * "Values Files", helm install --set; helm/helm pkg/engine, pkg/strvals, pkg/chartutil): the charts the library writes
 * are rendered with it, so its own behaviour is checked here first.
 */
describe('helm-render', () => {
  let dir: string;
  beforeAll(() => {
    dir = writeChart({
      'Chart.yaml': 'apiVersion: v2\nname: probe\nversion: 1.0.0\nappVersion: "2.0"\n',
      'values.yaml': 'name: web\nreplicas: 3\nnested:\n  keep: yes-string\n  drop: gone\nlabels:\n  b: two\n  a: one\nmessage: "hello {{ .Values.name }}"\n',
      'templates/_names.tpl': '{{- define "probe.fullname" -}}{{ .Release.Name }}-{{ .Values.name }}{{- end -}}\nnot rendered\n',
      'templates/objects.yaml': [
        'name: {{ include "probe.fullname" . }}',
        'namespace: {{ .Release.Namespace }}',
        'service: {{ .Release.Service }}',
        'chart: {{ .Chart.Name }}-{{ .Chart.Version }} app {{ .Chart.AppVersion }} api {{ .Chart.APIVersion }}',
        'template: {{ .Template.Name }}',
        'replicas: {{ .Values.replicas }} ({{ kindOf .Values.replicas }}, int {{ int .Values.replicas }}, eq {{ eq (int .Values.replicas) 3 5 }})',
        'typed: {{ kindOf .Values.n }} {{ kindOf .Values.s }} {{ kindOf .Values.b }} {{ kindOf .Values.str }}',
        'missing: [{{ .Values.nope }}]',
        'nested: {{ .Values.nested | toJson }}',
        'labels:',
        '{{- toYaml .Values.labels | nindent 2 }}',
        'message: {{ tpl .Values.message . }}',
        'quoted: {{ quote "123" }} {{ default "fallback" .Values.none }} {{ upper "x" }}',
        'lookup: {{ lookup "v1" "Secret" "ns" "name" | toJson }}',
        'has: {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "example.com/v9" }}',
        '{{- if hasKey .Values "needed" }}',
        'needed: {{ required "needed is required" .Values.needed }}',
        '{{- end }}',
        '',
      ].join('\n'),
      'templates/NOTES.txt': 'notes for {{ .Release.Namespace }}\n',
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('renders the objects Helm gives templates, sprig\'s functions and Helm\'s own', () => {
    const rendered = helmTemplate(dir, { namespace: 'team', set: ['n=5', 's=007', 'b=true', 'nested.drop=null'], setString: ['str=5'] });
    expect(Object.keys(rendered.manifests)).toEqual(['templates/objects.yaml']); // partials are not rendered, NOTES apart
    expect(rendered.notes).toBe('notes for team\n');
    expect(rendered.manifests['templates/objects.yaml']).toBe([
      'name: release-name-web',
      'namespace: team',
      'service: Helm',
      'chart: probe-1.0.0 app 2.0 api v2',
      'template: probe/templates/objects.yaml',
      // values.yaml numbers are float64 (sigs.k8s.io/yaml reads through JSON); --set integers are int64
      'replicas: 3 (float64, int 3, eq true)',
      'typed: int64 string bool string',
      'missing: []',
      'nested: {"keep":"yes-string"}',
      'labels:',
      '  a: one',
      '  b: two',
      'message: hello web',
      'quoted: "123" fallback X',
      'lookup: {}',
      'has: true false',
      '',
    ].join('\n'));
  });

  test('merges values files in order, then --set over them', () => {
    const rendered = helmTemplate(dir, { namespace: 'team', valuesFiles: [{ name: 'first', replicas: 1 }, { name: 'second' }], set: ['replicas=5'] });
    expect(rendered.manifests['templates/objects.yaml']).toContain('name: release-name-second\n');
    expect(rendered.manifests['templates/objects.yaml']).toContain('replicas: 5 (int64, int 5, eq true)\n');
  });

  test('fails on a required value that is empty, as Helm does', () => {
    expect(helmTemplateError(dir, { namespace: 'team', set: ['needed='] })).toContain('needed is required');
    expect(helmTemplate(dir, { namespace: 'team', set: ['needed=here'] }).manifests['templates/objects.yaml']).toContain('needed: here\n');
  });

  test('does not validate values when the chart has no schema', () => {
    expect(helmTemplate(dir, { namespace: 'team', set: ['replicas=not-a-number'] }).manifests['templates/objects.yaml'])
      .toContain('replicas: not-a-number (string, int 0, eq false)');
  });
});

/**
 * The chart's scalar helper ("<chart>.scalar") writes a string as cdk8s writes it as a whole YAML scalar: quoted where
 * cdk8s quotes it, plain otherwise. The pattern is checked against cdk8s' Yaml.stringify on generated strings, and the
 * helper, rendered by the template engine, against Yaml.stringify on the strings that matter (namespaces, storage
 * classes, images that YAML 1.1 would read as another type).
 */
describe('the scalar helper', () => {
  const quotedByCdk8s = (s: string) => Yaml.stringify({ v: s }) !== `v: ${s}\n`;

  test('its pattern quotes exactly what cdk8s quotes (generated strings)', () => {
    const alphabet = fc.constantFrom(...'aeilnorsuxyfYNTO0123456789.:-_+~<# '.split(''));
    assertProperty(fc.property(fc.array(alphabet, { maxLength: 10 }).map(a => a.join('')), s => {
      expect({ s, quoted: new RegExp(QUOTED_SCALAR_PATTERN).test(s) }).toEqual({ s, quoted: quotedByCdk8s(s) });
    }));
  });

  test('rendered by the template engine, it writes what cdk8s writes', () => {
    const samples = ['web', 'true', 'yes', 'No', 'off', 'y', 'null', '~', '123', '0x1f', '0o17', '0755', '1e3', '1.5', '.inf', '2024-01-01',
      '1:20', '<<', 'a:', 'registry.example.com/x:1.0', 'gp3', 'fast-ssd', '12-34', '-', 'x #y'];
    const chart = writeChart({
      'Chart.yaml': 'apiVersion: v2\nname: probe\nversion: 1.0.0\n',
      'values.yaml': `samples: ${JSON.stringify(samples)}\n`,
      'templates/_helpers.tpl': helpersTpl('probe', []),
      'templates/samples.yaml': '{{- range .Values.samples }}\nv: {{ include "probe.scalar" . }}\n{{- end }}\n',
    });
    try {
      const rendered = helmTemplate(chart, { namespace: 'team' }).manifests['templates/samples.yaml'];
      expect(rendered).toBe(`\n${samples.map(s => Yaml.stringify({ v: s })).join('').trimEnd()}\n`);
    } finally {
      fs.rmSync(chart, { recursive: true, force: true });
    }
  });
});
