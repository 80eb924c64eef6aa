import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshAwareDatabase, MeshClient, MeshMode, ZooKeeperEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function zookeeper(c = chart('ns'), options: Partial<ConstructorParameters<typeof ZooKeeperEngine>[0]> = {}, replicas?: number,
  resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Zk', { name: 'zk', replicas, resources, meshMode: MeshMode.sidecar(), engine: new ZooKeeperEngine({ credentials: credentials(c, 'zk-credentials'), ...options }) });
}

// the image's own check of each ZOO_SERVERS entry when ids are given (libzookeeper.sh, zookeeper_validate)
const IMAGE_ENTRY_SYNTAX = /^[^\s]+:[0-9]+:[0-9]+(:observer|:participant)?::[0-9]+$/;

describe('ZooKeeperEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    zookeeper(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('three pods started in parallel; client, follower and election ports declared and named', () => {
    const c = chart('ns');
    zookeeper(c);
    const { sts, container, manifests } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(container.image).toBe('docker.io/bitnamilegacy/zookeeper:3.9.3-debian-12-r22');
    expect(only(manifests, 'Service', 'zk-headless').spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['tcp-client', 2181], ['tcp-follower', 2888], ['tcp-election', 3888],
    ]);
  });

  test('ZOO_SERVERS lists <pod FQDN>:2888:3888::<ordinal + 1>, space-separated, in the syntax the image accepts', () => {
    const c = chart('ns');
    zookeeper(c);
    const { env } = synthDatabase(c);
    expect(env.ZOO_SERVERS).toBe([0, 1, 2].map(i => `zk-${i}.zk-headless.ns.svc.cluster.local:2888:3888::${i + 1}`).join(' '));
    for (const entry of env.ZOO_SERVERS.split(/[;, ]/)) {
      expect(entry).toMatch(IMAGE_ENTRY_SYNTAX);
    }
  });

  test('the server id is the ordinal + 1, computed from the pod name before the image entrypoint', () => {
    const c = chart('ns');
    zookeeper(c);
    const { env, container } = synthDatabase(c);
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(container.command).toEqual(['/bin/bash', '-ec',
      'export ZOO_SERVER_ID="$(( ${POD_NAME##*-} + 1 ))"\nexec /opt/bitnami/scripts/zookeeper/entrypoint.sh /opt/bitnami/scripts/zookeeper/run.sh']);
  });

  test('the quorum listens on all interfaces', () => {
    const c = chart('ns');
    zookeeper(c);
    expect(synthDatabase(c).env.ZOO_LISTEN_ALLIPS_ENABLED).toBe('yes');
  });

  test('SASL for clients and the quorum, FIPS mode off for it, passwords only from the Secret, never an empty password', () => {
    const c = chart('ns');
    zookeeper(c, { serverUsers: ['kafka', 'zookeeper'] });
    const { env, manifests } = synthDatabase(c);
    const ref = (key: string) => ({ secretKeyRef: { name: 'zk-credentials', key } });
    expect(env).toMatchObject({
      ZOO_ENABLE_AUTH: 'yes',
      ZOO_FIPS_MODE: 'no',
      ZOO_CLIENT_USER: 'zookeeper',
      ZOO_SERVER_USERS: 'kafka,zookeeper',
      ZOO_ENABLE_QUORUM_AUTH: 'yes',
      ZOO_QUORUM_LEARNER_USER: 'quorum',
      ZOO_QUORUM_SERVER_USERS: 'quorum',
    });
    expect(env.ZOO_CLIENT_PASSWORD).toEqual(ref('client-password'));
    expect(env.ZOO_SERVER_PASSWORDS).toEqual(ref('server-passwords'));
    expect(env.ZOO_QUORUM_LEARNER_PASSWORD).toEqual(ref('quorum-password'));
    expect(env.ZOO_QUORUM_SERVER_PASSWORDS).toEqual(ref('quorum-password'));
    expect(JSON.stringify(manifests)).not.toMatch(/ALLOW_EMPTY_PASSWORD|ALLOW_ANONYMOUS_LOGIN/);
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('quorum authentication can be left to the mesh', () => {
    const c = chart('ns');
    zookeeper(c, { quorumAuth: false });
    const { env } = synthDatabase(c);
    expect(env.ZOO_ENABLE_QUORUM_AUTH).toBeUndefined();
    expect(env.ZOO_QUORUM_LEARNER_PASSWORD).toBeUndefined();
    expect(env.ZOO_ENABLE_AUTH).toBe('yes');
  });

  test('ruok probes over the loopback, with ruok allowed', () => {
    const c = chart('ns');
    zookeeper(c);
    const { env, container } = synthDatabase(c);
    expect(env.ZOO_4LW_COMMANDS_WHITELIST).toBe('srvr, mntr, ruok');
    expect(container.readinessProbe.exec.command).toEqual(['sh', '-c', 'echo ruok | timeout 4 nc -w 3 127.0.0.1 2181 | grep -q imok']);
    expect(container.livenessProbe).toMatchObject({ initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
  });

  test('the heap is three quarters of the memory limit less 256Mi, recomputed when resources are overridden', () => {
    // ZooKeeper admin guide: "a maximum heap size of 3GB for a 4GB machine"; the image's default is a fixed 1024 MiB
    const heapFor = (limit?: Size) => {
      const c = chart('ns');
      zookeeper(c, {}, undefined, limit ? { memory: { request: limit, limit } } : undefined);
      return synthDatabase(c).env.ZOO_HEAP_SIZE;
    };
    expect(heapFor()).toBe(String((2048 - 256) * 0.75));
    expect(heapFor(Size.mebibytes(512))).toBe('192');
    expect(heapFor(Size.gibibytes(4))).toBe('2880');
  });

  test('old snapshots and transaction logs are purged every hour, keeping 10 (the chart\'s autopurge)', () => {
    const c = chart('ns');
    zookeeper(c);
    expect(synthDatabase(c).env).toMatchObject({ ZOO_AUTOPURGE_INTERVAL: '1', ZOO_AUTOPURGE_RETAIN_COUNT: '10' });
  });

  test('a stopping server needs no proxy for last words: no native sidecar asked for, default grace', () => {
    const c = chart('ns');
    zookeeper(c);
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBeUndefined();
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  test('writable conf, logs and tmp; data on the claim', () => {
    const c = chart('ns');
    zookeeper(c);
    const { sts, container } = synthDatabase(c);
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/opt/bitnami/zookeeper/conf', '/opt/bitnami/zookeeper/logs', '/tmp', '/bitnami/zookeeper']);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
  });

  test('a client Service on 2181; clients admitted on 2181 only; no RBAC', () => {
    const c = chart('ns');
    const db = zookeeper(c);
    db.allowFrom(MeshClient.serviceAccount('kafka', 'streaming'));
    const { manifests } = synthDatabase(c);
    expect(only(manifests, 'Service', 'zk').spec.ports.map((p: any) => p.port)).toEqual([2181]);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1].to).toEqual([{ operation: { ports: ['2181'] } }]);
    expect(all(manifests, 'Role')).toEqual([]);
  });

  describe('fails when', () => {
    test('the memory limit is too small for the JVM', () => {
      expect(() => zookeeper(chart('ns'), {}, undefined, { memory: { request: Size.mebibytes(256), limit: Size.mebibytes(384) } }))
        .toThrow(/test\/Zk: zookeeper: memory limit 384Mi is below the engine's minimum of 512Mi \(.*\); raise resources.memory.limit to 512Mi or more/);
    });

    test('more pods than server ids', () => {
      expect(() => zookeeper(chart('ns'), {}, 256)).toThrow(/test\/Zk: zookeeper: replicas 256 is more than the 255 server ids ZooKeeper accepts/);
    });

    test('no server user is named', () => {
      expect(() => new ZooKeeperEngine({ credentials: credentials(chart()), serverUsers: [] })).toThrow(/ZooKeeperEngine: serverUsers is empty/);
    });

    test('a user name would split the list', () => {
      expect(() => new ZooKeeperEngine({ credentials: credentials(chart()), clientUser: 'a b' })).toThrow(/ZooKeeperEngine: SASL user 'a b' must be letters/);
    });
  });
});
