/**
 * Reading manifests for the command line: files, folders and stdin into objects that remember where they came from.
 *
 * A whole repository can be given: files that are not manifests (Helm chart files, values files, kustomize files,
 * documents without `apiVersion`/`kind`) are skipped with a note, a file that cannot be parsed becomes an input finding
 * of its own (with file and line) while everything else is still analysed, and symbolic links that dangle or loop are
 * skipped with a note.
 */
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { CORE_SCHEMA, load, Schema, Type, YAMLException } from 'js-yaml';
import { RuleDescription, Severity } from './finding';

/** A manifest read from a file, with where it came from. */
export interface SourceObject {
  /** The file as given (or `<stdin>`). */
  readonly file: string;
  /** The document in the file, 1-based (the element, for a JSON array). */
  readonly document: number;
  /** The line the object starts on. */
  readonly line?: number;
  /** The item of a `List` document, 1-based. */
  readonly item?: number;
  readonly object: any;
  /** Where to find the fields of the object again (see positions.ts). */
  readonly origin?: SourceText;
}

/** The text an object was parsed from, for finding its fields' positions when a finding needs them. */
export interface SourceText {
  /** The document's text (the whole file, for JSON). */
  readonly text: string;
  /** The line of the file the text starts on, 1-based. */
  readonly startLine: number;
  /** The steps from the text's root to the object: an array index for a JSON array, then `items` and the index of a List. */
  readonly steps: ReadonlyArray<string | number>;
}

/** A problem with an input file itself (it cannot be read or parsed), reported like a finding. */
export interface InputFinding {
  readonly code: string;
  readonly severity: Severity;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
  /**
   * Why the finding is suppressed (`--suppress SM003`).
   * @default - not suppressed
   */
  readonly suppressedReason?: string;
}

/** Something skipped, and why: not a problem, but shown so nothing is skipped silently. */
export interface InputNote {
  readonly file: string;
  readonly document?: number;
  readonly line?: number;
  readonly message: string;
}

/** Input that cannot be used at all (a path that does not exist, nothing to analyse): exit code 2, one line. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export const UNPARSEABLE = 'SM002';
export const DUPLICATE_KEY = 'SM003';

/** The rules of the input itself, reported by the command line while it reads the files. */
export const INPUT_RULES: ReadonlyArray<RuleDescription> = [
  {
    code: UNPARSEABLE,
    severity: Severity.ERROR,
    title: 'file cannot be read or parsed',
    description: 'A file (or one document of a YAML stream) is not valid YAML or JSON, or cannot be read: nothing in it is '
      + 'analysed (the other documents and files are). Kubernetes cannot apply it either. Reported with the line and column '
      + 'the parser stopped at.',
  },
  {
    code: DUPLICATE_KEY,
    severity: Severity.WARNING,
    title: 'duplicate key in a mapping',
    description: 'YAML requires the keys of a mapping to be unique (YAML 1.2, section 3.2.1.1); loaders disagree on what '
      + 'a repeated key means (some refuse the document, others keep the first or the last value). The analysis reads the last value.',
  },
];

/** What `loadSources` reads from: files, folders and stdin (the `CliIo` of the command line). */
export interface SourceIo {
  readStdin(): string;
  readFile(file: string): string;
  /** What a path is, following symbolic links. */
  stat(file: string): PathInfo;
  /** The entries of a folder. */
  readDir(folder: string): string[];
}

/** A path, after following symbolic links. */
export interface PathInfo {
  readonly kind: 'file' | 'folder' | 'missing' | 'dangling-link' | 'link-loop' | 'other';
  /** The path with every link resolved (files and folders), to visit each once. */
  readonly realPath?: string;
}

/** The manifests of the command line's inputs. */
export interface LoadedSources {
  readonly sources: SourceObject[];
  /** How many files were read (stdin counts as one). */
  readonly files: number;
  readonly findings: InputFinding[];
  readonly notes: InputNote[];
}

