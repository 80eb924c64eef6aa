import { MeshAwareDatabase, MeshClient, MeshMode, PostgresPatroniEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

const IMAGE = 'registry.example.com/patroni:4.0.6';

function patroni(c = chart('db'), options: Partial<ConstructorParameters<typeof PostgresPatroniEngine>[0]> = {}) {
  return new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: new PostgresPatroniEngine({ credentials: credentials(c, 'pg-credentials'), ...options }) });
}

describe('PostgresPatroniEngine', () => {
  test('defaults', () => {
    const c = chart('db');
    patroni(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('three pods advertising their pod FQDN for PostgreSQL and the REST API', () => {
    const c = chart('db');
    patroni(c);
    const { sts, env, container } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(3);
    expect(env.PATRONI_POSTGRESQL_CONNECT_ADDRESS).toBe('$(POD_NAME).pg-headless.db.svc.cluster.local:5432');
    expect(env.PATRONI_RESTAPI_CONNECT_ADDRESS).toBe('$(POD_NAME).pg-headless.db.svc.cluster.local:8008');
    expect(env.PATRONI_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.PATRONI_POSTGRESQL_LISTEN).toBe('0.0.0.0:5432');
    expect(env.PATRONI_RESTAPI_LISTEN).toBe('0.0.0.0:8008');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('PATRONI_POSTGRESQL_CONNECT_ADDRESS'));
    expect(container.ports.map((p: any) => p.name)).toEqual(['tcp-postgresql', 'http-patroni']);
  });

  test('the Kubernetes DCS: scope, labels the pods carry, endpoints with the port name the leader Service uses', () => {
    const c = chart('db');
    patroni(c);
    const { manifests, sts, env } = synthDatabase(c);
    expect(env.PATRONI_SCOPE).toBe('pg');
    expect(env.PATRONI_KUBERNETES_NAMESPACE).toBe('db');
    expect(env.PATRONI_KUBERNETES_USE_ENDPOINTS).toBe('true');
    expect(env.PATRONI_KUBERNETES_POD_IP).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    const labels = JSON.parse(env.PATRONI_KUBERNETES_LABELS);
    expect(sts.spec.template.metadata.labels).toMatchObject({ ...labels, [env.PATRONI_KUBERNETES_SCOPE_LABEL]: 'pg' });

    const leader = only(manifests, 'Service', 'pg');
    expect(leader.spec.selector).toBeUndefined();
    expect(JSON.parse(env.PATRONI_KUBERNETES_PORTS)).toEqual([{ name: leader.spec.ports[0].name, port: 5432 }]);
    expect(only(manifests, 'Service', 'pg-repl').spec.selector).toEqual({ 'app.kubernetes.io/name': 'pg', 'role': 'replica' });
  });

  test('role label values: primary for Patroni 4, configurable for older versions', () => {
    let c = chart('db');
    patroni(c);
    expect(synthDatabase(c).env).toMatchObject({ PATRONI_KUBERNETES_ROLE_LABEL: 'role', PATRONI_KUBERNETES_LEADER_LABEL_VALUE: 'primary', PATRONI_KUBERNETES_FOLLOWER_LABEL_VALUE: 'replica' });
    c = chart('db');
    patroni(c, { leaderLabelValue: 'master' });
    expect(synthDatabase(c).env).toMatchObject({ PATRONI_KUBERNETES_LEADER_LABEL_VALUE: 'master', PATRONI_KUBERNETES_STANDBY_LEADER_LABEL_VALUE: 'master' });
  });

  test('credentials only from the referenced Secret', () => {
    const c = chart('db');
    patroni(c);
    const { env } = synthDatabase(c);
    expect(env.PATRONI_SUPERUSER_PASSWORD).toEqual({ secretKeyRef: { name: 'pg-credentials', key: 'superuser-password' } });
    expect(env.PATRONI_REPLICATION_PASSWORD).toEqual({ secretKeyRef: { name: 'pg-credentials', key: 'replication-password' } });
    expect(all(synthDatabase(c).manifests, 'Secret')).toEqual([]);
  });

  test('least-privilege RBAC for its own service account, which gets a token', () => {
    const c = chart('db');
    patroni(c);
    const { manifests, sts } = synthDatabase(c);
    expect(only(manifests, 'Role').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch'] },
      { apiGroups: [''], resources: ['endpoints'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'update', 'watch'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create'] },
    ]);
    expect(only(manifests, 'RoleBinding')).toMatchObject({ roleRef: { kind: 'Role', name: 'pg' }, subjects: [{ kind: 'ServiceAccount', name: 'pg', namespace: 'db' }] });
    expect(sts.spec.template.spec).toMatchObject({ serviceAccountName: 'pg', automountServiceAccountToken: true });
  });

  test('probes on the REST API, data on a per-pod volume, writable scratch only where needed', () => {
    const c = chart('db');
    patroni(c);
    const { sts, container } = synthDatabase(c);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readiness', port: 8008, scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/liveness', port: 8008, scheme: 'HTTP' });
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'pgdata' }, spec: { resources: { requests: { storage: '10Gi' } } } });
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/var/run/postgresql', '/home/postgres/pgdata']);
  });

  test('its sidecars may reach the API server, and only declared clients reach PostgreSQL', () => {
    const c = chart('db');
    const db = patroni(c);
    db.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
    const { manifests } = synthDatabase(c);
    expect(only(manifests, 'Sidecar').spec.egress[0].hosts).toContain('default/kubernetes.default.svc.cluster.local');
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['5432'] } }],
    });
  });

  test('ambient mode needs no Sidecar resource', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', {
      image: IMAGE, meshMode: MeshMode.ambient(), engine: new PostgresPatroniEngine({ credentials: credentials(c) }),
    });
    expect(all(synthDatabase(c).manifests, 'Sidecar')).toEqual([]);
  });

  describe('fails when', () => {
    test('no image is given (Patroni has no official image)', () => {
      const c = chart('db');
      expect(() => new MeshAwareDatabase(c, 'Pg', { engine: new PostgresPatroniEngine({ credentials: credentials(c) }) }))
        .toThrow(/test\/Pg: postgresql-patroni has no official image; pass image: '<registry>\/<repository>:<version>' \(pinned\)/);
    });

    test('the leader label value is not a label value', () => {
      expect(() => new PostgresPatroniEngine({ credentials: credentials(chart()), leaderLabelValue: 'Primary!' })).toThrow(/leaderLabelValue 'Primary!' is not a label value/);
    });
  });
});
