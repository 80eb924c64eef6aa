import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CassandraEngine, MeshAwareDatabase, MeshClient, MeshMode } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function cassandra(c = chart('ns'), options: Partial<ConstructorParameters<typeof CassandraEngine>[0]> = {}, replicas?: number,
  resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Cassandra', { replicas, resources, meshMode: MeshMode.sidecar(), engine: new CassandraEngine({ credentials: credentials(c, 'cassandra-credentials'), ...options }) });
}

describe('CassandraEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    cassandra(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('three pods created one at a time; CQL, gossip, gossip over TLS and JMX declared and named', () => {
    const c = chart('ns');
    cassandra(c);
    const { sts, container, manifests } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(container.image).toBe('docker.io/bitnamilegacy/cassandra:5.0.5-debian-12-r7');
    expect(only(manifests, 'Service', 'cassandra-headless').spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['tcp-cql', 9042, 'tcp'], ['tcp-intra', 7000, 'tcp'], ['tcp-intra-tls', 7001, 'tcp'], ['tcp-jmx', 7199, 'tcp'],
    ]);
  });

  test('the first two pods are the seeds, by FQDN', () => {
    const c = chart('ns');
    cassandra(c);
    const { env } = synthDatabase(c);
    expect(env.CASSANDRA_SEEDS).toBe('cassandra-0.cassandra-headless.ns.svc.cluster.local,cassandra-1.cassandra-headless.ns.svc.cluster.local');
  });

  test('the password seeder waits only for itself, not for the other seeds', () => {
    // libcassandra.sh cassandra_initialize: the seeder waits for CQL on every CASSANDRA_PEERS entry (default: the seeds)
    // before it sets the password, 100 x 10 s; pod 1 exists only once pod 0 is ready (OrderedReady), and a timeout
    // leaves the ring on the default password for good
    const c = chart('ns');
    cassandra(c);
    const { env, container } = synthDatabase(c);
    expect(env.CASSANDRA_PEERS).toBe('cassandra-0.cassandra-headless.ns.svc.cluster.local');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('CASSANDRA_PEERS')).toBeGreaterThan(-1);
  });

  test('the heap is Cassandra\'s own rule applied to the memory limit, recomputed when resources are overridden', () => {
    // apache/cassandra conf/cassandra-env.sh: max(min(1/2, 1024 MB), min(1/4, 8192 MB)); young generation
    // min(100 MB per core, 1/4 heap)
    const heapFor = (memory: Size, cpu?: kplus.Cpu) => {
      const c = chart('ns');
      cassandra(c, {}, undefined, { memory: { request: memory, limit: memory }, cpu: cpu ? { limit: cpu } : undefined });
      const { env } = synthDatabase(c);
      return [env.MAX_HEAP_SIZE, env.HEAP_NEWSIZE];
    };
    expect(heapFor(Size.gibibytes(2))).toEqual(['1024M', '100M']);
    expect(heapFor(Size.gibibytes(3))).toEqual(['1024M', '100M']);
    expect(heapFor(Size.gibibytes(16), kplus.Cpu.units(4))).toEqual(['4096M', '400M']);
    expect(heapFor(Size.gibibytes(64), kplus.Cpu.millis(16000))).toEqual(['8192M', '1600M']);
    expect(heapFor(Size.gibibytes(8), kplus.Cpu.millis(1500))).toEqual(['2048M', '200M']);
  });

  test('the default resources give a 1024M heap in a 4Gi limit', () => {
    const c = chart('ns');
    cassandra(c);
    const { env, container } = synthDatabase(c);
    expect(container.resources.limits.memory).toBe('4096Mi');
    expect(env).toMatchObject({ MAX_HEAP_SIZE: '1024M', HEAP_NEWSIZE: '200M' });
  });

  test('seedCount never lists more seeds than pods', () => {
    const c = chart('ns');
    cassandra(c, { seedCount: 5 }, 1);
    expect(synthDatabase(c).env.CASSANDRA_SEEDS).toBe('cassandra-0.cassandra-headless.ns.svc.cluster.local');
  });

  test('cluster name, datacenter and rack, read by GossipingPropertyFileSnitch', () => {
    let c = chart('ns');
    cassandra(c);
    expect(synthDatabase(c).env).toMatchObject({
      CASSANDRA_CLUSTER_NAME: 'cassandra', CASSANDRA_DATACENTER: 'dc1', CASSANDRA_RACK: 'rack1', CASSANDRA_ENDPOINT_SNITCH: 'GossipingPropertyFileSnitch',
    });
    c = chart('ns');
    cassandra(c, { clusterName: 'Orders Ring', datacenter: 'eu-west', rack: 'zone-a' });
    expect(synthDatabase(c).env).toMatchObject({ CASSANDRA_CLUSTER_NAME: 'Orders Ring', CASSANDRA_DATACENTER: 'eu-west', CASSANDRA_RACK: 'zone-a' });
  });

  test('ordinal 0 seeds the password; every pod always gets it from the Secret', () => {
    const c = chart('ns');
    cassandra(c);
    const { env, container, manifests } = synthDatabase(c);
    expect(env.CASSANDRA_USER).toBe('cassandra');
    expect(env.CASSANDRA_PASSWORD).toEqual({ secretKeyRef: { name: 'cassandra-credentials', key: 'cassandra-password' } });
    expect(container.command).toEqual(['/bin/bash', '-ec',
      'if [ "${POD_NAME##*-}" = "0" ]; then export CASSANDRA_PASSWORD_SEEDER=yes; else export CASSANDRA_IGNORE_INITDB_SCRIPTS=1; fi\n'
      + 'exec /opt/bitnami/scripts/cassandra/entrypoint.sh /opt/bitnami/scripts/cassandra/run.sh']);
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(all(manifests, 'Secret')).toEqual([]);
    expect(JSON.stringify(manifests)).not.toMatch(/ALLOW_EMPTY_PASSWORD/);
  });

  test('nodetool probes (ready when this pod is Up/Normal), drain before stopping', () => {
    const c = chart('ns');
    cassandra(c);
    const { env, container } = synthDatabase(c);
    expect(container.readinessProbe.exec.command).toEqual(['sh', '-c', 'nodetool status | grep -E "^UN\\s+${POD_IP}\\s"']);
    expect(env.POD_IP).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(container.livenessProbe.exec.command).toEqual(['sh', '-c', 'nodetool info | grep -q "Native Transport active: true"']);
    expect(container.livenessProbe).toMatchObject({ initialDelaySeconds: 180, periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 5 });
    expect(container.lifecycle.preStop.exec.command).toEqual(['sh', '-c', 'nodetool drain']);
  });

  test('the drain reaches the ring before the proxy goes: a native sidecar, 120 s of grace', () => {
    const c = chart('ns');
    cassandra(c);
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
  });

  test('writable conf, logs, tmp and nodetool home; data on a 10Gi claim', () => {
    const c = chart('ns');
    cassandra(c);
    const { sts, container } = synthDatabase(c);
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual([
      '/opt/bitnami/cassandra/conf', '/opt/bitnami/cassandra/logs', '/opt/bitnami/cassandra/tmp', '/tmp', '/.cassandra', '/bitnami/cassandra',
    ]);
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '10Gi' } } } });
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, fsGroup: 1001 });
  });

  test('clients reach CQL through a client Service; gossip and JMX stay among peers', () => {
    const c = chart('ns');
    const db = cassandra(c);
    db.allowFrom(MeshClient.allInNamespace('analytics'));
    const { manifests } = synthDatabase(c);
    expect(only(manifests, 'Service', 'cassandra').spec.ports.map((p: any) => p.port)).toEqual([9042]);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1]).toEqual({ from: [{ source: { namespaces: ['analytics'] } }], to: [{ operation: { ports: ['9042'] } }] });
    expect(all(manifests, 'Role')).toEqual([]);
  });

  describe('fails when', () => {
    test('the memory limit is too small for the heap and what Cassandra keeps off it', () => {
      expect(() => cassandra(chart('ns'), {}, undefined, { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } }))
        .toThrow(/test\/Cassandra: cassandra: memory limit 1Gi is below the engine's minimum of 2Gi \(.*\); raise resources.memory.limit to 2Gi or more/);
    });

    test('replicas is not a whole number of pods, asked of the engine itself (the base class\'s check, with its fix)', () => {
      const engine = new CassandraEngine({ credentials: credentials(chart()) });
      expect(engine.replicasProblem(0)).toBe('replicas 0 is not a whole number of at least 1; set replicas: 1 or more');
      expect(engine.replicasProblem(2.5)).toBe('replicas 2.5 is not a whole number of at least 1; set replicas: 1 or more');
      expect(engine.replicasProblem(3)).toBeUndefined();
    });

    test('seedCount is not a positive whole number', () => {
      expect(() => new CassandraEngine({ credentials: credentials(chart()), seedCount: 0 })).toThrow(/CassandraEngine: seedCount 0 is not a whole number of at least 1; use 2/);
    });

    test('the datacenter has spaces', () => {
      expect(() => new CassandraEngine({ credentials: credentials(chart()), datacenter: 'eu west' })).toThrow(/CassandraEngine: datacenter 'eu west' must be letters/);
    });

    test('the cluster name is empty', () => {
      expect(() => new CassandraEngine({ credentials: credentials(chart()), clusterName: ' ' })).toThrow(/CassandraEngine: clusterName ' ' must be non-empty/);
    });
  });
});
