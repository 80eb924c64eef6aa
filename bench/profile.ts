/**
 * Where a variant of the synthesis bench spends its time:
 *
 *   TS_NODE_PROJECT=test/tsconfig.json TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register bench/profile.ts \
 *     [--variant mad|hss|kplus|raw|floor] [--n 1000] [--top 25] [--keep <file.cpuprofile>]
 *
 * Runs one sample (bench/sample.ts) under the V8 CPU profiler (what `node --cpu-prof` records, limited to the
 * construct, synth and serialise phases), then attributes self time to cdk8s core, cdk8s-plus-27, constructs, our
 * constructs (src/ but the analysis), our analysis (src/analysis/), YAML (the `yaml` package cdk8s serialises with), the
 * garbage collector and the rest; and lists the functions with the most self time. `--keep` saves the profile, to open
 * in Chrome DevTools or speedscope.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { transpile } from './transpile';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The owner of a function, from its script's path. */
export function category(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') {
    return 'garbage collector';
  }
  if (!url) {
    return 'V8 and native';
  }
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg === 'yaml') {
    return 'YAML (yaml)';
  }
  if (pkg === 'cdk8s' || pkg === 'cdk8s-plus-27' || pkg === 'constructs') {
    return pkg === 'cdk8s' ? 'cdk8s core' : pkg;
  }
  if (pkg) {
    return `other package (${pkg})`;
  }
  if (/\/src\/analysis\//.test(url)) {
    return 'our analysis';
  }
  if (/\/src\//.test(url)) {
    return 'our constructs';
  }
  if (/\/bench\//.test(url)) {
    return 'bench driver';
  }
  return url.startsWith('node:') ? 'node internals' : 'other';
}

/** Self time (ms) by category and by function. */
export function attribute(profile: CpuProfile): { total: number; byCategory: Map<string, number>; byFunction: Map<string, number> } {
  const nodes = new Map(profile.nodes.map(n => [n.id, n]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const owner = category(url, functionName);
    const where = url.replace(/.*node_modules\//, '').replace(/.*\/(src|bench)\//, '$1/');
    const key = `${owner.padEnd(18)} ${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`;
    byCategory.set(owner, (byCategory.get(owner) ?? 0) + ms);
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    total += ms;
  });
  return { total, byCategory, byFunction };
}

function main(): void {
  const variant = option('variant', 'mad');
  const n = option('n', '1000');
  const top = Number(option('top', '25'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-profile-'));
  try {
    const sample = transpile(path.join(dir, 'js'));
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync(process.execPath, ['--expose-gc', sample, ...args], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
      if (result.status !== 0) {
        throw new Error(`profile: sample failed: ${result.stderr}`);
      }
      return result.stdout;
    };
    const input = path.join(dir, 'input.json');
    const needsInput = variant === 'raw' || variant === 'floor';
    if (needsInput) {
      run([`prepare-${option('of', 'mad')}`, n, path.join(dir, 'out'), input]);
    }
    const file = path.join(dir, 'phases.cpuprofile');
    const figures = JSON.parse(run([variant, n, path.join(dir, 'out'), ...needsInput ? [input] : []], { BENCH_CPU_PROFILE: file }).trim());
    const kept = process.argv.indexOf('--keep');
    if (kept >= 0) {
      fs.copyFileSync(file, process.argv[kept + 1]);
    }
    const { total, byCategory, byFunction } = attribute(JSON.parse(fs.readFileSync(file, 'utf8')));
    console.log(`${variant} x ${n}: construct ${figures.construct.toFixed(0)} ms, synth ${figures.synth.toFixed(0)} ms, serialise `
      + `${figures.serialise.toFixed(0)} ms (under the profiler); self time ${total.toFixed(0)} ms`);
    for (const [owner, ms] of [...byCategory].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${owner.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms ${(100 * ms / total).toFixed(1).padStart(5)} %`);
    }
    console.log(`\ntop ${top} functions by self time`);
    for (const [fn, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${fn}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main();
}
