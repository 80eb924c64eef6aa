/**
 * A faster `Yaml.stringify` for the manifests cdk8s writes, byte-identical to cdk8s' own (the `yaml` package with
 * `{ keepUndefined: true, lineWidth: 0, version: '1.1' }`, cdk8s lib/yaml.ts).
 *
 * cdk8s serialises each object by building a `yaml` document tree and printing it, which is most of the time of a
 * synth (`npx projen bench`, docs/performance.md). A manifest is plain JSON, and for plain JSON the block style that
 * `yaml` prints is a small set of rules (yaml 2.x src/stringify/stringifyPair.ts, stringifyCollection.ts): `key: value`,
 * a nested map or sequence on the next lines two spaces deeper, `- ` before sequence items, `{}` and `[]` for empty
 * ones. This emitter applies them directly, and renders scalars as follows:
 * - a string is written plain when `yaml` would write it plain: it starts with a letter, `$`, `/` or `_`, holds only
 *   characters that are never indicators, does not contain `: ` or end in a space or `:` (stringifyString.ts,
 *   plainString), and none of the implicit types of cdk8s' `yaml` YAML 1.1 schema matches it (the same test
 *   plainString makes: `e0` is a 1.1 float, `on` a boolean, `~` null);
 * - every other scalar (numbers but safe integers, booleans, null, any other string) is rendered once by cdk8s'
 *   own `Yaml.stringify` and remembered.
 * A multi-line string is the literal block scalar cdk8s writes for it under a top-level key, its lines (all indented by
 * two spaces there, or empty: stringifyString.ts, blockString) moved to the depth of the value; its header (chomping,
 * indentation indicator) does not depend on the depth. A document holding anything else — a multi-line string that
 * yaml quotes (trailing or only whitespace), a string that starts like a document marker, an object that is not plain, the same object twice (`yaml` writes an
 * anchor and an alias), a key longer than 1024 characters — is left whole to cdk8s' `Yaml.stringify`. So the output
 * is the same bytes by construction; `test/private/yaml.test.ts` compares both over every example, every snapshot and
 * generated documents. Not exported from the package.
 */

/** cdk8s' `Yaml.stringify` (the original, never this one). */
export type YamlStringify = (...docs: any[]) => string;

/** Strings written plain as they are: see the module comment. */
const PLAIN = /^[A-Za-z$/_][A-Za-z0-9._/:@=$()+,%~^ -]*$/;
const PLAIN_EXCEPTIONS = /: |[ :]$/;
/** `yaml` quotes or indents these by their position (stringifyString.ts, containsDocumentMarker). */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
const MAX_IMPLICIT_KEY = 1024;
/** The indentation of a block scalar's lines under a top-level key, where cdk8s' rendering of a scalar is taken. */
const BLOCK_INDENT = '  ';
const BLOCK_LINE = /\n {2}/g;

let implicitTypes: ReadonlyArray<RegExp> | undefined;

/**
 * The tests of the implicit types of the YAML 1.1 schema of the `yaml` package cdk8s serialises with (null, bool, int,
 * float, merge, timestamp): a string one of them matches is quoted. Undefined when that package cannot be loaded.
 */
function implicitTypeTests(): ReadonlyArray<RegExp> | undefined {
  if (implicitTypes === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const yaml = require(require.resolve('yaml', { paths: [require.resolve('cdk8s')] }));
      const schema = new yaml.Document(null, { version: '1.1' }).schema;
      implicitTypes = [...schema.tags, ...schema.compat ?? []]
        .filter((tag: any) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test instanceof RegExp)
        .map((tag: any) => tag.test as RegExp);
    } catch {
      return undefined;
    }
  }
  return implicitTypes;
}

/** Thrown inside the emitter when a document must be left to cdk8s' own serialisation. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/**
 * A serialiser with cdk8s' `Yaml.stringify` signature and output. Scalars it cannot decide are rendered through
 * `original`, and remembered for the emitter's lifetime.
 */
