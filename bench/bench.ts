/**
 * npx projen bench [-- --sizes 100,1000,5000 --runs 5 --only hss|mad]
 *
 * Synthesis on equal work. For each N, side by side and in interleaved rounds (the variants take turns, in the opposite
 * order every other round), one fresh node process per sample (bench/sample.ts), as `cdk8s synth` runs an app:
 * - HeadlessStatefulService x N (4 objects each) against raw ApiObjects rebuilt from the library's own output (equal
 *   work: the same objects, byte-identical YAML), the same shape hand-written with cdk8s-plus-27 (the same manifests
 *   but for the construct-path hash of cdk8s-plus' pod label), and the YAML floor (only `Yaml.save()` of the same
 *   manifests);
 * - MeshAwareDatabase x N (Patroni, 3 pods, one admitted client: 16 objects each, synth-time analysis included)
 *   against raw ApiObjects rebuilt from its output and the YAML floor; and, to attribute the cost, the same databases
 *   with the synth-time analysis switched off inside the bench (not an option of the library).
 * Prints per phase (construct / synth / serialise) the median wall time, the CPU time of the three phases (every
 * thread; less sensitive than wall time to other processes on a shared machine), the peak RSS, the heap the construct tree holds, the
 * ratios, the log-log scaling exponent of each variant's total over the sizes, and the issue's goals met or not.
 * Every sample's YAML is hashed: the library's, the raw baseline's and the floor's must be byte-identical.
 * The machine is shared and noisy: read the ratios (taken from medians of the same run), not the times.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import type { Sample, Variant } from './sample';
import { benchChart, handWrittenKplus, headlessServices } from './shapes';
import { exponent, median } from './stats';
import { transpile } from './transpile';


let SAMPLE = '';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Group {
  readonly title: string;
  readonly key: 'hss' | 'mad';
  readonly perUnit: number;
  readonly variants: ReadonlyArray<{ readonly variant: Variant; readonly label: string }>;
}

const GROUPS: ReadonlyArray<Group> = [
  {
    title: 'HeadlessStatefulService',
    key: 'hss',
    perUnit: 4,
    variants: [
      { variant: 'floor', label: 'YAML floor (Yaml.save only)' },
      { variant: 'raw', label: 'raw ApiObjects (equal work)' },
      { variant: 'kplus', label: 'cdk8s-plus-27 by hand' },
      { variant: 'hss', label: 'HeadlessStatefulService' },
    ],
  },
  {
    title: 'MeshAwareDatabase (Patroni, 3 pods, one client, analysis on)',
    key: 'mad',
    perUnit: 16,
    variants: [
      { variant: 'floor', label: 'YAML floor (Yaml.save only)' },
      { variant: 'raw', label: 'raw ApiObjects (equal work)' },
      { variant: 'mad', label: 'MeshAwareDatabase' },
      { variant: 'mad-unanalysed', label: '  the same, analysis off (*)' },
    ],
  },
];

function runSample(variant: Variant, n: number, dir: string, input?: string): Sample {
  const outdir = path.join(dir, `${variant}-out`);
  const result = spawnSync(process.execPath, ['--expose-gc', SAMPLE, variant, String(n), outdir, ...input ? [input] : []], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`bench: sample ${variant} x ${n} failed (exit ${result.status}):\n${result.stderr}`);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  if (variant.startsWith('prepare-')) {
    return undefined as unknown as Sample;
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Sample;
}

interface Figures {
  readonly construct: number;
  readonly synth: number;
  readonly serialise: number;
  readonly total: number;
  readonly cpu: number;
  readonly peakRss: number;
  readonly retainedHeap: number;
  readonly constructs: number;
  readonly objects: number;
  readonly sha256: string;
}

function figures(samples: Sample[]): Figures {
  const hashes = new Set(samples.map(s => s.sha256));
  if (hashes.size !== 1) {
    throw new Error('bench: one variant wrote different YAML in different samples');
  }
  return {
    construct: median(samples.map(s => s.construct)),
    synth: median(samples.map(s => s.synth)),
    serialise: median(samples.map(s => s.serialise)),
    total: median(samples.map(s => s.construct + s.synth + s.serialise)),
    cpu: median(samples.map(s => s.cpu)),
    peakRss: median(samples.map(s => s.peakRss)),
    retainedHeap: median(samples.map(s => s.retainedHeap)),
    constructs: samples[0].constructs,
    objects: samples[0].objects,
    sha256: samples[0].sha256,
  };
}

const ms = (v: number) => v.toFixed(0).padStart(9);
const mb = (v: number) => `${(v / 1024 / 1024).toFixed(0).padStart(6)} MB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** The cdk8s-plus shape must equal the library's manifests but for cdk8s-plus' pod address label. */
function checkKplusShape(): void {
  const comparable = (build: (chart: ReturnType<typeof benchChart>, n: number) => void) => {
    const chart = benchChart(new App());
    build(chart, 3);
    return JSON.stringify(chart.toJson(), (key, value) => key === 'cdk8s.io/metadata.addr' ? undefined : value);
  };
  if (comparable(headlessServices) !== comparable(handWrittenKplus)) {
    throw new Error('bench: the hand-written cdk8s-plus-27 shape does not build the same manifests as HeadlessStatefulService; fix bench/shapes.ts');
  }
}

interface GoalLine {
  readonly goal: string;
  readonly value: string;
  readonly met: boolean;
}