/** Progress of a long read: bytes and objects so far, of the total bytes. */
export type Progress = (done: { readonly bytes: number; readonly totalBytes: number; readonly objects: number }) => void;

/**
 * Reads the inputs of a command (files, folders, `-` for stdin) into objects, each with its file, document and line.
 * Any command that analyses manifests calls it.
 *
 * @throws InputError when an input does not exist
 */
export async function loadSources(inputs: ReadonlyArray<string>, io: SourceIo, progress?: Progress): Promise<LoadedSources> {
  const notes: InputNote[] = [];
  const findings: InputFinding[] = [];
  const files: string[] = [];
  const seen = new Map<string, string>();
  for (const input of inputs) {
    files.push(...expand(input, io, notes, seen));
  }
  const texts: Array<{ readonly file: string; readonly text?: string }> = files.map(file => {
    try {
      return { file, text: stripBom(file === '<stdin>' ? io.readStdin() : io.readFile(file)) };
    } catch (e) {
      findings.push({ code: UNPARSEABLE, severity: Severity.ERROR, file, message: `cannot read the file: ${firstLine((e as Error).message)}` });
      return { file };
    }
  });
  const totalBytes = texts.reduce((n, t) => n + (t.text?.length ?? 0), 0);
  const sources: SourceObject[] = [];
  let bytes = 0;
  for (const { file, text } of texts) {
    if (text === undefined) {
      continue;
    }
    const parsed = parseWithProgress(file, text, progress === undefined ? undefined
      : (done, objects) => progress({ bytes: bytes + done, totalBytes, objects: sources.length + objects }));
    bytes += text.length;
    sources.push(...parsed.sources);
    findings.push(...parsed.findings);
    notes.push(...parsed.notes);
    progress?.({ bytes, totalBytes, objects: sources.length });
  }
  return { sources, files: files.length, findings, notes };
}

/** Helm and kustomize files that are not manifests, by name. */
const NOT_MANIFESTS: ReadonlyArray<{ readonly name: RegExp; readonly what: string }> = [
  { name: /^Chart\.ya?ml$/, what: 'Helm chart metadata' },
  { name: /^Chart\.lock$|^requirements\.(ya?ml|lock)$/, what: 'Helm dependency list' },
  { name: /^values(?:[-.][^/]*)?\.(?:ya?ml|json)$|^values\.schema\.json$/, what: 'Helm values' },
  { name: /^(?:kustomization|Kustomization)(?:\.ya?ml)?$/, what: 'a kustomize file (lint the output of kustomize build)' },
];

/**
 * The files of an input: itself, every .yaml/.yml/.json below a folder (sorted; hidden folders, `node_modules` and the
 * unrendered `templates/` of Helm charts skipped), or stdin. Links are followed; each file and folder is read once.
 */
function expand(input: string, io: SourceIo, notes: InputNote[], seen: Map<string, string>): string[] {
  if (input === '-') {
    return ['<stdin>'];
  }
  const info = io.stat(input);
  switch (info.kind) {
    case 'missing':
      throw new InputError(`${input}: no such file or folder`);
    case 'dangling-link':
      throw new InputError(`${input}: a symbolic link to a file that does not exist`);
    case 'link-loop':
      throw new InputError(`${input}: a symbolic link loop`);
    case 'other':
      throw new InputError(`${input}: not a file or folder`);
    case 'file':
      return visitOnce(input, info, notes, seen) ? [input] : [];
    case 'folder':
      return visitOnce(input, info, notes, seen) ? walk(input, io, notes, seen) : [];
  }
}

/** False (with a note) when the file or folder was read before, under this name or another (a link). */
function visitOnce(file: string, info: PathInfo, notes: InputNote[], seen: Map<string, string>): boolean {
  const real = info.realPath ?? file;
  const first = seen.get(real);
  if (first !== undefined) {
    notes.push({ file, message: `already read as ${first}, skipped` });
    return false;
  }
  seen.set(real, file);
  return true;
}

