import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EtcdEngine, MeshAwareDatabase, MeshClient } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function etcd(c = chart('ns'), options: Partial<ConstructorParameters<typeof EtcdEngine>[0]> = {}, replicas?: number,
  resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Etcd', { replicas, resources, engine: new EtcdEngine({ credentials: credentials(c, 'etcd-credentials'), ...options }) });
}

const memoryLimit = (limit: Size): kplus.ContainerResources => ({ memory: { request: Size.mebibytes(256), limit } });

const FQDN = '$(POD_NAME).etcd-headless.ns.svc.cluster.local';

describe('EtcdEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    etcd(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('client and peer ports are named tcp- so that a later switch to etcd TLS stays safe', () => {
    const c = chart('ns');
    etcd(c);
    const { manifests, container } = synthDatabase(c);
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['tcp-client', 2379], ['tcp-peer', 2380]]);
    expect(only(manifests, 'Service', 'etcd-headless').spec.ports.map((p: any) => [p.name, p.port, p.appProtocol]))
      .toEqual([['tcp-client', 2379, 'tcp'], ['tcp-peer', 2380, 'tcp']]);
  });

  test('each member advertises URLs on its pod FQDN and listens on every interface', () => {
    const c = chart('ns');
    etcd(c);
    const { env, container } = synthDatabase(c);
    expect(env.ETCD_NAME).toBe('$(POD_NAME)');
    expect(env.ETCD_ADVERTISE_CLIENT_URLS).toBe(`http://${FQDN}:2379`);
    expect(env.ETCD_INITIAL_ADVERTISE_PEER_URLS).toBe(`http://${FQDN}:2380`);
    expect(env.ETCD_LISTEN_CLIENT_URLS).toBe('http://0.0.0.0:2379');
    expect(env.ETCD_LISTEN_PEER_URLS).toBe('http://0.0.0.0:2380');
    const names = container.env.map((e: any) => e.name);
    expect(names[0]).toBe('POD_NAME');
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
  });

  test('the initial cluster lists every pod by name with its peer URL, as a new cluster with a token', () => {
    const c = chart('ns');
    etcd(c);
    const { env } = synthDatabase(c);
    expect(env.ETCD_INITIAL_CLUSTER).toBe([0, 1, 2]
      .map(i => `etcd-${i}=http://etcd-${i}.etcd-headless.ns.svc.cluster.local:2380`).join(','));
    expect(env.ETCD_INITIAL_CLUSTER_STATE).toBe('new');
    expect(env.ETCD_INITIAL_CLUSTER_TOKEN).toBe('etcd.ns');
  });

  test('the image finds its peers as <MY_STS_NAME>-<i>.<ETCD_CLUSTER_DOMAIN>', () => {
    const c = chart('ns');
    etcd(c);
    const { env } = synthDatabase(c);
    expect(env).toMatchObject({
      ETCD_ON_K8S: 'yes',
      MY_STS_NAME: 'etcd',
      MY_POD_NAME: '$(POD_NAME)',
      ETCD_CLUSTER_DOMAIN: 'etcd-headless.ns.svc.cluster.local',
    });
  });

  test('no variable the image ignores: ETCD_DATA_DIR is the image\'s constant, ETCDCTL_API=3 is etcdctl\'s default', () => {
    // bitnami/containers etcd-env.sh exports ETCD_DATA_DIR=/bitnami/etcd/data over any value; the data claim is at /bitnami/etcd
    const c = chart('ns');
    etcd(c);
    const { env, container } = synthDatabase(c);
    expect(env.ETCD_DATA_DIR).toBeUndefined();
    expect(env.ETCDCTL_API).toBeUndefined();
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/bitnami/etcd' });
  });

  test('the backend quota is half the memory limit (at most 8 GiB), recomputed for overridden resources; history compacted hourly', () => {
    let c = chart('ns');
    etcd(c);
    let env = synthDatabase(c).env;
    expect(env.ETCD_QUOTA_BACKEND_BYTES).toBe(String(512 * 1024 * 1024)); // 1Gi limit, instead of etcd's 2 GiB default
    expect(env).toMatchObject({ ETCD_AUTO_COMPACTION_MODE: 'periodic', ETCD_AUTO_COMPACTION_RETENTION: '1h' });
    c = chart('ns');
    etcd(c, {}, undefined, memoryLimit(Size.gibibytes(6)));
    env = synthDatabase(c).env;
    expect(env.ETCD_QUOTA_BACKEND_BYTES).toBe(String(3 * 1024 * 1024 * 1024));
    c = chart('ns');
    etcd(c, {}, undefined, memoryLimit(Size.gibibytes(32)));
    expect(synthDatabase(c).env.ETCD_QUOTA_BACKEND_BYTES).toBe(String(8 * 1024 * 1024 * 1024));
  });

  test('a stopping leader hands over its leadership while the proxy still runs', () => {
    const c = chart('ns');
    etcd(c);
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
  });

  test('the cluster token can be chosen', () => {
    const c = chart('ns');
    etcd(c, { initialClusterToken: 'orders-etcd-2026' });
    expect(synthDatabase(c).env.ETCD_INITIAL_CLUSTER_TOKEN).toBe('orders-etcd-2026');
  });

  test('authentication is on: the root password comes from the Secret, the no-auth flag is off', () => {
    const c = chart('ns');
    etcd(c);
    const { manifests, env } = synthDatabase(c);
    expect(env.ETCD_ROOT_PASSWORD).toEqual({ secretKeyRef: { name: 'etcd-credentials', key: 'etcd-root-password' } });
    expect(env.ALLOW_NONE_AUTHENTICATION).toBe('no');
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('pods start in parallel; probes ask etcd\'s /health, with no credentials, and never fail on a full database', () => {
    // etcd-io/etcd health.go: a permission error counts as healthy; exclude=NOSPACE ignores the quota alarm
    const c = chart('ns');
    etcd(c);
    const { sts, container } = synthDatabase(c);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(container.startupProbe).toMatchObject({ httpGet: { path: '/health?exclude=NOSPACE', port: 2379 }, periodSeconds: 10, failureThreshold: 60 });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/health?exclude=NOSPACE', port: 2379 }, periodSeconds: 10, timeoutSeconds: 5 });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/health?exclude=NOSPACE&serializable=true', port: 2379 }, failureThreshold: 6 });
    // the root password never reaches a probe's command line
    expect(JSON.stringify([container.startupProbe, container.readinessProbe, container.livenessProbe])).not.toMatch(/exec|PASSWORD|healthcheck/);
  });

  test('runs as the Bitnami user with data on its claim and scratch only for conf and /tmp', () => {
    const c = chart('ns');
    etcd(c);
    const { sts, container } = synthDatabase(c);
    expect(container.image).toBe('docker.io/bitnamilegacy/etcd:3.6.4-debian-12-r3'); // the tag bitnami/etcd 12.0.20 pins
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
    expect(container.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001 });
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/opt/bitnami/etcd/conf', '/bitnami/etcd']);
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '8Gi' } } } });
  });

  test('a client Service on 2379 only, no RBAC and no service account token', () => {
    const c = chart('ns');
    const db = etcd(c);
    db.allowFrom(MeshClient.serviceAccount('api', 'apps'));
    const { manifests, sts } = synthDatabase(c);
    expect(only(manifests, 'Service', 'etcd').spec.ports.map((p: any) => p.name)).toEqual(['tcp-client']);
    expect(all(manifests, 'Role')).toEqual([]);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/apps/sa/api'] } }], to: [{ operation: { ports: ['2379'] } }],
    });
  });

  test('any whole number of pods from 1 works, even ones too', () => {
    for (const replicas of [1, 4, 5]) {
      const c = chart('ns');
      etcd(c, {}, replicas);
      const { env } = synthDatabase(c);
      expect(env.ETCD_INITIAL_CLUSTER.split(',')).toHaveLength(replicas);
    }
  });

  describe('fails when', () => {
    test('there are no pods', () => {
      const c = chart('ns');
      expect(() => etcd(c, {}, 0)).toThrow(/test\/Etcd: etcd: replicas 0 is not a whole number of at least 1/);
    });

    test('the memory limit is below the chart\'s default for etcd', () => {
      expect(() => etcd(chart('ns'), {}, undefined, memoryLimit(Size.mebibytes(256))))
        .toThrow(/test\/Etcd: etcd: memory limit 256Mi is below the engine's minimum of 384Mi .*; raise resources.memory.limit to 384Mi or more/);
    });

    test('the cluster token has characters etcd flags and URLs would mangle', () => {
      expect(() => new EtcdEngine({ credentials: credentials(chart()), initialClusterToken: 'my token,2' }))
        .toThrow(/EtcdEngine: initialClusterToken 'my token,2' must be 1 to 128 letters, digits, '.', '_' or '-'; use e.g./);
    });
  });
});
