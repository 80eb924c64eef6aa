import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CliIo, main } from '../../src/analysis/cli';

const BAD_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: pg-headless
  namespace: db
spec:
  clusterIP: None
  selector:
    app: pg
`;
const UNNAMED_PORT = `apiVersion: v1
kind: Service
metadata: { name: api, namespace: web }
spec:
  ports:
  - port: 8080
`;
const GOOD = `apiVersion: v1
kind: Namespace
metadata: { name: ok }
`;

/** An in-memory file system: paths ending in '/' are folders listing their children. */
function memoryIo(files: Record<string, string>, stdin = ''): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    readStdin: () => stdin,
    readFile: (file: string) => {
      if (!(file in files)) {
        throw new Error(`ENOENT: no such file, open '${file}'`);
      }
      return files[file];
    },
    readDir: (file: string) => {
      const prefix = file.endsWith('/') ? file : `${file}/`;
      const children = Object.keys(files).filter(f => f.startsWith(prefix)).map(f => f.slice(prefix.length).split('/')[0]);
      return children.length > 0 && !(file in files) ? [...new Set(children)] : undefined;
    },
    exists: (file: string) => file in files || Object.keys(files).some(f => f.startsWith(`${file}/`)),
    stdout: (text: string) => { io.out += text; },
    stderr: (text: string) => { io.err += text; },
    threads: 1,
  };
  return io;
}

describe('cdk8s-stateful-mesh lint', () => {
  test('prints one text line per finding, with file and document, and a summary; exits 1 on an error', async () => {
    const io = memoryIo({ 'm.yaml': `${GOOD}---\n${BAD_SERVICE}---\n${UNNAMED_PORT}` });
    expect(await main(['lint', 'm.yaml'], io)).toBe(1);
    expect(io.out.split('\n')).toEqual([
      expect.stringMatching(/^error SM101 m\.yaml#2 Service db\/pg-headless: headless Service selects pods/),
      expect.stringMatching(/^warning SM102 m\.yaml#3 Service web\/api: port 8080 has no Istio protocol/),
      '2 findings (1 error, 1 warning, 0 info) in 3 objects from 1 file',
      '',
    ]);
    expect(io.err).toBe('');
  });

  test('--fail-on decides the exit code', async () => {
    const files = { 'w.yaml': UNNAMED_PORT };
    expect(await main(['lint', 'w.yaml'], memoryIo(files))).toBe(0);
    expect(await main(['lint', 'w.yaml', '--fail-on', 'warning'], memoryIo(files))).toBe(1);
    expect(await main(['lint', 'w.yaml', '--fail-on=info'], memoryIo(files))).toBe(1);
    expect(await main(['lint', '--fail-on', 'none', 'w.yaml'], memoryIo({ 'e.yaml': BAD_SERVICE, ...files }))).toBe(0);
  });

  test('reads folders recursively (.yaml, .yml, .json, sorted, hidden folders skipped) and stdin', async () => {
    const io = memoryIo({
      'k8s/b.yml': UNNAMED_PORT,
      'k8s/a/svc.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }] }),
      'k8s/README.md': '# not read',
      'k8s/.git/config.yaml': 'not: [read',
    }, BAD_SERVICE);
    expect(await main(['lint', 'k8s', '-', '--format', 'json'], io)).toBe(1);
    const report = JSON.parse(io.out);
    expect(report.summary).toEqual({ objects: 3, files: 3, errors: 1, warnings: 1, info: 0, suppressed: 0 });
    expect(report.findings.map((f: any) => [f.code, f.file, f.document, f.line])).toEqual([
      ['SM102', path.join('k8s', 'b.yml'), 1, 1],
      ['SM101', '<stdin>', 1, 1],
    ]);
  });

  test('reads JSON arrays, single objects and Lists', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'web' }, spec: { ports: [{ port: 8080 }] } };
    const io = memoryIo({ 'a.json': JSON.stringify([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, svc]) });
    await main(['lint', 'a.json', '--format', 'json'], io);
    expect(JSON.parse(io.out).findings.map((f: any) => [f.file, f.document])).toEqual([['a.json', 2]]);
  });

  test('writes SARIF 2.1.0 with rules, levels, messages, artifact URIs and start lines', async () => {
    const io = memoryIo({ 'dir/m.yaml': `${GOOD}---\n${BAD_SERVICE}` });
    await main(['lint', 'dir/m.yaml', '--format', 'sarif'], io);
    const sarif = JSON.parse(io.out);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('cdk8s-stateful-mesh');
    const ids = run.tool.driver.rules.map((r: any) => r.id);
    expect(ids).toContain('SM101');
    for (const rule of run.tool.driver.rules) {
      expect(rule.help.text).not.toBe('');
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
    }
    expect(run.results).toEqual([expect.objectContaining({
      ruleId: 'SM101',
      ruleIndex: ids.indexOf('SM101'),
      level: 'error',
      message: { text: expect.stringMatching(/^Service db\/pg-headless: /) },
      locations: [expect.objectContaining({ physicalLocation: { artifactLocation: { uri: 'dir/m.yaml' }, region: { startLine: 5 } } })],
    })]);
  });

  test('shows suppressed findings with their reason, apart from the count, in every format', async () => {
    const annotated = UNNAMED_PORT.replace('metadata: { name: api, namespace: web }',
      'metadata: { name: api, namespace: web, annotations: { lint.cdk8s-stateful-mesh.dev/suppress: "SM102: sniffed on purpose" } }');
    const text = memoryIo({ 'm.yaml': annotated });
    expect(await main(['lint', 'm.yaml', '--fail-on', 'warning'], text)).toBe(0);
    expect(text.out).toBe('suppressed SM102 m.yaml#1 Service web/api (reason: sniffed on purpose)\nno findings in 1 object from 1 file; 1 suppressed\n');
    const sarif = memoryIo({ 'm.yaml': annotated });
    await main(['lint', 'm.yaml', '--format', 'sarif'], sarif);
    expect(JSON.parse(sarif.out).runs[0].results[0].suppressions).toEqual([{ kind: 'inSource', justification: 'sniffed on purpose' }]);
  });

  test('--mesh-config takes a MeshConfig or the istio ConfigMap', async () => {
    const se = 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: { name: rds }\nspec: { hosts: [db.example.com], ports: [{ number: 5432, protocol: TCP }] }\n';
    const mesh = 'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n    ISTIO_META_DNS_AUTO_ALLOCATE: "true"\n';
    const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: istio }\ndata:\n  mesh: |\n${mesh.split('\n').map(l => `    ${l}`).join('\n')}\n`;
    for (const file of ['mesh.yaml', 'cm.yaml']) {
      const io = memoryIo({ 'se.yaml': se, 'mesh.yaml': mesh, 'cm.yaml': configMap });
      await main(['lint', 'se.yaml', '--mesh-config', file, '--fail-on', 'warning'], io);
      expect(io.out).toBe('no findings in 1 object from 1 file\n');
    }
  });

  describe('garbage input gets one line naming the file and document, exit code 2, no stack trace', () => {
    test.each([
      ['a YAML syntax error', `${GOOD}---\nkind: [Service\n`, /^cdk8s-stateful-mesh: m\.yaml#2: YAML syntax error at line \d+: .+\n$/],
      ['a document that is not a map', `${GOOD}---\n- a\n- b\n`, /^cdk8s-stateful-mesh: m\.yaml#2: expected a Kubernetes object \(a map with apiVersion and kind\), found a list\n$/],
      ['a map without kind', `${GOOD}---\n${GOOD}---\napiVersion: v1\nmetadata: {}\n`, /^cdk8s-stateful-mesh: m\.yaml#3: not a Kubernetes object: kind is missing\n$/],
      ['a List item without apiVersion', 'apiVersion: v1\nkind: List\nitems:\n- kind: Service\n', /^cdk8s-stateful-mesh: m\.yaml#1 item 1: not a Kubernetes object: apiVersion is missing\n$/],
      ['a plain text file', 'hello world\n', /^cdk8s-stateful-mesh: m\.yaml#1: expected a Kubernetes object .*found the text 'hello world'\n$/],
    ])('%s', async (_what, content, error) => {
      const io = memoryIo({ 'm.yaml': content });
      expect(await main(['lint', 'm.yaml'], io)).toBe(2);
      expect(io.err).toMatch(error);
      expect(io.err).not.toMatch(/\n\s+at /);
      expect(io.out).toBe('');
    });

    test('invalid JSON', async () => {
      const io = memoryIo({ 'm.json': '{"apiVersion": ' });
      expect(await main(['lint', 'm.json'], io)).toBe(2);
      expect(io.err).toMatch(/^cdk8s-stateful-mesh: m\.json: not valid JSON: .+\n$/);
    });

    test('a missing file, and input without any manifest', async () => {
      const missing = memoryIo({});
      expect(await main(['lint', 'nope.yaml'], missing)).toBe(2);
      expect(missing.err).toBe('cdk8s-stateful-mesh: nope.yaml: no such file or folder\n');
      const empty = memoryIo({}, '# nothing\n---\n');
      expect(await main(['lint', '-'], empty)).toBe(2);
      expect(empty.err).toBe('cdk8s-stateful-mesh: no manifests found in -\n');
    });
  });

  test('bad usage prints the reason and the usage, exit code 2; --help prints the usage, exit code 0', async () => {
    for (const argv of [[], ['check'], ['lint'], ['lint', 'x', '--format', 'xml'], ['lint', 'x', '--fail-on'], ['lint', '--frmat', 'json', 'x']]) {
      const io = memoryIo({ x: GOOD });
      expect(await main(argv, io)).toBe(2);
      expect(io.err).toMatch(/^cdk8s-stateful-mesh: .+\nusage: cdk8s-stateful-mesh lint/);
    }
    const help = memoryIo({});
    expect(await main(['lint', '--help'], help)).toBe(0);
    expect(help.out).toMatch(/^usage: cdk8s-stateful-mesh lint \[paths\.\.\|-\] \[options\]/);
  });

  // One run of the compiled bin, as npm installs it (lib/ exists after `npx projen compile`; `npx projen build` compiles first).
  const CLI = path.join(__dirname, '..', '..', 'lib', 'analysis', 'cli.js');
  (fs.existsSync(CLI) ? test : test.skip)('the compiled bin reads stdin, exits with the code, and prints no stack trace for garbage', () => {
    expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const bad = spawnSync(process.execPath, [CLI, 'lint', '-'], { input: BAD_SERVICE, encoding: 'utf8' });
    expect([bad.status, bad.stdout.split('\n')[0]]).toEqual([1, expect.stringMatching(/^error SM101 <stdin>#1 /)]);
    const garbage = spawnSync(process.execPath, [CLI, 'lint', '-'], { input: 'a: [1\n', encoding: 'utf8' });
    expect([garbage.status, garbage.stderr]).toEqual([2, expect.stringMatching(/^cdk8s-stateful-mesh: <stdin>#1: YAML syntax error at line \d+: [^\n]+\n$/)]);
  });
});
