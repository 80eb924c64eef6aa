import * as fc from 'fast-check';
import { MeshAnalyzer } from '../../src';
import { parseManifests } from '../../src/analysis/load';
import { PositionFinder } from '../../src/analysis/positions';
import { assertProperty } from '../support/properties';

/** A small stream of real-looking manifests: a StatefulSet with env and probes, its Services and policies. */
const STREAM = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
  labels:
    app: db
spec:
  serviceName: db-headless
  replicas: 3
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
        sidecar.istio.io/inject: "true"
    spec:
      containers:
        - name: postgres
          image: "registry.example.com/postgres:17.2"
          ports:
            - containerPort: 5432
              name: tcp-postgresql
          env:
            - name: PEERS
              value: db-0.db-headless.shop.svc.cluster.local,db-1.db-headless.shop.svc.cluster.local
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
            - name: PG_ADVERTISE_ADDRESS
              value: $(POD_IP):5432
          readinessProbe:
            tcpSocket:
              port: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: db-headless
  namespace: shop
spec:
  clusterIP: None
  selector:
    app: db
  ports:
    - name: tcp-postgresql
      port: 5432
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: db
  namespace: shop
spec:
  selector:
    matchLabels:
      app: db
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/shop/sa/db"]
      to:
        - operation:
            ports: ["5432"]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: db
  namespace: shop
spec:
  mtls:
    mode: STRICT
`;

/** What a hand edit, a bad merge or a template does to YAML text: a line repeated, indented, cut, or a character added. */
const edit = fc.record({
  kind: fc.constantFrom('repeat line', 'indent line', 'outdent line', 'cut', 'insert'),
  at: fc.nat(),
  text: fc.constantFrom(':', '- ', ' ', '\t', '"', '\'', '{', '}', '[', ']', '&a ', '*a', '!!str ', '%YAML 1.2\n', '\n', '---\n', '...\n', '# ',
    '| ', '> ', '? ', '<<: *a\n', '\uFEFF', '\r\n', '~', ',', '{{ .Values.x }}'),
});

function apply(text: string, e: { kind: string; at: number; text: string }): string {
  const lines = text.split('\n');
  const i = e.at % lines.length;
  switch (e.kind) {
    case 'repeat line':
      return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join('\n');
    case 'indent line':
      return [...lines.slice(0, i), ` ${lines[i]}`, ...lines.slice(i + 1)].join('\n');
    case 'outdent line':
      return [...lines.slice(0, i), lines[i].replace(/^ /, ''), ...lines.slice(i + 1)].join('\n');
    case 'cut':
      return text.slice(0, e.at % text.length) + text.slice(e.at % text.length + 1 + (e.at % 7));
    default:
      return text.slice(0, e.at % text.length) + e.text + text.slice(e.at % text.length);
  }
}

describe('property: lint input that is not quite YAML', () => {
  // one broken document is a finding or a note of its own: it must never abort the run (a repeated key in a document
  // broken further on once did: the second read, which keeps the last values, threw outside the catch)
  test('any edited stream is read document by document: parse, analysis and positions answer, and never throw', () => {
    assertProperty(fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.constantFrom('m.yaml', 'm.json'), (edits, file) => {
      const text = edits.reduce(apply, STREAM);
      const parsed = parseManifests(file, text);
      for (const f of parsed.findings) {
        expect(f.line === undefined || f.line >= 1).toBe(true);
      }
      const findings = MeshAnalyzer.analyze(parsed.sources.map(s => s.object));
      const positions = new PositionFinder();
      for (const f of findings) {
        const at = positions.locate(parsed.sources[f.objectIndex], f.path);
        expect(at === undefined || at.line >= 1 && at.column >= 1).toBe(true);
      }
    }));
  });

  test('the unedited stream is read whole, and its analysis reports the pod IP it advertises', () => {
    const parsed = parseManifests('m.yaml', STREAM);
    expect([parsed.findings, parsed.sources.map(s => s.object.kind)])
      .toEqual([[], ['StatefulSet', 'Service', 'AuthorizationPolicy', 'PeerAuthentication']]);
    expect(MeshAnalyzer.analyze(parsed.sources.map(s => s.object)).map(f => f.code)).toContain('SM209');
  });
});
