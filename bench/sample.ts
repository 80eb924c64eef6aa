/**
 * One sample of the synthesis bench, in a process of its own (started by bench/bench.ts; not meant to be run by hand):
 *
 *   node --expose-gc bench/sample.js <variant> <n> <outdir> [<manifests.json>]   (transpiled by bench/bench.ts)
 *
 * Builds one app the way `cdk8s synth` runs one (construct, then `app.synth()` writing the YAML file), and prints one
 * line of JSON: the time of each phase, the heap the construct tree holds, the peak RSS and the SHA-256 of the written
 * file. The phases:
 * - construct: building the constructs;
 * - synth: `app.synth()` less its serialisation (validation, the synth-time analysis, resolving every object to JSON);
 * - serialise: `Yaml.save()` — turning the JSON into YAML and writing it — timed where `app.synth()` calls it.
 * `prepare-hss` and `prepare-mad` write the library's manifests as JSON (the input of `raw` and `floor`).
 * With `BENCH_CPU_PROFILE=<file>`, the V8 CPU profile of the three phases (and nothing before them) is written there
 * (bench/profile.ts reads it).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { Session } from 'inspector';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Yaml } from 'cdk8s';
import { benchChart, databases, handWrittenKplus, headlessServices, rawObjects } from './shapes';
import { registerChartActivator } from '../src/private/mesh-facts';

export type Variant = 'floor' | 'raw' | 'kplus' | 'hss' | 'mad' | 'mad-unanalysed' | 'prepare-hss' | 'prepare-mad';

/** What one sample measured (times in ms, memory in bytes). */
export interface Sample {
  readonly construct: number;
  readonly synth: number;
  readonly serialise: number;
  /** CPU time (user and system, every thread of the process) of the three phases: less sensitive to other load. */
  readonly cpu: number;
  /** Heap held after construction (after a full GC), over the heap before the app and its input existed. */
  readonly retainedHeap: number;
  /** Peak resident set size of the process. */
  readonly peakRss: number;
  readonly constructs: number;
  readonly objects: number;
  readonly sha256: string;
}

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {
  throw new Error('bench/sample.ts needs node --expose-gc');
});

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Profiles the phases when BENCH_CPU_PROFILE names a file; returns what stops the profiler and writes the profile. */
function startProfile(): () => void {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) {
    return () => undefined;
  }
  const session = new Session();
  session.connect();
  // the inspector answers these synchronously on the main thread
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  return () => session.post('Profiler.stop', (err, result) => {
    if (err) {
      throw err;
    }
    fs.writeFileSync(file, JSON.stringify(result.profile));
  });
}

function main(): void {
  const [variant, count, outdir, input] = process.argv.slice(2) as [Variant, string, string, string | undefined];
  const n = Number(count);
  fs.mkdirSync(outdir, { recursive: true });

  if (variant === 'prepare-hss' || variant === 'prepare-mad') {
    const chart = benchChart(new App({ outdir }));
    (variant === 'prepare-hss' ? headlessServices : databases)(chart, n);
    fs.writeFileSync(input!, JSON.stringify(chart.toJson()));
    return;
  }

  // serialisation, timed where app.synth() does it
  let serialise = 0;
  const save = Yaml.save;
  Yaml.save = (file: string, docs: any[]) => {
    const start = performance.now();
    save.call(Yaml, file, docs);
    serialise += performance.now() - start;
  };

  const heap0 = heapUsed();
  const stopProfile = startProfile();
  const manifests: any[] | undefined = input ? JSON.parse(fs.readFileSync(input, 'utf8')) : undefined;
  const file = path.join(outdir, 'bench.k8s.yaml');
  const cpu0 = process.cpuUsage();
  let construct = 0;
  let synth = 0;
  let constructs = 0;
  let objects = manifests?.length ?? 0;
  let retainedHeap: number;
  if (variant === 'floor') {
    retainedHeap = heapUsed() - heap0;
    Yaml.save(file, manifests!);
  } else {
    const app = new App({ outdir });
    const t0 = performance.now();
    const chart = benchChart(app);
    switch (variant) {
      case 'raw': rawObjects(chart, manifests!); break;
      case 'kplus': handWrittenKplus(chart, n); break;
      case 'hss': headlessServices(chart, n); break;
      case 'mad': databases(chart, n); break;
      case 'mad-unanalysed':
        // attribution only: the constructs no longer turn the synth-time analysis on (it is not an option of the library)
        registerChartActivator(() => undefined);
        databases(chart, n);
        break;
      default: throw new Error(`unknown variant '${variant}'`);
    }
    construct = performance.now() - t0;
    retainedHeap = heapUsed() - heap0;
    const all = chart.node.findAll();
    constructs = all.length;
    objects = all.filter(c => ApiObject.isApiObject(c)).length;
    const t1 = performance.now();
    app.synth();
    synth = performance.now() - t1 - serialise;
  }
  stopProfile();
  const cpuUsed = process.cpuUsage(cpu0);
  const sample: Sample = {
    construct,
    synth,
    serialise,
    cpu: (cpuUsed.user + cpuUsed.system) / 1000,
    retainedHeap,
    peakRss: process.resourceUsage().maxRSS * 1024,
    constructs,
    objects,
    sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main();
