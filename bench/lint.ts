/**
 * The mesh analyzer's cost, and the lint CLI end to end.
 *
 *   npx projen bench            (after `npx projen compile`, for the CLI part)
 *   TS_NODE_PROJECT=test/tsconfig.json node --expose-gc -r ts-node/register bench/lint.ts
 *
 * Generates N realistic objects in memory (per workload: a StatefulSet with env, probes and a volume claim, its headless
 * and client Services, a DestinationRule, a PeerAuthentication, an AuthorizationPolicy; a Namespace per ten workloads;
 * one workload in twenty with an unnamed port so rules report), then times, at 1k, 10k and 30k objects (median of
 * a process per size and round, the sizes interleaved over the rounds so that a busy spell of the machine does not fall on
 * one size; in each, the median of a few runs after warm-up on the same input):
 * - MeshAnalyzer.analyze (every rule, the traffic model's included);
 * - the traffic model alone: indexing the objects (Inventory) and evaluating every edge they imply (TrafficModel.edges);
 * with the cost per object, its ratio to the cost at 1k (the goal: at most 1.2 at 30k) and the log-log exponent; then
 * the compiled CLI on 10k objects as YAML and as JSON.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { generate } from './manifests';
import { exponent, median } from './stats';
import { MeshAnalyzer } from '../src';
import { Inventory } from '../src/analysis/inventory';
import { TrafficModel } from '../src/analysis/traffic/model';

const SIZES = [1000, 10000, 30000];
/** Warm-up runs and timed runs at a size: as much warm-up work at every size (so 1k is not measured colder than 30k). */
const warmups = (n: number) => Math.max(2, Math.ceil(30000 / n));
const runs = (n: number) => Math.max(3, Math.ceil(10000 / n));
const ROUNDS = 3;
const CLI = path.join(__dirname, '..', 'lib', 'analysis', 'cli.js');

/** With `node --expose-gc` (the bench task), collect before each run so a pause of earlier garbage is not timed. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Median time (ms) of `run` over `count` runs after `warm` runs, a GC before each. */
function time(run: () => unknown, warm: number, count: number): number {
  for (let i = 0; i < warm; i++) {
    run();
  }
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    collectGarbage();
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

function timeCli(file: string): { ms: number; status: number | null; bytes: number } {
  const times: number[] = [];
  let status: number | null = null;
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, [CLI, 'lint', file, '--format', 'json'], { maxBuffer: 512 * 1024 * 1024 });
    times.push(performance.now() - start);
    status = result.status;
    bytes = result.stdout.length;
    if (result.status === 2) {
      throw new Error(`lint failed: ${result.stderr.toString()}`);
    }
  }
  return { ms: median(times), status, bytes };
}

interface Measured {
  readonly n: number;
  readonly analyzer: number;
  readonly model: number;
  readonly findings: number;
  readonly edges: number;
}

/** One size, in a process of its own: prints the medians as JSON. */
function measureSize(n: number): void {
  const manifests = generate(n);
  const measured: Measured = {
    n,
    analyzer: time(() => MeshAnalyzer.analyze(manifests), warmups(n), runs(n)),
    model: time(() => new TrafficModel(new Inventory(manifests)).edges(), warmups(n), runs(n)),
    findings: MeshAnalyzer.analyze(manifests).length,
    edges: new TrafficModel(new Inventory(manifests)).edges().length,
  };
  process.stdout.write(JSON.stringify(measured));
}

const sizeArg = process.argv.indexOf('--size');
if (sizeArg >= 0) {
  measureSize(Number(process.argv[sizeArg + 1]));
  process.exit(0);
}

console.log(`mesh analyzer and traffic model: median of ${ROUNDS} rounds (each the median of ${runs(SIZES[0])} to ${runs(SIZES[SIZES.length - 1])} runs after `
  + `${warmups(SIZES[0])} to ${warmups(SIZES[SIZES.length - 1])} warm-up runs; node ${process.version}, `
  + `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length})`);
const rounds = new Map<number, Measured[]>(SIZES.map(n => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const n of round % 2 === 0 ? SIZES : [...SIZES].reverse()) {
    const result = spawnSync(process.execPath, [...process.execArgv, __filename, '--size', String(n)], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`lint bench at ${n} objects failed: ${result.stderr}`);
    }
    rounds.get(n)!.push(JSON.parse(result.stdout) as Measured);
  }
}
const measured: Measured[] = SIZES.map(n => {
  const all = rounds.get(n)!;
  return { ...all[0], analyzer: median(all.map(m => m.analyzer)), model: median(all.map(m => m.model)) };
});
console.log('objects   analyzer ms  µs/object  vs 1k   traffic model ms  µs/object  vs 1k   findings    edges');
const [base] = measured;
const per = (ms: number, n: number) => (ms * 1000) / n;
for (const m of measured) {
  console.log(`${String(m.n).padStart(7)} ${m.analyzer.toFixed(0).padStart(13)} ${per(m.analyzer, m.n).toFixed(1).padStart(10)} `
    + `${(per(m.analyzer, m.n) / per(base.analyzer, base.n)).toFixed(2).padStart(6)}x ${m.model.toFixed(0).padStart(18)} `
    + `${per(m.model, m.n).toFixed(1).padStart(10)} ${(per(m.model, m.n) / per(base.model, base.n)).toFixed(2).padStart(6)}x `
    + `${String(m.findings).padStart(10)} ${String(m.edges).padStart(8)}`);
}
const last = measured[measured.length - 1];
console.log(`log-log exponent: analyzer ${exponent(measured.map(m => [m.n, m.analyzer])).toFixed(2)}, `
  + `traffic model ${exponent(measured.map(m => [m.n, m.model])).toFixed(2)} (1 = linear)`);
const ratio = per(last.analyzer, last.n) / per(base.analyzer, base.n);
const modelRatio = per(last.model, last.n) / per(base.model, base.n);
console.log(`goal (issue 12): per-object cost at ${last.n} within 1.2x of ${base.n}: analyzer ${ratio.toFixed(2)}x ${ratio <= 1.2 ? 'met' : 'MISSED'}, `
  + `traffic model ${modelRatio.toFixed(2)}x ${modelRatio <= 1.2 ? 'met' : 'MISSED'}`);

if (!fs.existsSync(CLI)) {
  console.log(`\nlint CLI: ${path.relative(process.cwd(), CLI)} not found; run 'npx projen compile' first`);
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-bench-'));
  try {
    const manifests = generate(10000);
    const yamlFile = path.join(dir, 'manifests.yaml');
    const jsonFile = path.join(dir, 'manifests.json');
    fs.writeFileSync(yamlFile, manifests.map(m => stringify(m)).join('---\n'));
    fs.writeFileSync(jsonFile, JSON.stringify(manifests));
    console.log('\nlint CLI end to end on 10000 objects (node lib/analysis/cli.js lint <file> --format json; median of 3, process start included)');
    for (const file of [yamlFile, jsonFile]) {
      const { ms, status, bytes } = timeCli(file);
      const size = (fs.statSync(file).size / 1024 / 1024).toFixed(1);
      console.log(`  ${path.extname(file).slice(1).padEnd(4)} ${size.padStart(5)} MB  ${ms.toFixed(0).padStart(5)} ms  exit ${status}, ${(bytes / 1024).toFixed(0)} KB of JSON findings`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
