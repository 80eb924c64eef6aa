import { Duration } from 'cdk8s';
import { MeshAwareDatabase, MeshClient, MeshMode, RedisSentinelEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function redis(c = chart('ns'), options: Partial<ConstructorParameters<typeof RedisSentinelEngine>[0]> = {}, replicas?: number) {
  return new MeshAwareDatabase(c, 'Redis', { replicas, engine: new RedisSentinelEngine({ credentials: credentials(c, 'redis-credentials'), ...options }) });
}

function containers(sts: any): Record<string, any> {
  return Object.fromEntries(sts.spec.template.spec.containers.map((c: any) => [c.name, c]));
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('RedisSentinelEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    redis(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('three pods, each with Redis on tcp-redis and a Sentinel container on tcp-sentinel, both pinned Bitnami images', () => {
    const c = chart('ns');
    redis(c);
    const { sts, manifests } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(3);
    const { redis: main, sentinel } = containers(sts);
    expect(main.image).toBe('docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0');
    expect(sentinel.image).toBe('docker.io/bitnamilegacy/redis-sentinel:8.2.1-debian-12-r0');
    expect(main.ports).toEqual([{ containerPort: 6379, name: 'tcp-redis', protocol: 'TCP' }]);
    expect(sentinel.ports).toEqual([{ containerPort: 26379, name: 'tcp-sentinel', protocol: 'TCP' }]);
    expect(only(manifests, 'Service', 'redis-headless').spec.ports.map((p: any) => [p.name, p.port])).toEqual([['tcp-redis', 6379], ['tcp-sentinel', 26379]]);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
  });

  test('Redis and Sentinel announce the pod FQDN; the peers and the initial master are pod FQDNs', () => {
    const c = chart('ns');
    redis(c);
    const { sts } = synthDatabase(c);
    const { redis: main, sentinel } = containers(sts);
    const env = envOf(main);
    const sentinelEnv = envOf(sentinel);
    const peers = [0, 1, 2].map(i => `redis-${i}.redis-headless.ns.svc.cluster.local`).join(' ');
    expect(env.REDIS_ANNOUNCE_HOST).toBe('$(POD_NAME).redis-headless.ns.svc.cluster.local');
    expect(env.REDIS_PEERS).toBe(peers);
    expect(env.REDIS_INITIAL_MASTER).toBe('redis-0.redis-headless.ns.svc.cluster.local');
    expect(env.REDIS_MASTER_SET).toBe('mymaster');
    expect(env.REDIS_DATA_DIR).toBe('/bitnami/redis/data');
    expect(sentinelEnv.REDIS_SENTINEL_ANNOUNCE_IP).toBe('$(POD_NAME).redis-headless.ns.svc.cluster.local');
    expect(sentinelEnv.REDIS_PEERS).toBe(peers);
    expect(sentinelEnv.REDIS_INITIAL_MASTER).toBe('redis-0.redis-headless.ns.svc.cluster.local');
    expect(sentinelEnv).toMatchObject({ REDIS_SENTINEL_QUORUM: '2', REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS: '30000', REDIS_SENTINEL_FAILOVER_TIMEOUT: '180000' });
    for (const container of [main, sentinel]) {
      const names = container.env.map((e: any) => e.name);
      expect(names.indexOf('POD_NAME')).toBeGreaterThanOrEqual(0);
    }
  });

  test('the start scripts discover the master from the Sentinels, fall back to ordinal 0, and announce hostnames', () => {
    const c = chart('ns');
    redis(c);
    const { manifests, sts } = synthDatabase(c);
    const scripts = only(manifests, 'ConfigMap', 'redis-scripts').data;
    for (const script of [scripts['start-redis.sh'], scripts['start-sentinel.sh']]) {
      expect(script).toContain('sentinel get-master-addr-by-name "$REDIS_MASTER_SET"');
      expect(script).toContain('master="$REDIS_INITIAL_MASTER"');
      expect(script).not.toMatch(/localhost|127\.0\.0\.1/);
    }
    expect(scripts['start-redis.sh']).toContain('echo "replica-announce-ip $REDIS_ANNOUNCE_HOST"');
    expect(scripts['start-redis.sh']).toContain('echo "replicaof $master 6379"');
    expect(scripts['start-redis.sh']).toContain('echo "bind * -::*"');
    const sentinel = scripts['start-sentinel.sh'];
    expect(sentinel).toContain('echo "sentinel announce-ip $REDIS_SENTINEL_ANNOUNCE_IP"');
    expect(sentinel).toContain('echo "sentinel announce-hostnames yes"');
    // resolve-hostnames must come before a monitor line that names a host
    expect(sentinel.indexOf('sentinel resolve-hostnames yes')).toBeLessThan(sentinel.indexOf('sentinel monitor'));
    expect(sentinel).toContain('echo "sentinel monitor $REDIS_MASTER_SET $master 6379 $REDIS_SENTINEL_QUORUM"');
    expect(sentinel).toContain('echo "sentinel sentinel-pass $(conf_quote "$REDIS_PASSWORD")"');
    expect(sentinel).toContain('echo "sentinel auth-pass $REDIS_MASTER_SET $(conf_quote "$REDIS_PASSWORD")"');
    expect(scripts['start-redis.sh']).toContain('echo "masterauth $(conf_quote "$REDIS_PASSWORD")"');
    // passwords may hold quotes and backslashes: they are escaped for the Redis config parser
    expect(sentinel).toContain('sed -e \'s/\\\\/\\\\\\\\/g\' -e \'s/"/\\\\"/g\'');
    const { redis: main, sentinel: sentinelContainer } = containers(sts);
    expect(main.command).toEqual(['/bin/bash', '/opt/bitnami/scripts/start-scripts/start-redis.sh']);
    expect(sentinelContainer.command).toEqual(['/bin/bash', '/opt/bitnami/scripts/start-scripts/start-sentinel.sh']);
    for (const container of [main, sentinelContainer]) {
      expect(container.volumeMounts).toContainEqual({ name: 'start-scripts', mountPath: '/opt/bitnami/scripts/start-scripts', readOnly: true });
    }
  });

  test('the password only from the referenced Secret, for Redis, Sentinel and redis-cli', () => {
    const c = chart('ns');
    redis(c);
    const { sts, manifests } = synthDatabase(c);
    const ref = { secretKeyRef: { name: 'redis-credentials', key: 'redis-password' } };
    for (const container of Object.values(containers(sts))) {
      expect(envOf(container)).toMatchObject({ REDIS_PASSWORD: ref, REDISCLI_AUTH: ref });
    }
    expect(all(manifests, 'Secret')).toEqual([]);
    expect(JSON.stringify(manifests)).not.toMatch(/ALLOW_EMPTY_PASSWORD/);
  });

  test('exec probes ping each server on its own port; writable conf dirs and data on the claim', () => {
    const c = chart('ns');
    redis(c);
    const { sts } = synthDatabase(c);
    const { redis: main, sentinel } = containers(sts);
    expect(main.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG']);
    expect(main.livenessProbe).toMatchObject({ initialDelaySeconds: 20, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 5 });
    expect(sentinel.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli -h 127.0.0.1 -p 26379 ping | grep -q PONG']);
    expect(main.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/opt/bitnami/redis/etc', '/opt/bitnami/redis-sentinel/etc', '/tmp', '/bitnami/redis']));
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '8Gi' } } } });
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
  });

  test('a client Service on 6379 and 26379, no RBAC, and allowFrom opens both ports', () => {
    const c = chart('ns');
    const db = redis(c);
    db.allowFrom(MeshClient.serviceAccount('web', 'shop'));
    const { manifests, sts } = synthDatabase(c);
    const client = only(manifests, 'Service', 'redis');
    expect(client.spec.clusterIP).toBeUndefined();
    expect(client.spec.ports.map((p: any) => [p.name, p.port])).toEqual([['tcp-redis', 6379], ['tcp-sentinel', 26379]]);
    expect(all(manifests, 'Role')).toEqual([]);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['6379', '26379'] } }],
    });
  });

  test('options: master set, quorum, timings and Sentinel image', () => {
    const c = chart('ns');
    redis(c, { masterSet: 'cache', quorum: 3, downAfter: Duration.seconds(5), failoverTimeout: Duration.seconds(60), sentinelImage: 'registry.example.com/redis-sentinel:8.2.1' }, 5);
    const { sts } = synthDatabase(c);
    const { sentinel } = containers(sts);
    expect(sentinel.image).toBe('registry.example.com/redis-sentinel:8.2.1');
    expect(envOf(sentinel)).toMatchObject({ REDIS_MASTER_SET: 'cache', REDIS_SENTINEL_QUORUM: '3', REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS: '5000', REDIS_SENTINEL_FAILOVER_TIMEOUT: '60000' });
  });

  test('outside the mesh: no STRICT PeerAuthentication, clients send plaintext', () => {
    const c = chart('ns');
    new MeshAwareDatabase(c, 'Redis', { meshMode: MeshMode.outside(), engine: new RedisSentinelEngine({ credentials: credentials(c) }) });
    const { manifests } = synthDatabase(c);
    expect(all(manifests, 'PeerAuthentication')).toEqual([]);
    for (const rule of all(manifests, 'DestinationRule')) {
      expect(rule.spec.trafficPolicy.tls.mode).toBe('DISABLE');
    }
  });

  describe('fails when', () => {
    test('fewer than 3 pods', () => {
      expect(() => redis(chart('ns'), {}, 2)).toThrow(/test\/Redis: redis-sentinel: replicas 2 is too few for Sentinel: .* use replicas: 3 or more/);
    });

    test('the quorum is more than the Sentinels', () => {
      expect(() => redis(chart('ns'), { quorum: 4 })).toThrow(/test\/Redis: redis-sentinel: quorum 4 is more than the 3 Sentinels, .* e\.g\. 2/);
    });

    test('the quorum is not a positive whole number', () => {
      expect(() => new RedisSentinelEngine({ credentials: credentials(chart()), quorum: 0 })).toThrow(/RedisSentinelEngine: quorum 0 is not a whole number of at least 1/);
    });

    test('the master set is not one word', () => {
      expect(() => new RedisSentinelEngine({ credentials: credentials(chart()), masterSet: 'my master' })).toThrow(/RedisSentinelEngine: masterSet 'my master' must be/);
    });

    test('a timing is zero', () => {
      expect(() => new RedisSentinelEngine({ credentials: credentials(chart()), downAfter: Duration.millis(0) })).toThrow(/RedisSentinelEngine: downAfter 0ms must be at least 1ms/);
    });

    test('the Sentinel image is not pinned', () => {
      expect(() => new RedisSentinelEngine({ credentials: credentials(chart()), sentinelImage: 'bitnami/redis-sentinel:latest' }))
        .toThrow(/RedisSentinelEngine: sentinelImage 'bitnami\/redis-sentinel:latest' is not pinned \(:latest\)/);
    });
  });
});
