import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { buildExamples } from '../../examples';
import { agreesWithCdk8s, fastYamlStringify } from '../../src/private/yaml';

// generated documents per run of the suite (raise it locally to search harder)
const RUNS = 500;

// cdk8s' own serialiser, as the fast one calls it (cdk8s lib/yaml.ts: yaml with keepUndefined, lineWidth 0, YAML 1.1)
const cdk8s = (...docs: any[]) => Yaml.stringify(...docs);

describe('fastYamlStringify', () => {
  test('writes every example byte for byte as cdk8s does', () => {
    const app = new App();
    for (const chart of buildExamples(app)) {
      const docs = chart.toJson();
      expect(fastYamlStringify(cdk8s)(...docs)).toBe(cdk8s(...docs));
    }
  });

  test('app.synth() writes the files cdk8s would, with the fast emitter in place only during the call', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-test-'));
    try {
      const app = new App({ outdir });
      const charts = buildExamples(app);
      const expected = new Map(charts.map(c => [`${c.node.id}.k8s.yaml`, cdk8s(...c.toJson())]));
      const before = Yaml.stringify;
      app.synth();
      expect(Yaml.stringify).toBe(before);
      for (const [file, yaml] of expected) {
        expect(fs.readFileSync(path.join(outdir, file), 'utf8')).toBe(yaml);
      }
      expect(app.synthYaml()).toBe(charts.map(c => cdk8s(...c.toJson())).join('---\n'));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('writes what cdk8s writes for the scalars and shapes of manifests', () => {
    const docs = [
      { a: undefined, b: null, c: [undefined, null, 1], d: {}, e: [], f: [[1, 2], []], g: [{}, { x: 1, y: [1] }] },
      { n: [-0, 0, 1.5, -3, 1e21, 2 ** 53, NaN, Infinity, -Infinity], t: [true, false] },
      { s: ['', 'yes', 'No', 'on', 'y', 'null', '~', '5432', '0x1f', '1:20', '.inf', '2024-01-01', 'a: b', 'a #b', 'a#b', ' x', 'x ', 'x:'] },
      { s: ['-', '- x', '-x', '?', '? x', '---', '--- x', '...', '%x', '@x', '`x', '!x', '&x', '*x', '|x', '>x', '"x', '\'x', '[x', '{x', ',x'] },
      { s: ['line\nbreak', 'trailing\n', '\ttab', 'é', '\u2028', 'a\u0007', 'x'.repeat(2000)], ['x'.repeat(1100)]: 1, ['y'.repeat(1000)]: 2 },
      { 'true': 1, '123': 2, 'a b': 3, 'x: y': 4, 'n': 5, '---': 6, '': 7, '-': 8, 'key with trailing space ': 9 },
      [1, 'a', { b: [] }],
      'a top-level string',
      {},
      [],
      new Date(0),
      // multi-line strings (literal block scalars) at several depths, every chomping, leading spaces and blank lines
      ...['a\nb', 'a\nb\n', 'a\nb\n\n\n', '  indented\nnext', '\nleading', 'a\n\n\nb', 'a\n   \nb', 'a\n \n', 'x: y\n# z', 'a\n---\nb', 'a \nb', 'a\n\tb']
        .map(text => ({ top: text, map: { deeper: { text } }, seq: [text, [text], { text }] })),
      { d: new Date(0), m: new Map([['a', 1]]) },
    ];
    const fast = fastYamlStringify(cdk8s);
    for (const doc of docs) {
      expect(fast(doc)).toBe(cdk8s(doc));
    }
    expect(fast(...docs, undefined)).toBe(cdk8s(...docs, undefined));
  });

  test('leaves a document that repeats an object to cdk8s (yaml writes an anchor and an alias)', () => {
    const shared = { z: 1 };
    const doc = { a: shared, b: shared, c: [shared] };
    expect(fastYamlStringify(cdk8s)(doc)).toBe(cdk8s(doc));
    expect(cdk8s(doc)).toContain('&a1');
  });

  test('writes what cdk8s writes for generated JSON documents', () => {
    const text = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[A-Za-z$/_][A-Za-z0-9._/:@=$()+,%~^ #'"-]{0,12}$/),
      fc.constantFrom('yes', 'no', 'on', 'off', 'true', 'null', '~', 'Y', 'n', '0', '-1', '1.5', '1e3', '.nan', '<<', '=', '2001-12-14'),
      // multi-line text: block scalars, whitespace at line ends and starts, blank lines
      fc.array(fc.constantFrom('a', 'b', ' ', '  ', '\n', '\n\n', '\t', '#', ': ', '-', '---', '"', '\''), { maxLength: 10 }).map(parts => parts.join('')),
    );
    const json = fc.letrec(tie => ({
      value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(text, tie('value'), { maxKeys: 5 }),
    }));
    const fast = fastYamlStringify(cdk8s);
    fc.assert(fc.property(json.object, doc => fast(doc) === cdk8s(doc)), { numRuns: RUNS, seed: 12 });
  });

  test('agrees with the cdk8s of this build on its probe document', () => {
    expect(agreesWithCdk8s(fastYamlStringify(cdk8s), cdk8s)).toBe(true);
  });

  test('is not used with a cdk8s whose yaml writes sequences another way', () => {
    // GIVEN a serialiser that indents sequence items as `-   item`
    const different = (...docs: any[]) => cdk8s(...docs).replace(/^( *)- /gm, '$1-   ');
    // THEN the probe document tells the emitter apart from it
    expect(agreesWithCdk8s(fastYamlStringify(different), different)).toBe(false);
  });
});
