#!/usr/bin/env node
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { MeshAnalyzer } from './analyzer';
import { AnalyzeOptions, Severity } from './finding';
import { InputError, parseManifestsInParallel, SourceObject } from './load';
import { formatJson, formatSarif, formatText, LintResult } from './report';

/** What the command reads from and writes to; `main()` takes it so tests run in process. */
export interface CliIo {
  /** How many threads may parse a large YAML stream. */
  readonly threads: number;
  readStdin(): string;
  readFile(file: string): string;
  /** The entries of a folder, or undefined when `file` is not a folder. */
  readDir(file: string): string[] | undefined;
  exists(file: string): boolean;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const USAGE = `usage: cdk8s-stateful-mesh lint [paths..|-] [options]

Lints Kubernetes and Istio manifests for the pitfalls of stateful workloads in an Istio mesh.
Reads files and folders (recursively: .yaml, .yml, .json) and '-' for stdin, e.g.
  helm template my-release my-chart | cdk8s-stateful-mesh lint -

options:
  --format text|json|sarif                  output format (default: text)
  --fail-on error|warning|info|none         exit 1 when a finding is this severe or more (default: error)
  --mesh-config <file>                      the mesh config (MeshConfig YAML, or the istio ConfigMap)
  --assume-injection                        namespaces without a Namespace object have sidecar injection
  --default-namespace <name>                namespace of objects that have none (default: default)
  --cluster-domain <domain>                 cluster DNS domain (default: cluster.local)
  -h, --help                                this help

exit codes: 0 no finding reaches --fail-on, 1 some finding does, 2 bad usage or unreadable input
rules: https://github.com/cdk8s-stateful-mesh/cdk8s-stateful-mesh/blob/main/docs/rules.md
`;

const FORMATS = ['text', 'json', 'sarif'] as const;
const FAIL_ON = ['error', 'warning', 'info', 'none'] as const;
const RANK: Record<Severity, number> = { [Severity.INFO]: 1, [Severity.WARNING]: 2, [Severity.ERROR]: 3 };
const FAIL_RANK: Record<typeof FAIL_ON[number], number> = { info: 1, warning: 2, error: 3, none: Infinity };

interface Args {
  readonly inputs: string[];
  readonly format: typeof FORMATS[number];
  readonly failOn: typeof FAIL_ON[number];
  readonly options: AnalyzeOptions;
}

class UsageError extends Error {}

/**
 * Runs the command line (`argv` without `node` and the script) and returns the exit code.
 */
export async function main(argv: ReadonlyArray<string>, io: CliIo = processIo()): Promise<number> {
  try {
    if (argv.length === 0) {
      throw new UsageError('no command');
    }
    if (['-h', '--help', 'help'].includes(argv[0])) {
      io.stdout(USAGE);
      return 0;
    }
    if (argv[0] !== 'lint') {
      throw new UsageError(`unknown command '${argv[0]}'; the command is 'lint'`);
    }
    if (argv.slice(1).some(a => a === '-h' || a === '--help')) {
      io.stdout(USAGE);
      return 0;
    }
    const args = parseArgs(argv.slice(1), io);
    const sources: SourceObject[] = [];
    let files = 0;
    for (const input of args.inputs) {
      for (const file of expand(input, io)) {
        files++;
        sources.push(...await parseManifestsInParallel(file, file === '<stdin>' ? io.readStdin() : io.readFile(file), io.threads));
      }
    }
    if (sources.length === 0) {
      throw new InputError(`no manifests found in ${args.inputs.join(', ')}`);
    }
    const findings = MeshAnalyzer.analyze(sources.map(s => s.object), args.options);
    const result: LintResult = { findings, sources, files, rules: MeshAnalyzer.rules() };
    const format = { text: formatText, json: formatJson, sarif: formatSarif }[args.format];
    io.stdout(format(result));
    const failing = findings.some(f => f.suppressedReason === undefined && RANK[f.severity] >= FAIL_RANK[args.failOn]);
    return failing ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`cdk8s-stateful-mesh: ${e.message}\n${USAGE}`);
    } else {
      io.stderr(`cdk8s-stateful-mesh: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    }
    return 2;
  }
}

function parseArgs(args: ReadonlyArray<string>, io: CliIo): Args {
  const inputs: string[] = [];
  let format: Args['format'] = 'text';
  let failOn: Args['failOn'] = 'error';
  let meshConfig: any;
  let assumeInjection = false;
  let defaultNamespace: string | undefined;
  let clusterDomain: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (v === undefined || v === '') {
        throw new UsageError(`${flag} needs a value`);
      }
      return v;
    };
    switch (flag) {
      case '--format':
        format = oneOf(flag, value(), FORMATS);
        break;
      case '--fail-on':
        failOn = oneOf(flag, value(), FAIL_ON);
        break;
      case '--mesh-config':
        meshConfig = readMeshConfig(value(), io);
        break;
      case '--assume-injection':
        assumeInjection = true;
        break;
      case '--default-namespace':
        defaultNamespace = value();
        break;
      case '--cluster-domain':
        clusterDomain = value();
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') {
          throw new UsageError(`unknown option '${arg}'`);
        }
        inputs.push(arg);
    }
  }
  if (inputs.length === 0) {
    throw new UsageError('no input: pass files, folders, or - for stdin');
  }
  return { inputs, format, failOn, options: { meshConfig, assumeInjection, defaultNamespace, clusterDomain } };
}

function oneOf<T extends string>(flag: string, value: string, allowed: ReadonlyArray<T>): T {
  if (!(allowed as ReadonlyArray<string>).includes(value)) {
    throw new UsageError(`${flag} '${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A MeshConfig file: the MeshConfig itself, or the `istio` ConfigMap whose `data.mesh` holds it. */
function readMeshConfig(file: string, io: CliIo): any {
  if (!io.exists(file)) {
    throw new InputError(`${file}: no such file`);
  }
  let value: any;
  try {
    value = parseYaml(io.readFile(file));
  } catch (e) {
    throw new InputError(`${file}: not a mesh config: ${(e as Error).message.split('\n')[0]}`);
  }
  if (value?.kind === 'ConfigMap' && typeof value.data?.mesh === 'string') {
    value = parseYaml(value.data.mesh);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${file}: not a mesh config: expected a map such as 'defaultConfig: { proxyMetadata: {...} }'`);
  }
  return value;
}

/** The files of an input: itself, every .yaml/.yml/.json below a folder (sorted, hidden folders skipped), or stdin. */
function expand(input: string, io: CliIo): string[] {
  if (input === '-') {
    return ['<stdin>'];
  }
  if (!io.exists(input)) {
    throw new InputError(`${input}: no such file or folder`);
  }
  const entries = io.readDir(input);
  if (entries === undefined) {
    return [input];
  }
  return [...entries].sort().flatMap(entry => {
    const child = path.join(input, entry);
    if (entry.startsWith('.') || entry === 'node_modules') {
      return [];
    }
    if (io.readDir(child) !== undefined) {
      return expand(child, io);
    }
    return /\.(ya?ml|json)$/i.test(entry) ? [child] : [];
  });
}

/** The real process: files, stdin, stdout and stderr. */
export function processIo(): CliIo {
  return {
    readStdin: () => fs.readFileSync(0, 'utf8'),
    readFile: file => fs.readFileSync(file, 'utf8'),
    readDir: file => fs.statSync(file).isDirectory() ? fs.readdirSync(file) : undefined,
    exists: file => fs.existsSync(file),
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    threads: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  };
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}
