/**
 * The command line's settings: the config file (`.cdk8s-stateful-mesh.yaml`, found upward from the working directory),
 * rule selection (`--disable` / `--enable`) and suppressions (`--suppress CODE[=pattern]`), applied to the findings of
 * any command that reports them.
 */
import * as path from 'path';
import { load as loadYaml } from 'js-yaml';
import { Finding, RuleDescription } from './finding';
import { firstLine } from './load';
import { isObject } from './objects';

/** The file names looked for, in each folder from the working directory up to the root. */
export const CONFIG_FILES: ReadonlyArray<string> = ['.cdk8s-stateful-mesh.yaml', '.cdk8s-stateful-mesh.yml'];

/** A usage problem: exit code 2, with the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A decision to hide some findings of one rule, from the config file or `--suppress`. */
export interface SuppressionRule {
  /** A rule code (`SM102`) or an `istioctl analyze` code (`IST0118`), matched against the finding's `istioCode`. */
  readonly code: string;
  /** Which objects: undefined for all of them. */
  readonly match?: ObjectPattern;
  /** Shown with every finding it hides. */
  readonly reason: string;
}

/**
 * Objects a suppression is about: `Kind/namespace/name` or `Kind/name` (any namespace), each part a glob (`*`, `?`);
 * or, when the pattern has a space, a glob over the `istioctl analyze` origin `Kind namespace/name`, as in
 * `istioctl analyze --suppress "IST0118=Service db/*"`.
 */
export interface ObjectPattern {
  readonly text: string;
  matches(finding: Finding): boolean;
}

/** What the config file may say; every key is optional. Paths are relative to the file. */
export interface ConfigFile {
  /** The file it was read from. */
  readonly file: string;
  readonly format?: string;
  readonly failOn?: string;
  readonly disable: ReadonlyArray<string>;
  readonly enable: ReadonlyArray<string>;
  readonly suppress: ReadonlyArray<SuppressionRule>;
  readonly meshConfig?: string;
  readonly assumeInjection?: boolean;
  readonly defaultNamespace?: string;
  readonly clusterDomain?: string;
  readonly externalHosts: ReadonlyArray<string>;
  readonly completeInput?: boolean;
}

/** The file system as the config lookup needs it. */
export interface ConfigIo {
  readonly cwd: string;
  readFile(file: string): string;
  isFile(file: string): boolean;
}

/** The config file of the working directory or the nearest folder above it; undefined when there is none. */
export function findConfigFile(io: ConfigIo): string | undefined {
  for (let dir = path.resolve(io.cwd); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const file = path.join(dir, name);
      if (io.isFile(file)) {
        return file;
      }
    }
    if (path.dirname(dir) === dir) {
      return undefined;
    }
  }
}

/** The formats of `lint --format` (and the config file's `format`). */
export const LINT_FORMATS = ['text', 'json', 'sarif'] as const;
/** The levels of `lint --fail-on` (and the config file's `failOn`). */
export const FAIL_ON_LEVELS = ['error', 'warning', 'info', 'none'] as const;

