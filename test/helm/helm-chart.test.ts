import * as fs from 'fs';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { helmTemplate, helmTemplateError, writeChart } from './render';
import { expectWorkingRelease, objectsOf, plainSynthesis, podAddressesIn } from './support';
import {
  AppProtocol, HeadlessStatefulService, HelmBuildContext, HelmChart, HelmChartProps, HelmResourcePreset, IHelmChartBuilder, MeshAwareDatabase,
  MeshClient, MongoDbReplicaSetEngine, ZooKeeperEngine,
} from '../../src';

/** What the test app is built with when it is synthesised directly (its props), each optional. */
interface Settings {
  readonly replicas?: number;
  readonly image?: string;
  readonly resources?: kplus.ContainerResources;
  readonly storage?: Size;
  readonly storageClassName?: string;
  readonly cacheReplicas?: number;
}

const CLIENT_IMAGE = 'ghcr.io/example/coordinator-client:1.2.0';

/**
 * The test app: ZooKeeper (its peer list `ZOO_SERVERS` and the JVM heap derive from replicas and the memory limit), a
 * StatefulSet of its own with a volume claim, and a client with values of its own (an image, and a tier choice that
 * decides its replicas). Built from props (`settings`), so its plain synthesis is independent of the Helm machinery.
 */
class TestApp implements IHelmChartBuilder {
  constructor(private readonly settings: Settings = {}) {}

  public buildApp(scope: Construct, context: HelmBuildContext): void {
    const chart = new Chart(scope, 'coordination', { namespace: context.namespace });
    const zk = new MeshAwareDatabase(chart, 'ZooKeeper', {
      name: 'zk',
      engine: new ZooKeeperEngine({ credentials: kplus.Secret.fromSecretName(chart, 'Credentials', 'zk-credentials') }),
      replicas: this.settings.replicas,
      image: this.settings.image,
      resources: this.settings.resources,
      storage: this.settings.storage,
      storageClassName: this.settings.storageClassName,
    });
    const cache = new HeadlessStatefulService(chart, 'Cache', {
      name: 'cache',
      replicas: this.settings.cacheReplicas ?? 2,
      containers: [{
        name: 'cache',
        image: 'ghcr.io/example/cache:3.0.1',
        securityContext: { user: 10001, group: 10001 },
        resources: {
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
        },
      }],
      ports: [{ port: 7070, protocol: AppProtocol.TCP, name: 'sync' }],
    });
    cache.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(2) });
    cache.addPeerListEnv('CACHE_PEERS', '{host}:7070');
    const tier = context.choice('client.tier', ['small', 'large'], 'small', { description: 'How many clients run.' });
    const client = new kplus.Deployment(chart, 'Client', {
      metadata: { name: 'coordinator-client' },
      serviceAccount: new kplus.ServiceAccount(chart, 'ClientAccount', { metadata: { name: 'coordinator-client' }, automountToken: false }),
      automountServiceAccountToken: false,
      replicas: tier === 'large' ? 4 : 1,
      containers: [{
        name: 'client',
        image: context.value('client.image', CLIENT_IMAGE, { description: 'The client\'s image.' }),
        securityContext: { user: 10001, group: 10001 },
        envVariables: { ZOOKEEPER_CONNECT: kplus.EnvValue.fromValue(zk.workload.peerList('{host}:2181')) },
      }],
    });
    zk.allowFrom(MeshClient.workload(client));
  }
}

function helmChart(props: Partial<HelmChartProps> = {}): HelmChart {
  return new HelmChart({ name: 'coordination', version: '1.2.3', appVersion: '3.9.3', builder: new TestApp(), ...props });
}

