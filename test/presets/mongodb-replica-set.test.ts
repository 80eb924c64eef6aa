import { execFileSync } from 'child_process';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshAwareDatabase, MeshClient, MongoDbReplicaSetEngine } from '../../src';
import { MONGODB_REPLICA_SET_COMMAND } from '../../src/presets/mongodb-replica-set';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

type Options = Partial<ConstructorParameters<typeof MongoDbReplicaSetEngine>[0]>;

function mongo(c = chart('ns'), options: Options = {}, replicas?: number, resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Mongo', {
    replicas, resources, engine: new MongoDbReplicaSetEngine({ credentials: credentials(c, 'mongo-credentials'), ...options }),
  });
}

const memoryLimit = (limit: Size): kplus.ContainerResources => ({ memory: { request: Size.mebibytes(512), limit } });

/** Runs the container's command script with a fake entrypoint that prints the mode and the password variables. */
function modeFor(podName: string): string {
  const script = MONGODB_REPLICA_SET_COMMAND
    .replace('ln -sf /dev/stdout /opt/bitnami/mongodb/logs/mongodb.log', ':')
    .replace('exec /opt/bitnami/scripts/mongodb/entrypoint.sh /opt/bitnami/scripts/mongodb/run.sh',
      'echo "$MONGODB_REPLICA_SET_MODE root=${MONGODB_ROOT_PASSWORD-unset} initial=${MONGODB_INITIAL_PRIMARY_ROOT_PASSWORD-unset}"');
  const env = { POD_NAME: podName, MONGODB_ROOT_PASSWORD: 's3cret' };
  return execFileSync('/bin/bash', ['--norc', '--noprofile', '-ec', script], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
}

describe('MongoDbReplicaSetEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    mongo(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('27017 is tcp-mongodb, not mongo- (which would turn on Envoy\'s Mongo filter)', () => {
    const c = chart('ns');
    mongo(c);
    const { manifests, container } = synthDatabase(c);
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['tcp-mongodb', 27017]]);
    expect(only(manifests, 'Service', 'mongo-headless').spec.ports).toEqual([
      { name: 'tcp-mongodb', port: 27017, targetPort: 'tcp-mongodb', appProtocol: 'tcp', protocol: 'TCP' },
    ]);
  });

  test('each member advertises its pod FQDN; secondaries join through pod 0\'s FQDN', () => {
    const c = chart('ns');
    mongo(c);
    const { env, container } = synthDatabase(c);
    expect(env.MONGODB_ADVERTISED_HOSTNAME).toBe('$(POD_NAME).mongo-headless.ns.svc.cluster.local');
    expect(env.MONGODB_INITIAL_PRIMARY_HOST).toBe('mongo-0.mongo-headless.ns.svc.cluster.local');
    expect(env.MONGODB_INITIAL_PRIMARY_PORT_NUMBER).toBe('27017');
    expect(env.MONGODB_REPLICA_SET_NAME).toBe('rs0');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('MONGODB_ADVERTISED_HOSTNAME'));
  });

  test('the command makes pod 0 the primary and the others secondaries, moving the root password as the image demands', () => {
    const c = chart('ns');
    mongo(c);
    const { container } = synthDatabase(c);
    expect(container.command).toEqual(['/bin/bash', '-ec', MONGODB_REPLICA_SET_COMMAND]);
    expect(MONGODB_REPLICA_SET_COMMAND).toMatch(/^ln -sf \/dev\/stdout \/opt\/bitnami\/mongodb\/logs\/mongodb.log$/m);
    expect(MONGODB_REPLICA_SET_COMMAND).toMatch(/^exec \/opt\/bitnami\/scripts\/mongodb\/entrypoint.sh \/opt\/bitnami\/scripts\/mongodb\/run.sh$/m);
    expect(modeFor('mongo-0')).toBe('primary root=s3cret initial=unset');
    expect(modeFor('mongo-1')).toBe('secondary root=unset initial=s3cret');
    expect(modeFor('mongo-10')).toBe('secondary root=unset initial=s3cret');
    expect(modeFor('shard-a-20')).toBe('secondary root=unset initial=s3cret');
  });

  test('the root password and the replica set key come only from the Secret; the no-auth flag is never set', () => {
    const c = chart('ns');
    mongo(c);
    const { manifests, env } = synthDatabase(c);
    expect(env.MONGODB_ROOT_PASSWORD).toEqual({ secretKeyRef: { name: 'mongo-credentials', key: 'mongodb-root-password' } });
    expect(env.MONGODB_REPLICA_SET_KEY).toEqual({ secretKeyRef: { name: 'mongo-credentials', key: 'mongodb-replica-set-key' } });
    expect(env).toMatchObject({ MONGODB_ROOT_USER: 'root', MONGODB_INITIAL_PRIMARY_ROOT_USER: 'root' });
    expect(env.ALLOW_EMPTY_PASSWORD).toBeUndefined();
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('replica set name and root user can be chosen', () => {
    const c = chart('ns');
    mongo(c, { replicaSetName: 'orders', rootUser: 'admin' });
    expect(synthDatabase(c).env).toMatchObject({ MONGODB_REPLICA_SET_NAME: 'orders', MONGODB_ROOT_USER: 'admin', MONGODB_INITIAL_PRIMARY_ROOT_USER: 'admin' });
  });

  test('pods start one by one; probes are unauthenticated ping and hello', () => {
    const c = chart('ns');
    mongo(c);
    const { sts, container } = synthDatabase(c);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(container.livenessProbe).toMatchObject({
      exec: { command: ['mongosh', '--port', '27017', '--quiet', '--eval', 'db.adminCommand(\'ping\')'] },
      initialDelaySeconds: 30,
      periodSeconds: 20,
      timeoutSeconds: 10,
      failureThreshold: 6,
    });
    expect(container.readinessProbe.exec.command.slice(0, 5)).toEqual(['mongosh', '--port', '27017', '--quiet', '--eval']);
    expect(container.readinessProbe.exec.command[5]).toContain('db.hello().isWritablePrimary || db.hello().secondary');
    expect(container.readinessProbe).toMatchObject({ initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
  });

  test('runs as the Bitnami user, data on its claim, scratch where the image and mongosh write', () => {
    const c = chart('ns');
    mongo(c);
    const { sts, container } = synthDatabase(c);
    expect(container.image).toBe('docker.io/bitnamilegacy/mongodb:8.0.13-debian-12-r0');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual([
      '/tmp', '/opt/bitnami/mongodb/conf', '/opt/bitnami/mongodb/tmp', '/opt/bitnami/mongodb/logs', '/.mongodb', '/bitnami/mongodb',
    ]);
  });

  test('no client Service (drivers talk to every member), no RBAC; clients admitted on 27017', () => {
    const c = chart('ns');
    const db = mongo(c);
    db.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
    const { manifests, sts } = synthDatabase(c);
    expect(db.clientServices).toEqual([]);
    expect(all(manifests, 'Service').map(s => s.metadata.name)).toEqual(['mongo-headless']);
    expect(all(manifests, 'Role')).toEqual([]);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['27017'] } }],
    });
  });

  test('the WiredTiger cache follows MongoDB\'s formula on the memory limit, 50% of (limit - 1 GB), at least 0.25 GB', () => {
    const cacheFor = (limit?: Size) => {
      const c = chart('ns');
      mongo(c, {}, undefined, limit ? memoryLimit(limit) : undefined);
      return synthDatabase(c).env.MONGODB_EXTRA_FLAGS;
    };
    expect(cacheFor()).toBe('--wiredTigerCacheSizeGB=0.5'); // 2Gi
    expect(cacheFor(Size.gibibytes(8))).toBe('--wiredTigerCacheSizeGB=3.5');
    expect(cacheFor(Size.mebibytes(3000))).toBe('--wiredTigerCacheSizeGB=0.96');
    expect(cacheFor(Size.mebibytes(768))).toBe('--wiredTigerCacheSizeGB=0.25');
  });

  test('a stopping primary steps down while its proxy still runs, with a minute for the step-down and the last checkpoint', () => {
    const c = chart('ns');
    mongo(c);
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('from 1 to 7 members', () => {
    for (const replicas of [1, 7]) {
      const c = chart('ns');
      mongo(c, {}, replicas);
      expect(synthDatabase(c).sts.spec.replicas).toBe(replicas);
    }
  });

  describe('fails when', () => {
    test('there are more members than MongoDB allows voting members', () => {
      expect(() => mongo(chart('ns'), {}, 8)).toThrow(
        /test\/Mongo: mongodb: replicas 8 is more than 7: the image gives every member a vote and a replica set has at most 7 voting members, so pod 7 would never join; use at most 7 replicas/);
    });

    test('the memory limit leaves no room beside the smallest cache', () => {
      expect(() => mongo(chart('ns'), {}, undefined, memoryLimit(Size.mebibytes(512))))
        .toThrow(/test\/Mongo: mongodb: memory limit 512Mi is below the engine's minimum of 768Mi .*; raise resources.memory.limit to 768Mi or more/);
    });

    test('there are no pods', () => {
      expect(() => mongo(chart('ns'), {}, 0)).toThrow(/test\/Mongo: mongodb: replicas 0 is not a whole number of at least 1/);
    });

    test('the replica set name is not a plain name', () => {
      expect(() => new MongoDbReplicaSetEngine({ credentials: credentials(chart()), replicaSetName: 'rs/0' }))
        .toThrow(/MongoDbReplicaSetEngine: replicaSetName 'rs\/0' must be 1 to 64 letters, digits, '_' or '-'; use e.g. 'rs0'/);
    });

    test('the root user would break the image\'s mongosh commands', () => {
      expect(() => new MongoDbReplicaSetEngine({ credentials: credentials(chart()), rootUser: "o'brien" }))
        .toThrow(/MongoDbReplicaSetEngine: rootUser 'o'brien' must be 1 to 64 letters, digits, '.', '_' or '-' .*; use e.g. 'root'/);
    });
  });
});
