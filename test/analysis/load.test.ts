import { parseDocument, LineCounter, isMap, isSeq, isScalar, Node as YamlNode } from 'yaml';
import { loadSources, parseManifests, splitDocuments } from '../../src/analysis/load';
import { PositionFinder } from '../../src/analysis/positions';

describe('reading manifests', () => {
  test('documents are the parts between --- markers; a comment-only preamble is not one; start lines are kept', () => {
    const text = '# Source: chart/templates/a.yaml\n---\na: 1\n---\n# empty\n--- # with a comment\nb: 2\n---\n';
    expect(splitDocuments(text).map(d => [d.document, d.startLine])).toEqual([[1, 2], [2, 4], [3, 6], [4, 8]]);
    expect(splitDocuments('a: 1\n---\nb: 2').map(d => [d.document, d.startLine])).toEqual([[1, 1], [2, 2]]);
    expect(splitDocuments('key: |\n  ---\n  not a marker\n')).toHaveLength(1);
  });

  test('empty documents keep their number but yield no object; objects carry the line where they start', () => {
    const found = parseManifests('m.yaml', '---\n---\n# c\napiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n');
    expect(found.sources.map(f => [f.document, f.line, f.object.metadata.name])).toEqual([[2, 4, 'a']]);
    expect(found.findings).toEqual([]);
  });

  test('a syntax error is a finding with the line and column in the file; the other documents are still read', () => {
    const found = parseManifests('m.yaml', 'apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: [B\n---\napiVersion: v1\nkind: C\n');
    expect(found.sources.map(s => s.object.kind)).toEqual(['A', 'C']);
    expect(found.findings).toEqual([expect.objectContaining({
      code: 'SM002',
      severity: 'error',
      file: 'm.yaml',
      line: 6,
      column: 1,
      message: expect.stringMatching(/^document 2 is not valid YAML: /),
    })]);
  });

  test('an unrendered template, and broken text that names no apiVersion or kind, are notes, not findings', () => {
    const template = parseManifests('t.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {{- include "x" . | nindent 4 }}\n');
    expect([template.findings, template.notes.map(n => n.message)]).toEqual([[], [expect.stringMatching(/^document 1 is an unrendered Helm or Go template \(not valid YAML: .*\), skipped; lint the output of 'helm template'$/)]]);
    const data = parseManifests('ratings.json', '{"rating": 5}\n{"rating": 4}\n');
    expect([data.findings, data.notes.map(n => n.message)]).toEqual([[], [expect.stringMatching(/^not valid JSON \(.*\) and names no apiVersion or kind: not a manifest, skipped$/)]]);
    expect(parseManifests('n.yaml', 'a: [1\n').notes[0].message).toMatch(/names no apiVersion or kind: not a manifest, skipped$/);
  });

  test('a duplicate key is a warning at the repeated key, and the document is read with the last value', () => {
    const found = parseManifests('d.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n');
    expect(found.sources.map(s => s.object.metadata.name)).toEqual(['b']);
    expect(found.findings).toEqual([expect.objectContaining({ code: 'SM003', severity: 'warning', line: 5, column: 3 })]);
  });

  test('a duplicate key in a document that is broken further on: both are findings, and the next document is still read', () => {
    // js-yaml stops at the first error (the repeated key); read again with the last values, it stops at the next one
    const found = parseManifests('d.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n   labels: x\n---\n'
      + 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: next\n');
    expect(found.findings.map(f => [f.code, f.severity, f.line])).toEqual([['SM003', 'warning', 5], ['SM002', 'error', 6]]);
    expect(found.findings[1].message).toMatch(/^document 1 is not valid YAML: bad indentation of a mapping entry$/);
    expect(found.sources.map(s => s.object.metadata.name)).toEqual(['next']);
  });

  test('documents that are not Kubernetes objects are skipped with a note; kustomize files too', () => {
    const found = parseManifests('m.yaml', 'replicaCount: 1\n---\n- a\n---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n---\nhello\n');
    expect(found.sources).toEqual([]);
    expect(found.notes.map(n => n.message)).toEqual([
      'document 1 is not a Kubernetes object (apiVersion and kind are missing), skipped',
      'document 2 is not a Kubernetes object (found a list), skipped',
      'document 3 is a kustomize Kustomization, not a manifest (lint the output of kustomize build), skipped',
      'document 4 is not a Kubernetes object (found the text \'hello\'), skipped',
    ]);
  });

  test('JSON: arrays, objects, Lists; invalid JSON is a finding with its position; an empty file is a note', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, 7] });
    const found = parseManifests('l.json', list);
    expect(found.sources.map(s => [s.document, s.item])).toEqual([[1, 1]]);
    expect(found.notes.map(n => n.message)).toEqual(['document 1 item 2 is not a Kubernetes object (found number 7), skipped']);
    const bad = parseManifests('b.json', '{\n  "apiVersion": "v1",\n  "kind": "A"\n  "x": 1\n}\n');
    expect(bad.findings).toEqual([expect.objectContaining({ code: 'SM002', line: 4, column: 3, message: expect.stringMatching(/^not valid JSON: /) })]);
    // what JSON.parse refuses but YAML reads (a trailing comma) is read
    expect(parseManifests('c.json', '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"},}').sources).toHaveLength(1);
    expect(parseManifests('e.json', ' \n').notes).toEqual([{ file: 'e.json', message: 'empty, skipped' }]);
    // YAML flow that is not JSON, in a file not named .json, is read as YAML
    expect(parseManifests('f.yaml', '{apiVersion: v1, kind: Namespace, metadata: {name: f}}').sources).toHaveLength(1);
  });
});