describe('HelmChart', () => {
  const chart = helmChart();
  const files = chart.files();
  let dir: string;
  beforeAll(() => {
    dir = writeChart(files);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the chart\'s files, values and schema (snapshot)', () => {
    expect(Object.keys(files).sort()).toEqual(['Chart.yaml', 'templates/NOTES.txt', 'templates/_helpers.tpl', 'templates/coordination.yaml',
      'values.schema.json', 'values.yaml']);
    expect(files['Chart.yaml']).toMatchSnapshot();
    expect(files['values.yaml']).toMatchSnapshot();
    expect(files['values.schema.json']).toMatchSnapshot();
    expect(files['templates/_helpers.tpl']).toMatchSnapshot();
  });

  test('Chart.yaml carries the name, version and appVersion given', () => {
    expect(YAML.parse(files['Chart.yaml'])).toEqual({
      apiVersion: 'v2', name: 'coordination', description: 'coordination, built with cdk8s-stateful-mesh', type: 'application', version: '1.2.3', appVersion: '3.9.3',
    });
  });

  test('values.yaml holds the defaults of each workload and of the app\'s own values, each commented', () => {
    expect(YAML.parse(files['values.yaml'])).toEqual({
      zk: { replicas: 3, image: 'docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22', resourcesPreset: 'default', persistence: { size: '8Gi', storageClass: '' } },
      cache: { replicas: 2, image: 'ghcr.io/example/cache:3.0.1', resourcesPreset: 'default', persistence: { size: '2Gi', storageClass: '' } },
      client: { tier: 'small', image: CLIENT_IMAGE },
    });
    const text = files['values.yaml'];
    expect(text).toContain('# zk: the zookeeper database \'zk\' (MeshAwareDatabase coordination/ZooKeeper), in the release namespace.\nzk:\n');
    expect(text).toContain('  # Pods: one of 1, 2, 3, 5.');
    expect(text).toContain('  # The image, pinned by a tag or a sha256 digest');
    expect(text).toContain('  #   large: requests 1000m CPU, 2048Mi memory; limits 1500m CPU, 3072Mi memory\n');
    // ZooKeeper needs a memory limit of at least 512Mi
    expect(text).toContain('  # Not offered (the app refuses them): nano, micro.\n');
    expect(text).toContain('  # How many clients run.\n  # One of: small, large.\n  tier: small\n');
  });

  test('values.schema.json types every value: replicas integer >= 1 in the allowed set, image pinned, quantities, presets', () => {
    const schema = JSON.parse(files['values.schema.json']);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    const zk = schema.properties.zk.properties;
    expect(zk.replicas).toMatchObject({ type: 'integer', minimum: 1, enum: [1, 3, 5] });
    expect(zk.image).toMatchObject({ type: 'string', not: { pattern: ':latest$' } });
    expect(zk.resourcesPreset.enum).toEqual(['default', 'small', 'medium', 'large', 'xlarge', '2xlarge']);
    expect(zk.persistence.properties.size.pattern).toBeDefined();
    expect(schema.properties.cache.properties.replicas.enum).toEqual([1, 2, 3, 5]);
    expect(schema.properties.cache.properties.resourcesPreset.enum).toContain('nano');
    expect(schema.properties.client.properties.tier).toEqual({ type: 'string', enum: ['small', 'large'], description: 'How many clients run.' });
  });

  test('the templates follow the release namespace and hold no placeholder', () => {
    const template = files['templates/coordination.yaml'];
    expect(template).toContain('namespace: {{ include "coordination.namespace" . }}\n');
    expect(template).toContain('zk-0.zk-headless.{{ .Release.Namespace }}.svc.cluster.local');
    expect(template).toContain('image: {{ include "coordination.scalar" .Values.zk.image }}\n');
    expect(template).toContain('{{- if eq (int .Values.zk.replicas) 1 }}\n');
    expect(template).not.toMatch(/zz[0-9]+[a-z]+1zz|yy[0-9]+[a-z]+2yy|helm-value\.invalid|98765[0-9]Gi/);
  });

  // each row: the settings of the direct build, and the same as values (GIVEN one app, THEN both render the same bytes)
  test.each([
    ['the defaults', {}, {}, {}],
    ['5 ZooKeeper pods', { replicas: 5 }, { zk: { replicas: 5 } }, {}],
    ['1 ZooKeeper pod and 5 cache pods', { replicas: 1, cacheReplicas: 5 }, { zk: { replicas: 1 }, cache: { replicas: 5 } }, {}],
    ['the medium preset', { resources: HelmResourcePreset.MEDIUM.resources }, { zk: { resourcesPreset: 'medium' } }, {}],
    ['an image, a size and a storage class', { image: 'registry.example.com/zookeeper:3.9.4', storage: Size.gibibytes(50), storageClassName: 'fast-ssd' },
      { zk: { image: 'registry.example.com/zookeeper:3.9.4', persistence: { size: '50Gi', storageClass: 'fast-ssd' } } }, {}],
    ['a size in MiB and a storage class that YAML would read as a boolean', { storage: Size.mebibytes(1536), storageClassName: 'yes' },
      { zk: { persistence: { size: '1536Mi', storageClass: 'yes' } } }, {}],
    ['everything at once, and the app\'s own values', {
      replicas: 5,
      resources: HelmResourcePreset.XLARGE.resources,
      image: 'registry.example.com/zookeeper@sha256:' + 'a'.repeat(64),
      storage: Size.tebibytes(1),
      storageClassName: 'gp3',
    }, {
      zk: { replicas: 5, resourcesPreset: 'xlarge', image: 'registry.example.com/zookeeper@sha256:' + 'a'.repeat(64), persistence: { size: '1Ti', storageClass: 'gp3' } },
      client: { tier: 'large', image: 'ghcr.io/example/coordinator-client:2.0.0' },
    }, { 'client.tier': 'large', 'client.image': 'ghcr.io/example/coordinator-client:2.0.0' }],
  ] as Array<[string, Settings, any, Record<string, string>]>)('with %s, it renders what the app writes when built with those props', (_, settings, values, own) => {
    for (const namespace of ['apps', 'true', '2024-01-01']) {
      const rendered = helmTemplate(dir, { namespace, valuesFiles: [values] });
      const plain = plainSynthesis(app => new TestApp(settings).buildApp(app, HelmBuildContext.plain(namespace, own)), namespace);
      expect(rendered.manifests).toEqual(plain);
      expect(chart.manifestsFor({ namespace, values })).toEqual(plain);
      if (namespace === 'apps') {
        const objects = objectsOf(rendered.manifests);
        expectWorkingRelease(objects);
        expect(podAddressesIn(objects, namespace)).toBeGreaterThan(0);
      }
    }
  });

  test('a namespace that YAML would read as another type is written quoted, as cdk8s writes it', () => {
    const rendered = helmTemplate(dir, { namespace: '123' }).manifests['templates/coordination.yaml'];
    expect(rendered).toContain('  namespace: "123"\n');
    expect(rendered).toContain('zk-0.zk-headless.123.svc.cluster.local');
  });

  test('a pinned namespace stays pinned, and NOTES names it', () => {
    const pinned = helmChart({
      builder: {
        buildApp: (scope, context) => {
          new TestApp().buildApp(scope, context);
          new kplus.ServiceAccount(new Chart(scope, 'monitoring', { namespace: 'monitoring' }), 'Scraper', { metadata: { name: 'scraper' } });
        },
      },
    });
    const pinnedDir = writeChart(pinned.files());
    try {
      const rendered = helmTemplate(pinnedDir, { namespace: 'apps' });
      expect(rendered.manifests['templates/monitoring.yaml']).toContain('namespace: monitoring\n');
      expect(rendered.notes).toContain('Objects in namespaces the app pins (they do not follow the release): monitoring.');
    } finally {
      fs.rmSync(pinnedDir, { recursive: true, force: true });
    }
  });

  test('the release namespace\'s own Namespace object is left to Helm, and NOTES tells how to label it', () => {
    const labelled = helmChart({
      builder: {
        buildApp: (scope, context) => {
          new TestApp().buildApp(scope, context);
          const chartScope = scope.node.findChild('coordination') as Chart;
          new kplus.Namespace(chartScope, 'Namespace', { metadata: { name: context.namespace, labels: { 'istio-injection': 'enabled' } } });
        },
      },
    });
    expect(labelled.files()['templates/coordination.yaml']).not.toContain('kind: Namespace');
    expect(labelled.files()['templates/NOTES.txt']).toContain('kubectl label namespace {{ .Release.Namespace }} istio-injection=enabled --overwrite');
  });

  test('a value outside the allowed ones fails in the template too, when the schema is skipped (validateValues in NOTES.txt)', () => {
    expect(files['templates/_helpers.tpl']).toContain('{{- if not (has (int .Values.zk.replicas) (list 1 3 5)) }}{{ fail "zk.replicas must be one of 1, 3, 5" }}{{ end }}');
    expect(files['templates/NOTES.txt'].startsWith('{{- include "coordination.validateValues" . -}}\n')).toBe(true);
  });

  test('a workload can keep its settings, take its own choices and another key', () => {
    const custom = helmChart({
      workloads: [
        { name: 'cache', values: false },
        {
          name: 'zk',
          valuesKey: 'zookeeper',
          replicaChoices: [3, 5],
          resourcePresets: [HelmResourcePreset.LARGE, HelmResourcePreset.custom('huge', {
            cpu: { request: kplus.Cpu.units(4), limit: kplus.Cpu.units(8) }, memory: { request: Size.gibibytes(16), limit: Size.gibibytes(24) },
          })],
        },
      ],
    });
    const values = YAML.parse(custom.files()['values.yaml']);
    expect(Object.keys(values)).toEqual(['zookeeper', 'client']);
    const schema = JSON.parse(custom.files()['values.schema.json']);
    expect(schema.properties.zookeeper.properties.replicas.enum).toEqual([3, 5]);
    expect(schema.properties.zookeeper.properties.resourcesPreset.enum).toEqual(['default', 'large', 'huge']);
    expect(custom.manifestsFor({ namespace: 'apps', values: { zookeeper: { resourcesPreset: 'huge' } } })['templates/coordination.yaml'])
      .toContain('memory: 24576Mi');
  });
});

describe('HelmChart fails', () => {
  test.each([
    ['when the chart name is no DNS label', { name: 'Coordination' }, 'HelmChart: chart name \'Coordination\' is not valid'],
    ['when the version is not SemVer', { version: '1.2' }, 'version \'1.2\' is not SemVer 2'],
    ['when appVersion is empty', { appVersion: ' ' }, 'appVersion is empty'],
    ['when a replica choice is no number of pods', { replicaChoices: [0, 3] }, 'replica choice 0 is not a whole number of at least 1'],
  ] as Array<[string, Partial<HelmChartProps>, string]>)('%s', (_, props, message) => {
    expect(() => helmChart(props)).toThrow(message);
  });

  test('when workloads names a workload the app does not build', () => {
    expect(() => helmChart({ workloads: [{ name: 'kafka' }] }).files()).toThrow('workloads names \'kafka\', which the app does not build (it builds: zk, cache)');
  });

  test('when two workloads get the same values key', () => {
    expect(() => helmChart({ workloads: [{ name: 'cache', valuesKey: 'zk' }] }).files()).toThrow('both get the values key \'zk\'');
  });

  test('when a number of pods the user lists is refused by the engine', () => {
    const mongo = helmChart({
      builder: {
        buildApp: (scope, context) => {
          const c = new Chart(scope, 'db', { namespace: context.namespace });
          new MeshAwareDatabase(c, 'Mongo', { name: 'mongo', engine: new MongoDbReplicaSetEngine({ credentials: kplus.Secret.fromSecretName(c, 'C', 'mongo') }) });
        },
      },
      workloads: [{ name: 'mongo', replicaChoices: [3, 9] }],
    });
    expect(() => mongo.files()).toThrow('HelmChart coordination: value mongo.replicas 9 does not build');
  });

  test('when the app computes something from a value instead of writing it verbatim', () => {
    const computing = helmChart({
      builder: {
        buildApp: (scope, context) => {
          const c = new Chart(scope, 'app', { namespace: context.namespace });
          const tag = context.value('tag', 'v1');
          new kplus.ConfigMap(c, 'Config', { data: { length: String(tag.length) } });
        },
      },
    });
    expect(() => computing.files()).toThrow('a value is not used verbatim');
  });

  test('when the app writes a placeholder of the chart, also beside a value of its own named namespace', () => {
    for (const key of ['tag', 'namespace']) {
      const clashing = helmChart({
        builder: {
          buildApp: (scope, context) => {
            const c = new Chart(scope, 'app', { namespace: context.namespace });
            new kplus.ConfigMap(c, 'Config', { data: { value: context.value(key, 'v1'), other: 'zz1value1zz' } });
          },
        },
      });
      expect(() => clashing.files()).toThrow('the app writes \'zz1value1zz\', a placeholder of the chart; rename it');
    }
  });

  test('to write into a directory that holds files but no chart', () => {
    const dir = writeChart({ 'notes.txt': 'mine' });
    try {
      expect(() => helmChart().synth(dir)).toThrow('holds files but no Chart.yaml, so it is not a chart\'s directory and is left alone');
      expect(fs.readFileSync(`${dir}/notes.txt`, 'utf8')).toBe('mine');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when the app does not build', () => {
    const broken = helmChart({ builder: { buildApp: () => { throw new Error('no app here'); } } });
    expect(() => broken.files()).toThrow('HelmChart coordination: the app does not build: no app here');
  });

  test('when a release asks for a value the chart does not allow', () => {
    const chart = helmChart();
    expect(() => chart.manifestsFor({ namespace: 'apps', values: { zk: { replicas: 2 } } })).toThrow('value zk.replicas 2 is not allowed; allowed: 1, 3, 5');
    expect(() => chart.manifestsFor({ namespace: 'apps', values: { zk: { image: 'zookeeper:latest' } } })).toThrow('value zk.image "zookeeper:latest" matches :latest$, which is refused');
    expect(() => chart.manifestsFor({ namespace: 'apps', values: { kafka: {} } })).toThrow('value kafka is not a value of the chart');
  });

  test('when a value of the app\'s own is declared badly', () => {
    const context = HelmBuildContext.plain('apps');
    expect(() => context.value('Client-Image', 'x:1')).toThrow('value key \'Client-Image\' is not valid');
    expect(() => context.value('image', 'has space')).toThrow('default \'has space\' does not match its pattern');
    expect(() => context.choice('tier', ['a', 'b'], 'c')).toThrow('default \'c\' is not one of its choices (a, b)');
    expect(() => context.choice('tier', ['a', 'a'], 'a')).toThrow('must be distinct');
    expect(() => HelmBuildContext.plain('apps', { tier: 'z' }).choice('tier', ['a', 'b'], 'a')).toThrow('value tier \'z\' is not one of its choices');
    expect(() => HelmResourcePreset.custom('default', {})).toThrow('resource preset name \'default\' is not valid');
  });
});

describe('HelmChart with the schema', () => {
  let dir: string;
  beforeAll(() => {
    dir = writeChart(helmChart().files());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['zk.replicas=0', 'zk.replicas: Must be greater than or equal to 1'],
    ['cache.replicas=4', 'cache.replicas: cache.replicas must be one of the following: 1, 2, 3, 5'],
    ['zk.image=zookeeper:latest', 'zk.image: Must not validate the schema (not)'],
    ['zk.image=zookeeper', 'zk.image: Does not match pattern'],
    ['zk.persistence.size=1.50Gi', 'zk.persistence.size: Does not match pattern'],
    ['zk.resourcesPreset=nano', 'zk.resourcesPreset: zk.resourcesPreset must be one of the following'],
    ['client.tier=medium', 'client.tier: client.tier must be one of the following: "small", "large"'],
    ['client.image=has\\,comma', 'client.image: Does not match pattern'],
  ])('refuses --set %s', (set, message) => {
    expect(helmTemplateError(dir, { namespace: 'apps', set: [set] })).toContain(`- ${message}`);
  });

  test('and without it, the template refuses a value outside the allowed ones', () => {
    // the schema removed: the templates' own check (validateValues) still fails the release
    fs.rmSync(`${dir}/values.schema.json`);
    expect(helmTemplateError(dir, { namespace: 'apps', set: ['zk.replicas=2'] })).toContain('zk.replicas must be one of 1, 3, 5');
  });
});

describe('HelmBuildContext.plain', () => {
  test('builds the app as cdk8s synth does, with the values given or the defaults', () => {
    const app = new App({ outdir: 'unused' });
    new TestApp().buildApp(app, HelmBuildContext.plain('apps', { 'client.tier': 'large' }));
    const client = (app.node.findChild('coordination').node.findChild('Client') as kplus.Deployment);
    expect(client.replicas).toBe(4);
    expect(client.containers[0].image).toBe(CLIENT_IMAGE);
  });
});