function main(): void {
  const sizes = (option('sizes') ?? '100,1000,5000').split(',').map(Number);
  const runsOption = option('runs');
  const only = option('only');
  const groups = GROUPS.filter(g => only === undefined || g.key === only);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));
  const goals: GoalLine[] = [];
  const scaling = new Map<string, Array<[number, number]>>();
  checkKplusShape();
  SAMPLE = transpile(path.join(dir, 'js'));
  console.log(`synthesis bench: node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}; one process per sample, `
    + 'rounds interleaved; medians; times in ms');
  try {
    for (const n of sizes) {
      const runs = Number(runsOption ?? (n >= 5000 ? 3 : 5));
      for (const group of groups) {
        const input = path.join(dir, `${group.key}-${n}.json`);
        runSample(`prepare-${group.key}` as Variant, n, dir, input);
        const samples = new Map<Variant, Sample[]>(group.variants.map(v => [v.variant, []]));
        for (let round = 0; round < runs; round++) {
          const order = round % 2 === 0 ? group.variants : [...group.variants].reverse();
          for (const { variant } of order) {
            const needsInput = variant === 'raw' || variant === 'floor';
            samples.get(variant)!.push(runSample(variant, n, dir, needsInput ? input : undefined));
          }
        }
        const results = new Map([...samples].map(([v, s]) => [v, figures(s)]));
        const lib = results.get(group.key)!;
        const raw = results.get('raw')!;
        const floor = results.get('floor')!;
        console.log(`\n${group.title} x ${n}: ${lib.objects} objects, ${lib.constructs} constructs; median of ${runs}`);
        console.log('                                 construct    synth serialise    total      cpu   peak RSS  heap held  constructs');
        for (const { variant, label } of group.variants) {
          const f = results.get(variant)!;
          console.log(`  ${label.padEnd(29)}${ms(f.construct)}${ms(f.synth)}${ms(f.serialise)}${ms(f.total)}${ms(f.cpu)}  ${mb(f.peakRss)}  ${mb(f.retainedHeap)} ${String(f.constructs).padStart(11)}`);
          scaling.set(`${group.key}:${label}`, [...scaling.get(`${group.key}:${label}`) ?? [], [n, f.total]]);
        }
        const identical = lib.sha256 === raw.sha256 && raw.sha256 === floor.sha256;
        if (!identical) {
          throw new Error(`bench: ${group.title} x ${n}: the library, the raw ApiObjects and the floor wrote different YAML`);
        }
        const perUnit = (f: Figures) => `${(f.retainedHeap / n / 1024).toFixed(1)} KB`;
        console.log(`  output: library, raw and floor byte-identical (sha256 ${lib.sha256.slice(0, 12)})`
          + (group.key === 'hss' ? '; cdk8s-plus-27 equal but for its cdk8s.io/metadata.addr label' : ''));
        // the rounds are interleaved, so the library and raw samples of one round ran side by side: their ratio is
        // less exposed to the machine's speed drifting over the run than the ratio of the medians (the goal's measure)
        const total = (s: Sample) => s.construct + s.synth + s.serialise;
        const paired = samples.get(group.key as Variant)!.map((s, i) => total(s) / total(samples.get('raw')![i])).sort((a, b) => a - b);
        console.log(`  total: library / raw ${ratio(lib.total, raw.total)} (round by round: median ${paired.length > 0 ? median(paired).toFixed(2) : '-'}x, `
          + `${paired[0]?.toFixed(2)}x to ${paired[paired.length - 1]?.toFixed(2)}x), raw / floor ${ratio(raw.total, floor.total)}`
          + (group.key === 'hss' ? `, library / cdk8s-plus-27 ${ratio(lib.total, results.get('kplus')!.total)}` : '')
          + `; cpu: library / raw ${ratio(lib.cpu, raw.cpu)}`
          + (group.key === 'hss' ? `, library / cdk8s-plus-27 ${ratio(lib.cpu, results.get('kplus')!.cpu)}` : ''));
        if (group.key === 'mad') {
          const bare = results.get('mad-unanalysed')!;
          console.log(`  (*) attribution only, not an option of the library: the synth-time analysis is ${(lib.total - bare.total).toFixed(0)} ms `
            + `of the total; without it the library is ${ratio(bare.total, raw.total)} raw`);
        }
        console.log(`  heap held per ${group.key === 'hss' ? 'service' : 'database'}: library ${perUnit(lib)}, raw ${perUnit(raw)} `
          + `(${ratio(lib.retainedHeap, raw.retainedHeap)})`);
        if (group.key === 'mad' && n >= 1000) {
          goals.push({
            goal: `MeshAwareDatabase total <= 1.25x raw at N=${n}`,
            value: `${ratio(lib.total, raw.total)} (cpu ${ratio(lib.cpu, raw.cpu)})`,
            met: lib.total <= 1.25 * raw.total,
          });
          goals.push({ goal: `MeshAwareDatabase memory <= 2x raw at N=${n}`, value: ratio(lib.retainedHeap, raw.retainedHeap), met: lib.retainedHeap <= 2 * raw.retainedHeap });
        }
        if (group.key === 'hss' && n >= 1000) {
          const kplus = results.get('kplus')!;
          goals.push({
            goal: `HeadlessStatefulService faster than cdk8s-plus-27 by hand at N=${n}`,
            value: `${ratio(lib.total, kplus.total)} (cpu ${ratio(lib.cpu, kplus.cpu)})`,
            met: lib.total < kplus.total,
          });
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (sizes.length > 1) {
    console.log('\nscaling: log-log exponent of the total over N (1 = linear)');
    for (const [key, points] of scaling) {
      const [group, label] = key.split(':');
      console.log(`  ${group.padEnd(4)} ${label.padEnd(29)} ${exponent(points).toFixed(2)}`);
    }
  }
  if (goals.length > 0) {
    console.log('\ngoals (issue 12)');
    for (const g of goals) {
      console.log(`  ${g.met ? 'met    ' : 'MISSED '} ${g.goal.padEnd(62)} ${g.value}`);
    }
  }
}

if (require.main === module) {
  main();
}