/** `a, b or c`. */
const either = (values: ReadonlyArray<string>) => `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

const KEYS: Record<string, string> = {
  format: either(LINT_FORMATS),
  failOn: either(FAIL_ON_LEVELS),
  disable: 'a list of rule codes',
  enable: 'a list of rule codes',
  suppress: 'a list of { code, match?, reason }',
  meshConfig: 'a file name',
  assumeInjection: 'true or false',
  defaultNamespace: 'a namespace',
  clusterDomain: 'a DNS domain',
  externalHosts: 'a list of host names',
  completeInput: 'true or false',
};

/**
 * Reads a config file.
 *
 * @throws UsageError naming the file and the key when the file is not such a map
 */
export function readConfigFile(file: string, io: ConfigIo, rules: ReadonlyArray<RuleDescription>): ConfigFile {
  let value: unknown;
  try {
    value = loadYaml(io.readFile(file));
  } catch (e) {
    throw new UsageError(`${file}: not a config file: ${firstLine((e as Error).message)}`);
  }
  if (value === undefined || value === null) {
    value = {};
  }
  if (!isObject(value)) {
    throw new UsageError(`${file}: not a config file: expected a map of settings such as 'failOn: warning'`);
  }
  const bad = (key: string) => new UsageError(`${file}: '${key}' must be ${KEYS[key]}`);
  for (const key of Object.keys(value)) {
    if (!(key in KEYS)) {
      throw new UsageError(`${file}: unknown setting '${key}'; the settings are ${Object.keys(KEYS).join(', ')}`);
    }
  }
  const str = (key: string): string | undefined => {
    const v = value[key];
    if (v === undefined || v === null) {
      return undefined;
    }
    if (typeof v !== 'string' || v === '') {
      throw bad(key);
    }
    return v;
  };
  const list = (key: string): string[] => {
    const v = value[key];
    if (v === undefined || v === null) {
      return [];
    }
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string' || x === '')) {
      throw bad(key);
    }
    return v;
  };
  const codes = (key: string) => list(key).map(code => checkCode(code, rules, `${file}: ${key}`));
  const suppress = (() => {
    const v = value.suppress;
    if (v === undefined || v === null) {
      return [];
    }
    if (!Array.isArray(v)) {
      throw bad('suppress');
    }
    return v.map((entry, i): SuppressionRule => {
      const where = `${file}: suppress[${i}]`;
      if (!isObject(entry) || Object.keys(entry).some(k => !['code', 'match', 'reason'].includes(k))) {
        throw new UsageError(`${where} must be { code, match?, reason }`);
      }
      if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
        throw new UsageError(`${where} needs a reason: say why the finding is acceptable`);
      }
      if (typeof entry.code !== 'string') {
        throw new UsageError(`${where} needs a code, e.g. 'SM102'`);
      }
      if (entry.match !== undefined && (typeof entry.match !== 'string' || entry.match === '')) {
        throw new UsageError(`${where}: match must be a pattern such as 'Service/db/*'`);
      }
      return {
        code: checkCode(entry.code, rules, where),
        match: entry.match === undefined ? undefined : objectPattern(entry.match, where),
        reason: entry.reason.trim(),
      };
    });
  })();
  const bool = (key: string): boolean | undefined => {
    const v = value[key];
    if (v !== undefined && v !== null && typeof v !== 'boolean') {
      throw bad(key);
    }
    return typeof v === 'boolean' ? v : undefined;
  };
  /** A setting with a fixed set of values (what the matching flag accepts), refused here with the file's name. */
  const choice = (key: string, allowed: ReadonlyArray<string>): string | undefined => {
    const v = str(key);
    if (v !== undefined && !allowed.includes(v)) {
      throw new UsageError(`${file}: '${key}' is '${v}'; it must be ${KEYS[key]}`);
    }
    return v;
  };
  const meshConfig = str('meshConfig');
  return {
    file,
    format: choice('format', LINT_FORMATS),
    failOn: choice('failOn', FAIL_ON_LEVELS),
    disable: codes('disable'),
    enable: codes('enable'),
    suppress,
    meshConfig: meshConfig === undefined ? undefined : path.resolve(path.dirname(file), meshConfig),
    assumeInjection: bool('assumeInjection'),
    completeInput: bool('completeInput'),
    defaultNamespace: str('defaultNamespace'),
    clusterDomain: str('clusterDomain'),
    externalHosts: list('externalHosts'),
  };
}

/** `SM102`, `sm102` or `IST0118` when some rule reproduces it; anything else is a usage error listing the codes. */
export function checkCode(code: string, rules: ReadonlyArray<RuleDescription>, where: string): string {
  const upper = code.trim().toUpperCase();
  if (rules.some(r => r.code === upper || r.istioCode === upper)) {
    return upper;
  }
  throw new UsageError(`${where}: unknown rule code '${code}'; the codes are ${rules.map(r => r.code).join(', ')} `
    + '(or the IST code a rule reproduces)');
}

/** `--suppress CODE` or `--suppress CODE=pattern`. */
export function parseSuppressFlag(text: string, rules: ReadonlyArray<RuleDescription>): SuppressionRule {
  const eq = text.indexOf('=');
  const code = checkCode(eq < 0 ? text : text.slice(0, eq), rules, `--suppress '${text}'`);
  const pattern = eq < 0 ? undefined : text.slice(eq + 1);
  if (pattern !== undefined && pattern.trim() === '') {
    throw new UsageError(`--suppress '${text}': the pattern after '=' is empty; write e.g. '${code}=Service/db/*'`);
  }
  return {
    code,
    match: pattern === undefined ? undefined : objectPattern(pattern, `--suppress '${text}'`),
    reason: `--suppress ${text}`,
  };
}

/** An object pattern (see `ObjectPattern`). */
export function objectPattern(text: string, where: string): ObjectPattern {
  const trimmed = text.trim();
  if (/\s/.test(trimmed)) {
    const origin = glob(trimmed);
    return { text: trimmed, matches: f => origin.test(f.origin) };
  }
  const parts = trimmed.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some(p => p === '')) {
    throw new UsageError(`${where}: pattern '${text}' is not Kind/namespace/name or Kind/name (globs allowed, e.g. 'Service/db/*')`);
  }
  const [kind, namespace, name] = parts.length === 3 ? parts.map(p => glob(p)) : [glob(parts[0]), undefined, glob(parts[1])];
  const kindCaseless = new RegExp(kind.source, 'i');
  return {
    text: trimmed,
    matches: f => kindCaseless.test(f.kind) && name.test(f.name) && (namespace === undefined || namespace.test(f.namespace ?? '')),
  };
}

function glob(pattern: string): RegExp {
  const source = pattern.split('').map(c => c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('');
  return new RegExp(`^${source}$`);
}

/** Which rules report: every rule, less the disabled ones (config, then flags), plus those enabled again by a flag. */
export function enabledCodes(rules: ReadonlyArray<RuleDescription>, disabled: ReadonlyArray<string>, enabled: ReadonlyArray<string>): Set<string> {
  const matches = (rule: RuleDescription, code: string) => rule.code === code || rule.istioCode === code;
  return new Set(rules.filter(r => !disabled.some(c => matches(r, c)) || enabled.some(c => matches(r, c))).map(r => r.code));
}

/**
 * The findings of enabled rules, with the suppressions applied: a finding already suppressed (by an annotation) keeps
 * its reason; SM001 (a bad suppression annotation) cannot be suppressed.
 */
export function applySelection(findings: ReadonlyArray<Finding>, enabled: ReadonlySet<string>,
  suppressions: ReadonlyArray<SuppressionRule>): Finding[] {
  return findings.filter(f => enabled.has(f.code)).map(f => {
    if (f.suppressedReason !== undefined || f.code === 'SM001') {
      return f;
    }
    const rule = suppressions.find(s => (s.code === f.code || s.code === f.istioCode) && (s.match === undefined || s.match.matches(f)));
    return rule ? { ...f, suppressedReason: rule.reason } : f;
  });
}
