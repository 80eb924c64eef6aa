/**
 * npx projen bench [-- --n 1000 --runs 7]
 *
 * Builds N HeadlessStatefulServices and, in the same process, two baselines:
 * - raw cdk8s ApiObjects written by hand, producing the *identical* manifests (checked before timing);
 * - the equivalent objects built with plain cdk8s-plus (StatefulSet, Services, PDB), which HeadlessStatefulService
 *   is built on: the floor of any construct on cdk8s-plus.
 * Reports the median time of construction, synthesis to JSON and YAML serialisation (a forced GC before each
 * phase when node runs with --expose-gc), and the ratios. Figures are ratios against baselines measured in the
 * same run, never absolute thresholds.
 */
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppProtocol, HeadlessStatefulService, MeshAwareDatabase, MeshClient, PostgresPatroniEngine } from '../src';

const NAMESPACE = 'bench';
const IMAGE = 'registry.example.com/postgres:16.4';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** N HeadlessStatefulServices, each with two ports, Patroni-style connect addresses and a client Service. */
export function constructs(n: number): Chart {
  const chart = new Chart(new App(), 'bench', { namespace: NAMESPACE });
  for (let i = 0; i < n; i++) {
    const db = new HeadlessStatefulService(chart, `Db${i}`, {
      name: `db-${i}`,
      replicas: 3,
      containers: [{ name: 'postgres', image: IMAGE }],
      ports: [{ port: 5432, name: 'postgresql' }, { port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' }],
    });
    db.addPodAddressEnv('PATRONI_POSTGRESQL_CONNECT_ADDRESS', 5432);
    db.addPodAddressEnv('PATRONI_RESTAPI_CONNECT_ADDRESS', 8008);
    db.addClientService('Client', { ports: [5432] });
  }
  return chart;
}

/** The same manifests, written out by hand as raw ApiObjects. */
export function raw(n: number): Chart {
  const chart = new Chart(new App(), 'bench', { namespace: NAMESPACE });
  for (let i = 0; i < n; i++) {
    const name = `db-${i}`;
    const labels = { 'app.kubernetes.io/name': name };
    const headless = `${name}-headless`;
    const servicePort = (port: number, portName: string, appProtocol: string) =>
      ({ appProtocol, name: portName, port, protocol: 'TCP', targetPort: portName });
    new ApiObject(chart, `${name}-hl`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels, name: headless, namespace: NAMESPACE },
      spec: {
        clusterIP: 'None',
        ports: [servicePort(5432, 'tcp-postgresql', 'tcp'), servicePort(8008, 'http-patroni', 'http')],
        publishNotReadyAddresses: true,
        selector: labels,
        type: 'ClusterIP',
      },
    });
    new ApiObject(chart, `${name}-sts`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { labels, name, namespace: NAMESPACE },
      spec: {
        minReadySeconds: 0,
        podManagementPolicy: 'OrderedReady',
        replicas: 3,
        selector: { matchLabels: labels },
        serviceName: headless,
        template: {
          metadata: { labels: { ...labels, 'cdk8s.io/metadata.addr': undefined } },
          spec: {
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }, weight: 1 }] } },
            automountServiceAccountToken: false,
            containers: [{
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: `$(POD_NAME).${headless}.${NAMESPACE}.svc.cluster.local:5432` },
                { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: `$(POD_NAME).${headless}.${NAMESPACE}.svc.cluster.local:8008` },
              ],
              image: IMAGE,
              imagePullPolicy: 'Always',
              name: 'postgres',
              ports: [{ containerPort: 5432, name: 'tcp-postgresql', protocol: 'TCP' }, { containerPort: 8008, name: 'http-patroni', protocol: 'TCP' }],
              resources: { limits: { cpu: '1500m', memory: '2048Mi' }, requests: { cpu: '1000m', memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
            }],
            dnsPolicy: 'ClusterFirst',
            hostNetwork: false,
            restartPolicy: 'Always',
            securityContext: { fsGroupChangePolicy: 'Always', runAsNonRoot: true },
            setHostnameAsFQDN: false,
            terminationGracePeriodSeconds: 30,
          },
        },
        updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
      },
    });
    new ApiObject(chart, `${name}-pdb`, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { labels, name, namespace: NAMESPACE },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    });
    new ApiObject(chart, `${name}-client`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels, name, namespace: NAMESPACE },
      spec: { ports: [servicePort(5432, 'tcp-postgresql', 'tcp')], selector: labels, type: 'ClusterIP' },
    });
  }
  return chart;
}

