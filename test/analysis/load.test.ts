import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { InputError, parseManifests, splitDocuments } from '../../src/analysis/load';

const COMPILED = path.join(__dirname, '..', '..', 'lib', 'analysis', 'load.js');

describe('reading manifests', () => {
  test('documents are the parts between --- markers; a comment-only preamble is not one; start lines are kept', () => {
    const text = '# Source: chart/templates/a.yaml\n---\na: 1\n---\n# empty\n--- # with a comment\nb: 2\n---\n';
    expect(splitDocuments(text).map(d => [d.document, d.startLine])).toEqual([[1, 2], [2, 4], [3, 6], [4, 8]]);
    expect(splitDocuments('a: 1\n---\nb: 2').map(d => [d.document, d.startLine])).toEqual([[1, 1], [2, 2]]);
    expect(splitDocuments('key: |\n  ---\n  not a marker\n')).toHaveLength(1);
  });

  test('empty documents keep their number but yield no object; objects carry the line where they start', () => {
    const found = parseManifests('m.yaml', '---\n---\n# c\napiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n');
    expect(found.map(f => [f.document, f.line, f.object.metadata.name])).toEqual([[2, 4, 'a']]);
  });

  test('a syntax error names the document and the line in the file', () => {
    expect(() => parseManifests('m.yaml', 'apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: [B\n')).toThrow(InputError);
    expect(() => parseManifests('m.yaml', 'apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: [B\n')).toThrow(/^m\.yaml#2: YAML syntax error at line \d: /);
  });

  // The parallel path needs the compiled worker (lib/analysis/parse-worker.js); `npx projen build` compiles before testing.
  const parallel = fs.existsSync(COMPILED) ? test : test.skip;
  parallel('on several threads, a large stream gives the same objects, and the same first error, as on one thread', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const compiled = require(COMPILED) as typeof import('../../src/analysis/load');
    const docs = Array.from({ length: 6000 }, (_, i) => stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { k: 'v'.repeat(200) } }));
    const text = `# preamble\n---\n${docs.join('---\n')}`;
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const single = compiled.parseManifests('m.yaml', text);
    expect(await compiled.parseManifestsInParallel('m.yaml', text, 3)).toEqual(single);
    const broken = `${docs.slice(0, 5000).join('---\n')}---\nkind: [x\n---\n${docs.slice(5000).join('---\n')}---\nkind: [y\n`;
    const firstError = (() => {
      try {
        compiled.parseManifests('m.yaml', broken);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    })();
    expect(firstError).toMatch(/^m\.yaml#5001: YAML syntax error at line 3500\d: /);
    await expect(compiled.parseManifestsInParallel('m.yaml', broken, 3)).rejects.toThrow(firstError);
  });
});
