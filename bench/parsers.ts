/**
 * How the lint CLI compares with the floor it cannot beat: parsing the same YAML and doing nothing else.
 *
 *   npx projen bench            (after `npx projen compile`)
 *   TS_NODE_PROJECT=test/tsconfig.json node -r ts-node/register bench/parsers.ts [-- --mb 50]
 *
 * Writes two generated streams (10,000 objects, and one of at least 50 MB; see bench/manifests.ts), then times, each
 * in a fresh node process (start, read and parse: what the CLI pays too, median of 3):
 * - parse-only floors: the `yaml` library (the whole stream, and document by document) and js-yaml (the whole stream,
 *   and document by document, as the CLI does), and JSON.parse on the same objects as JSON;
 * - the whole CLI: `node lib/analysis/cli.js lint <file> --format json` (parse, analyse, find the positions of the
 *   findings, write the report).
 * Reports MB/s, objects/s, peak memory (max RSS) and the ratio CLI / fastest floor (the goal: at most 1.3).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { generate, yamlStream } from './manifests';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'lib', 'analysis', 'cli.js');
const RUNS = 3;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A child that parses the file one way and prints `<objects> <maxRSS KB>`. */
const FLOORS: Record<string, string> = {
  'yaml, whole stream': 'const y = require(\'yaml\'); n = y.parseAllDocuments(text).map(d => d.toJS()).filter(d => d).length;',
  'yaml, per document': 'const y = require(\'yaml\'); for (const d of text.split(/^---$/m)) { if (y.parse(d)) n++; }',
  'js-yaml, whole stream': 'const y = require(\'js-yaml\'); n = y.loadAll(text).filter(d => d).length;',
  'js-yaml, per document': 'const y = require(\'js-yaml\'); for (const d of text.split(/^---$/m)) { if (y.load(d)) n++; }',
  // what any analysis must at least do: parse, and keep the objects (the floors above drop each one once parsed)
  'js-yaml, per document, objects kept': 'const y = require(\'js-yaml\'); const kept = []; for (const d of text.split(/^---$/m)) { const o = y.load(d); if (o) kept.push(o); } n = kept.length;',
  'JSON.parse (same objects as JSON)': 'n = JSON.parse(text).length;',
};

function floorScript(body: string): string {
  return `const text = require('fs').readFileSync(process.argv[1], 'utf8'); let n = 0; ${body}
const c = process.cpuUsage(); process.stdout.write(n + ' ' + process.resourceUsage().maxRSS + ' ' + (c.user + c.system) / 1000);`;
}

const CLI_SCRIPT = `require(${JSON.stringify(CLI)}).main(['lint', process.argv[1], '--format', 'json', '--fail-on', 'none'], {
  ...require(${JSON.stringify(CLI)}).processIo(), stdout: t => { out = t.length; }, progress: false,
}).then(code => { const c = process.cpuUsage(); process.stdout.write(code + ' ' + process.resourceUsage().maxRSS + ' ' + (c.user + c.system) / 1000 + ' ' + out); });
let out = 0;`;

interface Timed {
  /** Wall clock, median. */
  readonly ms: number;
  /** CPU time (user + system, all threads), median: steadier than the wall clock on a shared machine. */
  readonly cpu: number;
  readonly output: string;
}

function time(script: string, file: string, runs = RUNS): Timed {
  const times: number[] = [];
  const cpus: number[] = [];
  let output = '';
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, ['-e', script, file], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    times.push(performance.now() - start);
    if (result.status !== 0) {
      throw new Error(`bench child failed: ${result.stderr}`);
    }
    output = result.stdout;
    cpus.push(Number(output.split(' ')[2]));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return { ms: median(times), cpu: median(cpus), output };
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

if (!fs.existsSync(CLI)) {
  console.log(`parsers: ${path.relative(process.cwd(), CLI)} not found; run 'npx projen compile' first`);
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-parsers-'));
  try {
    const targetMb = arg('mb', 50);
    const small = generate(10000);
    let large = generate(100000);
    const largeText = (() => {
      let text = yamlStream(large);
      while (text.length < targetMb * 1048576) {
        large = generate(Math.ceil(large.length * (targetMb * 1048576 / text.length) * 1.02));
        text = yamlStream(large);
      }
      return text;
    })();
    const inputs = [
      { name: '10k objects', objects: small, yaml: yamlStream(small) },
      { name: `${mb(largeText.length)} MB stream`, objects: large, yaml: largeText },
    ];
    console.log(`lint CLI vs parse-only floors: fresh node process each (start + read + parse), median of ${RUNS} `
      + `(node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length})`);
    for (const input of inputs) {
      const yamlFile = path.join(dir, 'm.yaml');
      const jsonFile = path.join(dir, 'm.json');
      fs.writeFileSync(yamlFile, input.yaml);
      fs.writeFileSync(jsonFile, JSON.stringify(input.objects));
      const bytes = fs.statSync(yamlFile).size;
      console.log(`\n${input.name}: ${input.objects.length} objects, ${mb(bytes)} MB of YAML`);
      console.log('  what                                   wall ms   cpu ms    MB/s   objects/s   max RSS');
      const row = (name: string, t: Timed, rss: number) => console.log(`  ${name.padEnd(38)} ${t.ms.toFixed(0).padStart(7)} `
        + `${t.cpu.toFixed(0).padStart(8)} ${(bytes / 1048576 / (t.ms / 1000)).toFixed(1).padStart(7)} `
        + `${Math.round(input.objects.length / (t.ms / 1000)).toString().padStart(11)} ${(rss / 1024).toFixed(0).padStart(6)} MB`);
      let fastest: Timed | undefined;
      let kept: Timed | undefined;
      let fastestName = '';
      for (const [name, body] of Object.entries(FLOORS)) {
        if (name === 'yaml, whole stream' && bytes > 20 * 1048576) {
          console.log(`  ${name.padEnd(38)} (skipped above 20 MB: 20 s and 1.4 GB at 50 MB, see docs/rules.md)`);
          continue;
        }
        const json = name.startsWith('JSON');
        // the yaml library takes tens of seconds on the large stream: once is enough to see it is no candidate
        const t = time(floorScript(body), json ? jsonFile : yamlFile, name.startsWith('yaml') && bytes > 20 * 1048576 ? 1 : RUNS);
        const [objects, rss] = t.output.split(' ').map(Number);
        if (objects !== input.objects.length) {
          throw new Error(`${name} read ${objects} objects, not ${input.objects.length}`);
        }
        if (name.endsWith('objects kept')) {
          kept = t;
        } else if (!json && (!fastest || t.ms < fastest.ms)) {
          fastest = t;
          fastestName = name;
        }
        row(name, t, rss);
      }
      const cli = time(CLI_SCRIPT, yamlFile);
      const [code, rss, , out] = cli.output.split(' ').map(Number);
      if (code === 2) {
        throw new Error('the CLI could not read the stream');
      }
      row('lint CLI (--format json)', cli, rss);
      console.log(`  CLI / fastest floor (${fastestName}): ${(cli.ms / fastest!.ms).toFixed(2)}x wall, ${(cli.cpu / fastest!.cpu).toFixed(2)}x cpu `
        + `(goal: at most 1.3x); CLI / parse keeping the objects: ${(cli.ms / kept!.ms).toFixed(2)}x wall, ${(cli.cpu / kept!.cpu).toFixed(2)}x cpu`);
      console.log(`  ${(out / 1024).toFixed(0)} KB of findings; CLI memory per object ${((rss * 1024) / input.objects.length).toFixed(0)} bytes`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