/** N MeshAwareDatabases (Patroni, 3 pods, sidecar mode, one admitted client): 16 objects each, full policy set. */
export function databases(n: number): Chart {
  const chart = new Chart(new App(), 'bench', { namespace: NAMESPACE });
  const credentials = kplus.Secret.fromSecretName(chart, 'Credentials', 'pg-credentials');
  const client = MeshClient.serviceAccount('orders', 'shop');
  for (let i = 0; i < n; i++) {
    const db = new MeshAwareDatabase(chart, `Pg${i}`, {
      name: `pg-${i}`,
      image: 'registry.example.com/patroni:4.0.6',
      engine: new PostgresPatroniEngine({ credentials }),
    });
    db.allowFrom(client);
  }
  return chart;
}

/**
 * The same manifests as `databases(n)`, as raw ApiObjects. The literal objects are prepared before timing starts
 * (as if written by hand), so the baseline measures only what cdk8s itself costs for them.
 */
export function rawFrom(manifests: any[]): (n: number) => Chart {
  const literals = manifests.map(m => JSON.parse(JSON.stringify(m)));
  return () => {
    const chart = new Chart(new App(), 'bench', { namespace: NAMESPACE });
    literals.forEach((m, i) => new ApiObject(chart, `o${i}`, m));
    return chart;
  };
}

/** Equivalent objects from plain cdk8s-plus: what a hand-written cdk8s-plus app builds (not byte-identical). */
export function plainKplus(n: number): Chart {
  const chart = new Chart(new App(), 'bench', { namespace: NAMESPACE });
  for (let i = 0; i < n; i++) {
    const name = `db-${i}`;
    const headless = new kplus.Service(chart, `Headless${i}`, {
      metadata: { name: `${name}-headless` },
      clusterIP: 'None',
      ports: [{ port: 5432, name: 'tcp-postgresql' }, { port: 8008, name: 'http-patroni' }],
    });
    const sts = new kplus.StatefulSet(chart, `Db${i}`, {
      metadata: { name },
      service: headless,
      replicas: 3,
      containers: [{
        name: 'postgres',
        image: IMAGE,
        ports: [{ number: 5432, name: 'tcp-postgresql' }, { number: 8008, name: 'http-patroni' }],
        envVariables: {
          POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          PATRONI_POSTGRESQL_CONNECT_ADDRESS: kplus.EnvValue.fromValue(`$(POD_NAME).${name}-headless.${NAMESPACE}.svc.cluster.local:5432`),
          PATRONI_RESTAPI_CONNECT_ADDRESS: kplus.EnvValue.fromValue(`$(POD_NAME).${name}-headless.${NAMESPACE}.svc.cluster.local:8008`),
        },
      }],
    });
    sts.scheduling.spread({ topology: kplus.Topology.HOSTNAME, weight: 1 });
    new kplus.k8s.KubePodDisruptionBudget(chart, `Pdb${i}`, {
      metadata: { name },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: sts.matchLabels } },
    });
    new kplus.Service(chart, `Client${i}`, { metadata: { name }, selector: sts, ports: [{ port: 5432, name: 'tcp-postgresql' }] });
  }
  return chart;
}

