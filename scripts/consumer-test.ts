/**
 * The README's "Use it in your app", done as a user does it:  npx projen test:consumer
 *
 * 1. `npm pack`: the tarball must hold exactly the allow-list (package.json `files`, the bundled `js-yaml`), and every
 *    relative link of its README and docs must resolve to a file inside it;
 * 2. a scratch app outside the repository: the README's install lines (with the tarball for `cdk8s-stateful-mesh`; the
 *    npm registry is the only network used), its tsconfig.json, cdk8s.yaml and main.ts, written as the README shows them;
 * 3. `cdk8s synth` in it (the CLI a user installs globally; here the repository's own cdk8s-cli), then the manifests
 *    are validated against the Kubernetes and Istio schemas and linted by the installed package's own
 *    `cdk8s-stateful-mesh lint`.
 *
 * KEEP_CONSUMER_APP=1 keeps the scratch directory for a look.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const started = Date.now();

interface PackedFile {
  readonly path: string;
  readonly size: number;
}

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: PackedFile[];
}

/** What the tarball may hold: the `files` allow-list of package.json, what npm always adds, the bundled dependency. */
const ALLOWED = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^API\.md$/, /^\.jsii$/, /^\.jsii\.tabl\.json$/,
  /^lib\/.+\.(js|d\.ts)$/, /^docs\/.+\.md$/, /^node_modules\/(js-yaml|argparse)\//,
];
/** What it must hold: the library, its types and CLI, the assembly and its translations, the docs the README links. */
const REQUIRED = [
  'package.json', 'README.md', 'LICENSE', 'API.md', '.jsii', '.jsii.tabl.json', 'lib/index.js', 'lib/index.d.ts', 'lib/analysis/cli.js',
  'docs/errors.md', 'docs/api/istio.md', 'docs/mesh-aware-database.md', 'node_modules/js-yaml/package.json',
];

function step(message: string): void {
  console.log(`consumer: ${message} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function fail(message: string): never {
  throw new Error(`consumer: ${message}`);
}

/** The environment of a user's shell: nothing of this repository's npm/projen/ts-node run leaks into the scratch app. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|TS_NODE_|PROJEN_|INIT_CWD$|CDK8S_OUTDIR$)/.test(key)) {
      env[key] = value;
    }
  }
  env.PATH = (process.env.PATH ?? '').split(path.delimiter).filter(p => !path.resolve(p).startsWith(ROOT)).join(path.delimiter);
  return env;
}

function run(cwd: string, command: string, args: string[], env = userEnv()): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const error = e as { stdout?: string; stderr?: string; message: string };
    fail(`'${command} ${args.join(' ')}' failed in ${cwd}:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
  }
}

/** The fenced blocks of the README's "Use it in your app" section, by info string. */
function consumerSection(): { install: string[]; tsconfig: string; cdk8sYaml: string; main: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
  const start = readme.indexOf('## Use it in your app');
  if (start < 0) {
    fail('README.md has no "## Use it in your app" section');
  }
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/^```(\w+)( nofixture)?\n([\s\S]*?)^```$/gm)].map(m => ({ lang: m[1], body: m[3] }));
  const first = (lang: string, test: (body: string) => boolean = () => true) => blocks.find(b => b.lang === lang && test(b.body))?.body
    ?? fail(`README.md's "Use it in your app" has no \`\`\`${lang} block${lang === 'sh' ? ' with npm install' : ''}`);
  const install = first('sh', b => b.includes('npm install')).split('\n').map(l => l.trim()).filter(l => l.startsWith('npm install'));
  return { install, tsconfig: first('json'), cdk8sYaml: first('yaml'), main: first('ts') };
}

