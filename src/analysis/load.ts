import { existsSync } from 'fs';
import { join } from 'path';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { LineCounter, parseDocument } from 'yaml';

/** A manifest read from a file, with where it came from. */
export interface SourceObject {
  /** The file as given (or `<stdin>`). */
  readonly file: string;
  /** The document in the file, 1-based (the element, for a JSON array). */
  readonly document: number;
  /** The line the document starts on, when known. */
  readonly line?: number;
  /** The item of a `List` document, 1-based. */
  readonly item?: number;
  readonly object: any;
}

/** Input that is not manifests: the message names the file and document, on one line. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Where `loadSources` reads from: files, folders and stdin (the `CliIo` of the command line). */
export interface SourceIo {
  /** How many threads may parse a large YAML stream. */
  readonly threads: number;
  readStdin(): string;
  readFile(file: string): string;
  /** The entries of a folder, or undefined when `file` is not a folder. */
  readDir(file: string): string[] | undefined;
  exists(file: string): boolean;
}

/** The manifests of the command line's inputs. */
export interface LoadedSources {
  readonly sources: SourceObject[];
  /** How many files were read (stdin counts as one). */
  readonly files: number;
}

/**
 * Reads the inputs of a command (files, folders, `-` for stdin) into objects, each with its file, document and line.
 * Any command that analyses manifests calls it.
 *
 * @throws InputError when an input does not exist, a file is not manifests, or no manifest is found at all
 */
export async function loadSources(inputs: ReadonlyArray<string>, io: SourceIo): Promise<LoadedSources> {
  const sources: SourceObject[] = [];
  let files = 0;
  for (const input of inputs) {
    for (const file of expand(input, io)) {
      files++;
      sources.push(...await parseManifestsInParallel(file, file === '<stdin>' ? io.readStdin() : io.readFile(file), io.threads));
    }
  }
  if (sources.length === 0) {
    throw new InputError(`no manifests found in ${inputs.join(', ')}`);
  }
  return { sources, files };
}

/** The files of an input: itself, every .yaml/.yml/.json below a folder (sorted, hidden folders skipped), or stdin. */
function expand(input: string, io: SourceIo): string[] {
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

/**
 * The Kubernetes objects in a file: multi-document YAML, or JSON (an array, an object, or a `List` with `items`).
 * Empty documents are skipped.
 *
 * @throws InputError on a syntax error, or a document that is not an object with `apiVersion` and `kind`
 */
export function parseManifests(file: string, text: string): SourceObject[] {
  return isJson(file, text) ? parseJson(file, text) : parseYaml(file, text);
}

/** Below this size a stream is parsed on the calling thread: starting a worker costs more than it saves. */
const PARALLEL_MIN_CHARS = 1024 * 1024;
/** The compiled worker; absent when running from TypeScript sources (tests), which then parse on one thread. */
const WORKER_SCRIPT = join(__dirname, 'parse-worker.js');

/** What the worker posts back: the objects of its share, or the first InputError's message. */
export type WorkerResult = { readonly objects: SourceObject[] } | { readonly error: string };

/**
 * `parseManifests()`, with a large YAML stream parsed on up to `threads` threads (this one and workers), each taking a
 * contiguous share of the documents. The result, and the first error reported, are the same as on one thread.
 */
export async function parseManifestsInParallel(file: string, text: string, threads: number): Promise<SourceObject[]> {
  const json = isJson(file, text);
  if (json || threads < 2 || text.length < PARALLEL_MIN_CHARS || !existsSync(WORKER_SCRIPT)) {
    return parseManifests(file, text);
  }
  const shares = share(splitDocuments(text), Math.min(threads, Math.ceil(text.length / PARALLEL_MIN_CHARS)));
  const workers = shares.slice(1).map(documents => new Promise<WorkerResult>((resolve, reject) => {
    const worker = new Worker(WORKER_SCRIPT, { workerData: { file, documents } });
    worker.once('message', resolve);
    worker.once('error', reject);
  }));
  let results: WorkerResult[];
  try {
    const own: WorkerResult = (() => {
      try {
        return { objects: parseDocuments(file, shares[0]) };
      } catch (e) {
        if (e instanceof InputError) {
          return { error: e.message };
        }
        throw e;
      }
    })();
    results = [own, ...await Promise.all(workers)];
  } finally {
    await Promise.allSettled(workers);
  }
  const found: SourceObject[] = [];
  for (const result of results) {
    if ('error' in result) {
      throw new InputError(result.error); // shares are in document order: this is the first bad document
    }
    found.push(...result.objects);
  }
  return found;
}

/** Contiguous shares of about the same amount of text. */
function share(documents: DocumentText[], count: number): DocumentText[][] {
  const total = documents.reduce((n, d) => n + d.text.length, 0);
  const shares: DocumentText[][] = [[]];
  let size = 0;
  for (const doc of documents) {
    if (size >= (total / count) * shares.length && shares.length < count) {
      shares.push([]);
    }
    shares[shares.length - 1].push(doc);
    size += doc.text.length;
  }
  return shares;
}

function isJson(file: string, text: string): boolean {
  const trimmed = text.trimStart();
  return file.toLowerCase().endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[');
}

function parseJson(file: string, text: string): SourceObject[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${firstLine((e as Error).message)}`);
  }
  const documents = Array.isArray(value) ? value : [value];
  return documents.flatMap((doc, i) => objectsOf(file, i + 1, undefined, doc));
}

function parseYaml(file: string, text: string): SourceObject[] {
  return parseDocuments(file, splitDocuments(text));
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

/**
 * Parses documents of a stream (all of them, or a contiguous share for one thread).
 *
 * @throws InputError for the first document that is not valid YAML or not a Kubernetes object
 */
export function parseDocuments(file: string, documents: ReadonlyArray<DocumentText>): SourceObject[] {
  const found: SourceObject[] = [];
  for (const { document, startLine, text } of documents) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
      const at = error.pos ? startLine + lineCounter.linePos(error.pos[0]).line - 1 : undefined;
      throw new InputError(`${file}#${document}: YAML syntax error${at ? ` at line ${at}` : ''}: ${firstLine(error.message)}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      throw new InputError(`${file}#${document}: cannot read the document: ${firstLine((e as Error).message)}`);
    }
    const contentStart = doc.contents?.range?.[0] ?? 0;
    found.push(...objectsOf(file, document, startLine + lineCounter.linePos(contentStart).line - 1, value));
  }
  return found;
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

function objectsOf(file: string, document: number, line: number | undefined, value: unknown): SourceObject[] {
  if (value === null || value === undefined) {
    return [];
  }
  checkObject(file, document, undefined, value);
  const object = value as any;
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
    return object.items.map((item: unknown, i: number) => {
      checkObject(file, document, i + 1, item);
      return { file, document, line, item: i + 1, object: item };
    });
  }
  return [{ file, document, line, object }];
}

function checkObject(file: string, document: number, item: number | undefined, value: unknown): void {
  const where = `${file}#${document}${item === undefined ? '' : ` item ${item}`}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: expected a Kubernetes object (a map with apiVersion and kind), found ${describe(value)}`);
  }
  const object = value as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter(k => typeof object[k] !== 'string' || object[k] === '');
  if (missing.length > 0) {
    throw new InputError(`${where}: not a Kubernetes object: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
  }
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

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
