/**
 * Where a field of a manifest is written: `file:line:col` of a finding's `path` (`spec.ports[0]`,
 * `metadata.annotations.sidecar.istio.io/inject`, `spec.portLevelMtls.5432`).
 *
 * The objects are parsed without positions (fast); the position of a field is found only when a finding needs it, by
 * parsing that one document again with js-yaml's node listener, which reports where each node starts. The last
 * document's nodes are kept, so the findings of one object (they come in object order) cost one parse.
 */
import { load } from 'js-yaml';
import { MANIFEST_SCHEMA, SourceObject, SourceText } from './load';

/** A 1-based line and column in a file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

interface YamlNode {
  readonly kind: string;
  /** 0-based line and column in the text. */
  readonly line: number;
  readonly column: number;
  readonly result: unknown;
  readonly children: YamlNode[];
}

/** Finds the positions of fields, one document at a time. */
export class PositionFinder {
  private cached?: { readonly text: string; readonly root?: YamlNode };

  /**
   * The position of `path` in the object: the key of a mapping entry, the start of a sequence item, or the object's
   * first line without a path. A path that leads nowhere (a field the finding says is missing) gives the position of
   * the deepest field that exists on the way.
   */
  public locate(source: SourceObject, path?: string): Position | undefined {
    const origin = source.origin;
    if (!origin) {
      return source.line === undefined ? undefined : { line: source.line, column: 1 };
    }
    const root = this.tree(origin);
    if (!root) {
      return source.line === undefined ? undefined : { line: source.line, column: 1 };
    }
    let node: YamlNode | undefined = root;
    let at: YamlNode = root;
    for (const step of origin.steps) {
      const next: Entry | undefined = child(node, step);
      if (!next?.value) {
        return position(origin, next?.at ?? at);
      }
      at = next.value;
      node = next.value;
    }
    let rest = path ?? '';
    while (rest !== '' && node) {
      if (rest.startsWith('[')) {
        const match = /^\[(\d+)\]\.?/.exec(rest);
        const next: Entry | undefined = match ? child(node, Number(match[1])) : undefined;
        if (!match || !next) {
          break;
        }
        at = next.at;
        node = next.value;
        rest = rest.slice(match[0].length);
        continue;
      }
      const next = longestKey(node, rest);
      if (!next) {
        break;
      }
      at = next.entry.at;
      node = next.entry.value;
      rest = rest.slice(next.length).replace(/^\./, '');
    }
    return position(origin, at);
  }

  private tree(origin: SourceText): YamlNode | undefined {
    if (this.cached?.text !== origin.text) {
      this.cached = { text: origin.text, root: parseTree(origin.text) };
    }
    return this.cached.root;
  }
}

/** A step into a node: the node to point at (a key, or an item) and the value to walk on. */
interface Entry {
  readonly at: YamlNode;
  readonly value?: YamlNode;
}

function child(node: YamlNode, step: string | number): Entry | undefined {
  if (typeof step === 'number') {
    if (node.kind !== 'sequence') {
      return undefined;
    }
    const item = node.children[step];
    return item ? { at: item, value: item } : undefined;
  }
  return entries(node).filter(e => e.key === step).pop();
}

function entries(node: YamlNode): Array<Entry & { readonly key: string }> {
  if (node.kind !== 'mapping') {
    return [];
  }
  const found: Array<Entry & { readonly key: string }> = [];
  for (let i = 0; i + 1 < node.children.length; i += 2) {
    const key = node.children[i];
    found.push({ key: String(key.result), at: key, value: node.children[i + 1] });
  }
  return found;
}

/** The entry whose key is the longest prefix of the path (keys may hold dots: `sidecar.istio.io/inject`). */
function longestKey(node: YamlNode, rest: string): { readonly entry: Entry; readonly length: number } | undefined {
  let best: { entry: Entry; length: number } | undefined;
  for (const entry of entries(node)) {
    const k = entry.key;
    const fits = rest === k || (rest.startsWith(k) && (rest[k.length] === '.' || rest[k.length] === '['));
    if (fits && (!best || k.length >= best.length)) {
      best = { entry, length: k.length };
    }
  }
  return best;
}

function position(origin: SourceText, node: YamlNode): Position {
  return { line: origin.startLine + node.line, column: node.column + 1 };
}

/**
 * The nodes of a document, from js-yaml's listener: each node opens (with its position) and closes (with its kind and
 * value); a mapping's children alternate key and value, a sequence's are its items. js-yaml sometimes opens a node that
 * only wraps another with the same value (a block sequence item, an explicit key): those wrappers are dropped.
 */
function parseTree(text: string): YamlNode | undefined {
  const stack: Array<{ line: number; column: number; children: YamlNode[] }> = [{ line: 0, column: 0, children: [] }];
  try {
    load(text, {
      schema: MANIFEST_SCHEMA,
      json: true,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ line: state.line, column: state.position - (state.lineStart ?? 0), children: [] });
          return;
        }
        const open = stack.pop()!;
        let node: YamlNode = { kind: String(state.kind), line: open.line, column: open.column, result: state.result, children: open.children };
        while (node.children.length === 1 && (node.kind === 'scalar' || node.children[0].result === node.result)) {
          node = node.children[0];
        }
        stack[stack.length - 1].children.push(node);
      },
    });
  } catch {
    return undefined;
  }
  const roots = stack[0].children;
  return roots[roots.length - 1];
}