function walk(folder: string, io: SourceIo, notes: InputNote[], seen: Map<string, string>): string[] {
  const entries = [...io.readDir(folder)].sort();
  const isChart = entries.some(e => /^Chart\.ya?ml$/.test(e));
  return entries.flatMap(entry => {
    const child = path.join(folder, entry);
    if (entry.startsWith('.') || entry === 'node_modules') {
      return [];
    }
    const info = io.stat(child);
    switch (info.kind) {
      case 'dangling-link':
        notes.push({ file: child, message: 'a symbolic link to a file that does not exist, skipped' });
        return [];
      case 'link-loop':
        notes.push({ file: child, message: 'a symbolic link loop, skipped' });
        return [];
      case 'folder':
        if (isChart && entry === 'templates') {
          notes.push({ file: child, message: 'the unrendered templates of a Helm chart, skipped; lint the output of \'helm template\'' });
          return [];
        }
        return visitOnce(child, info, notes, seen) ? walk(child, io, notes, seen) : [];
      case 'file': {
        if (!/\.(ya?ml|json)$/i.test(entry)) {
          return [];
        }
        const known = NOT_MANIFESTS.find(n => n.name.test(entry));
        if (known) {
          notes.push({ file: child, message: `${known.what}, not manifests; skipped` });
          return [];
        }
        return visitOnce(child, info, notes, seen) ? [child] : [];
      }
      default:
        return [];
    }
  });
}

/** What one file gave: objects, problems and notes. */
export interface ParsedFile {
  readonly sources: SourceObject[];
  readonly findings: InputFinding[];
  readonly notes: InputNote[];
}

/**
 * The YAML schema of manifests: YAML 1.2 core (timestamps and other YAML 1.1 types stay strings, as in JSON) with merge
 * keys (`<<: *anchor`), which Kubernetes' YAML reader accepts. (@types/js-yaml does not declare js-yaml's `types` export.)
 */
export const MANIFEST_SCHEMA: Schema = CORE_SCHEMA.extend({ implicit: [(jsyaml as unknown as { types: { merge: Type } }).types.merge] });

/**
 * The Kubernetes objects in a file: multi-document YAML, or JSON (an array, an object, or a `List` with `items`).
 * Empty documents are skipped; documents that are not Kubernetes objects are skipped with a note; documents that are not
 * valid YAML are input findings.
 */
export function parseManifests(file: string, text: string): ParsedFile {
  const trimmed = text.trimStart();
  if (trimmed === '') {
    return { sources: [], findings: [], notes: [{ file, message: 'empty, skipped' }] };
  }
  const json = file.toLowerCase().endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[');
  if (json) {
    const parsed = parseJson(file, text);
    // `{a: 1}` is YAML flow, not JSON: a file not named .json gets its second chance as YAML
    if (parsed.findings.length === 0 || file.toLowerCase().endsWith('.json')) {
      return parsed;
    }
  }
  return parseDocuments(file, splitDocuments(text));
}

/** From this size on, the progress of a stream is reported while it is parsed. */
const PROGRESS_MIN_CHARS = 8 * 1024 * 1024;

/**
 * `parseManifests()`, with progress reported while a large stream is parsed. One thread: parsing on worker threads was
 * measured slower here, since handing the objects back to this thread (structured clone, or JSON) costs about what the
 * second thread saves (docs/rules.md, "Speed").
 */
function parseWithProgress(file: string, text: string, progress?: (bytes: number, objects: number) => void): ParsedFile {
  const trimmed = text.trimStart();
  if (progress === undefined || text.length < PROGRESS_MIN_CHARS || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    return parseManifests(file, text);
  }
  return parseDocuments(file, splitDocuments(text), progress);
}

function parseJson(file: string, text: string): ParsedFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON is YAML (flow style): js-yaml reads what JSON.parse refuses for a comment or a trailing comma, and says where
    // the text is broken when it is
    const message = firstLine((e as Error).message).replace(/ in JSON at position \d+.*$/, '').replace(/, "\.\.\..*$/, '');
    try {
      value = load(text, { schema: MANIFEST_SCHEMA, filename: file });
    } catch (yamlError) {
      const mark = yamlError instanceof YAMLException ? yamlError.mark : undefined;
      if (!/"(apiVersion|kind)"\s*:/.test(text)) {
        return { sources: [], findings: [], notes: [{ file, ...(mark ? { line: mark.line + 1 } : {}), message: `not valid JSON (${message}) and names no apiVersion or kind: not a manifest, skipped` }] };
      }
      return {
        sources: [],
        notes: [],
        findings: [{
          code: UNPARSEABLE,
          severity: Severity.ERROR,
          file,
          ...(mark ? { line: mark.line + 1, column: mark.column + 1 } : {}),
          message: `not valid JSON: ${message}`,
        }],
      };
    }
  }
  const found: ParsedFile = { sources: [], findings: [], notes: [] };
  const elements = Array.isArray(value) ? value : [value];
  elements.forEach((element, i) => {
    const steps = Array.isArray(value) ? [i] : [];
    collect(found, file, i + 1, undefined, element, { text, startLine: 1, steps });
  });
  return found;
}

