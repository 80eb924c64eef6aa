import { TrafficEdge, TrafficVerdict } from './edge';

/**
 * The traffic model printed: a table for the terminal, JSON, Mermaid and Graphviz DOT (and SVG, rendered from the DOT
 * by Graphviz compiled to WebAssembly, `@hpcc-js/wasm-graphviz`, loaded only when asked for).
 */

const TLS: Record<TrafficVerdict, string> = {
  [TrafficVerdict.ALLOWED_MTLS]: 'mTLS',
  [TrafficVerdict.ALLOWED_PLAINTEXT]: 'plaintext',
  [TrafficVerdict.DENIED]: 'denied',
};

/** Edges sorted for reading: by destination, then source, then port. */
export function sortEdges(edges: ReadonlyArray<TrafficEdge>): TrafficEdge[] {
  return [...edges].sort((a, b) => a.destination.localeCompare(b.destination) || a.source.localeCompare(b.source)
    || a.port - b.port || a.address.localeCompare(b.address));
}

/** One line per edge: `source → destination:port  address  verdict  intent  reason`, aligned. */
export function formatTable(edges: ReadonlyArray<TrafficEdge>, width = 200): string {
  const rows = sortEdges(edges).map(e => [
    `${e.source} → ${e.destination}:${e.port}`,
    `${e.address}${e.via ? ` via ${e.via}` : ''}`,
    e.expected !== undefined && !meetsText(e) ? `${TLS[e.verdict]} (must be ${e.expected})` : TLS[e.verdict],
    e.intent,
    `${e.decidedBy ? `${e.decidedBy}: ` : ''}${e.reason}`,
  ]);
  const header = ['edge', 'address', 'tls', 'intent', 'why'];
  const widths = header.map((h, i) => Math.min(80, Math.max(h.length, ...rows.map(r => r[i].length))));
  const line = (cells: string[]) => {
    const text = cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };
  const denied = edges.filter(e => e.verdict === TrafficVerdict.DENIED).length;
  return [line(header), ...rows.map(line), '', `${edges.length} edges: ${edges.length - denied} allowed, ${denied} denied`, ''].join('\n');
}

function meetsText(e: TrafficEdge): boolean {
  switch (e.expected) {
    case 'mtls': return e.verdict === TrafficVerdict.ALLOWED_MTLS;
    case 'plaintext': return e.verdict === TrafficVerdict.ALLOWED_PLAINTEXT;
    case 'allowed': return e.verdict !== TrafficVerdict.DENIED;
    default: return e.verdict === TrafficVerdict.DENIED;
  }
}

/** The edges as JSON (an array, sorted). */
export function formatJson(edges: ReadonlyArray<TrafficEdge>): string {
  return `${JSON.stringify(sortEdges(edges), undefined, 2)}\n`;
}

/** Edges with the same source, destination, outcome and waypoint, as one arrow with their ports. */
interface Arrow {
  readonly source: string;
  readonly destination: string;
  readonly verdict: TrafficVerdict;
  readonly via?: string;
  readonly ports: number[];
  readonly decidedBy: Set<string>;
}

function arrows(edges: ReadonlyArray<TrafficEdge>): Arrow[] {
  const byKey = new Map<string, Arrow>();
  for (const e of sortEdges(edges)) {
    const key = `${e.source}\u0000${e.destination}\u0000${e.verdict}\u0000${e.via ?? ''}`;
    const arrow = byKey.get(key)
      ?? { source: e.source, destination: e.destination, verdict: e.verdict, via: e.via, ports: [], decidedBy: new Set<string>() };
    if (!arrow.ports.includes(e.port)) {
      arrow.ports.push(e.port);
    }
    if (e.verdict === TrafficVerdict.DENIED && e.decidedBy) {
      arrow.decidedBy.add(e.decidedBy);
    }
    byKey.set(key, arrow);
  }
  return [...byKey.values()];
}

