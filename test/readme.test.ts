import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { expectSchemaValid } from './support/manifests';

// The README's examples are code users copy: run each as written, importing this checkout, and check what the README
// claims. jsii-rosetta compiles them against the assembly in the build (`npx projen rosetta:extract`); snippets that
// are not whole programs (```ts without `nofixture`) run inside rosetta/default.ts-fixture, as rosetta compiles them.
// `npx projen test:consumer` runs "Use it in your app" from the packed tarball in a scratch app.

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
const FIXTURE = fs.readFileSync(path.join(ROOT, 'rosetta', 'default.ts-fixture'), 'utf-8');

interface Snippet {
  readonly source: string;
  readonly wholeProgram: boolean;
  readonly section: string;
}

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  let section = '';
  const fence = /^## (.+)$|^```ts( nofixture)?\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(README); match; match = fence.exec(README)) {
    if (match[1] !== undefined) {
      section = match[1];
    } else {
      found.push({ source: match[3], wholeProgram: match[2] !== undefined, section });
    }
  }
  return found;
}

/** Runs a program that calls `app.synth()`, with `cdk8s-stateful-mesh` resolved to this checkout; returns its manifests. */
function run(program: string, expose: string[] = []): { manifests: any[]; exposed: Record<string, unknown> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  const exposed: Record<string, unknown> = {};
  const js = ts.transpileModule(program, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
    + expose.map(name => `\nexposed[${JSON.stringify(name)}] = ${name};`).join('');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFromTest = (name: string) => require(name === 'cdk8s-stateful-mesh' ? '../src' : name);
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    new Function('require', 'exports', 'exposed', js)(requireFromTest, {}, exposed);
    const manifests = fs.readdirSync(outdir).sort()
      .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf-8')).map(d => d.toJSON()));
    return { manifests, exposed };
  } finally {
    process.env.CDK8S_OUTDIR = previous;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const kindsAndNames = (manifests: any[]) => manifests.map(m => `${m.kind}/${m.metadata.name}`).sort();

describe('README', () => {
  const all = snippets();
  const consumer = all.find(s => s.section === 'Use it in your app' && s.wholeProgram)!;

  test('"Use it in your app" synthesises the database, its policy and the admitted API, schema-valid', () => {
    const { manifests, exposed } = run(consumer.source, ['db']);
    expectSchemaValid(manifests);
    expect(kindsAndNames(manifests)).toEqual([
      'AuthorizationPolicy/pg', 'ConfigMap/pg-patroni', 'Deployment/orders-api-c801f8a2', 'DestinationRule/pg', 'DestinationRule/pg-headless', 'DestinationRule/pg-repl',
      'NetworkPolicy/pg', 'PeerAuthentication/pg', 'PodDisruptionBudget/pg', 'Role/pg', 'RoleBinding/pg',
      'Service/pg', 'Service/pg-headless', 'Service/pg-repl', 'ServiceAccount/orders-api', 'ServiceAccount/pg', 'Sidecar/pg', 'StatefulSet/pg',
    ]);
    const api = manifests.find(m => m.kind === 'Deployment');
    expect(api.spec.template.spec.containers[0].env).toEqual([{ name: 'DATABASE_HOST', value: 'pg.orders.svc.cluster.local' }]);
    const rules = manifests.find(m => m.kind === 'AuthorizationPolicy').spec.rules;
    expect(rules[1]).toEqual({ from: [{ source: { principals: ['cluster.local/ns/orders/sa/orders-api'] } }], to: [{ operation: { ports: ['5432'] } }] });
    expect((exposed.db as any).clientService.name).toBe('pg');
  });

  test('"Use it in your app" is about 15 lines of program, and its facts agree with the install lines', () => {
    expect(consumer.source.split('\n').filter(l => l.trim() !== '').length).toBeLessThanOrEqual(20);
    const section = README.slice(README.indexOf('## Use it in your app'), README.indexOf('## Examples'));
    expect(section).toContain('npm install cdk8s-stateful-mesh cdk8s cdk8s-plus-27 constructs\n');
    expect(section).toContain('npm install --save-dev typescript@6 ts-node\n');
    const tsconfig = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]);
    expect(tsconfig.compilerOptions).toMatchObject({ module: 'node16', moduleResolution: 'node16' });
    // the peer dependencies the install line names are the package's
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['cdk8s', 'cdk8s-plus-27', 'constructs']);
  });

  test('the HeadlessStatefulService example synthesises the objects the README lists', () => {
    const example = all.find(s => s.wholeProgram && s.source.includes("new HeadlessStatefulService(chart, 'Postgres'"))!;
    const printed: string[] = [];
    // evaluate the `pg.podFqdn(0)` expression statement as a value we can check
    const { manifests, exposed } = run(example.source.replace(/^(pg\.podFqdn\(0\));/m, 'const fqdn = $1;'), ['fqdn']);
    printed.push(exposed.fqdn as string);
    expectSchemaValid(manifests);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual(['Service/pg-headless', 'StatefulSet/pg', 'PodDisruptionBudget/pg', 'Service/pg']);
    const headless = manifests[0];
    expect(headless.spec.ports.map((p: any) => `${p.name}:${p.port}:${p.appProtocol}`)).toEqual(['tcp-postgresql:5432:tcp', 'http-patroni:8008:http']);
    expect(manifests[1].spec.template.spec.containers[0].env[1]).toEqual({
      name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: '$(POD_NAME).pg-headless.db.svc.cluster.local:5432',
    });
    expect(printed).toEqual(['pg-0.pg-headless.db.svc.cluster.local']);
    expect(example.source).toContain("pg.podFqdn(0);            // 'pg-0.pg-headless.db.svc.cluster.local'");
  });

  test('every other example synthesises in the rosetta fixture, schema-valid', () => {
    const fragments = all.filter(s => !s.wholeProgram);
    expect(fragments.length).toBeGreaterThan(0);
    for (const fragment of fragments) {
      expect(FIXTURE).toContain('/// here');
      const { manifests } = run(FIXTURE.replace('/// here', fragment.source));
      expect(manifests.length).toBeGreaterThan(0);
      expectSchemaValid(manifests);
    }
  });

  test('the ambient Cassandra example admits the namespace on the client port only', () => {
    const fragment = all.find(s => !s.wholeProgram && s.source.includes('CassandraEngine'))!;
    const { manifests } = run(FIXTURE.replace('/// here', fragment.source));
    const sts = manifests.find(m => m.kind === 'StatefulSet');
    expect(sts.spec.template.metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    const rules = manifests.find(m => m.kind === 'AuthorizationPolicy').spec.rules;
    expect(rules).toContainEqual({ from: [{ source: { namespaces: ['reports'] } }], to: [{ operation: { ports: ['9042'] } }] });
  });
});
