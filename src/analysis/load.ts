import { LineCounter, parseAllDocuments } from 'yaml';

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

/**
 * The Kubernetes objects in a file: multi-document YAML, or JSON (an array, an object, or a `List` with `items`).
 * Empty documents are skipped.
 *
 * @throws InputError on a syntax error, or a document that is not an object with `apiVersion` and `kind`
 */
export function parseManifests(file: string, text: string): SourceObject[] {
  const trimmed = text.trimStart();
  const json = file.toLowerCase().endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[');
  return json ? parseJson(file, text) : parseYaml(file, text);
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
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const found: SourceObject[] = [];
  documents.forEach((doc, i) => {
    const number = i + 1;
    const error = doc.errors[0];
    if (error) {
      const at = error.pos ? lineCounter.linePos(error.pos[0]).line : undefined;
      throw new InputError(`${file}#${number}: YAML syntax error${at ? ` at line ${at}` : ''}: ${firstLine(error.message)}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      throw new InputError(`${file}#${number}: cannot read the document: ${firstLine((e as Error).message)}`);
    }
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    found.push(...objectsOf(file, number, lineCounter.linePos(start).line, value));
  });
  return found;
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
