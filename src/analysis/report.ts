import { isAbsolute } from 'path';
import { pathToFileURL } from 'url';
import { Finding, RuleDescription, Severity } from './finding';
import { InputFinding, InputNote, SourceObject } from './load';
import { Position, PositionFinder } from './positions';

/** The findings of a lint run, with the file and document of each object. */
export interface LintResult {
  /** The analyzer's findings (`Finding.objectIndex` indexes `sources`). */
  readonly findings: ReadonlyArray<Finding>;
  /** Problems with the files themselves (cannot be parsed, duplicate keys). */
  readonly inputFindings: ReadonlyArray<InputFinding>;
  /** What was skipped, and why. */
  readonly notes: ReadonlyArray<InputNote>;
  /** The objects analysed, in the order given to the analyzer. */
  readonly sources: ReadonlyArray<SourceObject>;
  /** How many files (stdin counts as one) were read. */
  readonly files: number;
  /** The rules that ran (the input's own rules included). */
  readonly rules: ReadonlyArray<RuleDescription>;
  /** The tool's version, for SARIF. */
  readonly version: string;
}

/** How to print. */
export interface FormatOptions {
  /** ANSI colours for the severities (text only; the command line sets it on a terminal without NO_COLOR). */
  readonly colour?: boolean;
}

/** One line of a report: an analyzer finding or an input finding, with where it is written. */
interface Reported {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly document?: number;
  readonly item?: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly origin?: string;
  readonly istioCode?: string;
  readonly path?: string;
  readonly suppressedReason?: string;
}

const TOOL = 'cdk8s-stateful-mesh';
/** The rules' docs page: docs/rules.md has a heading per code. */
export const DOCS = 'https://github.com/cdk8s-stateful-mesh/cdk8s-stateful-mesh/blob/main/docs/rules.md';

/** The docs anchor of a rule. */
export function helpUri(code: string): string {
  return `${DOCS}#${code.toLowerCase()}`;
}

/** Every finding of the result with its position, in file order, then line and column. */
function reported(result: LintResult): Reported[] {
  const finder = new PositionFinder();
  const order = new Map<string, number>();
  const rank = (file: string | undefined) => {
    if (file !== undefined && !order.has(file)) {
      order.set(file, order.size);
    }
    return file === undefined ? -1 : order.get(file)!;
  };
  result.sources.forEach(s => rank(s.file));
  const all: Reported[] = result.findings.map(f => {
    const source = result.sources[f.objectIndex];
    const at: Position | undefined = source ? finder.locate(source, f.path) : undefined;
    return {
      code: f.code,
      severity: f.severity,
      message: f.message,
      file: source?.file,
      line: at?.line,
      column: at?.column,
      document: source?.document,
      item: source?.item,
      kind: f.kind,
      namespace: f.namespace,
      name: f.name,
      origin: f.origin,
      istioCode: f.istioCode,
      path: f.path,
      suppressedReason: f.suppressedReason,
    };
  });
  all.push(...result.inputFindings.map(f => ({
    code: f.code, severity: f.severity, message: f.message, file: f.file, line: f.line, column: f.column, suppressedReason: f.suppressedReason,
  })));
  return all
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r.file) - rank(b.r.file) || (a.r.line ?? 0) - (b.r.line ?? 0) || (a.r.column ?? 0) - (b.r.column ?? 0) || a.i - b.i)
    .map(x => x.r);
}

