import { ElasticsearchEngine, MeshAwareDatabase, MeshClient } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

type Options = Partial<ConstructorParameters<typeof ElasticsearchEngine>[0]>;

function elasticsearch(c = chart('ns'), options: Options = {}, replicas?: number) {
  return new MeshAwareDatabase(c, 'Search', {
    name: 'es',
    replicas,
    engine: new ElasticsearchEngine({ credentials: credentials(c, 'es-credentials'), tls: credentials(c, 'es-tls'), ...options }),
  });
}

describe('ElasticsearchEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    elasticsearch(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('REST and transport are tcp- ports: both carry TLS end to end', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { manifests, container } = synthDatabase(c);
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['tcp-rest', 9200], ['tcp-transport', 9300]]);
    expect(only(manifests, 'Service', 'es-headless').spec.ports.map((p: any) => [p.name, p.appProtocol])).toEqual([['tcp-rest', 'tcp'], ['tcp-transport', 'tcp']]);
  });

  test('each node is named after its pod, publishes its pod FQDN and is seeded from the headless Service', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { env, container } = synthDatabase(c);
    expect(env.ELASTICSEARCH_NODE_NAME).toBe('$(POD_NAME)');
    expect(env.ELASTICSEARCH_ADVERTISED_HOSTNAME).toBe('$(POD_NAME).es-headless.ns.svc.cluster.local');
    expect(env.ELASTICSEARCH_CLUSTER_HOSTS).toBe('es-headless.ns.svc.cluster.local');
    expect(env.ELASTICSEARCH_CLUSTER_MASTER_HOSTS).toBe('es-0 es-1 es-2');
    expect(env.ELASTICSEARCH_MINIMUM_MASTER_NODES).toBe('2');
    expect(env.ELASTICSEARCH_CLUSTER_NAME).toBe('es');
    expect(env.ELASTICSEARCH_IS_DEDICATED_NODE).toBe('no');
    const names = container.env.map((e: any) => e.name);
    expect(names[0]).toBe('POD_NAME');
  });

  test('master hosts and the majority follow the number of pods', () => {
    const c = chart('ns');
    elasticsearch(c, {}, 5);
    const { env } = synthDatabase(c);
    expect(env.ELASTICSEARCH_CLUSTER_MASTER_HOSTS).toBe('es-0 es-1 es-2 es-3 es-4');
    expect(env.ELASTICSEARCH_MINIMUM_MASTER_NODES).toBe('3');
  });

  test('security is on: the elastic password and the certificates come from Secrets', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { manifests, sts, env, container } = synthDatabase(c);
    expect(env.ELASTICSEARCH_ENABLE_SECURITY).toBe('true');
    expect(env.ELASTICSEARCH_PASSWORD).toEqual({ secretKeyRef: { name: 'es-credentials', key: 'elasticsearch-password' } });
    expect(env).toMatchObject({ ELASTICSEARCH_ENABLE_REST_TLS: 'true', ELASTICSEARCH_TLS_USE_PEM: 'true', ELASTICSEARCH_TLS_VERIFICATION_MODE: 'full' });
    expect(container.volumeMounts).toContainEqual({ name: 'certs', mountPath: '/opt/bitnami/elasticsearch/config/certs', readOnly: true });
    expect(sts.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ name: 'certs', secret: expect.objectContaining({ secretName: 'es-tls' }) }));
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('mmap by default (a node-level vm.max_map_count prerequisite, no privileged init container)', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { manifests, sts } = synthDatabase(c);
    const pod = sts.spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(all(manifests, 'ConfigMap')).toEqual([]);
    expect(pod.securityContext.sysctls).toBeUndefined();
  });

  test('allowMmap: false writes node.store.allow_mmap: false into the image\'s custom configuration file', () => {
    const c = chart('ns');
    elasticsearch(c, { allowMmap: false });
    const { manifests, container } = synthDatabase(c);
    expect(only(manifests, 'ConfigMap', 'es-config').data).toEqual({ 'my_elasticsearch.yml': 'node.store.allow_mmap: false\n' });
    expect(container.volumeMounts).toContainEqual({
      name: 'config', mountPath: '/opt/bitnami/elasticsearch/config/my_elasticsearch.yml', subPath: 'my_elasticsearch.yml', readOnly: true,
    });
  });

  test('cluster name and heap size can be chosen', () => {
    const c = chart('ns');
    elasticsearch(c, { clusterName: 'search', heapSize: '4g' });
    expect(synthDatabase(c).env).toMatchObject({ ELASTICSEARCH_CLUSTER_NAME: 'search', ELASTICSEARCH_HEAP_SIZE: '4g' });
  });

  test('pods start in parallel; tcp startup and liveness on REST, readiness from the image\'s health check', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { sts, container, env } = synthDatabase(c);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(container.startupProbe).toMatchObject({ tcpSocket: { port: 9200 }, periodSeconds: 10, failureThreshold: 30 });
    expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 9200 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 });
    expect(container.readinessProbe).toMatchObject({ exec: { command: ['/opt/bitnami/scripts/elasticsearch/healthcheck.sh'] }, periodSeconds: 10 });
    expect(env.ELASTICSEARCH_HEAP_SIZE).toBe('1024m');
  });

  test('runs as the Bitnami user, data on its claim, scratch where the image writes', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { sts, container } = synthDatabase(c);
    expect(container.image).toBe('docker.io/bitnamilegacy/elasticsearch:9.1.2-debian-12-r0');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual([
      '/tmp', '/opt/bitnami/elasticsearch/config', '/opt/bitnami/elasticsearch/tmp', '/opt/bitnami/elasticsearch/logs',
      '/opt/bitnami/elasticsearch/plugins', '/opt/bitnami/elasticsearch/config/certs', '/bitnami/elasticsearch',
    ]);
    expect(container.resources).toEqual({ limits: { cpu: '2000m', memory: '2048Mi' }, requests: { cpu: '500m', memory: '2048Mi' } });
  });

  test('a client Service on REST only; no RBAC', () => {
    const c = chart('ns');
    const db = elasticsearch(c);
    db.allowFrom(MeshClient.serviceAccount('indexer', 'apps'));
    const { manifests, sts } = synthDatabase(c);
    expect(only(manifests, 'Service', 'es').spec.ports.map((p: any) => p.name)).toEqual(['tcp-rest']);
    expect(all(manifests, 'Role')).toEqual([]);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1].to).toEqual([{ operation: { ports: ['9200'] } }]);
  });

  describe('fails when', () => {
    test('the heap size is not a JVM size', () => {
      expect(() => new ElasticsearchEngine({ credentials: credentials(chart()), tls: credentials(chart()), heapSize: '1GiB' }))
        .toThrow(/ElasticsearchEngine: heapSize '1GiB' is not a JVM size \(a number and k, m or g\); use e.g. '1024m' or '4g'/);
    });

    test('the cluster name has characters Elasticsearch refuses', () => {
      expect(() => new ElasticsearchEngine({ credentials: credentials(chart()), tls: credentials(chart()), clusterName: 'my cluster' }))
        .toThrow(/ElasticsearchEngine: clusterName 'my cluster' must be letters, digits, '.', '_' or '-'; use e.g. 'search'/);
    });

    test('there are no pods', () => {
      expect(() => elasticsearch(chart('ns'), {}, 0)).toThrow(/test\/Search: elasticsearch: replicas 0 is not a whole number of at least 1/);
    });
  });
});
