import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshAwareDatabase, MeshClient, RedisClusterEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function cluster(c = chart('ns'), options: Partial<ConstructorParameters<typeof RedisClusterEngine>[0]> = {}, replicas?: number,
  resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Cache', { replicas, resources, engine: new RedisClusterEngine({ credentials: credentials(c, 'cache-credentials'), ...options }) });
}

describe('RedisClusterEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    cluster(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('six pods started in parallel, clients on tcp-redis and the cluster bus on tcp-redis-bus', () => {
    const c = chart('ns');
    cluster(c);
    const { sts, container, manifests } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(6);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(container.image).toBe('docker.io/bitnamilegacy/redis-cluster:8.2.1-debian-12-r0');
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['tcp-redis', 6379], ['tcp-redis-bus', 16379]]);
    expect(only(manifests, 'Service', 'cache-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  test('REDIS_NODES lists every pod FQDN, space-separated; ordinal 0 creates the cluster with one replica per master', () => {
    const c = chart('ns');
    cluster(c);
    const { env, container } = synthDatabase(c);
    expect(env.REDIS_NODES).toBe([0, 1, 2, 3, 4, 5].map(i => `cache-${i}.cache-headless.ns.svc.cluster.local`).join(' '));
    expect(env.REDIS_CLUSTER_REPLICAS).toBe('1');
    expect(env.REDIS_CLUSTER_DYNAMIC_IPS).toBe('yes');
    expect(env.REDIS_PORT_NUMBER).toBe('6379');
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(container.command).toEqual(['/bin/bash', '-ec', 'if [ "${POD_NAME##*-}" = "0" ]; then export REDIS_CLUSTER_CREATOR=yes; fi\n'
      + 'exec /opt/bitnami/scripts/redis-cluster/entrypoint.sh /opt/bitnami/scripts/redis-cluster/run.sh']);
    expect(env.REDIS_CLUSTER_ANNOUNCE_HOSTNAME).toBeUndefined();
    expect(env.REDIS_CLUSTER_PREFERRED_ENDPOINT_TYPE).toBeUndefined();
  });

  test('announceHostnames: each node announces its pod FQDN and clients are sent hostnames', () => {
    const c = chart('ns');
    cluster(c, { announceHostnames: true });
    const { env, container } = synthDatabase(c);
    expect(env.REDIS_CLUSTER_ANNOUNCE_HOSTNAME).toBe('$(POD_NAME).cache-headless.ns.svc.cluster.local');
    expect(env.REDIS_CLUSTER_PREFERRED_ENDPOINT_TYPE).toBe('hostname');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('REDIS_CLUSTER_ANNOUNCE_HOSTNAME'));
  });

  test('two replicas per master: nine pods', () => {
    const c = chart('ns');
    cluster(c, { replicasPerMaster: 2 }, 9);
    expect(synthDatabase(c).env.REDIS_CLUSTER_REPLICAS).toBe('2');
  });

  test('the password only from the referenced Secret, also for redis-cli (probes, creator)', () => {
    const c = chart('ns');
    cluster(c);
    const { env, manifests } = synthDatabase(c);
    const ref = { secretKeyRef: { name: 'cache-credentials', key: 'redis-password' } };
    expect(env.REDIS_PASSWORD).toEqual(ref);
    expect(env.REDISCLI_AUTH).toEqual(ref);
    expect(all(manifests, 'Secret')).toEqual([]);
    expect(JSON.stringify(manifests)).not.toMatch(/ALLOW_EMPTY_PASSWORD/);
  });

  test('probes: ready when the cluster state is ok, alive while it answers PING', () => {
    const c = chart('ns');
    cluster(c);
    const { container } = synthDatabase(c);
    expect(container.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 cluster info | grep -q "cluster_state:ok"']);
    expect(container.livenessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG']);
    expect(container.livenessProbe).toMatchObject({ initialDelaySeconds: 20, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 5 });
  });

  test('a startup probe gives a node 10 minutes to resolve its peers before liveness can restart it', () => {
    // librediscluster.sh redis_cluster_update_ips: up to REDIS_DNS_RETRIES (120) lookups 5 s apart per node, before redis-server runs
    const c = chart('ns');
    cluster(c);
    const { container } = synthDatabase(c);
    expect(container.startupProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG']);
    expect(container.startupProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 });
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120 * 5);
  });

  test('maxmemory is 75% of the memory limit, passed to redis-server through REDIS_EXTRA_FLAGS, recomputed for overridden resources', () => {
    let c = chart('ns');
    cluster(c);
    expect(synthDatabase(c).env.REDIS_EXTRA_FLAGS).toBe('--maxmemory 768mb'); // 1Gi
    c = chart('ns');
    cluster(c, {}, undefined, { memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } });
    const { env, container } = synthDatabase(c);
    expect(container.resources.limits.memory).toBe('512Mi');
    expect(env.REDIS_EXTRA_FLAGS).toBe('--maxmemory 384mb');
  });

  test('the proxy outlives Redis: a master waits for its replicas on SIGTERM', () => {
    const c = chart('ns');
    cluster(c);
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  test('the image configuration directory is writable and seeded from the image; data on the claim', () => {
    const c = chart('ns');
    cluster(c);
    const { sts, container } = synthDatabase(c);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'scratch', mountPath: '/opt/bitnami/redis/etc', subPath: 'opt-bitnami-redis-etc' },
      { name: 'data', mountPath: '/bitnami/redis' },
    ]));
    const seed = sts.spec.template.spec.initContainers[0];
    expect(seed.name).toBe('seed-writable-dirs');
    expect(seed.image).toBe(container.image);
    expect(seed.command).toEqual(['/bin/sh', '-ec', 'cp -a /opt/bitnami/redis/etc/. /seed/opt/bitnami/redis/etc/']);
    expect(seed.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/seed/opt/bitnami/redis/etc', subPath: 'opt-bitnami-redis-etc' }]);
  });

  test('a client Service on 6379 only; peers alone reach the bus; no RBAC', () => {
    const c = chart('ns');
    const db = cluster(c);
    db.allowFrom(MeshClient.serviceAccount('api', 'shop'));
    const { manifests } = synthDatabase(c);
    expect(only(manifests, 'Service', 'cache').spec.ports.map((p: any) => p.port)).toEqual([6379]);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/ns/sa/cache'] } }], to: [{ operation: { ports: ['6379', '16379'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/api'] } }], to: [{ operation: { ports: ['6379'] } }] },
    ]);
    expect(all(manifests, 'Role')).toEqual([]);
  });

  describe('fails when', () => {
    test.each([
      [4, 1, 'replicas 4 cannot form a Redis Cluster with replicasPerMaster 1: it needs at least 3 masters with 1 replica(s) each, so a multiple of 2 pods and at least 6; use replicas: 6'],
      [7, 1, 'replicas 7 cannot form a Redis Cluster with replicasPerMaster 1: it needs at least 3 masters with 1 replica(s) each, so a multiple of 2 pods and at least 6; use replicas: 8'],
      [6, 2, 'replicas 6 cannot form a Redis Cluster with replicasPerMaster 2: it needs at least 3 masters with 2 replica(s) each, so a multiple of 3 pods and at least 9; use replicas: 9'],
      [2, 0, 'replicas 2 cannot form a Redis Cluster with replicasPerMaster 0: it needs at least 3 masters with 0 replica(s) each, so a multiple of 1 pods and at least 3; use replicas: 3'],
    ])('%i pods with %i replica(s) per master', (replicas, replicasPerMaster, message) => {
      expect(() => cluster(chart('ns'), { replicasPerMaster }, replicas)).toThrow(`test/Cache: redis-cluster: ${message}`);
    });

    test('the memory limit is below what the Bitnami chart runs Redis with', () => {
      expect(() => cluster(chart('ns'), {}, undefined, { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(100) } }))
        .toThrow(/test\/Cache: redis-cluster: memory limit 100Mi is below the engine's minimum of 192Mi .*; raise resources.memory.limit to 192Mi or more/);
    });

    test('replicasPerMaster is negative', () => {
      expect(() => new RedisClusterEngine({ credentials: credentials(chart()), replicasPerMaster: -1 }))
        .toThrow(/RedisClusterEngine: replicasPerMaster -1 is not a whole number of at least 0; use 1/);
    });
  });
});