/** `file:line:col`, `file:line` or `file`. */
function where(file: string | undefined, line?: number, column?: number): string {
  if (file === undefined) {
    return '-';
  }
  return line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const COLOURS: Record<string, string> = { error: '31', warning: '33', info: '36', note: '2', suppressed: '2' };

/**
 * One line per finding, `<severity> <code> <file>:<line>:<col> <Kind> <namespace>/<name>: <message>`, then notes (what was
 * skipped), suppressed findings and a summary line.
 */
export function formatText(result: LintResult, options: FormatOptions = {}): string {
  const paint = (word: string) => options.colour ? `\u001b[${COLOURS[word]}m${word}\u001b[0m` : word;
  const all = reported(result);
  const active = all.filter(f => f.suppressedReason === undefined);
  const suppressed = all.filter(f => f.suppressedReason !== undefined);
  const lines = active.map(f => `${paint(f.severity)} ${f.code} ${where(f.file, f.line, f.column)} ${f.message}`);
  lines.push(...result.notes.map(n => `${paint('note')} ${where(n.file, n.line)} ${n.message}`));
  lines.push(...suppressed.map(f => `${paint('suppressed')} ${f.code} ${where(f.file, f.line, f.column)} ${f.origin ?? ''} (reason: ${f.suppressedReason})`));
  const count = (s: Severity) => active.filter(f => f.severity === s).length;
  const scope = `${plural(result.sources.length, 'object')} from ${plural(result.files, 'file')}`;
  const summary = active.length === 0
    ? `no findings in ${scope}`
    : `${plural(active.length, 'finding')} (${plural(count(Severity.ERROR), 'error')}, ${plural(count(Severity.WARNING), 'warning')}, `
      + `${count(Severity.INFO)} info) in ${scope}`;
  const extras = [
    ...suppressed.length > 0 ? [`${suppressed.length} suppressed`] : [],
    ...result.notes.length > 0 ? [plural(result.notes.length, 'note')] : [],
  ];
  lines.push(extras.length > 0 ? `${summary}; ${extras.join(', ')}` : summary);
  return `${lines.join('\n')}\n`;
}

/** The findings as JSON, each with its file, line, column, document and item, the notes, and a summary. */
export function formatJson(result: LintResult): string {
  const all = reported(result);
  const active = all.filter(f => f.suppressedReason === undefined);
  const summary = {
    objects: result.sources.length,
    files: result.files,
    errors: active.filter(f => f.severity === Severity.ERROR).length,
    warnings: active.filter(f => f.severity === Severity.WARNING).length,
    info: active.filter(f => f.severity === Severity.INFO).length,
    suppressed: all.length - active.length,
    notes: result.notes.length,
  };
  return `${JSON.stringify({ tool: TOOL, version: result.version, findings: all, notes: result.notes, summary }, undefined, 2)}\n`;
}

const SARIF_LEVEL: Record<Severity, string> = { [Severity.ERROR]: 'error', [Severity.WARNING]: 'warning', [Severity.INFO]: 'note' };

function artifactUri(file: string): string {
  if (file === '<stdin>') {
    return 'stdin';
  }
  const slashed = file.replace(/\\/g, '/');
  return isAbsolute(file) ? pathToFileURL(file).href : encodeURI(slashed.replace(/^\.\//, ''));
}

function physicalLocation(file: string | undefined, line?: number, column?: number) {
  if (file === undefined) {
    return undefined;
  }
  const region = line === undefined ? undefined : column === undefined ? { startLine: line } : { startLine: line, startColumn: column };
  return { artifactLocation: { uri: artifactUri(file) }, ...(region ? { region } : {}) };
}

function ruleName(title: string): string {
  return title.split(/[^A-Za-z0-9]+/).filter(w => w !== '').map(w => w[0].toUpperCase() + w.slice(1)).join('');
}

/**
 * SARIF 2.1.0, for code-scanning UIs: one rule per code (with its docs anchor), one result per finding with file, line
 * and column (suppressed ones marked), the notes as tool execution notifications.
 */
export function formatSarif(result: LintResult): string {
  const index = new Map(result.rules.map((r, i) => [r.code, i]));
  const rules = result.rules.map(r => ({
    id: r.code,
    name: ruleName(r.title),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: `${r.title}: ${r.description}${r.istioCode ? ` (istioctl analyze ${r.istioCode})` : ''}` },
    helpUri: helpUri(r.code),
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: r.istioCode ? { istioCode: r.istioCode } : {},
  }));
  const results = reported(result).map(f => {
    const physical = physicalLocation(f.file, f.line, f.column);
    const logical = f.origin ? { logicalLocations: [{ name: f.origin, kind: 'resource' }] } : {};
    return {
      ruleId: f.code,
      ...(index.has(f.code) ? { ruleIndex: index.get(f.code) } : {}),
      level: SARIF_LEVEL[f.severity],
      message: { text: f.message },
      locations: physical ? [{ physicalLocation: physical, ...logical }] : [],
      ...(f.suppressedReason !== undefined ? { suppressions: [{ kind: 'inSource', justification: f.suppressedReason }] } : {}),
      properties: { ...(f.istioCode ? { istioCode: f.istioCode } : {}), ...(f.path ? { path: f.path } : {}) },
    };
  });
  const notifications = result.notes.map(n => {
    const physical = physicalLocation(n.file, n.line);
    return { level: 'note', message: { text: n.message }, ...(physical ? { locations: [{ physicalLocation: physical }] } : {}) };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: TOOL, version: result.version, semanticVersion: result.version, informationUri: DOCS, rules } },
      invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
      results,
    }],
  };
  return `${JSON.stringify(sarif, undefined, 2)}\n`;
}
