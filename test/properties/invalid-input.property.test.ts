import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import {
  AppProtocol, DisruptionBudget, HeadlessStatefulService, HeadlessStatefulServiceProps, MeshAwareDatabase, MeshMode, MeshPolicy, MtlsMode,
} from '../../src';
import { PRESETS } from '../support/presets';
import { assertProperty } from '../support/properties';

const RESERVED = [15000, 15001, 15002, 15004, 15006, 15008, 15020, 15021, 15053, 15090];
const IMAGE = 'registry.example.com/app:1.0.0';

/** One way to break a valid HeadlessStatefulService configuration (and mesh policy), with generated bad values. */
const breakage: fc.Arbitrary<{ kind: string; apply: (chart: Chart) => void }> = fc.oneof(
  fc.oneof(
    fc.stringMatching(/^[A-Z][a-zA-Z]{0,10}$/),
    fc.stringMatching(/^[0-9][a-z0-9]{0,10}$/),
    fc.stringMatching(/^[a-z]{1,5}_[a-z]{1,5}$/),
    fc.stringMatching(/^[a-z]{53,60}$/),
  ).map(name => ({ kind: `name ${name}`, apply: (c: Chart) => build(c, { name }) })),
  fc.constantFrom(...RESERVED).map(port => ({ kind: `reserved port ${port}`, apply: (c: Chart) => build(c, { ports: [{ port }] }) })),
  fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ min: 1.01, max: 65534, noInteger: true }))
    .map(port => ({ kind: `port ${port}`, apply: (c: Chart) => build(c, { ports: [{ port }] }) })),
  fc.oneof(fc.integer({ max: 0 }), fc.double({ min: 0.01, max: 9.99, noInteger: true }))
    .map(replicas => ({ kind: `replicas ${replicas}`, apply: (c: Chart) => build(c, { replicas }) })),
  fc.integer({ min: 1, max: 65535 }).filter(p => !RESERVED.includes(p))
    .map(port => ({ kind: `duplicate port ${port}`, apply: (c: Chart) => build(c, { ports: [{ port }, { port, name: 'again' }] }) })),
  fc.tuple(fc.constantFrom(...AppProtocol.all()), fc.constantFrom('tcp', 'http', 'grpc', 'redis', 'mongo', 'mysql', 'tls', 'https', 'http2'))
    .filter(([protocol, prefix]) => AppProtocol.fromPortName(prefix)!.portNamePrefix !== protocol.portNamePrefix)
    .map(([protocol, prefix]) => ({
      kind: `${prefix} on a ${protocol.value} port`,
      apply: (c: Chart) => build(c, { ports: [{ port: 7000, protocol, name: `${prefix}-x` }] }),
    })),
  fc.boolean().map(onPod => ({
    kind: `uid 1337 on the ${onPod ? 'pod' : 'container'}`,
    apply: (c: Chart) => build(c, onPod ? { securityContext: { user: 1337 } } : { containers: [{ name: 'app', image: IMAGE, securityContext: { user: 1337 } }] }),
  })),
  fc.oneof(fc.stringMatching(/^[A-Z][a-z]{0,8}$/), fc.stringMatching(/^[a-z]{1,4}_[a-z]{1,4}$/), fc.stringMatching(/^[a-z]{64,70}$/))
    .map(namespace => ({ kind: `namespace ${namespace}`, apply: (c: Chart) => build(c, { namespace }) })),
  fc.constantFrom('cluster..local', 'Cluster.Local', 'cluster.local.', '-cluster.local', 'a'.repeat(64) + '.local')
    .map(clusterDomain => ({ kind: `cluster domain ${clusterDomain}`, apply: (c: Chart) => build(c, { clusterDomain }) })),
  fc.integer({ min: 1, max: 5 }).map(replicas => ({
    kind: `minAvailable ${replicas} of ${replicas}`, apply: (c: Chart) => build(c, { replicas, disruptionBudget: DisruptionBudget.minAvailable(replicas) }),
  })),
  fc.constantFrom(MtlsMode.PERMISSIVE, MtlsMode.DISABLE, MtlsMode.STRICT).map(mode => ({
    kind: `port mode ${mode} for pods outside the mesh`,
    apply: (c: Chart) => new MeshPolicy(c, 'Policy', { workload: build(c, { meshMode: MeshMode.outside() }), portLevelMtls: [{ port: 5432, mode }] }),
  })),
  fc.constant({ kind: 'DISABLE in ambient mode', apply: (c: Chart) => new MeshPolicy(c, 'Policy', { workload: build(c, { meshMode: MeshMode.ambient() }), mode: MtlsMode.DISABLE }) }),
  fc.constant({ kind: 'an undeclared container port', apply: (c: Chart) => build(c).statefulSet.addContainer({ name: 'extra', image: IMAGE, portNumber: 9100 }) }),
  fc.tuple(fc.constantFrom(...PRESETS), fc.integer({ min: -3, max: 20 }))
    .filter(([preset, n]) => !preset.replicas.includes(n) && isRefused(preset.id, n))
    .map(([preset, replicas]) => ({
      kind: `${preset.id} with ${replicas} replicas`,
      apply: (c: Chart) => new MeshAwareDatabase(c, 'Db', { replicas, image: preset.image, engine: preset.engine(c, false) }),
    })),
);

/** Replica counts each preset refuses (others, like 2 for etcd, are allowed and merely documented as weaker). */
function isRefused(id: string, n: number): boolean {
  switch (id) {
    case 'redis-cluster': return n < 6 || n % 2 !== 0;
    case 'redis-sentinel': return n < 3;
    case 'mongodb-replica-set': return n < 1 || n > 7;
    case 'zookeeper': return n < 1 || n > 255;
    default: return n < 1;
  }
}

function build(c: Chart, props: HeadlessStatefulServiceProps = {}): HeadlessStatefulService {
  return new HeadlessStatefulService(c, 'Workload', {
    serviceAccount: new kplus.ServiceAccount(c, 'Account', { metadata: { name: 'app' } }),
    containers: [{ name: 'app', image: IMAGE }],
    ports: [{ port: 5432, name: 'postgresql' }],
    ...props,
  });
}

describe('property: invalid input', () => {
  test('the generator reaches every kind of breakage', () => {
    const kinds = new Set(fc.sample(breakage, { numRuns: 2000, seed: 1 }).map(b => b.kind.replace(/ [^ ]*$/, '').split(' ')[0]));
    expect(kinds.size).toBeGreaterThanOrEqual(12);
  });

  test('every generated invalid input is refused at construction or synthesis, with an error naming the construct, never a silent manifest', () => {
    assertProperty(fc.property(breakage, ({ apply }) => {
      const chart = new Chart(Testing.app(), 'prop', { namespace: 'ns' });
      let error: unknown;
      try {
        apply(chart);
        Testing.synth(chart);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TypeError);
      const message = (error as Error).message;
      expect(message).toMatch(/(^prop\/|\[prop\/)/);
    }));
  });
});