describe('positions of fields', () => {
  const MANIFEST = `# Source: chart/templates/svc.yaml
---
apiVersion: v1
kind: Service
metadata:
  name: pg
  annotations:
    sidecar.istio.io/inject: "false"
    lint.cdk8s-stateful-mesh.dev/suppress: |
      SM102: why
spec:
  clusterIP: None
  ports:
  - name: pg
    port: 5432
  -   port: 8008
      targetPort: http
  selector: {app: pg, "tier": db}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: pa}
spec:
  selector:
    matchLabels: {app: pg}
  portLevelMtls:
    5432: {mode: DISABLE}
`;

  /** The same position, by the yaml library (which keeps a CST), to check ours against. */
  function reference(text: string, startLine: number, path: Array<string | number>): { line: number; column: number } {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter });
    let node: YamlNode | null | undefined = doc.contents as YamlNode;
    let at = node!.range![0];
    for (const step of path) {
      if (typeof step === 'number' && isSeq(node)) {
        node = node.items[step] as YamlNode;
        at = node.range![0];
      } else if (isMap(node)) {
        const pair = node.items.find(p => isScalar(p.key) && String(p.key.value) === String(step))!;
        at = (pair.key as YamlNode).range![0];
        node = pair.value as YamlNode;
      }
    }
    const { line, col } = counter.linePos(at);
    return { line: startLine + line - 1, column: col };
  }

  test.each([
    ['spec.ports[0]', 0, ['spec', 'ports', 0]],
    ['spec.ports[1]', 0, ['spec', 'ports', 1]],
    ['spec.ports[1].targetPort', 0, ['spec', 'ports', 1, 'targetPort']],
    ['metadata.annotations.sidecar.istio.io/inject', 0, ['metadata', 'annotations', 'sidecar.istio.io/inject']],
    ['metadata.annotations.lint.cdk8s-stateful-mesh.dev/suppress', 0, ['metadata', 'annotations', 'lint.cdk8s-stateful-mesh.dev/suppress']],
    ['spec.selector.tier', 0, ['spec', 'selector', 'tier']],
    ['spec.portLevelMtls.5432', 1, ['spec', 'portLevelMtls', 5432]],
    ['metadata', 1, ['metadata']],
  ] as const)('%s is where the yaml library puts it', (path, index, steps) => {
    const { sources } = parseManifests('m.yaml', MANIFEST);
    const docs = splitDocuments(MANIFEST);
    const finder = new PositionFinder();
    expect(finder.locate(sources[index], path)).toEqual(reference(docs[index].text, docs[index].startLine, [...steps]));
  });

  test('the object itself is its first line; a path to a missing field stops at the deepest one that exists', () => {
    const { sources } = parseManifests('m.yaml', MANIFEST);
    const finder = new PositionFinder();
    expect(finder.locate(sources[0])).toEqual({ line: 3, column: 1 });
    expect(finder.locate(sources[0], 'spec.serviceName')).toEqual({ line: 11, column: 1 });
    expect(finder.locate(sources[0], 'spec.ports[7]')).toEqual({ line: 13, column: 3 });
  });

  test('in JSON arrays and Lists, positions are of the element and item', () => {
    const json = '[\n  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},\n  {"apiVersion": "v1", "kind": "List", "items": [\n'
      + '    {"apiVersion": "v1", "kind": "Service",\n     "spec": {"ports": [{"port": 1}]}}]}\n]\n';
    const { sources } = parseManifests('m.json', json);
    const finder = new PositionFinder();
    expect(sources.map(s => finder.locate(s))).toEqual([{ line: 2, column: 3 }, { line: 4, column: 5 }]);
    expect(finder.locate(sources[1], 'spec.ports[0]')).toEqual({ line: 5, column: 25 });
  });
});

test('a large stream reports its progress while it is read, and the same objects as without', async () => {
  const docs = Array.from({ length: 40000 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c${i} }\ndata: { k: ${'v'.repeat(200)} }\n`);
  const text = docs.join('---\n');
  expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
  const io = { readStdin: () => text, readFile: () => '', readDir: () => [], stat: () => ({ kind: 'missing' as const }) };
  const seen: Array<{ bytes: number; objects: number }> = [];
  const loaded = await loadSources(['-'], io, p => seen.push(p));
  expect(loaded.sources).toHaveLength(40000);
  expect(seen.length).toBeGreaterThan(5);
  expect(seen.map(p => p.bytes)).toEqual([...seen.map(p => p.bytes)].sort((a, b) => a - b));
  expect(seen[seen.length - 1]).toEqual({ bytes: text.length, totalBytes: text.length, objects: 40000 });
  expect(loaded.sources).toEqual(parseManifests('<stdin>', text).sources);
});
