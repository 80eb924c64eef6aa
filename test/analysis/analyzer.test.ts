import * as fs from 'fs';
import * as path from 'path';
import { deployment, lint, namespace, service, statefulSet, summary } from './support';
import { MeshAnalyzer, Severity } from '../../src';
import { authorizationPolicy, database } from './traffic/support';
import { Inventory } from '../../src/analysis/inventory';

const UNNAMED = () => service('pg', 'db', { ports: [{ port: 5432 }] });

describe('MeshAnalyzer', () => {
  test('every rule has a code, a severity, a title, a description, and an entry in docs/rules.md', () => {
    const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'rules.md'), 'utf8');
    const rules = MeshAnalyzer.rules();
    expect(rules.length).toBeGreaterThanOrEqual(28);
    for (const rule of rules) {
      expect(rule.code).toMatch(/^SM\d{3}$/);
      expect(Object.values(Severity)).toContain(rule.severity);
      expect(rule.title).not.toBe('');
      expect(docs).toContain(`| ${rule.code} |`);
      if (rule.istioCode) {
        expect(docs).toMatch(new RegExp(`\\| ${rule.code} \\|[^\\n]*${rule.istioCode}`));
      }
    }
    expect(new Set(rules.map(r => r.code)).size).toBe(rules.length);
  });

  test('rule() describes one rule and refuses an unknown code, listing the known ones', () => {
    expect(MeshAnalyzer.rule('SM102')).toMatchObject({ code: 'SM102', istioCode: 'IST0118', severity: Severity.INFO });
    expect(() => MeshAnalyzer.rule('SM999')).toThrow(/unknown rule code 'SM999'; the codes are SM001, SM101, /);
  });

  test('ignores anything that is not an object with apiVersion and kind, and orders findings by object', () => {
    const findings = MeshAnalyzer.analyze([null, 'text', { kind: 'Service' }, UNNAMED(), deployment('web', 'db', { containers: [{ name: 'web', runAsUser: 1337 }] })]);
    expect(findings.map(f => [f.objectIndex, f.code])).toEqual([[3, 'SM102'], [4, 'SM201']]);
  });

  test('analyses an AuthorizationPolicy whose rules are not objects (the API server refuses it) as admitting nothing', () => {
    const manifests = [...database('db', { env: { PEERS: 'db-0.db-headless.db.svc.cluster.local' } }),
      authorizationPolicy('db', 'db', { selector: { matchLabels: { app: 'db' } }, rules: [null, 'any'] })];
    const peers = MeshAnalyzer.analyze(manifests).filter(f => f.code === 'SM602');
    expect(peers.map(f => f.message)).toEqual([expect.stringMatching(/AuthorizationPolicy db\/db blocks them: .*no ALLOW rule is an object/)]);
  });

  test('names the resource without namespace the way istioctl analyze does', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { securityContext: { runAsUser: 1337 }, containers: [] } };
    expect(summary(lint([pod]))).toEqual(['SM201 Pod p']);
    expect(lint([pod])[0].namespace).toBeUndefined();
  });

  describe('suppressions', () => {
    test('an option suppresses matching findings, which stay in the result with their reason', () => {
      const findings = MeshAnalyzer.analyze([UNNAMED(), service('other', 'db', { ports: [{ port: 1 }] })], {
        suppressions: [{ code: 'SM102', reason: 'sniffed on purpose', kind: 'Service', namespace: 'db', name: 'pg' }],
      });
      expect(findings.map(f => [f.name, f.suppressedReason])).toEqual([['pg', 'sniffed on purpose'], ['other', undefined]]);
    });

    test('an option without a reason, or with an unknown code, is refused', () => {
      expect(() => MeshAnalyzer.analyze([], { suppressions: [{ code: 'SM102', reason: ' ' }] })).toThrow(/a suppression of SM102 needs a reason/);
      expect(() => MeshAnalyzer.analyze([], { suppressions: [{ code: 'SM9', reason: 'x' }] })).toThrow(/unknown rule code 'SM9'/);
      expect(() => MeshAnalyzer.analyze([], { suppressions: [{ code: 'SM001', reason: 'x' }] })).toThrow(/SM001 cannot be suppressed/);
    });

    test('the annotation suppresses findings about the object it is on, each entry with its reason', () => {
      const svc = UNNAMED();
      svc.metadata.annotations = { 'lint.cdk8s-stateful-mesh.dev/suppress': 'SM102: legacy clients; SM101: n/a' };
      expect(MeshAnalyzer.analyze([svc]).map(f => [f.code, f.suppressedReason])).toEqual([['SM102', 'legacy clients']]);
    });

    test('galley.istio.io/analyze-suppress hides findings that carry one of its IST codes (or any, with *), and no other', () => {
      const svc = UNNAMED();
      svc.metadata.annotations = { 'galley.istio.io/analyze-suppress': '*' };
      const sts = statefulSet('pg', 'db', { podSpec: { hostname: 'x' } }); // SM206 has no IST code: istioctl's annotation does not reach it
      sts.metadata.name = 'p'.repeat(50);
      sts.spec.serviceName = 's'.repeat(200);
      sts.metadata.annotations = { 'galley.istio.io/analyze-suppress': '*' };
      expect(MeshAnalyzer.analyze([svc, sts]).map(f => [f.code, f.suppressedReason])).toEqual([
        ['SM102', 'galley.istio.io/analyze-suppress: *'], ['SM206', undefined],
      ]);
      svc.metadata.annotations = { 'galley.istio.io/analyze-suppress': 'IST0101,IST0135' };
      expect(MeshAnalyzer.analyze([svc]).map(f => f.suppressedReason)).toEqual([undefined]);
    });

    test('an annotation entry without reason or with an unknown code is an error (SM001) and suppresses nothing', () => {
      const svc = UNNAMED();
      svc.metadata.annotations = { 'lint.cdk8s-stateful-mesh.dev/suppress': 'SM102\nSM777: why\nwhatever' };
      const findings = lint([svc]);
      expect(findings.map(f => f.code)).toEqual(['SM001', 'SM001', 'SM001', 'SM102']);
      expect(findings[0].message).toContain('entry \'SM102\' has no reason; write \'SM102: <why the finding is acceptable>\'');
      expect(findings[1].message).toContain('entry \'SM777: why\' names no rule that can be suppressed');
      expect(findings[2].message).toContain('entry \'whatever\' is not \'<rule code>: <reason>\'');
    });
  });
});

