import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshAwareDatabase, MeshClient, MeshMode, RedisSentinelEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function redis(c = chart('ns'), options: Partial<ConstructorParameters<typeof RedisSentinelEngine>[0]> = {}, replicas?: number,
  resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Redis', { replicas, resources, engine: new RedisSentinelEngine({ credentials: credentials(c, 'redis-credentials'), ...options }) });
}

/** The scripts of the default preset, by key of the ConfigMap. */
function scriptsOf(): Record<string, string> {
  const c = chart('ns');
  redis(c);
  return only(synthDatabase(c).manifests, 'ConfigMap', 'redis-scripts').data;
}

/**
 * Runs one of the preset's scripts in bash with stand-ins for `redis-cli` (answering from `answers`, by its arguments,
 * and logging every call) and `redis-server` (printing its configuration file); configuration directories are moved
 * into a temporary directory. Returns what the script printed and the redis-cli calls.
 */
function runScript(script: string, env: Record<string, string>, answers: Record<string, string[]> = {}): { output: string; calls: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-script-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // each answer list is consumed in order; the last answer repeats
    for (const [key, replies] of Object.entries(answers)) {
      fs.writeFileSync(path.join(dir, `answers-${key.replace(/[^a-z0-9-]/gi, '_')}`), replies.join('\n') + '\n');
    }
    fs.writeFileSync(path.join(bin, 'redis-cli'), `#!/bin/bash
args="$*"; echo "$args" >> "${dir}/calls"
for key in ${Object.keys(answers).map(k => `'${k}'`).join(' ')}; do
  case "$args" in *"$key"*)
    file="${dir}/answers-$(printf '%s' "$key" | tr -c 'a-zA-Z0-9-' '_')"
    head -n 1 "$file"; [ "$(wc -l < "$file")" -gt 1 ] && sed -i 1d "$file"; exit 0 ;;
  esac
done
exit 1
`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'redis-server'), '#!/bin/bash\ncat "$1"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/bash\nexit 0\n', { mode: 0o755 });
    const moved = script.replace(/\/opt\/bitnami\/redis(-sentinel)?\/etc/g, dir);
    const output = execFileSync('/bin/bash', ['--norc', '--noprofile', '-c', moved], {
      env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf-8').trim().split('\n') : [];
    return { output, calls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const FQDN = (i: number) => `redis-${i}.redis-headless.ns.svc.cluster.local`;
const SCRIPT_ENV = {
  REDIS_PASSWORD: 'secret',
  REDIS_MASTER_SET: 'mymaster',
  REDIS_DATA_DIR: '/tmp',
  REDIS_MAXMEMORY: '768mb',
  REDIS_PEERS: [0, 1, 2].map(FQDN).join(' '),
  REDIS_INITIAL_MASTER: FQDN(0),
  REDIS_SENTINEL_QUORUM: '2',
  REDIS_SENTINEL_DOWN_AFTER_MILLISECONDS: '30000',
  REDIS_SENTINEL_FAILOVER_TIMEOUT: '180000',
};

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

  test('maxmemory is 75% of the Redis memory limit (ElastiCache\'s 25% reserve), recomputed when resources are overridden', () => {
    let c = chart('ns');
    redis(c);
    let main = containers(synthDatabase(c).sts).redis;
    expect(envOf(main).REDIS_MAXMEMORY).toBe('768mb'); // 1Gi
    c = chart('ns');
    redis(c, {}, undefined, { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) } });
    main = containers(synthDatabase(c).sts).redis;
    expect(main.resources.limits.memory).toBe('4096Mi');
    expect(envOf(main).REDIS_MAXMEMORY).toBe('3072mb');
    expect(scriptsOf()['start-redis.sh']).toContain('echo "maxmemory $REDIS_MAXMEMORY"');
    // written into redis.conf at start
    const { output } = runScript(scriptsOf()['start-redis.sh'], { ...SCRIPT_ENV, REDIS_ANNOUNCE_HOST: FQDN(1) });
    expect(output).toContain('maxmemory 768mb');
    expect(output).toContain(`replicaof ${FQDN(0)} 6379`);
  });

  test('each Sentinel starts with the same id every time: sentinel myid is the SHA-1 of its pod FQDN', () => {
    const script = scriptsOf()['start-sentinel.sh'];
    const id = createHash('sha1').update(FQDN(1)).digest('hex');
    const first = runScript(script, { ...SCRIPT_ENV, REDIS_SENTINEL_ANNOUNCE_IP: FQDN(1) }).output;
    expect(first).toContain(`sentinel myid ${id}`);
    expect(runScript(script, { ...SCRIPT_ENV, REDIS_SENTINEL_ANNOUNCE_IP: FQDN(1) }).output).toContain(`sentinel myid ${id}`);
    expect(runScript(script, { ...SCRIPT_ENV, REDIS_SENTINEL_ANNOUNCE_IP: FQDN(2) }).output).not.toContain(id);
    // no Sentinel answered: it monitors ordinal 0
    expect(first).toContain(`sentinel monitor mymaster ${FQDN(0)} 6379 2`);
  });

  test('a stopping master pauses writes, asks its Sentinel to fail over and waits until another pod is master', () => {
    const { redis: main, sentinel } = containers(synthDatabase((() => { const c = chart('ns'); redis(c); return c; })()).sts);
    expect(main.lifecycle.preStop.exec.command).toEqual(['/bin/bash', '/opt/bitnami/scripts/start-scripts/prestop-redis.sh']);
    expect(sentinel.lifecycle.preStop.exec.command).toEqual(['/bin/bash', '/opt/bitnami/scripts/start-scripts/prestop-sentinel.sh']);
    const scripts = scriptsOf();
    const env = { ...SCRIPT_ENV, REDISCLI_AUTH: 'secret', REDIS_ANNOUNCE_HOST: FQDN(0) };
    const master = runScript(scripts['prestop-redis.sh'], env, { 'role': ['master'], 'get-master-addr-by-name': [FQDN(0), FQDN(0), FQDN(2)] });
    expect(master.calls).toEqual([
      '--no-auth-warning -h 127.0.0.1 -p 6379 role',
      '--no-auth-warning -h 127.0.0.1 -p 26379 sentinel get-master-addr-by-name mymaster',
      '--no-auth-warning -h 127.0.0.1 -p 6379 client pause 22000 write',
      '--no-auth-warning -h 127.0.0.1 -p 26379 sentinel failover mymaster',
      '--no-auth-warning -h 127.0.0.1 -p 26379 sentinel get-master-addr-by-name mymaster',
      '--no-auth-warning -h 127.0.0.1 -p 26379 sentinel get-master-addr-by-name mymaster',
    ]);
    expect(master.output).toContain('Sentinel failed over');
    // a replica stops at once
    const replica = runScript(scripts['prestop-redis.sh'], { ...env, REDIS_ANNOUNCE_HOST: FQDN(1) }, { 'role': ['slave'], 'get-master-addr-by-name': [FQDN(0)] });
    expect(replica.calls).toEqual(['--no-auth-warning -h 127.0.0.1 -p 6379 role']);
    // the master's Sentinel waits while it still names its own pod
    const waiting = runScript(scripts['prestop-sentinel.sh'], { ...env, REDIS_SENTINEL_ANNOUNCE_IP: FQDN(0) }, { 'get-master-addr-by-name': [FQDN(0), FQDN(2)] });
    expect(waiting.calls).toHaveLength(2);
  });

  test('the proxy outlives Redis and Sentinel (a native sidecar), with time for the failover and the replicas\' catch-up', () => {
    const c = chart('ns');
    redis(c);
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
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

    test('the Redis memory limit is below what the Bitnami chart runs Redis with', () => {
      expect(() => redis(chart('ns'), {}, undefined, { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) } }))
        .toThrow(/test\/Redis: redis-sentinel: memory limit 128Mi is below the engine's minimum of 192Mi .*; raise resources.memory.limit to 192Mi or more/);
    });

    test('the Sentinel image is not pinned', () => {
      expect(() => new RedisSentinelEngine({ credentials: credentials(chart()), sentinelImage: 'bitnami/redis-sentinel:latest' }))
        .toThrow(/^RedisSentinelEngine: image 'bitnami\/redis-sentinel:latest' of option sentinelImage is not pinned \(:latest\): a restart could run another version; pin a version tag or a digest, e.g. 'bitnami\/redis-sentinel:<version>'/);
    });
  });
});
