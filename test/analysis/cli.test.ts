import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import '@microsoft/jest-sarif';
import { MeshAnalyzer } from '../../src';
import { authorizationPolicy, database, deployment, namespace, peerAuthentication } from './traffic/support';
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

/**
 * An in-memory file system: keys are files (their text) or symbolic links (`{ link: target }`); folders are the prefixes of
 * the keys.
 */
type Entry = string | { readonly link: string };
function memoryIo(files: Record<string, Entry>, stdin = '', cwd = '/work/repo'): CliIo & { out: string; err: string } {
  const resolve = (given: string, depth = 0): string | 'dangling' | 'loop' => {
    // a link among the folders of the path leads elsewhere
    const parts = given.split('/');
    let file = given;
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const link = files[prefix];
      if (typeof link === 'object') {
        file = path.join(path.dirname(prefix), link.link, ...parts.slice(i));
        break;
      }
    }
    const entry = files[file];
    if (typeof entry === 'object') {
      if (depth > 8) {
        return 'loop';
      }
      const target = path.join(path.dirname(file), entry.link);
      return files[target] === undefined && !isFolder(target) ? 'dangling' : resolve(target, depth + 1);
    }
    return file;
  };
  const isFolder = (file: string) => !(file in files) && Object.keys(files).some(f => f.startsWith(file.endsWith('/') ? file : `${file}/`));
  const io = {
    cwd,
    out: '',
    err: '',
    colour: false,
    progress: false,
    readStdin: () => stdin,
    readFile: (file: string) => {
      const real = resolve(file);
      if (typeof files[real] !== 'string') {
        throw new Error(`ENOENT: no such file, open '${file}'`);
      }
      return files[real] as string;
    },
    stat: (file: string) => {
      const real = resolve(file);
      if (real === 'dangling') {
        return { kind: 'dangling-link' as const };
      }
      if (real === 'loop') {
        return { kind: 'link-loop' as const };
      }
      return typeof files[real] === 'string' ? { kind: 'file' as const, realPath: real }
        : isFolder(real) ? { kind: 'folder' as const, realPath: real } : { kind: 'missing' as const };
    },
    readDir: (folder: string) => {
      const real = resolve(folder) as string;
      const prefix = real.endsWith('/') ? real : `${real}/`;
      return [...new Set(Object.keys(files).filter(f => f.startsWith(prefix)).map(f => f.slice(prefix.length).split('/')[0]))];
    },
    stdout: (text: string) => { io.out += text; },
    stderr: (text: string) => { io.err += text; },
  };
  return io;
}

