import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { MeshAwareDatabase, MeshClient, MeshMode, PostgresPatroniEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

const IMAGE = 'registry.example.com/patroni:4.0.6-pg17';

function patroni(c = chart('db'), options: Partial<ConstructorParameters<typeof PostgresPatroniEngine>[0]> = {},
  props: { resources?: kplus.ContainerResources; meshMode?: MeshMode } = {}) {
  return new MeshAwareDatabase(c, 'Pg', { image: IMAGE, ...props, engine: new PostgresPatroniEngine({ credentials: credentials(c, 'pg-credentials'), ...options }) });
}

/** Patroni's configuration file, as the pods read it. */
function patroniYml(manifests: any[]): any {
  return parse(only(manifests, 'ConfigMap', 'pg-patroni').data['patroni.yml']);
}

const memoryLimit = (limit: Size): kplus.ContainerResources => ({ memory: { request: Size.mebibytes(256), limit } });

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
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/var/run/postgresql', '/etc/patroni', '/home/postgres/pgdata']);
  });

  test('Patroni runs on a configuration file from a ConfigMap, mounted read-only: nothing is written to the root filesystem', () => {
    // the image's entrypoint (patroni/patroni v4.0.6 kubernetes/entrypoint.sh) would write /home/postgres/patroni.yml
    const c = chart('db');
    patroni(c);
    const { manifests, sts, container } = synthDatabase(c);
    expect(container.command).toEqual(['patroni', '/etc/patroni/patroni.yml']);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.volumeMounts).toContainEqual({ mountPath: '/etc/patroni', name: 'patroni-config', readOnly: true });
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'patroni-config', configMap: { name: 'pg-patroni' } });
    // a bootstrap section (without one no node initialises the cluster: patroni/ha.py Ha.bootstrap) and bootstrap.dcs
    expect(patroniYml(manifests).bootstrap).toEqual({
      dcs: { postgresql: { use_pg_rewind: true } },
      initdb: [{ 'auth-host': 'scram-sha-256' }, { 'auth-local': 'scram-sha-256' }, { encoding: 'UTF8' }, 'data-checksums'],
    });
  });

  test('pg_hba admits any address with a SCRAM password, replication only for the replication user: sidecars connect from 127.0.0.6', () => {
    const c = chart('db');
    patroni(c, { replicationUserName: 'replicator' });
    const { manifests } = synthDatabase(c);
    const config = patroniYml(manifests);
    expect(config.postgresql.pg_hba).toEqual([
      'local all all scram-sha-256',
      'host all all 0.0.0.0/0 scram-sha-256',
      'host all all ::/0 scram-sha-256',
      'host replication replicator 0.0.0.0/0 scram-sha-256',
      'host replication replicator ::/0 scram-sha-256',
    ]);
    expect(config.postgresql.parameters.password_encryption).toBe('scram-sha-256');
    // no rule keyed on an address range, no trust, no md5
    expect(config.postgresql.pg_hba.join('\n')).not.toMatch(/\/(8|16|24|32)\b|trust|md5/);
  });

  test('the configuration file holds no secret: passwords and addresses come from PATRONI_* variables, which override it', () => {
    const c = chart('db');
    patroni(c);
    const { manifests, env } = synthDatabase(c);
    const config = patroniYml(manifests);
    expect(Object.keys(config)).toEqual(['bootstrap', 'postgresql']);
    expect(Object.keys(config.postgresql)).toEqual(['parameters', 'pg_hba']);
    expect(Object.keys(config.postgresql.parameters)).toEqual(['password_encryption', 'shared_buffers']);
    expect(env.PATRONI_SUPERUSER_PASSWORD).toEqual({ secretKeyRef: { name: 'pg-credentials', key: 'superuser-password' } });
  });

  test('shared_buffers is a quarter of the memory limit (PostgreSQL docs), recomputed when resources are overridden', () => {
    let c = chart('db');
    patroni(c);
    expect(patroniYml(synthDatabase(c).manifests).postgresql.parameters.shared_buffers).toBe('512MB'); // 2Gi limit
    c = chart('db');
    patroni(c, {}, { resources: memoryLimit(Size.gibibytes(8)) });
    const { manifests, container } = synthDatabase(c);
    expect(container.resources.limits.memory).toBe('8192Mi');
    expect(patroniYml(manifests).postgresql.parameters.shared_buffers).toBe('2048MB');
    c = chart('db');
    patroni(c, {}, { resources: memoryLimit(Size.mebibytes(384)) });
    expect(patroniYml(synthDatabase(c).manifests).postgresql.parameters.shared_buffers).toBe('96MB');
  });

  test('the proxy outlives Patroni: a native sidecar and five minutes for a leader\'s shutdown checkpoint', () => {
    // patroni/ha.py Ha.shutdown: the leader asks the replicas' REST APIs and deletes its leader key through the API server
    let c = chart('db');
    patroni(c);
    let sts = synthDatabase(c).sts;
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(300);
    // a classic sidecar chosen by the user: it exits only once it carries no connection
    c = chart('db');
    patroni(c, {}, { meshMode: MeshMode.sidecar({ nativeSidecar: false }) });
    sts = synthDatabase(c).sts;
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('false');
    expect(JSON.parse(sts.spec.template.metadata.annotations['proxy.istio.io/config']).proxyMetadata).toEqual({ EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true' });
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

    test('a user name is not a plain PostgreSQL identifier (pg_hba takes it unquoted)', () => {
      expect(() => new PostgresPatroniEngine({ credentials: credentials(chart()), replicationUserName: 'repl user' }))
        .toThrow(/replicationUserName 'repl user' is not a plain PostgreSQL identifier/);
      expect(() => new PostgresPatroniEngine({ credentials: credentials(chart()), superuserName: 'Admin' })).toThrow(/superuserName 'Admin'/);
    });

    test('the memory limit is too small for PostgreSQL and Patroni, or missing', () => {
      expect(() => patroni(chart('db'), {}, { resources: memoryLimit(Size.mebibytes(256)) }))
        .toThrow(/test\/Pg: postgresql-patroni: memory limit 256Mi is below the engine's minimum of 384Mi .*; raise resources.memory.limit to 384Mi or more/);
      expect(() => patroni(chart('db'), {}, { resources: { cpu: { request: kplus.Cpu.millis(100) } } }))
        .toThrow(/test\/Pg: postgresql-patroni: the container has no memory limit, so PostgreSQL shared_buffers cannot be sized from it/);
    });
  });
});