export function fastYamlStringify(original: YamlStringify): YamlStringify {
  const types = implicitTypeTests();
  if (!types) {
    return original;
  }
  const values = new Map<unknown, string>();
  const keyTexts = new Map<string, string>();
  const plain = (text: string) => PLAIN.test(text) && !PLAIN_EXCEPTIONS.test(text) && !types.some(t => t.test(text));

  /** How cdk8s writes the scalar `value` after `key: `. */
  const valueText = (value: unknown): string => {
    let text = values.get(value);
    if (text === undefined) {
      if (typeof value === 'string' && DOCUMENT_MARKER.test(value)) {
        throw UNSUPPORTED;
      }
      const rendered = original({ k: value });
      if (!rendered.startsWith('k: ')) {
        throw UNSUPPORTED;
      }
      text = rendered.slice(3, -1);
      // on several lines: only a literal block scalar, whose lines are indented (or empty) and can move deeper
      if (text.includes('\n') && (!text.startsWith('|') || text.split('\n').slice(1).some(line => line !== '' && !line.startsWith(BLOCK_INDENT)))) {
        throw UNSUPPORTED;
      }
      values.set(value, text);
    }
    return text;
  };

  const keyText = (key: string): string => {
    let text = keyTexts.get(key);
    if (text === undefined) {
      if (key.length > MAX_IMPLICIT_KEY || DOCUMENT_MARKER.test(key)) {
        throw UNSUPPORTED;
      }
      if (plain(key)) {
        keyTexts.set(key, key);
        return key;
      }
      const rendered = original({ [key]: 0 });
      if (!rendered.endsWith(': 0\n') || rendered.indexOf('\n') !== rendered.length - 1 || rendered.startsWith('? ')) {
        throw UNSUPPORTED;
      }
      text = rendered.slice(0, -4);
      if (text.length > MAX_IMPLICIT_KEY) {
        throw UNSUPPORTED;
      }
      keyTexts.set(key, text);
    }
    return text;
  };

  /** A scalar whose further lines (a block scalar's) are indented by `indent`. */
  const scalarText = (value: unknown, indent: string): string => {
    if (typeof value === 'string') {
      const known = values.get(value) ?? (plain(value) ? value : valueText(value));
      values.set(value, known);
      // a block scalar as cdk8s writes it at the top level, its lines moved to this depth
      return known.includes('\n') ? known.replace(BLOCK_LINE, `\n${indent}`) : known;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) {
      return String(value);
    }
    if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') {
      return valueText(value);
    }
    throw UNSUPPORTED; // bigint, symbol, function
  };

  /** A non-empty map or sequence, its first line without indentation and every further line indented by `indent`. */
  const collection = (value: object, keys: string[] | undefined, indent: string, seen: Set<object>, out: string[]): void => {
    const inner = `${indent}  `;
    const nl = `\n${indent}`;
    if (keys === undefined) {
      const items = value as unknown[];
      for (let i = 0; i < items.length; i++) {
        out.push(i > 0 ? `${nl}- ` : '- ');
        const v = items[i];
        const vKeys = kindOf(v, seen);
        if (vKeys === SCALAR) {
          out.push(scalarText(v, inner));
        } else if (vKeys === EMPTY_MAP || vKeys === EMPTY_SEQ) {
          out.push(vKeys === EMPTY_MAP ? '{}' : '[]');
        } else {
          collection(v as object, vKeys === SEQ ? undefined : vKeys, inner, seen, out);
        }
      }
      return;
    }
    const object = value as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      out.push(i > 0 ? nl : '', keyText(key));
      const v = object[key];
      const vKeys = kindOf(v, seen);
      if (vKeys === SCALAR) {
        out.push(': ', scalarText(v, inner));
      } else if (vKeys === EMPTY_MAP || vKeys === EMPTY_SEQ) {
        out.push(vKeys === EMPTY_MAP ? ': {}' : ': []');
      } else {
        out.push(':\n', inner);
        collection(v as object, vKeys === SEQ ? undefined : vKeys, inner, seen, out);
      }
    }
  };

  const document = (doc: unknown): string => {
    const out: string[] = [];
    try {
      const seen = new Set<object>();
      const keys = kindOf(doc, seen);
      if (keys === SCALAR || keys === EMPTY_MAP || keys === EMPTY_SEQ) {
        return original(doc);
      }
      collection(doc as object, keys === SEQ ? undefined : keys, '', seen, out);
    } catch (e) {
      if (e === UNSUPPORTED) {
        return original(doc);
      }
      throw e;
    }
    out.push('\n');
    return out.join('');
  };

  return (...docs: any[]) => docs.map(doc => doc === undefined ? '\n' : document(doc)).join('---\n');
}

/**
 * A document that exercises every rule of the emitter: `fastYamlStringify` is used only while it writes this one
 * exactly as cdk8s does (a later cdk8s with another `yaml` keeps its own output).
 */
const PROBE = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'probe', labels: { 'app.kubernetes.io/name': 'probe', 'y': 'on' }, annotations: {} },
  data: { key: '5432', url: '$(POD_NAME).db-headless.ns.svc.cluster.local:5432', path: '/var/lib/data', empty: '' },
  spec: {
    list: [[1, 2], [], {}, { a: null, b: true, c: 1.5, d: -3 }, 'x y', 'a: b', ' lead', 'trail '],
    nested: { deeper: { deepest: [{ k: 'v' }] } },
    none: undefined,
  },
};

/** Whether `fast` writes the probe document exactly as `original`. */
export function agreesWithCdk8s(fast: YamlStringify, original: YamlStringify): boolean {
  try {
    return fast(PROBE, undefined, PROBE.metadata) === original(PROBE, undefined, PROBE.metadata);
  } catch {
    return false;
  }
}

const SCALAR = 0;
const EMPTY_MAP = 1;
const EMPTY_SEQ = 2;
const SEQ = 3;

/**
 * What a value is: a scalar, an empty map or sequence, a sequence, or a map (its keys). Notes every map and sequence
 * in `seen`: `yaml` writes one that appears twice in a document as an anchor and an alias, so that one is unsupported,
 * and so is any object that is not a plain object or array (yaml may render it its own way).
 */
function kindOf(value: unknown, seen: Set<object>): typeof SCALAR | typeof EMPTY_MAP | typeof EMPTY_SEQ | typeof SEQ | string[] {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') {
      throw UNSUPPORTED;
    }
    return SCALAR;
  }
  if (seen.has(value)) {
    throw UNSUPPORTED;
  }
  seen.add(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) {
      throw UNSUPPORTED;
    }
    return value.length === 0 ? EMPTY_SEQ : SEQ;
  }
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    throw UNSUPPORTED;
  }
  const keys = Object.keys(value);
  return keys.length === 0 ? EMPTY_MAP : keys;
}