describe('Inventory mesh state', () => {
  function meshOf(manifests: any[], options = {}): string[] {
    return new Inventory(manifests, options).workloads.map(w => `${w.object.name}=${w.mesh}`);
  }

  test('follows the injector: proxy container, pod label, deprecated annotation, then the Namespace', () => {
    expect(meshOf([
      namespace('on', { 'istio-injection': 'enabled' }),
      namespace('rev', { 'istio.io/rev': 'canary' }),
      namespace('off'),
      deployment('a', 'on'),
      deployment('b', 'on', { labels: { 'app': 'b', 'sidecar.istio.io/inject': 'false' } }),
      deployment('c', 'off', { podAnnotations: { 'sidecar.istio.io/inject': 'true' } }),
      deployment('d', 'rev'),
      deployment('e', 'off'),
      deployment('f', 'nowhere'),
      deployment('g', 'on', { podSpec: { hostNetwork: true } }),
      deployment('h', 'off', { containers: [{ name: 'app' }, { name: 'istio-proxy' }] }),
    ])).toEqual(['a=sidecar', 'b=none', 'c=sidecar', 'd=sidecar', 'e=none', 'f=unknown', 'g=none', 'h=sidecar']);
  });

  test('knows ambient pods from the namespace, the pod label and the redirection annotation, and --assume-injection', () => {
    expect(meshOf([
      namespace('amb', { 'istio.io/dataplane-mode': 'ambient' }),
      deployment('a', 'amb'),
      deployment('b', 'amb', { labels: { 'app': 'b', 'istio.io/dataplane-mode': 'none' } }),
      deployment('c', 'x', { podAnnotations: { 'ambient.istio.io/redirection': 'enabled' } }),
      deployment('d', 'x'),
    ], { assumeInjection: true })).toEqual(['a=ambient', 'b=none', 'c=ambient', 'd=sidecar']);
  });

  test('selects with matchLabels and matchExpressions through the label index', () => {
    const inv = new Inventory([deployment('a', 'x', { labels: { app: 'a', tier: 'db' } }), deployment('b', 'x', { labels: { app: 'b', tier: 'db' } })]);
    expect(inv.selectWorkloads('x', { tier: 'db' }, [{ key: 'app', operator: 'NotIn', values: ['a'] }]).map(w => w.object.name)).toEqual(['b']);
    expect(inv.selectWorkloads('x', {}, [{ key: 'app', operator: 'In', values: ['a'] }]).map(w => w.object.name)).toEqual(['a']);
    expect(inv.selectWorkloads('y', { tier: 'db' })).toEqual([]);
    expect(inv.selectWorkloads(undefined, { tier: 'db' }).length).toBe(2);
  });
});