function checkTarball(packed: Packed): void {
  const paths = packed.files.map(f => f.path);
  const stray = paths.filter(p => !ALLOWED.some(pattern => pattern.test(p)));
  if (stray.length > 0) {
    fail(`the tarball holds files outside the allow-list: ${stray.join(', ')}`);
  }
  const missing = REQUIRED.filter(p => !paths.includes(p));
  if (missing.length > 0) {
    fail(`the tarball lacks ${missing.join(', ')}`);
  }
  // relative links of the shipped markdown resolve inside the tarball (and so in node_modules/cdk8s-stateful-mesh/)
  const dead: string[] = [];
  for (const doc of paths.filter(p => p.endsWith('.md') && !p.startsWith('node_modules/'))) {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf-8').replace(/^```[\s\S]*?^```$/gm, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^([a-z]+:|#)/.test(target)) {
        continue;
      }
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(doc), target.replace(/#.*$/, '')));
      if (!paths.includes(resolved)) {
        dead.push(`${doc} -> ${target}`);
      }
    }
  }
  if (dead.length > 0) {
    fail(`links of the shipped docs point outside the tarball: ${dead.join(', ')}`);
  }
  const groups = new Map<string, { count: number; size: number }>();
  for (const file of packed.files) {
    const group = file.path.startsWith('node_modules/') ? 'node_modules/ (bundled js-yaml and its argparse)'
      : file.path.includes('/') ? `${file.path.split('/')[0]}/` : file.path;
    const entry = groups.get(group) ?? { count: 0, size: 0 };
    groups.set(group, { count: entry.count + 1, size: entry.size + file.size });
  }
  step(`${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked`);
  for (const [group, { count, size }] of [...groups].sort()) {
    console.log(`  ${group.padEnd(32)} ${String(count).padStart(4)} file(s) ${(size / 1024).toFixed(0).padStart(6)} KB`);
  }
}

function main(): void {
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stateful-mesh-consumer-')));
  if (scratch.startsWith(ROOT)) {
    fail(`the scratch app must be outside the repository (${scratch})`);
  }
  try {
    const packed = (JSON.parse(run(ROOT, 'npm', ['pack', '--json', '--pack-destination', scratch], process.env)) as Packed[])[0];
    checkTarball(packed);
    const tarball = path.join(scratch, packed.filename);

    const app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true }, undefined, 2));
    const readme = consumerSection();
    for (const line of readme.install) {
      const args = line.split(/\s+/).slice(1).map(word => word === 'cdk8s-stateful-mesh' ? tarball : word);
      if (!args.includes(tarball) && line.includes('cdk8s-stateful-mesh')) {
        fail(`cannot substitute the tarball into '${line}'`);
      }
      run(app, 'npm', [...args, '--no-audit', '--no-fund']);
      step(line);
    }
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'typescript', 'package.json'), 'utf-8')).version as string;
    fs.writeFileSync(path.join(app, 'tsconfig.json'), readme.tsconfig);
    fs.writeFileSync(path.join(app, 'cdk8s.yaml'), readme.cdk8sYaml);
    fs.writeFileSync(path.join(app, 'main.ts'), readme.main);

    const cli = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
    run(app, cli, ['synth', '--no-check-upgrade']);
    step(`cdk8s synth with TypeScript ${installed}`);

    const dist = path.join(app, 'dist');
    const files = fs.existsSync(dist) ? fs.readdirSync(dist).filter(f => f.endsWith('.k8s.yaml')) : [];
    if (files.length === 0) {
      fail(`cdk8s synth wrote no manifests into ${dist}`);
    }
    const manifests = files.flatMap(f => parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf-8')).map(d => d.toJSON()));
    const kinds = new Set(manifests.map(m => m.kind));
    for (const kind of ['StatefulSet', 'Service', 'PeerAuthentication', 'DestinationRule', 'AuthorizationPolicy', 'NetworkPolicy', 'Deployment']) {
      if (!kinds.has(kind)) {
        fail(`the README's app synthesised no ${kind} (kinds: ${[...kinds].join(', ')})`);
      }
    }
    run(ROOT, process.execPath, [path.join(ROOT, 'scripts', 'validate-manifests.mjs'), dist], process.env);
    run(app, path.join(app, 'node_modules', '.bin', 'cdk8s-stateful-mesh'), ['lint', ...files.map(f => path.join('dist', f)), '--fail-on', 'info']);
    step(`${manifests.length} objects in ${files.join(', ')}: schema-valid, no lint finding`);
    console.log('consumer: ok');
  } finally {
    if (process.env.KEEP_CONSUMER_APP) {
      console.log(`consumer: kept ${scratch}`);
    } else {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
}

try {
  main();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