/** The construct-path hash in cdk8s-plus' pod address label differs by construction; compare without it. */
function comparable(manifests: any[]): string {
  return JSON.stringify(manifests, (key, value) => key === 'cdk8s.io/metadata.addr' ? undefined : value);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export interface Timing {
  readonly construct: number;
  readonly synth: number;
  readonly yaml: number;
}

const gc: () => void = (global as any).gc ?? (() => undefined);

/** One run: construct, synthesise to JSON, serialise to YAML; a GC before each phase keeps garbage out of the next. */
function once(make: (n: number) => Chart, n: number): Timing {
  gc();
  const t0 = performance.now();
  const chart = make(n);
  const t1 = performance.now();
  gc();
  const t2 = performance.now();
  const manifests = chart.toJson();
  const t3 = performance.now();
  gc();
  const t4 = performance.now();
  Yaml.stringify(...manifests);
  const t5 = performance.now();
  return { construct: t1 - t0, synth: t3 - t2, yaml: t5 - t4 };
}

/** Median of each phase over `runs` rounds; the builders take turns within a round, after one warm-up round. */
export function measure(builders: Array<(n: number) => Chart>, n: number, runs: number): Timing[] {
  const samples: Timing[][] = builders.map(() => []);
  for (let round = 0; round <= runs; round++) {
    const order = round % 2 === 0 ? builders.map((_, i) => i) : builders.map((_, i) => builders.length - 1 - i);
    for (const i of order) {
      const t = once(builders[i], n);
      if (round > 0) {
        samples[i].push(t);
      }
    }
  }
  return samples.map(s => ({ construct: median(s.map(t => t.construct)), synth: median(s.map(t => t.synth)), yaml: median(s.map(t => t.yaml)) }));
}

const total = (t: Timing) => t.construct + t.synth + t.yaml;

function report(title: string, rows: Array<[string, Timing]>): void {
  const ms = (v: number) => `${v.toFixed(1).padStart(9)}`;
  const x = (a: number, b: number) => `${(a / b).toFixed(2).padStart(8)}x`;
  console.log(title);
  console.log('                                 construct     synth      yaml     total  (ms)');
  for (const [label, t] of rows) {
    console.log(`  ${label.padEnd(29)}${ms(t.construct)} ${ms(t.synth)} ${ms(t.yaml)} ${ms(total(t))}`);
  }
  const [base, ...others] = rows;
  for (const [label, t] of others) {
    console.log(`  ${`${label} / ${base[0]}`.padEnd(45).slice(0, 45)}${x(t.synth + t.construct, base[1].synth + base[1].construct)} `
      + `${x(t.yaml, base[1].yaml)} ${x(total(t), total(base[1]))}`);
  }
}

function main() {
  const n = arg('n', 1000);
  const runs = arg('runs', 7);
  const env = `median of ${runs} rounds, node ${process.version}${(global as any).gc ? ', GC between phases' : ''}`;

  const ours = constructs(n).toJson();
  if (comparable(ours) !== comparable(raw(n).toJson())) {
    throw new Error('bench: the raw ApiObjects do not produce the same manifests as the constructs; fix raw() before comparing times');
  }
  const [base, kplusBase, lib] = measure([raw, plainKplus, constructs], n, runs);
  report(`HeadlessStatefulService x ${n}: ${ours.length} objects (identical to the raw baseline); ${env}`,
    [['raw ApiObjects', base], ['plain cdk8s-plus (floor)', kplusBase], ['HeadlessStatefulService', lib]]);
  console.log('  target: HeadlessStatefulService <= 1.25x raw ApiObjects (total)\n');

  const dbs = databases(n).toJson();
  const rawDatabases = rawFrom(dbs);
  if (comparable(dbs) !== comparable(rawDatabases(n).toJson())) {
    throw new Error('bench: raw database manifests differ from the constructs');
  }
  const [dbBase, dbLib] = measure([rawDatabases, databases], n, runs);
  report(`MeshAwareDatabase (Patroni, 3 pods, full policy set) x ${n}: ${dbs.length} objects (identical); ${env}`,
    [['raw ApiObjects', dbBase], ['MeshAwareDatabase', dbLib]]);
  console.log('  target: MeshAwareDatabase <= 1.25x raw ApiObjects (total)');
}

if (require.main === module) {
  main();
}
