import { isAbsolute } from 'path';
import { pathToFileURL } from 'url';
import { Finding, RuleDescription, Severity } from './finding';
import { SourceObject } from './load';

/** The findings of a lint run, with the file and document of each object. */
export interface LintResult {
  readonly findings: ReadonlyArray<Finding>;
  /** The objects analysed, in the order given to the analyzer (`Finding.objectIndex` indexes it). */
  readonly sources: ReadonlyArray<SourceObject>;
  /** How many files (stdin counts as one) were read. */
  readonly files: number;
  readonly rules: ReadonlyArray<RuleDescription>;
}

const TOOL = 'cdk8s-stateful-mesh';
const DOCS = 'https://github.com/cdk8s-stateful-mesh/cdk8s-stateful-mesh/blob/main/docs/rules.md';

function location(result: LintResult, finding: Finding): string {
  const source = result.sources[finding.objectIndex];
  return source ? `${source.file}#${source.document}` : `#${finding.objectIndex + 1}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line per finding, `<severity> <code> <file>#<doc> <message>`, then suppressed findings and a summary line. */
export function formatText(result: LintResult): string {
  const active = result.findings.filter(f => f.suppressedReason === undefined);
  const suppressed = result.findings.filter(f => f.suppressedReason !== undefined);
  const lines = active.map(f => `${f.severity} ${f.code} ${location(result, f)} ${f.message}`);
  lines.push(...suppressed.map(f => `suppressed ${f.code} ${location(result, f)} ${f.origin} (reason: ${f.suppressedReason})`));
  const count = (s: Severity) => active.filter(f => f.severity === s).length;
  const scope = `${plural(result.sources.length, 'object')} from ${plural(result.files, 'file')}`;
  const summary = active.length === 0
    ? `no findings in ${scope}`
    : `${plural(active.length, 'finding')} (${plural(count(Severity.ERROR), 'error')}, ${plural(count(Severity.WARNING), 'warning')}, `
      + `${count(Severity.INFO)} info) in ${scope}`;
  lines.push(suppressed.length > 0 ? `${summary}; ${suppressed.length} suppressed` : summary);
  return `${lines.join('\n')}\n`;
}

/** The findings as JSON, each with its file, document and line. */
export function formatJson(result: LintResult): string {
  const findings = result.findings.map(f => {
    const source = result.sources[f.objectIndex];
    return {
      code: f.code,
      severity: f.severity,
      istioCode: f.istioCode,
      message: f.message,
      kind: f.kind,
      namespace: f.namespace,
      name: f.name,
      path: f.path,
      file: source?.file,
      document: source?.document,
      item: source?.item,
      line: source?.line,
      suppressedReason: f.suppressedReason,
    };
  });
  const active = result.findings.filter(f => f.suppressedReason === undefined);
  const summary = {
    objects: result.sources.length,
    files: result.files,
    errors: active.filter(f => f.severity === Severity.ERROR).length,
    warnings: active.filter(f => f.severity === Severity.WARNING).length,
    info: active.filter(f => f.severity === Severity.INFO).length,
    suppressed: result.findings.length - active.length,
  };
  return `${JSON.stringify({ tool: TOOL, findings, summary }, undefined, 2)}\n`;
}

const SARIF_LEVEL: Record<Severity, string> = { [Severity.ERROR]: 'error', [Severity.WARNING]: 'warning', [Severity.INFO]: 'note' };

function artifactUri(file: string): string {
  if (file === '<stdin>') {
    return 'stdin';
  }
  const slashed = file.replace(/\\/g, '/');
  return isAbsolute(file) ? pathToFileURL(file).href : encodeURI(slashed.replace(/^\.\//, ''));
}

function ruleName(title: string): string {
  return title.split(/[^A-Za-z0-9]+/).filter(w => w !== '').map(w => w[0].toUpperCase() + w.slice(1)).join('');
}

/** SARIF 2.1.0, for code-scanning UIs: one rule per code, one result per finding (suppressed ones marked). */
export function formatSarif(result: LintResult): string {
  const index = new Map(result.rules.map((r, i) => [r.code, i]));
  const rules = result.rules.map(r => ({
    id: r.code,
    name: ruleName(r.title),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: `${r.title}: ${r.description}${r.istioCode ? ` (istioctl analyze ${r.istioCode})` : ''}` },
    helpUri: `${DOCS}#${r.code.toLowerCase()}`,
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: r.istioCode ? { istioCode: r.istioCode } : {},
  }));
  const results = result.findings.map(f => {
    const source = result.sources[f.objectIndex];
    const physicalLocation = source
      ? { artifactLocation: { uri: artifactUri(source.file) }, ...(source.line ? { region: { startLine: source.line } } : {}) }
      : undefined;
    return {
      ruleId: f.code,
      ruleIndex: index.get(f.code),
      level: SARIF_LEVEL[f.severity],
      message: { text: f.message },
      locations: physicalLocation ? [{ physicalLocation, logicalLocations: [{ name: f.origin, kind: 'resource' }] }] : [],
      ...(f.suppressedReason !== undefined ? { suppressions: [{ kind: 'inSource', justification: f.suppressedReason }] } : {}),
      properties: { ...(f.istioCode ? { istioCode: f.istioCode } : {}), ...(f.path ? { path: f.path } : {}) },
    };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: TOOL, informationUri: DOCS, rules } },
      results,
    }],
  };
  return `${JSON.stringify(sarif, undefined, 2)}\n`;
}