/** A YAML document of a stream: its text from its `---` marker (if any) to the next one. */
export interface DocumentText {
  /** 1-based, in the order of the stream. */
  readonly document: number;
  /** The line of the stream the text starts on (1-based). */
  readonly startLine: number;
  readonly text: string;
}

/**
 * Splits a YAML stream at its `---` document markers (a marker at column 0 is forbidden inside content, so the split is
 * exact). Text before the first marker is a document only when it holds more than comments and blank lines.
 */
export function splitDocuments(text: string): DocumentText[] {
  const parts: Array<{ readonly startLine: number; readonly text: string }> = [];
  const marker = /^---(?:[ \t].*)?\r?$/gm;
  let start = 0;
  let startLine = 1;
  let line = 1;
  let scanned = 0;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    if (m.index === 0) {
      continue;
    }
    line += countLines(text, scanned, m.index);
    scanned = m.index;
    parts.push({ startLine, text: text.slice(start, m.index) });
    start = m.index;
    startLine = line;
  }
  parts.push({ startLine, text: text.slice(start) });
  const kept = parts[0].text.startsWith('---') || hasContent(parts[0].text) ? parts : parts.slice(1);
  return kept.map((p, i) => ({ document: i + 1, startLine: p.startLine, text: p.text }));
}

/** Parses the documents of a stream, each on its own: a bad document is a finding, and the others are still read. */
export function parseDocuments(file: string, documents: ReadonlyArray<DocumentText>,
  progress?: (bytes: number, objects: number) => void): ParsedFile {
  const found = { sources: [] as SourceObject[], findings: [] as InputFinding[], notes: [] as InputNote[] };
  let bytes = 0;
  let reported = 0;
  for (const { document, startLine, text } of documents) {
    bytes += text.length;
    let { value, error } = loadDocument(text, file, false);
    if (error?.reason === 'duplicated mapping key') {
      found.findings.push({
        code: DUPLICATE_KEY,
        severity: Severity.WARNING,
        file,
        ...markOf(error, startLine),
        message: `document ${document} repeats a key of a mapping; the analysis reads the last value; remove the duplicate`,
      });
      // read again with the last value of each key: the document may still be broken further on (js-yaml stops at the
      // first error), and that is a finding of its own
      ({ value, error } = loadDocument(text, file, true));
    }
    if (error) {
      const at = markOf(error, startLine);
      if (/\{\{.*\}\}/.test(text)) {
        found.notes.push({
          file,
          document,
          line: at.line,
          message: `document ${document} is an unrendered Helm or Go template (not valid YAML: `
          + `${error.reason ?? firstLine(error.message)}), skipped; lint the output of 'helm template'`,
        });
      } else if (!/\b(apiVersion|kind)\s*["']?\s*:/.test(text)) {
        found.notes.push({
          file,
          document,
          line: at.line,
          message: `document ${document} is not valid YAML (${error.reason ?? firstLine(error.message)}) `
          + 'and names no apiVersion or kind: not a manifest, skipped',
        });
      } else {
        found.findings.push({
          code: UNPARSEABLE,
          severity: Severity.ERROR,
          file,
          ...at,
          message: `document ${document} is not valid YAML: ${error.reason ?? firstLine(error.message)}`,
        });
      }
      continue;
    }
    collect(found, file, document, startLine, value, { text, startLine, steps: [] });
    if (progress && bytes - reported > 1024 * 1024) {
      reported = bytes;
      progress(bytes, found.sources.length);
    }
  }
  return found;
}

/** One document parsed, or the YAML error that stopped it (`json`: a repeated key keeps its last value instead). */
function loadDocument(text: string, file: string, json: boolean): { value?: unknown; error?: YAMLException } {
  try {
    return { value: load(text, { schema: MANIFEST_SCHEMA, filename: file, json }) };
  } catch (e) {
    if (!(e instanceof YAMLException)) {
      throw e;
    }
    return { error: e };
  }
}

/** Where a YAML error is, in the stream: 1-based line and column. */
function markOf(error: YAMLException, startLine: number): { line?: number; column?: number } {
  return error.mark ? { line: startLine + error.mark.line, column: error.mark.column + 1 } : {};
}

/** The objects of one document (the items of a `List`), or a note when it is not a Kubernetes object. */
function collect(found: ParsedFile, file: string, document: number, startLine: number | undefined, value: unknown, origin: SourceText): void {
  if (value === null || value === undefined) {
    return;
  }
  const line = startLine === undefined ? undefined : startLine + firstContentLine(origin.text);
  const problem = notAnObject(value);
  if (problem !== undefined) {
    found.notes.push({ file, document, line, message: `document ${document} is not a Kubernetes object (${problem}), skipped` });
    return;
  }
  const object = value as any;
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
    object.items.forEach((item: unknown, i: number) => {
      const itemProblem = notAnObject(item);
      if (itemProblem !== undefined) {
        found.notes.push({ file, document, line, message: `document ${document} item ${i + 1} is not a Kubernetes object (${itemProblem}), skipped` });
      } else {
        found.sources.push({ file, document, line, item: i + 1, object: item, origin: { ...origin, steps: [...origin.steps, 'items', i] } });
      }
    });
    return;
  }
  if (typeof object.apiVersion === 'string' && /^kustomize\.config\.k8s\.io\//.test(object.apiVersion)) {
    found.notes.push({ file, document, line, message: `document ${document} is a kustomize ${object.kind}, not a manifest (lint the output of kustomize build), skipped` });
    return;
  }
  found.sources.push({ file, document, line, object, origin });
}

/** Why a value is not a Kubernetes object, or undefined when it is one. */
function notAnObject(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `found ${describe(value)}`;
  }
  const object = value as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter(k => typeof object[k] !== 'string' || object[k] === '');
  return missing.length > 0 ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing` : undefined;
}

/** The 0-based line of a document's text where its content starts (after the marker, comments and blank lines). */
function firstContentLine(text: string): number {
  let start = 0;
  for (let line = 0; line < 200 && start < text.length; line++) {
    const end = text.indexOf('\n', start);
    const t = text.slice(start, end < 0 ? text.length : end).trim();
    if (t !== '' && !t.startsWith('#') && !/^---(\s|$)/.test(t) && !t.startsWith('%')) {
      return line;
    }
    if (end < 0) {
      break;
    }
    start = end + 1;
  }
  return 0;
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) {
    n++;
  }
  return n;
}

function hasContent(text: string): boolean {
  return text.split('\n').some(l => l.trim() !== '' && !l.trimStart().startsWith('#') && !l.startsWith('%'));
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'string') {
    return `the text '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  }
  return `${typeof value} ${String(value)}`;
}

/** The first line of an error message, trimmed (parsers' messages go on with an excerpt of the text). */
export function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
