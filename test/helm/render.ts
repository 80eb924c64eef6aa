import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The Helm template engine for the tests: tools/helm-render (Go's text/template, sprig v3, Helm's own functions and
 * values merging, gojsonschema for values.schema.json), built once per source version from Debian's Go packages in
 * GOPATH mode, offline. `.ci/run` installs them; locally: apt-get install -y golang-go golang-github-masterminds-sprig-dev
 * golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev.
 */

const SOURCE = path.join(__dirname, '..', '..', 'tools', 'helm-render');
const GOPATH = '/usr/share/gocode';

let binary: string | undefined;

/** The renderer's path, built when its source changed. */
export function helmRenderBinary(): string {
  if (binary) {
    return binary;
  }
  const source = fs.readFileSync(path.join(SOURCE, 'main.go'));
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'cdk8s-stateful-mesh-helm-render');
  const target = path.join(dir, `helm-render-${hash}`);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${target}.${process.pid}`;
    const env = { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOPROXY: 'off', GOCACHE: process.env.GOCACHE ?? path.join(dir, 'go-build-cache') };
    const built = spawnSync('go', ['build', '-o', partial, '.'], { cwd: SOURCE, env, encoding: 'utf8' });
    if (built.error || built.status !== 0) {
      throw new Error(`cannot build tools/helm-render (${built.error?.message ?? built.stderr}); install Go and sprig: apt-get install -y golang-go `
        + 'golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev (.ci/run does)');
    }
    fs.renameSync(partial, target);
  }
  binary = target;
  return binary;
}

/** A release as `helm template` renders it. */
export interface Rendered {
  /** Each template's output, by template path inside the chart (`templates/web.yaml`). */
  readonly manifests: Record<string, string>;
  readonly notes: string;
}

/** Options of a render. */
export interface RenderOptions {
  readonly namespace: string;
  /** Values files' contents, in order (written to temporary files and passed with -f). */
  readonly valuesFiles?: unknown[];
  /** `--set` expressions. */
  readonly set?: string[];
  /** `--set-string` expressions. */
  readonly setString?: string[];
}

function args(chartDir: string, options: RenderOptions, dir: string): string[] {
  const files = (options.valuesFiles ?? []).map((values, i) => {
    const file = path.join(dir, `values-${i}.yaml`);
    fs.writeFileSync(file, JSON.stringify(values)); // JSON is YAML
    return file;
  });
  return ['--chart', chartDir, '--namespace', options.namespace, ...files.flatMap(f => ['-f', f]),
    ...(options.set ?? []).flatMap(s => ['--set', s]), ...(options.setString ?? []).flatMap(s => ['--set-string', s])];
}

/** Renders the chart in `chartDir`; throws with the renderer's message (e.g. the schema's) when it refuses. */
export function helmTemplate(chartDir: string, options: RenderOptions): Rendered {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-values-'));
  try {
    const out = execFileSync(helmRenderBinary(), args(chartDir, options, dir), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const parsed = JSON.parse(out) as { manifests: Record<string, string>; notes: string };
    const manifests: Record<string, string> = {};
    for (const [name, text] of Object.entries(parsed.manifests)) {
      manifests[name.slice(name.indexOf('/') + 1)] = text;
    }
    return { manifests, notes: parsed.notes };
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr;
    throw new Error(stderr ? stderr.trim() : String(e));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The renderer's error for these options (the test fails when it renders). */
export function helmTemplateError(chartDir: string, options: RenderOptions): string {
  try {
    helmTemplate(chartDir, options);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`the chart rendered with ${JSON.stringify(options)}, but it should have been refused`);
}

/** Writes a chart's files into a fresh temporary directory. */
export function writeChart(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-chart-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
