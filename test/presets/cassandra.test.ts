import { CassandraEngine, MeshAwareDatabase, MeshClient } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function cassandra(c = chart('ns'), options: Partial<ConstructorParameters<typeof CassandraEngine>[0]> = {}, replicas?: number) {
  return new MeshAwareDatabase(c, 'Cassandra', { replicas, engine: new CassandraEngine({ credentials: credentials(c, 'cassandra-credentials'), ...options }) });
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
