import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ElasticsearchEngine, MeshAwareDatabase, MeshClient, MeshMode } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

type Options = Partial<ConstructorParameters<typeof ElasticsearchEngine>[0]>;

function elasticsearch(c = chart('ns'), options: Options = {}, replicas?: number, resources?: kplus.ContainerResources) {
  return new MeshAwareDatabase(c, 'Search', {
    name: 'es',
    replicas,
    resources,
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

  test('each node is named after its pod, publishes its pod FQDN and is seeded with every pod\'s FQDN', () => {
    const c = chart('ns');
    elasticsearch(c);
    const { env, container } = synthDatabase(c);
    expect(env.ELASTICSEARCH_NODE_NAME).toBe('$(POD_NAME)');
    expect(env.ELASTICSEARCH_ADVERTISED_HOSTNAME).toBe('$(POD_NAME).es-headless.ns.svc.cluster.local');
    // the names the documented certificate (*.es-headless.ns.svc.cluster.local) covers under `full` verification;
    // the bare Service name would not be (a wildcard covers exactly one more label)
    expect(env.ELASTICSEARCH_CLUSTER_HOSTS).toBe([0, 1, 2].map(i => `es-${i}.es-headless.ns.svc.cluster.local`).join(','));
    expect(env.ELASTICSEARCH_CLUSTER_HOSTS.split(',').every((h: string) => /^[a-z0-9-]+\.es-headless\.ns\.svc\.cluster\.local$/.test(h))).toBe(true);
    expect(env.ELASTICSEARCH_CLUSTER_MASTER_HOSTS).toBe('es-0 es-1 es-2');
    // the image only exports it (Elasticsearch >= 7 has no minimum_master_nodes): not set
    expect(env.ELASTICSEARCH_MINIMUM_MASTER_NODES).toBeUndefined();
    expect(env.ELASTICSEARCH_CLUSTER_NAME).toBe('es');
    expect(env.ELASTICSEARCH_IS_DEDICATED_NODE).toBe('no');
    const names = container.env.map((e: any) => e.name);
    expect(names[0]).toBe('POD_NAME');
  });

  test('seed and master hosts follow the number of pods', () => {
    const c = chart('ns');
    elasticsearch(c, {}, 5);
    const { env } = synthDatabase(c);
    expect(env.ELASTICSEARCH_CLUSTER_MASTER_HOSTS).toBe('es-0 es-1 es-2 es-3 es-4');
    expect(env.ELASTICSEARCH_CLUSTER_HOSTS.split(',')).toHaveLength(5);
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

  test('cluster name and heap size can be chosen; the heap within half the memory limit', () => {
    const c = chart('ns');
    elasticsearch(c, { clusterName: 'search', heapSize: '4g' }, undefined, { memory: { request: Size.gibibytes(8), limit: Size.gibibytes(8) } });
    expect(synthDatabase(c).env).toMatchObject({ ELASTICSEARCH_CLUSTER_NAME: 'search', ELASTICSEARCH_HEAP_SIZE: '4g' });
  });

  test('the heap is half the memory limit, recomputed when resources are overridden, at most 31g', () => {
    // Elasticsearch docs (advanced-configuration.html#set-jvm-heap-size): at most 50% of the memory, below the
    // compressed-oops threshold; the image's own default is a fixed 1024m (elasticsearch-env.sh)
    const heapFor = (limit: Size) => {
      const c = chart('ns');
      elasticsearch(c, {}, undefined, { memory: { request: limit, limit } });
      return synthDatabase(c).env.ELASTICSEARCH_HEAP_SIZE;
    };
    expect(heapFor(Size.gibibytes(2))).toBe('1024m');
    expect(heapFor(Size.gibibytes(6))).toBe('3072m');
    expect(heapFor(Size.mebibytes(1536))).toBe('768m');
    expect(heapFor(Size.gibibytes(128))).toBe(`${31 * 1024}m`);
  });

  test('a node leaves without last words: the proxy need not outlive it (no native sidecar asked for)', () => {
    const c = chart('ns');
    new MeshAwareDatabase(c, 'Search', {
      name: 'es',
      meshMode: MeshMode.sidecar(),
      engine: new ElasticsearchEngine({ credentials: credentials(c, 'es-credentials'), tls: credentials(c, 'es-tls') }),
    });
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBeUndefined();
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
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

    test('the heap size is more than half the memory limit', () => {
      expect(() => elasticsearch(chart('ns'), { heapSize: '2g' }))
        .toThrow(/test\/Search: elasticsearch: heapSize '2g' \(2Gi\) is more than the JVM heap \(ELASTICSEARCH_HEAP_SIZE\) may take of the 2Gi memory limit \(50%, 1Gi; .*\); lower heapSize to 1Gi or less, or raise resources.memory.limit to 4Gi/);
    });

    test('a heap size is given but the container has no memory limit to check it against', () => {
      expect(() => elasticsearch(chart('ns'), { heapSize: '2g' }, undefined, { cpu: { request: kplus.Cpu.millis(500) } }))
        .toThrow(/test\/Search: elasticsearch: heapSize '2g' cannot be checked against the container's memory limit, which is not set; set resources.memory.limit \(at least 4Gi for this heapSize\)/);
    });

    test('the memory limit is too small for a node to start', () => {
      expect(() => elasticsearch(chart('ns'), {}, undefined, { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) } }))
        .toThrow(/test\/Search: elasticsearch: memory limit 512Mi is below the engine's minimum of 1Gi \(.*\); raise resources.memory.limit to 1Gi or more/);
    });

    test('the container has no memory limit (the heap could only be sized from the node)', () => {
      expect(() => elasticsearch(chart('ns'), {}, undefined, { cpu: { request: kplus.Cpu.millis(500) } }))
        .toThrow(/test\/Search: elasticsearch: the container has no memory limit, so the JVM heap \(ELASTICSEARCH_HEAP_SIZE\) cannot be sized from it .*; set resources.memory.limit \(at least 1Gi\)/);
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