function arrowLabel(a: Arrow): string {
  const ports = a.ports.sort((x, y) => x - y).join(', ');
  const by = a.decidedBy.size > 0 ? ` by ${[...a.decidedBy].join(', ')}` : '';
  const via = a.via ? ` via ${a.via}` : '';
  return `${ports}: ${TLS[a.verdict]}${via}${by}`;
}

function nodes(list: ReadonlyArray<Arrow>): Map<string, string> {
  const ids = new Map<string, string>();
  for (const a of list) {
    for (const name of [a.source, a.destination]) {
      if (!ids.has(name)) {
        ids.set(name, `n${ids.size}`);
      }
    }
  }
  return ids;
}

/** A Mermaid flowchart: mTLS solid, plaintext dashed, denied dotted and red; one arrow per source, destination and outcome. */
export function formatMermaid(edges: ReadonlyArray<TrafficEdge>): string {
  const list = arrows(edges);
  const ids = nodes(list);
  const escape = (s: string) => s.replace(/"/g, '#quot;');
  const lines = ['flowchart LR'];
  for (const [name, id] of ids) {
    lines.push(`  ${id}["${escape(name)}"]`);
  }
  const styles: string[] = [];
  list.forEach((a, i) => {
    const arrow = a.verdict === TrafficVerdict.ALLOWED_MTLS ? '-->' : a.verdict === TrafficVerdict.ALLOWED_PLAINTEXT ? '-.->' : '-. ✗ .->';
    lines.push(`  ${ids.get(a.source)} ${arrow}|"${escape(arrowLabel(a))}"| ${ids.get(a.destination)}`);
    const color = a.verdict === TrafficVerdict.ALLOWED_MTLS ? '#2e7d32' : a.verdict === TrafficVerdict.ALLOWED_PLAINTEXT ? '#ef6c00' : '#c62828';
    styles.push(`  linkStyle ${i} stroke:${color}`);
  });
  return [...lines, ...styles, ''].join('\n');
}

/** Graphviz DOT: the same arrows as the Mermaid chart. */
export function formatDot(edges: ReadonlyArray<TrafficEdge>): string {
  const list = arrows(edges);
  const ids = nodes(list);
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph traffic {', '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const [name, id] of ids) {
    lines.push(`  ${id} [label=${quote(name)}];`);
  }
  for (const a of list) {
    const style = a.verdict === TrafficVerdict.ALLOWED_MTLS ? 'solid' : a.verdict === TrafficVerdict.ALLOWED_PLAINTEXT ? 'dashed' : 'dotted';
    const color = a.verdict === TrafficVerdict.ALLOWED_MTLS ? '#2e7d32' : a.verdict === TrafficVerdict.ALLOWED_PLAINTEXT ? '#ef6c00' : '#c62828';
    lines.push(`  ${ids.get(a.source)} -> ${ids.get(a.destination)} [label=${quote(arrowLabel(a))}, style=${style}, color=${quote(color)}, fontcolor=${quote(color)}];`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** The package that renders SVG: Graphviz compiled to WebAssembly, an optional dependency of the command line. */
export const SVG_RENDERER = '@hpcc-js/wasm-graphviz';

/**
 * SVG, rendered from the DOT by Graphviz compiled to WebAssembly. The renderer is not part of the library's runtime
 * (it is ~800 KB): install `@hpcc-js/wasm-graphviz` beside it, or render the DOT with any Graphviz.
 */
export async function renderSvg(edges: ReadonlyArray<TrafficEdge>): Promise<string> {
  // a real dynamic import (the module is ESM-only): TypeScript would turn `import()` into `require()` for CommonJS
  const load = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;
  let graphviz: any;
  try {
    graphviz = await (await load(SVG_RENDERER)).Graphviz.load();
  } catch (e) {
    throw new Error(`SVG needs ${SVG_RENDERER} (Graphviz as WebAssembly), which is not installed: run 'npm install ${SVG_RENDERER}', `
      + `or print DOT (--format dot) and render it with Graphviz (${(e as Error).message.split('\n')[0]})`);
  }
  return graphviz.dot(formatDot(edges));
}
