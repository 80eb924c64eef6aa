import { execFileSync } from 'child_process';
import * as path from 'path';
import { AddressResolution, EdgeExpectation } from '../../../src';
import { EdgeIntent, TrafficEdge, TrafficVerdict } from '../../../src/analysis/traffic/edge';
import { formatDot, formatJson, formatMermaid, formatTable } from '../../../src/analysis/traffic/render';

const base = {
  sourceMesh: 'sidecar',
  destination: 'StatefulSet db/pg',
  destinationNamespace: 'db',
  address: 'pg-*.pg-headless.db.svc.cluster.local:5432',
  resolution: AddressResolution.ALWAYS,
  reason: 'auto mTLS',
};
const EDGES: TrafficEdge[] = [
  { ...base, source: 'Deployment shop/orders', port: 5432, intent: EdgeIntent.CLIENT, verdict: TrafficVerdict.ALLOWED_MTLS, expected: EdgeExpectation.MTLS, decidedBy: 'AuthorizationPolicy db/pg' },
  { ...base, source: 'StatefulSet db/pg', port: 5432, intent: EdgeIntent.PEER, verdict: TrafficVerdict.ALLOWED_MTLS },
  { ...base, source: 'StatefulSet db/pg', port: 8008, intent: EdgeIntent.PEER, verdict: TrafficVerdict.ALLOWED_MTLS },
  {
    ...base,
    source: 'outside the mesh',
    port: 5432,
    intent: EdgeIntent.UNINTENDED,
    verdict: TrafficVerdict.DENIED,
    expected: EdgeExpectation.DENIED,
    decidedBy: 'PeerAuthentication db/pg',
    reason: 'the server requires mTLS',
  },
  {
    ...base,
    source: 'namespace monitoring',
    port: 9187,
    intent: EdgeIntent.SCRAPER,
    verdict: TrafficVerdict.DENIED,
    expected: EdgeExpectation.PLAINTEXT,
    decidedBy: 'NetworkPolicy db/pg',
    reason: 'no rule admits it',
  },
];

describe('traffic model output', () => {
  test('table: one aligned line per edge, what an intended edge must get when it does not, and a count', () => {
    const lines = formatTable(EDGES).split('\n');
    expect(lines[0]).toMatch(/^edge +address +tls +intent +why$/);
    expect(lines).toContainEqual(expect.stringMatching(/^Deployment shop\/orders → StatefulSet db\/pg:5432 +pg-\*\.pg-headless\.db\.svc\.cluster\.local:5432 +mTLS +client +AuthorizationPolicy db\/pg: auto mTLS$/));
    expect(lines).toContainEqual(expect.stringMatching(/denied \(must be plaintext\) +scraper +NetworkPolicy db\/pg: no rule admits it/));
    expect(lines).toContain('5 edges: 3 allowed, 2 denied');
  });

  test('JSON: every edge, sorted by destination, source and port', () => {
    const parsed = JSON.parse(formatJson(EDGES));
    expect(parsed.map((e: TrafficEdge) => `${e.source}:${e.port}`)).toEqual([
      'Deployment shop/orders:5432', 'namespace monitoring:9187', 'outside the mesh:5432', 'StatefulSet db/pg:5432', 'StatefulSet db/pg:8008',
    ]);
  });

  test('Mermaid: one arrow per source, destination and outcome, with its ports; mTLS solid, plaintext dashed, denied red', () => {
    const chart = formatMermaid(EDGES);
    expect(chart.split('\n')[0]).toBe('flowchart LR');
    expect(chart).toContain('n0 -->|"5432: mTLS"| n1');
    expect(chart).toContain('n1 -->|"5432, 8008: mTLS"| n1');
    expect(chart).toContain('n3 -. ✗ .->|"5432: denied by PeerAuthentication db/pg"| n1');
    expect(chart).toMatch(/linkStyle 2 stroke:#c62828/);
    expect(chart).toMatch(/linkStyle 3 stroke:#2e7d32/);
    expect(chart.match(/-->|-\.->|-\. ✗ \.->/g)).toHaveLength(4);
  });

  test('DOT renders to SVG with Graphviz compiled to WebAssembly (offline)', () => {
    const dot = formatDot(EDGES);
    expect(dot).toMatch(/^digraph traffic \{/);
    expect(dot).toContain('style=dotted');
    // the renderer is an ES module loaded by a real dynamic import, which Jest's module system cannot run: render in
    // a plain Node process, from the compiled library (the test task compiles first)
    const script = `require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'lib', 'analysis', 'traffic', 'render.js'))})`
      + `.renderSvg(${JSON.stringify(EDGES)}).then(svg => process.stdout.write(svg))`;
    const svg = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(svg).toMatch(/^<\?xml|<svg/);
    expect(svg).toContain('StatefulSet db/pg');
    expect(svg).toContain('5432, 8008: mTLS');
  });
});
