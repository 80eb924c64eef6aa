import { Chart, Size, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { EdgeIntent, MeshAwareDatabase, MeshClient, MeshMode, TrafficVerdict } from '../../src';
import { expectYamlAsCdk8s } from '../support/manifests';
import { PRESETS } from '../support/presets';
import { assertProperty, clientNamespace, clusterDomain, dnsLabel, expectMeshCorrect, expectTrafficAsIntended, namespaceName } from '../support/properties';

describe.each(PRESETS.map(p => [p.id, p] as const))('property: MeshAwareDatabase with %s', (_, preset) => {
  const config = fc.record({
    name: dnsLabel(30),
    namespace: namespaceName,
    clusterDomain,
    replicas: fc.constantFrom(...preset.replicas),
    mode: fc.constantFrom('sidecar', 'ambient', 'outside'),
    variant: fc.boolean(),
    storageGi: fc.integer({ min: 1, max: 500 }),
    clients: fc.array(fc.record({
      namespace: clientNamespace,
      account: fc.option(dnsLabel(20).filter(a => a !== 'default'), { nil: undefined }),
    }), { maxLength: 3 }),
  });

  test('every valid configuration is schema-valid, analyzer-clean, mTLS-consistent, its addresses resolve, its peers and clients get in, and nobody else', () => {
    assertProperty(fc.property(config, c => {
      const chart = new Chart(Testing.app(), 'prop', { namespace: c.namespace });
      const db = new MeshAwareDatabase(chart, 'Db', {
        name: c.name,
        clusterDomain: c.clusterDomain,
        replicas: c.replicas,
        image: preset.image,
        storage: Size.gibibytes(c.storageGi),
        meshMode: { sidecar: MeshMode.sidecar(), ambient: MeshMode.ambient(), outside: MeshMode.outside() }[c.mode],
        engine: preset.engine(chart, c.variant),
      });
      const clients = c.clients.map(k => k.account ? MeshClient.serviceAccount(k.account, k.namespace) : MeshClient.allInNamespace(k.namespace));
      clients.forEach(client => db.allowFrom(client));

      const manifests = Testing.synth(chart);
      expectYamlAsCdk8s(manifests);

      expectMeshCorrect(manifests, c.clusterDomain, true);

      const sts = manifests.find(m => m.kind === 'StatefulSet');
      expect(sts.spec.replicas).toBe(c.replicas);
      expect(sts.spec.serviceName).toBe(`${c.name}-headless`);
      const ingress = manifests.find(m => m.kind === 'NetworkPolicy').spec.ingress;
      // peers, one rule per client, and (ambient) the kubelet probe source: nothing else
      expect(ingress).toHaveLength(1 + clients.length + (c.mode === 'ambient' ? 1 : 0));
      const policy = manifests.find(m => m.kind === 'AuthorizationPolicy');
      if (c.mode === 'outside') {
        expect(policy).toBeUndefined();
        expect(manifests.filter(m => m.kind === 'PeerAuthentication')).toEqual([]);
      } else {
        expect(policy.spec.rules).toHaveLength(1 + clients.length);
        expect(policy.spec.rules[0].from).toEqual([{ source: { principals: [`cluster.local/ns/${c.namespace}/sa/${c.name}`] } }]);
      }

      // the traffic: peers and every admitted client get in with the TLS they must; a pod of another namespace and a
      // client outside the mesh are denied (the allow-list is real, whatever the mode)
      const edges = expectTrafficAsIntended(chart, c.clusterDomain);
      const workload = `StatefulSet ${c.namespace}/${c.name}`;
      for (const client of clients) {
        const admitted = edges.filter(e => e.destination === workload && e.intent === EdgeIntent.CLIENT && e.source.includes(client.namespace));
        expect({ client: client.namespace, admitted: admitted.length > 0 && admitted.every(e => e.verdict !== TrafficVerdict.DENIED) })
          .toEqual({ client: client.namespace, admitted: true });
      }
      for (const source of ['a pod of another namespace', 'outside the mesh']) {
        const sample = edges.filter(e => e.destination === workload && e.source === source);
        expect({ source, denied: sample.length > 0 && sample.every(e => e.verdict === TrafficVerdict.DENIED) }).toEqual({ source, denied: true });
      }
    }));
  });
});
