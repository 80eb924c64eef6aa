import { ApiObject, Chart, JsonPatch, Lazy, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol, HeadlessStatefulService, MeshAnalysis, MeshMode, MeshPolicy, MeshService } from '../../src';
import { chart } from '../support/manifests';

const IMAGE = 'registry.example.com/db:1.2.3';

/** A chart with our constructs, plus a raw headless Service without ports under a `Legacy` construct. */
function brokenChart(): { chart: Chart; legacy: Construct } {
  const c = chart('db');
  new HeadlessStatefulService(c, 'Pg', { containers: [{ name: 'pg', image: IMAGE }], ports: [{ port: 5432, name: 'postgresql' }] });
  const legacy = new Construct(c, 'Legacy');
  new ApiObject(legacy, 'Peers', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'pg-peers', namespace: 'db' },
    spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'pg' } },
  });
  return { chart: c, legacy };
}

describe('MeshAnalysis at synth', () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => stderr.mockRestore());

  test('a chart using the constructs fails to synthesise on an error, naming the construct path and the rule code', () => {
    const { chart: c } = brokenChart();
    expect(() => Testing.synth(c)).toThrow(/\[test\] test\/Legacy\/Peers: SM101 Service db\/pg-peers: headless Service selects pods/);
  });

  test('a suppression with a reason on an ancestor lets the synth pass, and is printed once with its reason', () => {
    const { chart: c, legacy } = brokenChart();
    MeshAnalysis.suppress(legacy, 'SM101', 'peers discover each other through the Kubernetes API, not this Service');
    expect(() => Testing.synth(c)).not.toThrow();
    Testing.synth(c);
    const lines = stderr.mock.calls.map(call => call[0]);
    expect(lines).toEqual(['[cdk8s-stateful-mesh] suppressed test/Legacy/Peers: SM101 Service db/pg-peers '
      + '(reason: peers discover each other through the Kubernetes API, not this Service)']);
    const [finding] = MeshAnalysis.findings(c);
    expect(finding).toMatchObject({ code: 'SM101', constructPath: 'test/Legacy/Peers', suppressedReason: expect.stringContaining('Kubernetes API') });
  });

  test('a suppression covers only the objects at or below its scope', () => {
    const { chart: c } = brokenChart();
    MeshAnalysis.suppress(c.node.findChild('Pg'), 'SM101', 'not this one');
    expect(() => Testing.synth(c)).toThrow(/SM101/);
  });

  test('a suppression without a reason, or of an unknown rule, is refused at once with the construct path', () => {
    const { chart: c, legacy } = brokenChart();
    expect(() => MeshAnalysis.suppress(legacy, 'SM101', '')).toThrow('test/Legacy: a suppression of SM101 needs a reason: say why the finding is acceptable');
    expect(() => MeshAnalysis.suppress(c, 'SM1O1', 'typo')).toThrow(/^test: unknown rule code 'SM1O1'/);
  });

  test('warnings do not fail the synth and are printed once per chart, however often it is synthesised', () => {
    const c = chart('db');
    new MeshService(c, 'Client', { ports: [{ port: 5432, protocol: AppProtocol.TCP }] });
    // SM102 (info) is not printed; SM303 (warning) is, once
    new ApiObject(c, 'Raw', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'raw', namespace: 'db' }, spec: { ports: [{ port: 8080 }] } });
    new ApiObject(c, 'Lb', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'lb', namespace: 'db' },
      spec: { host: 'raw-peers', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
    });
    new ApiObject(c, 'Peers', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'raw-peers', namespace: 'db' }, spec: { clusterIP: 'None', ports: [{ port: 8080, name: 'tcp-raw' }] } });
    Testing.synth(c);
    Testing.synth(c);
    const lines = stderr.mock.calls.map(call => call[0]);
    expect(lines).toEqual([expect.stringMatching(/^\[cdk8s-stateful-mesh\] warning test\/Lb: SM303 DestinationRule db\/lb: sets loadBalancer/)]);
  });

  test('a change between two synths is seen: the objects are serialised once per validation pass, not cached beyond it', () => {
    const { chart: c } = brokenChart();
    expect(() => Testing.synth(c)).toThrow(/SM101/);
    const peers = c.node.findChild('Legacy').node.findChild('Peers') as ApiObject;
    peers.addJsonPatch(JsonPatch.add('/spec/ports', [{ name: 'tcp-postgresql', port: 5432, appProtocol: 'tcp' }]));
    expect(() => Testing.synth(c)).not.toThrow();
  });

  test('a change made between two synths in the same task is seen (cached JSON never outlives a synth)', () => {
    const c = chart('db');
    const pg = new HeadlessStatefulService(c, 'Pg', { containers: [{ name: 'pg', image: IMAGE }], ports: [{ port: 5432 }] });
    const first = Testing.synth(c);
    pg.addPort({ port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' });
    const second = Testing.synth(c);
    expect(first.find(m => m.kind === 'StatefulSet').spec.template.spec.containers[0].ports).toHaveLength(1);
    expect(second.find(m => m.kind === 'StatefulSet').spec.template.spec.containers[0].ports).toHaveLength(2);
    expect(Testing.synth(c)).toEqual(second);
  });

  test('App.synth serialises every object once, although cdk8s validates the app once per chart', () => {
    const app = Testing.app();
    let produced = 0;
    for (const name of ['a', 'b', 'c']) {
      const c = new Chart(app, name, { namespace: name });
      new HeadlessStatefulService(c, 'Db', { containers: [{ name: 'db', image: IMAGE }], ports: [{ port: 5432 }] });
      new ApiObject(c, 'Counted', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'counted', namespace: name },
        data: Lazy.any({ produce: () => ({ n: String(++produced) }) }),
      });
    }
    const yaml = app.synthYaml();
    expect(produced).toBe(3); // without the shared serialisation: 4 validation passes x 3 charts + 3 outputs = 15
    expect(yaml).toContain('"n": "1"');
    app.synthYaml();
    expect(produced).toBe(6); // a new synth serialises anew
  });

  test('an app of several analysed charts synthesises, each chart reporting its own errors', () => {
    const app = Testing.app();
    for (const name of ['a', 'b', 'c']) {
      const c = new Chart(app, name, { namespace: name });
      new HeadlessStatefulService(c, 'Db', { containers: [{ name: 'db', image: IMAGE }], ports: [{ port: 5432 }] });
    }
    expect(app.synthYaml()).toContain('kind: StatefulSet');
    new ApiObject(app.node.findChild('b'), 'Raw', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'raw', namespace: 'b' }, spec: { clusterIP: 'None', selector: { a: 'b' } } });
    expect(() => app.synthYaml()).toThrow(/\[b\] b\/Raw: SM101/);
  });

  test('the analysis uses the cluster domain the constructs resolved (found by the property tests)', () => {
    const c = chart('db');
    const pg = new HeadlessStatefulService(c, 'Pg', {
      clusterDomain: 'corp.internal',
      meshMode: MeshMode.sidecar(),
      serviceAccount: new kplus.ServiceAccount(c, 'Sa'),
      containers: [{ name: 'pg', image: IMAGE }],
      ports: [{ port: 5432 }],
    });
    new MeshPolicy(c, 'Policy', { workload: pg });
    expect(MeshAnalysis.findings(c)).toEqual([]);
    expect(MeshAnalysis.findings(c, { clusterDomain: 'cluster.local' }).map(f => f.code)).toEqual(['SM301']); // an explicit option wins
  });

  test('charts without the constructs are not analysed unless enabled', () => {
    const c = chart('db');
    new ApiObject(c, 'Raw', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'raw', namespace: 'db' }, spec: { clusterIP: 'None', selector: { a: 'b' } } });
    expect(() => Testing.synth(c)).not.toThrow();
    MeshAnalysis.enable(c);
    expect(() => Testing.synth(c)).toThrow(/SM101/);
  });

  test('references across charts of the app resolve, and each chart reports only on its own objects', () => {
    const app = Testing.app();
    const data = new Chart(app, 'data', { namespace: 'db' });
    const pg = new HeadlessStatefulService(data, 'Pg', { containers: [{ name: 'pg', image: IMAGE }], ports: [{ port: 5432 }] });
    const policy = new Chart(app, 'policy', { namespace: 'db' });
    MeshAnalysis.enable(policy);
    new ApiObject(policy, 'Dr', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'pg', namespace: 'db' },
      spec: { host: pg.headlessServiceFqdn, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
    });
    expect(MeshAnalysis.findings(policy).map(f => f.code)).toEqual(['SM303']);
    expect(MeshAnalysis.findings(data)).toEqual([]);
  });
});
