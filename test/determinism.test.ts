import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildExamples } from '../examples';

const ROOT = path.join(__dirname, '..');

/** Every example app, synthesised in this process into a fresh folder: file name -> YAML. */
function synthInProcess(): Map<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'determinism-'));
  const app = new App({ outdir });
  buildExamples(app);
  app.synth();
  const files = new Map(fs.readdirSync(outdir).sort().map(f => [f, fs.readFileSync(path.join(outdir, f), 'utf-8')]));
  fs.rmSync(outdir, { recursive: true, force: true });
  return files;
}

describe('determinism', () => {
  const first = synthInProcess();

  test('the same app synthesises byte-identical YAML twice in one process', () => {
    expect(synthInProcess()).toEqual(first);
    expect(first.size).toBeGreaterThanOrEqual(7);
  });

  test('and in another process, with another time zone, locale and V8 random seed', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'determinism-'));
    try {
      execFileSync(process.execPath, ['--random-seed=1234', '-r', 'ts-node/register', path.join(ROOT, 'examples', 'main.ts')], {
        cwd: ROOT,
        env: { ...process.env, CDK8S_OUTDIR: outdir, TS_NODE_PROJECT: path.join(ROOT, 'test', 'tsconfig.json'), TS_NODE_TRANSPILE_ONLY: 'true', TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8' },
        stdio: 'pipe',
      });
      const other = new Map(fs.readdirSync(outdir).sort().map(f => [f, fs.readFileSync(path.join(outdir, f), 'utf-8')]));
      expect([...other.keys()]).toEqual([...first.keys()]);
      for (const [file, yaml] of first) {
        expect({ file, identical: other.get(file) === yaml }).toEqual({ file, identical: true });
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 60000);

  test('no timestamps, random suffixes or cdk8s-generated names in what users address', () => {
    const all = [...first.values()].join('\n');
    expect(all).not.toMatch(/creationTimestamp|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    // cdk8s' hashed names (<path>-c8xxxxxx) appear only in its pod address label, never in a metadata.name
    const names = [...all.matchAll(/^ {2}name: (.+)$/gm)].map(m => m[1]);
    expect(names.filter(n => /-c8[0-9a-f]{6}$/.test(n))).toEqual([]);
  });

  test('keys are sorted and lists keep their declaration order', () => {
    const unsorted: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => walk(item, `${where}[${i}]`));
      } else if (node && typeof node === 'object') {
        const keys = Object.keys(node);
        if (keys.join() !== [...keys].sort().join()) {
          unsorted.push(where);
        }
        keys.forEach(k => walk((node as any)[k], `${where}.${k}`));
      }
    };
    for (const [file, yaml] of first) {
      parseAllDocuments(yaml).forEach((doc, i) => {
        const { apiVersion, kind, metadata, ...rest } = doc.toJSON();
        expect(Object.keys(doc.toJSON()).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
        walk(metadata, `${file}#${i}.metadata`);
        walk(rest, `${file}#${i}`);
        void apiVersion; void kind;
      });
    }
    expect(unsorted).toEqual([]);
    // lists are not sorted: Patroni's env keeps the order the variables were added in (POD_NAME before its users)
    const patroni = parseAllDocuments(first.get('patroni.k8s.yaml')!).map(d => d.toJSON()).find(m => m.kind === 'StatefulSet');
    const env = patroni.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env[0]).toBe('PATRONI_NAME');
    expect(env).not.toEqual([...env].sort());
  });
});