describe('cdk8s-stateful-mesh lint', () => {
  test('prints one text line per finding, at file:line:col of the offending field, and a summary; exits 1 on an error', async () => {
    const io = memoryIo({ 'm.yaml': `${GOOD}---\n${BAD_SERVICE}---\n${UNNAMED_PORT}` });
    expect(await main(['lint', 'm.yaml'], io)).toBe(1);
    expect(io.out.split('\n')).toEqual([
      // SM101 is about the missing spec.ports: the deepest field that exists is spec (line 10)
      expect.stringMatching(/^error SM101 m\.yaml:10:1 Service db\/pg-headless: headless Service selects pods/),
      // SM102 is about spec.ports[0], the item on line 20
      expect.stringMatching(/^info SM102 m\.yaml:20:5 Service web\/api: port 8080 has no Istio protocol/),
      '2 findings (1 error, 0 warnings, 1 info) in 3 objects from 1 file',
      '',
    ]);
    expect(io.err).toBe('');
  });

  test('colours the severities only when asked to (a terminal, without NO_COLOR)', async () => {
    const plain = memoryIo({ 'w.yaml': UNNAMED_PORT });
    await main(['lint', 'w.yaml'], plain);
    expect(plain.out).not.toContain('\u001b[');
    const coloured = { ...memoryIo({ 'w.yaml': UNNAMED_PORT }), colour: true };
    let out = '';
    await main(['lint', 'w.yaml'], { ...coloured, stdout: (t: string) => { out += t; } });
    expect(out).toMatch(/^\u001b\[36minfo\u001b\[0m SM102 w\.yaml:6:5 /);
  });

  test('--fail-on decides the exit code', async () => {
    const files = { 'w.yaml': UNNAMED_PORT };
    expect(await main(['lint', 'w.yaml'], memoryIo(files))).toBe(0);
    expect(await main(['lint', 'w.yaml', '--fail-on', 'warning'], memoryIo(files))).toBe(0); // SM102 is info, as istioctl's IST0118
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
    expect(report.summary).toEqual({ objects: 3, files: 3, errors: 1, warnings: 0, info: 1, suppressed: 0, notes: 0 });
    expect(report.findings.map((f: any) => [f.code, f.file, f.document, f.line, f.column])).toEqual([
      ['SM102', path.join('k8s', 'b.yml'), 1, 6, 5],
      ['SM101', '<stdin>', 1, 6, 1],
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
    expect(run.tool.driver).toMatchObject({ name: 'cdk8s-stateful-mesh', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
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
      locations: [expect.objectContaining({ physicalLocation: { artifactLocation: { uri: 'dir/m.yaml' }, region: { startLine: 10, startColumn: 1 } }, logicalLocations: [{ name: 'Service db/pg-headless', kind: 'resource' }] })],
    })]);
  });

  test('the SARIF is valid against the SARIF 2.1.0 JSON schema, with findings, suppressed ones, input findings and notes', async () => {
    const annotated = UNNAMED_PORT.replace('metadata: { name: api, namespace: web }',
      'metadata: { name: api, namespace: web, annotations: { lint.cdk8s-stateful-mesh.dev/suppress: "SM102: sniffed on purpose" } }');
    const io = memoryIo({ '/abs/m.yaml': `${GOOD}---\n${BAD_SERVICE}---\nkind: [x\n`, 'rel/a.yaml': annotated, 'rel/values.yaml': 'a: 1\n', 'rel/n.yaml': '- 1\n' },
      UNNAMED_PORT);
    expect(await main(['lint', '/abs/m.yaml', 'rel', '-', '--format', 'sarif'], io)).toBe(1);
    const sarif = JSON.parse(io.out);
    expect(sarif).toBeValidSarifLog();
    const run = sarif.runs[0];
    expect(run.results.map((r: any) => `${r.ruleId} ${r.locations[0]?.physicalLocation.artifactLocation.uri}`)).toEqual([
      'SM101 file:///abs/m.yaml', 'SM002 file:///abs/m.yaml', 'SM102 rel/a.yaml', 'SM102 stdin',
    ]);
    expect(run.invocations[0].toolExecutionNotifications.map((n: any) => n.message.text)).toEqual([
      'Helm values, not manifests; skipped', 'document 1 is not a Kubernetes object (found a list), skipped',
    ]);
    // and the schema does refuse what is not SARIF
    expect({ version: '2.1.0', runs: [{ tool: { driver: { rules: [] } }, results: [{ level: 'fatal' }] }] }).not.toBeValidSarifLog();
  });

  test('every SARIF helpUri points at a heading of docs/rules.md', async () => {
    const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'rules.md'), 'utf8');
    // GitHub's anchors: the heading text, lower case, without punctuation, spaces as dashes
    const anchors = new Set([...docs.matchAll(/^#{1,6} (.+)$/gm)].map(m => m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
    const io = memoryIo({ 'm.yaml': GOOD });
    await main(['lint', 'm.yaml', '--format', 'sarif'], io);
    const uris: string[] = JSON.parse(io.out).runs[0].tool.driver.rules.map((r: any) => r.helpUri);
    expect(uris.length).toBeGreaterThan(30);
    for (const uri of uris) {
      expect([uri, anchors.has(uri.split('#')[1])]).toEqual([uri, true]);
    }
  });

  test('shows suppressed findings with their reason, apart from the count, in every format', async () => {
    const annotated = UNNAMED_PORT.replace('metadata: { name: api, namespace: web }',
      'metadata: { name: api, namespace: web, annotations: { lint.cdk8s-stateful-mesh.dev/suppress: "SM102: sniffed on purpose" } }');
    const text = memoryIo({ 'm.yaml': annotated });
    expect(await main(['lint', 'm.yaml', '--fail-on', 'warning'], text)).toBe(0);
    expect(text.out).toBe('suppressed SM102 m.yaml:6:5 Service web/api (reason: sniffed on purpose)\nno findings in 1 object from 1 file; 1 suppressed\n');
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

  describe('a whole folder is analysed, whatever else it holds', () => {
    test('chart files, values, kustomize files and non-manifests are skipped with a note; a broken file is a finding', async () => {
      const io = memoryIo({
        'repo/chart/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 0.1.0\n',
        'repo/chart/values.yaml': 'replicaCount: 3\n',
        'repo/chart/values-prod.yaml': 'replicaCount: 5\n',
        'repo/chart/templates/sts.yaml': 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}\n',
        'repo/kustomize/kustomization.yaml': 'resources: [svc.yaml]\n',
        'repo/kustomize/svc.yaml': UNNAMED_PORT,
        'repo/broken.yaml': `${GOOD}---\nkind: [Service\n---\n${BAD_SERVICE}`,
        'repo/dup.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n',
        'repo/empty.json': '',
        'repo/notes.yaml': 'title: not a manifest\n',
        'repo/dangling.yaml': { link: 'nowhere.yaml' },
        'repo/loop': { link: 'loop' },
        'repo/again': { link: 'kustomize' },
      });
      expect(await main(['lint', 'repo', '--format', 'json'], io)).toBe(1);
      const report = JSON.parse(io.out);
      expect(report.findings.map((f: any) => `${f.code} ${f.file}:${f.line}:${f.column}`)).toEqual([
        'SM102 repo/again/svc.yaml:6:5', 'SM002 repo/broken.yaml:6:1', 'SM101 repo/broken.yaml:12:1', 'SM003 repo/dup.yaml:5:3',
      ]);
      expect(report.notes.map((n: any) => `${n.file}: ${n.message}`)).toEqual([
        'repo/again/kustomization.yaml: a kustomize file (lint the output of kustomize build), not manifests; skipped',
        'repo/chart/Chart.yaml: Helm chart metadata, not manifests; skipped',
        'repo/chart/templates: the unrendered templates of a Helm chart, skipped; lint the output of \'helm template\'',
        'repo/chart/values-prod.yaml: Helm values, not manifests; skipped',
        'repo/chart/values.yaml: Helm values, not manifests; skipped',
        'repo/dangling.yaml: a symbolic link to a file that does not exist, skipped',
        'repo/kustomize: already read as repo/again, skipped',
        'repo/loop: a symbolic link loop, skipped',
        'repo/empty.json: empty, skipped',
        'repo/notes.yaml: document 1 is not a Kubernetes object (apiVersion and kind are missing), skipped',
      ]);
      expect(report.summary).toMatchObject({ objects: 4, files: 5, errors: 2, warnings: 1, info: 1 });
    });

    test('the text output lists the notes; --disable and --suppress reach the input findings too', async () => {
      const files = { 'm.yaml': `${GOOD}---\nkind: [Service\n---\n- a\n` };
      const io = memoryIo(files);
      expect(await main(['lint', 'm.yaml'], io)).toBe(1);
      expect(io.out).toBe('error SM002 m.yaml:6:1 document 2 is not valid YAML: unexpected end of the stream within a flow collection\n'
        + 'note m.yaml:7 document 3 is not a Kubernetes object (found a list), skipped\n'
        + '1 finding (1 error, 0 warnings, 0 info) in 1 object from 1 file; 1 note\n');
      expect(await main(['lint', 'm.yaml', '--disable', 'SM002'], memoryIo(files))).toBe(0);
      expect(await main(['lint', 'm.yaml', '--suppress', 'SM002'], memoryIo(files))).toBe(0);
    });

    test('nothing to analyse at all is exit code 2, after the findings and notes that say why', async () => {
      const io = memoryIo({ 'm.yaml': 'hello world\n', 'b.json': '{"apiVersion": ' });
      expect(await main(['lint', 'm.yaml', 'b.json'], io)).toBe(2);
      expect(io.out).toMatch(/^error SM002 b\.json:2:1 not valid JSON: .+\nnote m\.yaml:1 document 1 is not a Kubernetes object \(found the text 'hello world'\), skipped\n/);
      expect(io.err).toBe('cdk8s-stateful-mesh: no manifests found in m.yaml, b.json\n');
    });

    test('a missing input, a dangling link or a link loop given on the command line is exit code 2, one line', async () => {
      const cases: Array<[string, string]> = [
        ['nope.yaml', 'nope.yaml: no such file or folder'],
        ['dangling.yaml', 'dangling.yaml: a symbolic link to a file that does not exist'],
        ['loop', 'loop: a symbolic link loop'],
      ];
      for (const [input, error] of cases) {
        const io = memoryIo({ 'dangling.yaml': { link: 'x.yaml' }, 'loop': { link: 'loop' } });
        expect(await main(['lint', input], io)).toBe(2);
        expect(io.err).toBe(`cdk8s-stateful-mesh: ${error}\n`);
      }
      const empty = memoryIo({}, '# nothing\n---\n');
      expect(await main(['lint', '-'], empty)).toBe(2);
      expect(empty.err).toBe('cdk8s-stateful-mesh: no manifests found in -\n');
    });
  });

  test('bad usage prints the reason and the usage, exit code 2; --help prints the usage, exit code 0', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^cdk8s-stateful-mesh: no command\nusage: cdk8s-stateful-mesh <command>/],
      [['check'], /^cdk8s-stateful-mesh: unknown command 'check'; the commands are lint, graph\nusage: cdk8s-stateful-mesh <command>/],
      [['lint'], /^cdk8s-stateful-mesh: no input: .+\nusage: cdk8s-stateful-mesh lint/],
      [['lint', 'x', '--format', 'xml'], /^cdk8s-stateful-mesh: --format 'xml' is not one of text, json, sarif\nusage: cdk8s-stateful-mesh lint/],
      [['lint', 'x', '--fail-on'], /^cdk8s-stateful-mesh: Option '--fail-on <value>' argument missing\nusage: cdk8s-stateful-mesh lint/],
      [['lint', 'x', '--fail-on='], /^cdk8s-stateful-mesh: --fail-on needs a value\nusage: cdk8s-stateful-mesh lint/],
      [['lint', '--frmat', 'json', 'x'], /^cdk8s-stateful-mesh: Unknown option '--frmat'\nusage: cdk8s-stateful-mesh lint/],
    ];
    for (const [argv, error] of cases) {
      const io = memoryIo({ x: GOOD });
      expect([argv, await main(argv, io)]).toEqual([argv, 2]);
      expect(io.err).toMatch(error);
    }
    for (const argv of [['lint', '--help'], ['lint', '-h'], ['help', 'lint']]) {
      const help = memoryIo({});
      expect(await main(argv, help)).toBe(0);
      expect(help.out).toMatch(/^usage: cdk8s-stateful-mesh lint \[paths\.\.\|-\] \[options\]/);
    }
    const top = memoryIo({});
    expect(await main(['--help'], top)).toBe(0);
    expect(top.out).toMatch(/^usage: cdk8s-stateful-mesh <command> \[options\]\n\ncommands:\n  lint /);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    for (const argv of [['--version'], ['lint', '--version']]) {
      const io = memoryIo({});
      expect(await main(argv, io)).toBe(0);
      expect(io.out).toBe(`cdk8s-stateful-mesh ${version}\n`);
    }
  });

  test('--list-rules lists every rule with severity and istioctl code; --explain describes one with its docs anchor', async () => {
    const list = memoryIo({});
    expect(await main(['--list-rules'], list)).toBe(0);
    const lines = list.out.trim().split('\n');
    expect(lines.length).toBe(MeshAnalyzer.rules().length + 2); // and the input's own: SM002, SM003
    expect(lines).toContainEqual(expect.stringMatching(/^SM102  info     IST0118  port without Istio protocol$/));
    const json = memoryIo({});
    expect(await main(['lint', '--list-rules', '--format', 'json'], json)).toBe(0);
    expect(JSON.parse(json.out)).toContainEqual(expect.objectContaining({ code: 'SM101', helpUri: expect.stringMatching(/docs\/rules\.md#sm101$/) }));

    const explained = memoryIo({});
    expect(await main(['--explain', 'sm101'], explained)).toBe(0);
    expect(explained.out).toMatch(/^SM101 headless Service without ports\nseverity: error\n\nA headless Service .+\n\nmore: https:\/\/.+docs\/rules\.md#sm101\n$/);
    const unknown = memoryIo({});
    expect(await main(['--explain', 'SM999'], unknown)).toBe(2);
    expect(unknown.err).toMatch(/^cdk8s-stateful-mesh: --explain: unknown rule code 'SM999'; the codes are SM001, /);
  });

  describe('configuration', () => {
    const TWO = `${UNNAMED_PORT}---\n${UNNAMED_PORT.replace('name: api, namespace: web', 'name: legacy, namespace: old')}`;

    test('--disable drops a rule (by SM or IST code), --enable brings it back', async () => {
      const off = memoryIo({ 'm.yaml': TWO });
      expect(await main(['lint', 'm.yaml', '--disable', 'SM102', '--fail-on', 'info'], off)).toBe(0);
      expect(off.out).toBe('no findings in 2 objects from 1 file\n');
      const byIst = memoryIo({ 'm.yaml': TWO });
      expect(await main(['lint', 'm.yaml', '--disable', 'IST0118,SM999'], byIst)).toBe(2);
      expect(byIst.err).toMatch(/^cdk8s-stateful-mesh: --disable: unknown rule code 'SM999'/);
      const back = memoryIo({ 'm.yaml': TWO });
      expect(await main(['lint', 'm.yaml', '--disable', 'ist0118', '--enable', 'SM102', '--fail-on', 'info'], back)).toBe(1);
    });

    test('--suppress hides findings of a rule for all objects or those matching a pattern, with the flag as reason', async () => {
      const run = async (...flags: string[]) => {
        const io = memoryIo({ 'm.yaml': TWO });
        await main(['lint', 'm.yaml', '--format', 'json', ...flags], io);
        return JSON.parse(io.out).findings.map((f: any) => `${f.name}:${f.suppressedReason ?? '-'}`);
      };
      expect(await run('--suppress', 'SM102')).toEqual(['api:--suppress SM102', 'legacy:--suppress SM102']);
      expect(await run('--suppress', 'SM102=Service/old/*')).toEqual(['api:-', 'legacy:--suppress SM102=Service/old/*']);
      expect(await run('--suppress', 'SM102=service/leg*')).toEqual(['api:-', 'legacy:--suppress SM102=service/leg*']);
      expect(await run('--suppress', 'IST0118=Service web/*')).toEqual(['api:--suppress IST0118=Service web/*', 'legacy:-']);
      const bad = memoryIo({ 'm.yaml': TWO });
      expect(await main(['lint', 'm.yaml', '--suppress', 'SM102=Service'], bad)).toBe(2);
      expect(bad.err).toMatch(/pattern 'Service' is not Kind\/namespace\/name or Kind\/name/);
    });

    test('honours galley.istio.io/analyze-suppress for findings that carry an IST code', async () => {
      const annotated = (codes: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: x, annotations: { galley.istio.io/analyze-suppress: "${codes}" } }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      securityContext: { runAsUser: 1337 }
      containers: [{ name: web, image: "nginx:1.27" }]
`;
      for (const [codes, suppressed] of [['IST0144', true], ['IST0102,IST0144', true], ['*', true], ['IST0102', false]] as const) {
        const io = memoryIo({ 'd.yaml': annotated(codes) });
        expect(await main(['lint', 'd.yaml'], io)).toBe(suppressed ? 0 : 1);
        expect(io.out.split('\n')[0]).toEqual(suppressed
          ? `suppressed SM201 d.yaml:9:26 Deployment x/web (reason: galley.istio.io/analyze-suppress: ${codes})`
          : expect.stringMatching(/^error SM201 /));
      }
    });

    test('reads .cdk8s-stateful-mesh.yaml from the working directory or a folder above it; --config and --no-config', async () => {
      const config = 'failOn: info\ndisable: [SM202]\nsuppress:\n  - { code: SM102, match: Service/old/legacy, reason: legacy clients sniff }\n';
      const files = { '/work/repo/k8s/m.yaml': TWO, '/work/.cdk8s-stateful-mesh.yaml': config, '/elsewhere/c.yaml': 'failOn: none\n' };
      const nearest = memoryIo(files, '', '/work/repo/k8s');
      await main(['lint', '/work/repo/k8s/m.yaml'], nearest);
      expect(nearest.out).toMatch(/^info SM102 .* Service web\/api: .*\nsuppressed SM102 .* Service old\/legacy \(reason: legacy clients sniff\)\n/);
      expect(await main(['lint', '/work/repo/k8s/m.yaml'], memoryIo(files, '', '/work/repo/k8s'))).toBe(1);
      expect(await main(['lint', '/work/repo/k8s/m.yaml', '--no-config'], memoryIo(files, '', '/work/repo/k8s'))).toBe(0);
      expect(await main(['lint', '/work/repo/k8s/m.yaml', '--config', '/elsewhere/c.yaml', '--fail-on', 'info'], memoryIo(files, '', '/'))).toBe(1);
      expect(await main(['lint', '/work/repo/k8s/m.yaml', '--config', '/elsewhere/c.yaml'], memoryIo(files, '', '/'))).toBe(0);
    });

    test.each([
      ['failOn: [x]\n', /c\.yaml: 'failOn' must be error, warning, info or none/],
      ['failOn: maybe\n', /c\.yaml: 'failOn' is 'maybe'; it must be error, warning, info or none/],
      ['format: xml\n', /c\.yaml: 'format' is 'xml'; it must be text, json or sarif/],
      ['colour: true\n', /c\.yaml: unknown setting 'colour'; the settings are format, failOn, /],
      ['suppress: [{ code: SM102 }]\n', /c\.yaml: suppress\[0\] needs a reason/],
      ['suppress: [{ code: SM9, reason: x }]\n', /c\.yaml: suppress\[0\]: unknown rule code 'SM9'/],
      ['disable: SM102\n', /c\.yaml: 'disable' must be a list of rule codes/],
      ['- a\n', /c\.yaml: not a config file: expected a map/],
      ['a: [\n', /c\.yaml: not a config file: /],
    ])('a bad config file is a usage error naming the file and the key: %s', async (config, error) => {
      const io = memoryIo({ 'm.yaml': GOOD, '/c.yaml': config });
      expect(await main(['lint', 'm.yaml', '--config', '/c.yaml'], io)).toBe(2);
      expect(io.err).toMatch(error);
    });
  });

  // One run of the compiled bin, as npm installs it (lib/ exists after `npx projen compile`; `npx projen build` compiles first).
  const CLI = path.join(__dirname, '..', '..', 'lib', 'analysis', 'cli.js');
  (fs.existsSync(CLI) ? test : test.skip)('the compiled bin reads stdin, exits with the code, and prints no stack trace for garbage', () => {
    expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const bad = spawnSync(process.execPath, [CLI, 'lint', '-'], { input: BAD_SERVICE, encoding: 'utf8' });
    expect([bad.status, bad.stdout.split('\n')[0]]).toEqual([1, expect.stringMatching(/^error SM101 <stdin>:6:1 /)]);
    const garbage = spawnSync(process.execPath, [CLI, 'lint', '-'], { input: 'kind: [1\n', encoding: 'utf8' });
    expect([garbage.status, garbage.stdout.split('\n')[0], garbage.stderr]).toEqual([2, expect.stringMatching(/^error SM002 <stdin>:2:1 document 1 is not valid YAML: /),
      'cdk8s-stateful-mesh: no manifests found in -\n']);
    const version = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
    expect(version.stdout).toMatch(/^cdk8s-stateful-mesh \d+\.\d+\.\d+/);
  });
});

describe('cdk8s-stateful-mesh graph', () => {
  // a database in namespace db with STRICT mTLS and an allow-list admitting the service account of shop/orders; shop/audit
  // names the database in its env too, but nobody admitted it
  const ADMITTED = 'cluster.local/ns/shop/sa/orders';
  const MANIFESTS = [
    namespace('db', { 'istio-injection': 'enabled' }),
    namespace('shop', { 'istio-injection': 'enabled' }),
    ...database('db'),
    peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' } }),
    authorizationPolicy('db', 'db', {
      selector: { matchLabels: { app: 'db' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [ADMITTED, 'cluster.local/ns/db/sa/db'] } }] }],
    }),
    deployment('orders', 'shop', { env: { DATABASE_HOST: 'db-0.db-headless.db.svc.cluster.local' } }),
    deployment('audit', 'shop', { env: { DATABASE_HOST: 'db-0.db-headless.db.svc.cluster.local' } }),
  ];
  const files = () => ({ 'k8s/all.yaml': MANIFESTS.map(m => JSON.stringify(m)).join('\n---\n') });

  test('prints each edge with its TLS, its intent and the object that decides, and a count; exits 0', async () => {
    const io = memoryIo(files());
    expect(await main(['graph', 'k8s'], io)).toBe(0);
    const lines = io.out.split('\n');
    expect(lines[0]).toMatch(/^edge +address +tls +intent +why$/);
    // the admitted client and the peers get mTLS; the workload that names the database but was not admitted (a
    // reference) is denied by the allow-list
    expect(lines).toContainEqual(expect.stringMatching(/^Deployment shop\/orders → StatefulSet db\/db:5432 +db-\*\.db-headless\.db\.svc\.cluster\.local:5432 +mTLS +client /));
    expect(lines).toContainEqual(expect.stringMatching(/^StatefulSet db\/db → StatefulSet db\/db:5432 .* mTLS +peer /));
    expect(lines).toContainEqual(expect.stringMatching(/^Deployment shop\/audit → StatefulSet db\/db:5432 .* denied +reference +AuthorizationPolicy db\/db: /));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+ edges: \d+ allowed, 1 denied$/));
    expect(io.err).toBe('');
  });

  test('--denied keeps the denied edges; --unintended adds the sources nobody admitted, all denied here', async () => {
    const denied = memoryIo(files());
    await main(['graph', 'k8s', '--denied', '--format', 'json'], denied);
    expect(JSON.parse(denied.out).map((e: any) => [e.source, e.port, e.verdict, e.decidedBy])).toEqual([
      ['Deployment shop/audit', 5432, 'denied', 'AuthorizationPolicy db/db'],
    ]);
    const unintended = memoryIo(files());
    await main(['graph', 'k8s', '--unintended', '--format', 'json'], unintended);
    const others = JSON.parse(unintended.out).filter((e: any) => e.intent === 'unintended');
    expect(others.map((e: any) => e.source).sort()).toEqual(['a pod of another namespace', 'another pod of namespace db', 'outside the mesh']);
    expect(others.every((e: any) => e.verdict === 'denied')).toBe(true);
  });

  test('what cannot be read or is skipped goes to stderr, with its place; stdout stays the graph', async () => {
    const io = memoryIo({ ...files(), 'k8s/Chart.yaml': 'apiVersion: v2\nname: x\n', 'k8s/broken.yaml': 'kind: [1\n' });
    expect(await main(['graph', 'k8s', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.out).length).toBeGreaterThan(0);
    expect(io.err.split('\n')).toEqual(expect.arrayContaining([
      expect.stringMatching(/^error SM002 k8s\/broken\.yaml:2:1 document 1 is not valid YAML: /),
      expect.stringMatching(/^note k8s\/Chart\.yaml /),
    ]));
  });

  test('Mermaid and DOT draw the same edges', async () => {
    const mermaid = memoryIo(files());
    await main(['graph', 'k8s', '--format', 'mermaid'], mermaid);
    expect(mermaid.out.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid.out).toContain('"Deployment shop/audit"');
    const dot = memoryIo(files());
    await main(['graph', 'k8s', '--format=dot'], dot);
    expect(dot.out).toMatch(/^digraph traffic \{/);
    expect(dot.out).toContain('"Deployment shop/audit"');
  });

  test('reads stdin and takes the analysis options: the trust domain is in the identities', async () => {
    const stdin = MANIFESTS.map(m => JSON.stringify(m)).join('\n---\n');
    const io = memoryIo({}, stdin);
    expect(await main(['graph', '-', '--trust-domain', 'corp.example', '--format', 'json'], io)).toBe(0);
    // sidecars read the policy's cluster.local principals as the mesh's own trust domain (istio/istio 1.31
    // pilot/pkg/security/trustdomain/bundle.go ReplaceTrustDomainAliases), so the admitted client still gets in
    const clients = JSON.parse(io.out).filter((e: any) => e.intent === 'client');
    expect(clients.map((e: any) => [e.source, e.verdict, e.peerIdentity])).toEqual([['Deployment shop/orders', 'allowed-mtls', 'corp.example/ns/shop/sa/orders']]);
  });

  test.each([
    [['graph'], /no input: pass files, folders, or - for stdin/],
    [['graph', 'k8s', '--format', 'png'], /--format 'png' is not one of table, json, mermaid, dot, svg/],
    [['graph', 'k8s', '--ambient', 'yes'], /--ambient 'yes' is not true or false/],
    [['graph', 'nowhere'], /nowhere/],
  ])('fails with exit code 2 and a usage line: %j', async (argv, error) => {
    const io = memoryIo(files());
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toMatch(error);
    expect(io.out).toBe('');
  });

  // SVG needs the ESM-only renderer, which jest's CommonJS runtime cannot import: the compiled bin renders it
  const BIN = path.join(__dirname, '..', '..', 'lib', 'analysis', 'cli.js');
  (fs.existsSync(BIN) ? test : test.skip)('the compiled bin renders SVG (with @hpcc-js/wasm-graphviz installed)', () => {
    const run = spawnSync(process.execPath, [BIN, 'graph', '-', '--format', 'svg'], { input: files()['k8s/all.yaml'], encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/<svg[\s\S]*Deployment shop\/audit[\s\S]*<\/svg>/);
  });

  test('--help describes the command, and the top-level usage lists it', async () => {
    const help = memoryIo({});
    expect(await main(['graph', '--help'], help)).toBe(0);
    expect(help.out).toMatch(/^usage: cdk8s-stateful-mesh graph /);
    expect(help.out).toContain('--unintended');
    const top = memoryIo({});
    await main(['--help'], top);
    expect(top.out).toMatch(/graph +print who can talk to whom/);
  });
});
