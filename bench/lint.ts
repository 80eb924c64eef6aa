/**
 * The mesh analyzer's cost, and the lint CLI end to end.
 *
 *   npx projen bench            (after `npx projen compile`, for the CLI part)
 *   TS_NODE_PROJECT=test/tsconfig.json node --expose-gc -r ts-node/register bench/lint.ts
 *
 * Generates N realistic objects in memory (per workload: a StatefulSet with env, probes and a volume claim, its headless
 * and client Services, a DestinationRule, a PeerAuthentication, an AuthorizationPolicy; a Namespace per ten workloads;
 * one workload in twenty with an unnamed port so rules report), then times MeshAnalyzer.analyze at 1k to 10k objects
 * (median of several runs after warm-up) and the compiled CLI on 10k objects as YAML and as JSON.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { generate } from './manifests';
import { MeshAnalyzer } from '../src';

const SIZES = [1000, 2500, 5000, 10000];
const WARMUP = 2;
const RUNS = 11;
const CLI = path.join(__dirname, '..', 'lib', 'analysis', 'cli.js');

/** With `node --expose-gc` (the bench task), collect before each run so a pause of earlier garbage is not timed. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeAnalyze(manifests: any[]): { ms: number; findings: number } {
  let findings = 0;
  for (let i = 0; i < WARMUP; i++) {
    findings = MeshAnalyzer.analyze(manifests).length;
  }
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    collectGarbage();
    const start = performance.now();
    MeshAnalyzer.analyze(manifests);
    times.push(performance.now() - start);
  }
  return { ms: median(times), findings };
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

console.log(`mesh analyzer: median of ${RUNS} runs after ${WARMUP} warm-up runs (node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length})`);
// warm the JIT on the largest input first, so that the small sizes are not measured cold
for (let i = 0; i < WARMUP; i++) {
  MeshAnalyzer.analyze(generate(SIZES[SIZES.length - 1]));
}
console.log('objects    ms   µs/object   objects/s   findings');
let first: number | undefined;
for (const n of SIZES) {
  const { ms, findings } = timeAnalyze(generate(n));
  const perObject = (ms * 1000) / n;
  first = first ?? perObject;
  console.log(`${String(n).padStart(7)} ${ms.toFixed(0).padStart(5)} ${perObject.toFixed(1).padStart(11)} ${Math.round(n / (ms / 1000)).toString().padStart(11)} `
    + `${String(findings).padStart(10)}   (${(perObject / first).toFixed(2)}x the per-object cost at ${SIZES[0]})`);
}

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
