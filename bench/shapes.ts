/**
 * The apps the synthesis bench (bench/bench.ts) times: the library's constructs, the same shape hand-written with
 * cdk8s-plus-27, and raw ApiObjects rebuilt from the library's own output (equal work).
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppProtocol, HeadlessStatefulService, MeshAwareDatabase, MeshClient, PostgresPatroniEngine } from '../src';

export const NAMESPACE = 'bench';
const IMAGE = 'registry.example.com/postgres:16.4';

/** The chart every variant builds into: one chart, so `app.synth()` writes one file. */
export function benchChart(app: App): Chart {
  return new Chart(app, 'bench', { namespace: NAMESPACE });
}

/** N HeadlessStatefulServices, each with two ports, Patroni-style connect addresses and a client Service (4 objects each). */
export function headlessServices(chart: Chart, n: number): void {
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
}

/**
 * The same shape as `headlessServices(n)`, hand-written with cdk8s-plus-27 (StatefulSet, headless and client Services,
 * PodDisruptionBudget, anti-affinity, the same env): what an app written directly on cdk8s-plus builds. Its manifests
 * equal the library's except for the construct-path hash in cdk8s-plus' `cdk8s.io/metadata.addr` pod label.
 */
export function handWrittenKplus(chart: Chart, n: number): void {
  for (let i = 0; i < n; i++) {
    const name = `db-${i}`;
    const labels = { 'app.kubernetes.io/name': name };
    const pods = kplus.Pods.select(chart, `Pods${i}`, { labels });
    const headless = new kplus.Service(chart, `Headless${i}`, {
      metadata: { name: `${name}-headless`, labels },
      clusterIP: 'None',
      selector: pods,
      ports: [{ port: 5432, name: 'tcp-postgresql', protocol: kplus.Protocol.TCP }, { port: 8008, name: 'http-patroni', protocol: kplus.Protocol.TCP }],
    });
    // cdk8s-plus-27 Services have no appProtocol, named targetPort or publishNotReadyAddresses: its escape hatch
    ApiObject.of(headless).addJsonPatch(
      JsonPatch.add('/spec/publishNotReadyAddresses', true),
      ...namedPorts([['tcp-postgresql', 'tcp'], ['http-patroni', 'http']]));
    const sts = new kplus.StatefulSet(chart, `Db${i}`, {
      metadata: { name, labels },
      podMetadata: { labels },
      service: headless,
      select: false,
      replicas: 3,
      containers: [{
        name: 'postgres',
        image: IMAGE,
        ports: [{ number: 5432, name: 'tcp-postgresql', protocol: kplus.Protocol.TCP }, { number: 8008, name: 'http-patroni', protocol: kplus.Protocol.TCP }],
        envVariables: {
          POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          PATRONI_POSTGRESQL_CONNECT_ADDRESS: kplus.EnvValue.fromValue(`$(POD_NAME).${name}-headless.${NAMESPACE}.svc.cluster.local:5432`),
          PATRONI_RESTAPI_CONNECT_ADDRESS: kplus.EnvValue.fromValue(`$(POD_NAME).${name}-headless.${NAMESPACE}.svc.cluster.local:8008`),
        },
      }],
    });
    sts.select(kplus.LabelSelector.of({ labels }));
    sts.scheduling.separate(pods, { topology: kplus.Topology.HOSTNAME, weight: 1 });
    new kplus.k8s.KubePodDisruptionBudget(chart, `Pdb${i}`, {
      metadata: { name, labels },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });
    const client = new kplus.Service(chart, `Client${i}`, {
      metadata: { name, labels },
      selector: pods,
      ports: [{ port: 5432, name: 'tcp-postgresql', protocol: kplus.Protocol.TCP }],
    });
    ApiObject.of(client).addJsonPatch(...namedPorts([['tcp-postgresql', 'tcp']]));
  }
}

/** Patches that give the Service's ports an appProtocol and a target port by name (and drop the empty externalIPs). */
function namedPorts(ports: Array<[string, string]>): JsonPatch[] {
  return [JsonPatch.remove('/spec/externalIPs'), ...ports.flatMap(([name, appProtocol], i) => [
    JsonPatch.add(`/spec/ports/${i}/appProtocol`, appProtocol),
    JsonPatch.add(`/spec/ports/${i}/targetPort`, kplus.k8s.IntOrString.fromString(name)),
  ])];
}

/** N MeshAwareDatabases (Patroni, 3 pods, sidecar mode, one admitted client): 16 objects each, the full policy set. */
export function databases(chart: Chart, n: number): void {
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
}

/**
 * The library's own output, rebuilt as raw ApiObjects: exactly the same objects, so the same work for cdk8s. The literal
 * objects are given (as if written by hand); the bench parses them before it starts the clock.
 */
export function rawObjects(chart: Chart, manifests: ReadonlyArray<any>): void {
  manifests.forEach((m, i) => new ApiObject(chart, `o${i}`, m));
}
