import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { expectSchemaValid } from './support/manifests';

// The README's example is code users copy: run it as written (importing this checkout) and check what it claims.
describe('README example', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  const source = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  const printed: string[] = [];

  beforeAll(() => {
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireFromTest = (name: string) => require(name === 'cdk8s-stateful-mesh' ? '../src' : name);
    const previous = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = outdir;
    try {
      // evaluate a `pg.podFqdn(0)` expression statement as a value we can check
      new Function('require', 'exports', 'printed', js.replace(/^(pg\.podFqdn\(0\));/m, 'printed.push($1);'))(requireFromTest, {}, printed);
    } finally {
      process.env.CDK8S_OUTDIR = previous;
    }
  });

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('synthesises the objects the README lists, schema-valid', () => {
    const manifests = fs.readdirSync(outdir).flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf-8')).map(d => d.toJSON()));
    expectSchemaValid(manifests);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual(['Service/pg-headless', 'StatefulSet/pg', 'PodDisruptionBudget/pg', 'Service/pg']);
    const headless = manifests[0];
    expect(headless.spec.ports.map((p: any) => `${p.name}:${p.port}:${p.appProtocol}`)).toEqual(['tcp-postgresql:5432:tcp', 'http-patroni:8008:http']);
    expect(manifests[1].spec.template.spec.containers[0].env[1]).toEqual({
      name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: '$(POD_NAME).pg-headless.db.svc.cluster.local:5432',
    });
  });

  test('podFqdn(0) is what the comment says', () => {
    expect(printed).toEqual(['pg-0.pg-headless.db.svc.cluster.local']);
    expect(source).toContain("pg.podFqdn(0);            // 'pg-0.pg-headless.db.svc.cluster.local'");
  });
});
