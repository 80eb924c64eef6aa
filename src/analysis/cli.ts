#!/usr/bin/env node
/**
 * The `cdk8s-stateful-mesh` command line.
 *
 * How it is put together, for whoever adds a command (e.g. `graph`):
 * - `COMMANDS` is the table of subcommands: a name, a one-line summary, its `util.parseArgs` options, its usage text and
 *   a `run()` that returns the exit code. `main()` parses the command line against the table, handles the options every
 *   command shares (`--help`, `--version`, `--list-rules`, `--explain`, `--config`, `--no-config`) and dispatches.
 * - Input: `loadSources(inputs, io)` (load.ts) reads files, folders and `-` (stdin) into `SourceObject`s, with their file,
 *   document and line; `settingsFor()` merges the config file and the shared analysis flags into `AnalyzeOptions`.
 * - Output: a command builds its text and hands it to `io.stdout`; `report.ts` holds the formats of findings.
 * - Errors: throw `UsageError` (exit 2, with the usage) or `InputError` (exit 2, one line); nothing else escapes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, ParseArgsConfig } from 'util';
import { load as parseYaml } from 'js-yaml';
import { MeshAnalyzer } from './analyzer';
import {
  applySelection, checkCode, ConfigFile, enabledCodes, FAIL_ON_LEVELS, findConfigFile, LINT_FORMATS, parseSuppressFlag, readConfigFile,
  SuppressionRule, UsageError,
} from './config';
import { AnalyzeOptions, RuleDescription, Severity } from './finding';
import { Inventory } from './inventory';
import { INPUT_RULES, InputError, InputFinding, loadSources, PathInfo, Progress, SourceIo } from './load';
import { DOCS, formatJson, formatSarif, formatText, helpUri, LintResult } from './report';
import { TrafficVerdict } from './traffic/edge';
import { TrafficModel, TrafficOptions } from './traffic/model';
import { formatDot, formatJson as formatTrafficJson, formatMermaid, formatTable, renderSvg } from './traffic/render';

export { UsageError } from './config';
export { helpUri } from './report';

/** What the command reads from and writes to; `main()` takes it so tests run in process. */
export interface CliIo extends SourceIo {
  /** The working directory, where the config file lookup starts. */
  readonly cwd: string;
  /** Colour the text output (stdout is a terminal, and NO_COLOR is not set). */
  readonly colour: boolean;
  /** Show a progress line on stderr for big inputs (stderr is a terminal). */
  readonly progress: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Every rule the command line knows: the analyzer's and the input's own (files that cannot be parsed). */
export function allRules(): RuleDescription[] {
  return [...MeshAnalyzer.rules(), ...INPUT_RULES].sort((a, b) => a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

const NAME = 'cdk8s-stateful-mesh';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command is given: its parsed options and positionals, the io, and the config file (unless `--no-config`). */
export interface CommandContext {
  readonly values: Values;
  readonly positionals: ReadonlyArray<string>;
  readonly io: CliIo;
  readonly config?: ConfigFile;
}

/** A subcommand of the table. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The command's own options; the shared ones (`SHARED_OPTIONS`) are added by `main()`. */
  readonly options: Options;
  readonly usage: string;
  run(context: CommandContext): Promise<number>;
}

/** Options every command takes. */
const SHARED_OPTIONS: Options = {
  'help': { type: 'boolean', short: 'h' },
  'version': { type: 'boolean' },
  'list-rules': { type: 'boolean' },
  'explain': { type: 'string' },
  'config': { type: 'string' },
  'no-config': { type: 'boolean' },
};

/** Options of commands that analyse manifests (lint, and later graph): they become `AnalyzeOptions`. */
export const ANALYSIS_OPTIONS: Options = {
  'mesh-config': { type: 'string' },
  'assume-injection': { type: 'boolean' },
  'default-namespace': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'external-host': { type: 'string', multiple: true },
  'complete': { type: 'boolean' },
};

const ANALYSIS_USAGE = `  --mesh-config <file>                      the mesh config (MeshConfig YAML, or the istio ConfigMap)
  --assume-injection                        namespaces without a Namespace object have sidecar injection
  --default-namespace <name>                namespace of objects that have none (default: default)
  --cluster-domain <domain>                 cluster DNS domain (default: cluster.local)
  --external-host <fqdn>                    a host declared outside the input (repeatable)
  --complete                                the input is all the cluster has: report references to objects that
                                            are not in it (default: only near-miss names, as a repository is partial)`;

const SHARED_USAGE = `  --config <file>                           the config file (default: .cdk8s-stateful-mesh.yaml, looked for
                                            in the working directory and the folders above it)
  --no-config                               read no config file
  --list-rules                              list the rules and exit
  --explain <code>                          describe one rule and exit
  --version                                 print the version and exit
  -h, --help                                this help`;

const RANK: Record<Severity, number> = { [Severity.INFO]: 1, [Severity.WARNING]: 2, [Severity.ERROR]: 3 };
const FAIL_RANK: Record<typeof FAIL_ON_LEVELS[number], number> = { info: 1, warning: 2, error: 3, none: Infinity };

const LINT: Command = {
  name: 'lint',
  summary: 'lint Kubernetes and Istio manifests for the pitfalls of stateful workloads in an Istio mesh',
  options: {
    ...ANALYSIS_OPTIONS,
    'format': { type: 'string' },
    'fail-on': { type: 'string' },
    'suppress': { type: 'string', multiple: true },
    'disable': { type: 'string', multiple: true },
    'enable': { type: 'string', multiple: true },
  },
  usage: `usage: ${NAME} lint [paths..|-] [options]

Lints Kubernetes and Istio manifests for the pitfalls of stateful workloads in an Istio mesh.
Reads files and folders (recursively: .yaml, .yml, .json) and '-' for stdin, e.g.
  helm template my-release my-chart | ${NAME} lint -

options:
  --format text|json|sarif                  output format (default: text)
  --fail-on error|warning|info|none         exit 1 when a finding is this severe or more (default: error)
  --suppress <code>[=<pattern>]             hide findings of a rule (SM102, or the IST code it reproduces), for all
                                            objects or those matching Kind/namespace/name (globs: Service/db/*), or
                                            'Kind namespace/name' as istioctl analyze --suppress takes it; repeatable
  --disable <code>[,<code>..]               do not run these rules; repeatable
  --enable <code>[,<code>..]                run these rules even when the config file disables them; repeatable
${ANALYSIS_USAGE}
${SHARED_USAGE}

exit codes: 0 no finding reaches --fail-on, 1 some finding does, 2 bad usage or nothing could be read
rules: ${DOCS}
`,
  async run({ values, positionals, io, config }) {
    const rules = allRules();
    const format = oneOf('--format', str(values.format) ?? config?.format ?? 'text', LINT_FORMATS);
    const failOn = oneOf('--fail-on', str(values['fail-on']) ?? config?.failOn ?? 'error', FAIL_ON_LEVELS);
    const codes = (flag: string) => list(values[flag]).flatMap(v => v.split(',')).filter(c => c.trim() !== '')
      .map(c => checkCode(c, rules, `--${flag}`));
    const enabled = enabledCodes(rules, [...config?.disable ?? [], ...codes('disable')], [...config?.enable ?? [], ...codes('enable')]);
    const suppressions: SuppressionRule[] = [...config?.suppress ?? [], ...list(values.suppress).map(s => parseSuppressFlag(s, rules))];
    if (positionals.length === 0) {
      throw new UsageError('no input: pass files, folders, or - for stdin');
    }
    const options = settingsFor(values, io, config);
    const status = io.progress ? progressLine(io) : undefined;
    const loaded = await loadSources(positionals, io, status?.update);
    status?.say(`analysing ${loaded.sources.length} objects`);
    const findings = applySelection(MeshAnalyzer.analyze(loaded.sources.map(s => s.object), options), enabled, suppressions);
    const inputFindings = loaded.findings.filter(f => enabled.has(f.code)).map((f): InputFinding => {
      const rule = suppressions.find(r => r.code === f.code && r.match === undefined);
      return rule ? { ...f, suppressedReason: rule.reason } : f;
    });
    const result: LintResult = {
      findings,
      inputFindings,
      notes: loaded.notes,
      sources: loaded.sources,
      files: loaded.files,
      rules: rules.filter(r => enabled.has(r.code)),
      version: version(),
    };
    status?.say(`writing ${findings.length + inputFindings.length} findings`);
    const output = format === 'text' ? formatText(result, { colour: io.colour }) : format === 'json' ? formatJson(result) : formatSarif(result);
    status?.done();
    io.stdout(output);
    if (loaded.sources.length === 0) {
      throw new InputError(`no manifests found in ${positionals.join(', ')}`);
    }
    const failing = [...findings, ...inputFindings].some(f => f.suppressedReason === undefined && RANK[f.severity] >= FAIL_RANK[failOn]);
    return failing ? 1 : 0;
  },
};

const GRAPH_FORMATS = ['table', 'json', 'mermaid', 'dot', 'svg'] as const;

const GRAPH: Command = {
  name: 'graph',
  summary: 'print who can talk to whom, with which TLS, and which object blocks the rest (the traffic model)',
  options: {
    ...ANALYSIS_OPTIONS,
    'format': { type: 'string' },
    'unintended': { type: 'boolean' },
    'denied': { type: 'boolean' },
    'ambient': { type: 'string' },
    'trust-domain': { type: 'string' },
  },
  usage: `usage: ${NAME} graph [paths..|-] [options]

Prints the traffic model of Kubernetes and Istio manifests: for each edge (a workload, a service account or
namespace the policies name, the kubelet — towards a workload's pods on a port, through the name it dials), whether
it gets through with mTLS, in plaintext, or is denied, and the object that decides. Edges come from the manifests:
the peers of each StatefulSet, the sources the policies admit, workloads whose env names another, kubelet probes.

options:
  --format table|json|mermaid|dot|svg       output format (default: table); svg needs @hpcc-js/wasm-graphviz installed
  --unintended                              also evaluate, for every workload, sources nobody admitted (another pod of
                                            the namespace, a pod of another namespace, a client outside the mesh)
  --denied                                  print only the denied edges
  --ambient true|false                      whether istiod runs with ambient (default: true when the input has ambient
                                            pods or namespaces)
  --trust-domain <domain>                   the mesh trust domain (default: the mesh config's, else cluster.local)
${ANALYSIS_USAGE}
${SHARED_USAGE}

exit codes: 0 printed, 2 bad usage or nothing could be read
model: ${DOCS.replace('rules.md', 'mesh-policy.md#the-traffic-model')}
`,
  async run({ values, positionals, io, config }) {
    const format = oneOf('--format', str(values.format) ?? 'table', GRAPH_FORMATS);
    const ambient = str(values.ambient);
    if (ambient !== undefined && ambient !== 'true' && ambient !== 'false') {
      throw new UsageError(`--ambient '${ambient}' is not true or false`);
    }
    if (positionals.length === 0) {
      throw new UsageError('no input: pass files, folders, or - for stdin');
    }
    const options: TrafficOptions = {
      ...settingsFor(values, io, config),
      includeUnintended: values.unintended === true,
      ambientEnabled: ambient === undefined ? undefined : ambient === 'true',
      trustDomain: str(values['trust-domain']),
    };
    const status = io.progress ? progressLine(io) : undefined;
    const loaded = await loadSources(positionals, io, status?.update);
    if (loaded.sources.length === 0) {
      status?.done();
      throw new InputError(`no manifests found in ${positionals.join(', ')}`);
    }
    status?.say(`modelling ${loaded.sources.length} objects`);
    // the model itself, not MeshTraffic (which also reads cdk8s apps): the command line stays free of cdk8s
    const manifests = loaded.sources.map(s => s.object);
    const all = new TrafficModel(new Inventory(manifests, options), options).edges().map(e => e.edge);
    const edges = values.denied ? all.filter(e => e.verdict === TrafficVerdict.DENIED) : all;
    status?.done();
    // stdout is the graph (to pipe into a renderer); what could not be read, and what was skipped, goes to stderr
    for (const f of loaded.findings) {
      io.stderr(`${f.severity} ${f.code} ${[f.file, f.line, f.column].filter(x => x !== undefined).join(':')} ${f.message}\n`);
    }
    for (const n of loaded.notes) {
      io.stderr(`note ${[n.file, n.line].filter(x => x !== undefined).join(':')} ${n.message}\n`);
    }
    const render = { table: formatTable, json: formatTrafficJson, mermaid: formatMermaid, dot: formatDot, svg: undefined };
    io.stdout(render[format]?.(edges) ?? await renderSvg(edges));
    return 0;
  },
};

/** The subcommands, by name. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([[LINT.name, LINT], [GRAPH.name, GRAPH]]);

const USAGE = `usage: ${NAME} <command> [options]

commands:
${[...COMMANDS.values()].map(c => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Run '${NAME} <command> --help' for the options of a command.
  --list-rules                              list the rules and exit
  --explain <code>                          describe one rule and exit
  --version                                 print the version and exit
  -h, --help                                this help
rules: ${DOCS}
`;

/** The usage of the tool (no command) or of one command. */
export function usage(command?: string): string {
  return (command !== undefined ? COMMANDS.get(command)?.usage : undefined) ?? USAGE;
}

/**
 * Runs the command line (`argv` without `node` and the script) and returns the exit code.
 */
export async function main(argv: ReadonlyArray<string>, io: CliIo = processIo()): Promise<number> {
  const command = argv.length > 0 && !argv[0].startsWith('-') ? COMMANDS.get(argv[0]) : undefined;
  try {
    if (argv.length > 0 && !argv[0].startsWith('-') && !command) {
      if (argv[0] === 'help') {
        io.stdout(usage(argv[1]));
        return 0;
      }
      throw new UsageError(`unknown command '${argv[0]}'; the commands are ${[...COMMANDS.keys()].join(', ')}`);
    }
    const { values, positionals } = parse(command ? argv.slice(1) : argv, { ...SHARED_OPTIONS, ...command?.options });
    if (values.help) {
      io.stdout(usage(command?.name));
      return 0;
    }
    if (values.version) {
      io.stdout(`${NAME} ${version()}\n`);
      return 0;
    }
    if (values['list-rules']) {
      io.stdout(listRules(allRules(), str(values.format)));
      return 0;
    }
    if (values.explain !== undefined) {
      io.stdout(explain(str(values.explain)!));
      return 0;
    }
    if (!command) {
      throw new UsageError(argv.length === 0 ? 'no command' : `no command before '${argv[0]}'`);
    }
    const config = values['no-config'] ? undefined : configFile(str(values.config), io);
    return await command.run({ values, positionals, io, config });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${NAME}: ${e.message}\n${usage(command?.name)}`);
    } else {
      io.stderr(`${NAME}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    }
    return 2;
  }
}

function parse(args: ReadonlyArray<string>, options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    for (const [name, option] of Object.entries(options)) {
      const value = values[name];
      if (option.type === 'string' && (value === '' || (Array.isArray(value) && value.includes('')))) {
        throw new UsageError(`--${name} needs a value`);
      }
    }
    return { values: values as Values, positionals };
  } catch (e) {
    if (e instanceof UsageError) {
      throw e;
    }
    // util.parseArgs: "Unknown option '--frmat'...", "Option '--format <value>' argument missing"
    throw new UsageError((e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
  }
}

function str(value: Values[string]): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : typeof value === 'string' ? value : undefined;
}

function list(value: Values[string]): string[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

function oneOf<T extends string>(flag: string, value: string, allowed: ReadonlyArray<T>): T {
  if (!(allowed as ReadonlyArray<string>).includes(value)) {
    throw new UsageError(`${flag} '${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** The package version, from the package.json beside `lib/` (or `src/`). */
export function version(): string {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
}

function configFile(explicit: string | undefined, io: CliIo): ConfigFile | undefined {
  const configIo = { cwd: io.cwd, readFile: io.readFile, isFile: (f: string) => io.stat(f).kind === 'file' };
  const file = explicit !== undefined ? path.resolve(io.cwd, explicit) : findConfigFile(configIo);
  if (file === undefined) {
    return undefined;
  }
  if (!configIo.isFile(file)) {
    throw new UsageError(`--config ${explicit}: no such file`);
  }
  return readConfigFile(file, configIo, allRules());
}

/** The analysis options of a command: its flags, else the config file, else the defaults. */
export function settingsFor(values: Values, io: CliIo, config?: ConfigFile): AnalyzeOptions {
  const meshConfigFile = str(values['mesh-config']) ?? config?.meshConfig;
  return {
    meshConfig: meshConfigFile === undefined ? undefined : readMeshConfig(meshConfigFile, io),
    assumeInjection: values['assume-injection'] === true || config?.assumeInjection === true,
    defaultNamespace: str(values['default-namespace']) ?? config?.defaultNamespace,
    clusterDomain: str(values['cluster-domain']) ?? config?.clusterDomain,
    externalHosts: [...config?.externalHosts ?? [], ...list(values['external-host'])],
    partialInput: !(values.complete === true || config?.completeInput === true),
  };
}

/** A MeshConfig file: the MeshConfig itself, or the `istio` ConfigMap whose `data.mesh` holds it. */
function readMeshConfig(file: string, io: CliIo): any {
  if (io.stat(file).kind !== 'file') {
    throw new InputError(`${file}: no such file`);
  }
  let value: any;
  try {
    value = parseYaml(io.readFile(file));
    if (value?.kind === 'ConfigMap' && typeof value.data?.mesh === 'string') {
      value = parseYaml(value.data.mesh);
    }
  } catch (e) {
    throw new InputError(`${file}: not a mesh config: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${file}: not a mesh config: expected a map such as 'defaultConfig: { proxyMetadata: {...} }'`);
  }
  return value;
}

/** `--list-rules`: one line per rule (code, severity, istioctl code, title), or JSON with `--format json`. */
export function listRules(rules: ReadonlyArray<RuleDescription>, format?: string): string {
  if (format === 'json') {
    return `${JSON.stringify(rules.map(r => ({ ...r, helpUri: helpUri(r.code) })), undefined, 2)}\n`;
  }
  return `${rules.map(r => `${r.code}  ${r.severity.padEnd(7)}  ${(r.istioCode ?? '').padEnd(7)}  ${r.title}`).join('\n')}\n`;
}

/** `--explain CODE`: the rule's description and its docs link. */
export function explain(code: string): string {
  const rules = allRules();
  const rule = rules.find(r => r.code === code.trim().toUpperCase());
  if (!rule) {
    throw new UsageError(`--explain: unknown rule code '${code}'; the codes are ${rules.map(r => r.code).join(', ')}`);
  }
  return [
    `${rule.code} ${rule.title}`,
    `severity: ${rule.severity}${rule.istioCode ? `; reproduces istioctl analyze ${rule.istioCode}` : ''}`,
    '',
    rule.description,
    '',
    `more: ${helpUri(rule.code)}`,
    '',
  ].join('\n');
}

/** A progress line on stderr, rewritten in place, for inputs big enough to take a while. */
function progressLine(io: CliIo): { update: Progress; say(text: string): void; done(): void } {
  let shown = false;
  let last = 0;
  const say = (text: string) => {
    shown = true;
    io.stderr(`\r\u001b[K${NAME}: ${text}`);
  };
  return {
    update: ({ bytes, totalBytes, objects }) => {
      const now = Date.now();
      if (totalBytes >= PROGRESS_MIN_BYTES && now - last >= 100) {
        last = now;
        say(`reading ${(bytes / 1048576).toFixed(1)} of ${(totalBytes / 1048576).toFixed(1)} MB, ${objects} objects`);
      }
    },
    say: text => shown && say(text),
    done: () => shown && io.stderr('\r\u001b[K'),
  };
}

/** Inputs from this size on get a progress line (on a terminal). */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/** The real process: files, stdin, stdout and stderr. */
export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    readStdin: () => fs.readFileSync(0, 'utf8'),
    readFile: file => fs.readFileSync(file, 'utf8'),
    stat: file => statPath(file),
    readDir: folder => fs.readdirSync(folder),
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR,
    progress: process.stderr.isTTY === true,
  };
}

/** What a path is, following links: a link whose target is missing dangles; ELOOP is a loop. */
export function statPath(file: string): PathInfo {
  try {
    const stat = fs.statSync(file);
    const kind = stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : 'other';
    return { kind, realPath: fs.realpathSync(file) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      return { kind: 'link-loop' };
    }
    try {
      return fs.lstatSync(file).isSymbolicLink() ? { kind: 'dangling-link' } : { kind: 'missing' };
    } catch {
      return { kind: 'missing' };
    }
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}
