import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { AppProtocol, EdgeIntent, HeadlessStatefulService, MeshClient, MeshMode, MeshPolicy, MtlsMode, TrafficVerdict } from '../../src';
import { expectYamlAsCdk8s } from '../support/manifests';
import { assertProperty, clientNamespace, clusterDomain, dnsLabel, expectMeshCorrect, expectTrafficAsIntended, namespaceName } from '../support/properties';

const RESERVED = [15000, 15001, 15002, 15004, 15006, 15008, 15020, 15021, 15053, 15090];
const TCP_PROTOCOLS = AppProtocol.all().filter(p => p.transport === 'TCP');

const port = fc.record({
  port: fc.integer({ min: 1, max: 65535 }).filter(p => !RESERVED.includes(p)),
  protocol: fc.constantFrom(...AppProtocol.all()),
  // a bare purpose: never a word Istio reads as a protocol
  purpose: fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/).filter(p => AppProtocol.fromPortName(p) === undefined),
});

const config = fc.record({
  name: dnsLabel(30),
  namespace: namespaceName,
  clusterDomain,
  replicas: fc.integer({ min: 1, max: 7 }),
  ports: fc.uniqueArray(port, { minLength: 1, maxLength: 4, selector: p => p.port })
    .filter(ports => new Set(ports.map(p => p.purpose)).size === ports.length),
  mode: fc.constantFrom('none', 'sidecar', 'ambient', 'outside'),
  holdApplication: fc.boolean(),
  excludeFirstPort: fc.boolean(),
  permissiveLastPort: fc.boolean(),
  waypoint: fc.option(dnsLabel(20), { nil: undefined }),
  clientServices: fc.integer({ min: 0, max: 2 }),
  peerTemplate: fc.constantFrom('{host}', '{pod}=http://{host}:2380', '{ordinal}@{host}:9093', '{host}:2888:3888::{id}'),
  clients: fc.array(fc.record({ namespace: clientNamespace, account: fc.option(dnsLabel(20).filter(a => a !== 'default'), { nil: undefined }) }), { maxLength: 3 }),
});

type Config = typeof config extends fc.Arbitrary<infer T> ? T : never;

function build(c: Config): Chart {
  const chart = new Chart(Testing.app(), 'prop', { namespace: c.namespace });
  const tcpPorts = c.ports.filter(p => TCP_PROTOCOLS.includes(p.protocol));
  const excluded = c.mode === 'sidecar' && c.excludeFirstPort && tcpPorts.length > 1 ? [tcpPorts[0].port] : [];
  const meshMode = {
    none: undefined,
    sidecar: MeshMode.sidecar({ holdApplicationUntilProxyStarts: c.holdApplication, excludeInboundPorts: excluded }),
    ambient: MeshMode.ambient({ waypoint: c.waypoint }),
    outside: MeshMode.outside(),
  }[c.mode];
  const hss = new HeadlessStatefulService(chart, 'Workload', {
    name: c.name,
    clusterDomain: c.clusterDomain,
    replicas: c.replicas,
    meshMode,
    serviceAccount: new kplus.ServiceAccount(chart, 'Account', { metadata: { name: `${c.name}-sa` } }),
    containers: [{ name: 'app', image: 'registry.example.com/app:1.0.0' }],
    ports: c.ports.map(p => ({ port: p.port, protocol: p.protocol, name: p.purpose })),
  });
  hss.addPodAddressEnv('SELF_ADDRESS', c.ports[0].port);
  hss.addPodHostEnv('SELF_HOST');
  hss.addPeerListEnv('PEERS', c.peerTemplate);
  for (let i = 0; i < c.clientServices; i++) {
    hss.addClientService(`Client${i}`, { name: `${c.name}-c${i}`, ports: c.ports.slice(0, i + 1).map(p => p.port) });
  }
  if (meshMode) {
    const permissive = meshMode.inMesh && c.permissiveLastPort && c.ports.length > 1 && !excluded.includes(c.ports[c.ports.length - 1].port)
      ? [{ port: c.ports[c.ports.length - 1].port, mode: MtlsMode.PERMISSIVE }] : [];
    const policy = new MeshPolicy(chart, 'Policy', { workload: hss, portLevelMtls: permissive });
    for (const client of c.clients) {
      policy.allowFrom(client.account ? MeshClient.serviceAccount(client.account, client.namespace) : MeshClient.allInNamespace(client.namespace));
    }
  }
  return chart;
}

describe('property: HeadlessStatefulService', () => {
  test('every valid configuration synthesises schema-valid, analyzer-clean manifests whose addresses all resolve to its own headless Service, and whose traffic is what it intends', () => {
    assertProperty(fc.property(config, c => {
      const chart = build(c);
      const manifests = Testing.synth(chart);
      expectYamlAsCdk8s(manifests);
      expectMeshCorrect(manifests, c.clusterDomain, c.mode !== 'none');
      const sts = manifests.find(m => m.kind === 'StatefulSet');
      const env = Object.fromEntries(sts.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      const headless = `${c.name}-headless.${c.namespace}.svc.${c.clusterDomain}`;
      expect(env.SELF_HOST).toBe(`$(POD_NAME).${headless}`);
      expect(env.SELF_ADDRESS).toBe(`$(POD_NAME).${headless}:${c.ports[0].port}`);
      expect(env.PEERS.split(',')).toHaveLength(c.replicas);
      for (let i = 0; i < c.replicas; i++) {
        expect(env.PEERS).toContain(`${c.name}-${i}.${headless}`);
      }

      // the traffic: every peer reaches every peer on every port, each MeshPolicy client gets in, and with a policy
      // nobody else does (whatever the ports' modes, exclusions and waypoint)
      const edges = expectTrafficAsIntended(chart, c.clusterDomain);
      const workload = `StatefulSet ${c.namespace}/${c.name}`;
      const peerPorts = new Set(edges.filter(e => e.destination === workload && e.intent === EdgeIntent.PEER).map(e => e.port));
      expect([...peerPorts].sort((a, b) => a - b)).toEqual(c.ports.map(p => p.port).sort((a, b) => a - b));
      if (c.mode !== 'none') {
        for (const client of c.clients) {
          const admitted = edges.filter(e => e.destination === workload && e.intent === EdgeIntent.CLIENT && e.source.includes(client.namespace));
          expect({ client: client.namespace, admitted: admitted.length > 0 && admitted.every(e => e.verdict !== TrafficVerdict.DENIED) })
            .toEqual({ client: client.namespace, admitted: true });
        }
        const strangers = edges.filter(e => e.destination === workload && e.source === 'a pod of another namespace');
        expect(strangers.length > 0 && strangers.every(e => e.verdict === TrafficVerdict.DENIED)).toBe(true);
      }
    }));
  });
});
