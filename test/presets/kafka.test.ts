import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { KafkaEngine, MeshAwareDatabase, MeshClient, MeshMode } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function kafka(c = chart('ns'), options: Partial<ConstructorParameters<typeof KafkaEngine>[0]> = {}, replicas?: number,
  more: { resources?: kplus.ContainerResources; meshMode?: MeshMode } = {}) {
  return new MeshAwareDatabase(c, 'Kafka', { replicas, ...more, engine: new KafkaEngine({ credentials: credentials(c, 'kafka-credentials'), ...options }) });
}

const FQDN = (i: number) => `kafka-${i}.kafka-headless.ns.svc.cluster.local`;

describe('KafkaEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    kafka(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('three combined controller+broker pods started in parallel; client, controller and inter-broker ports declared', () => {
    const c = chart('ns');
    kafka(c);
    const { sts, container, env, manifests } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(container.image).toBe('docker.io/bitnamilegacy/kafka:4.0.0-debian-12-r10');
    expect(env.KAFKA_CFG_PROCESS_ROLES).toBe('controller,broker');
    expect(only(manifests, 'Service', 'kafka-headless').spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['tcp-client', 9092], ['tcp-controller', 9093], ['tcp-interbroker', 9094],
    ]);
  });

  test('listeners on every interface, advertised on the pod FQDN with $(POD_NAME) defined first', () => {
    const c = chart('ns');
    kafka(c);
    const { env, container } = synthDatabase(c);
    expect(env.KAFKA_CFG_LISTENERS).toBe('CLIENT://:9092,CONTROLLER://:9093,INTERNAL://:9094');
    expect(env.KAFKA_CFG_ADVERTISED_LISTENERS)
      .toBe('CLIENT://$(POD_NAME).kafka-headless.ns.svc.cluster.local:9092,INTERNAL://$(POD_NAME).kafka-headless.ns.svc.cluster.local:9094');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('KAFKA_CFG_ADVERTISED_LISTENERS'));
    expect(env.KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT');
    expect(env.KAFKA_CFG_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
    expect(env.KAFKA_CFG_INTER_BROKER_LISTENER_NAME).toBe('INTERNAL');
  });

  test('a static quorum: every controller as <ordinal>@<pod FQDN>:9093, node id = the pod ordinal', () => {
    const c = chart('ns');
    kafka(c);
    const { env } = synthDatabase(c);
    expect(env.KAFKA_CFG_CONTROLLER_QUORUM_VOTERS).toBe(`0@${FQDN(0)}:9093,1@${FQDN(1)}:9093,2@${FQDN(2)}:9093`);
    // the pinned image's scripts (bitnami/kafka/4.0 libkafka.sh) do not read KAFKA_KRAFT_VERSION: not set
    expect(env.KAFKA_KRAFT_VERSION).toBeUndefined();
    expect(env.KAFKA_INITIAL_CONTROLLERS).toBeUndefined();
    expect(env.KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS).toBeUndefined();
    expect(env.KAFKA_CFG_NODE_ID).toEqual({ fieldRef: { fieldPath: 'metadata.labels[\'apps.kubernetes.io/pod-index\']' } });
  });

  test('one cluster id and every SASL password from the Secret (the image would otherwise use bitnami)', () => {
    const c = chart('ns');
    kafka(c, { clientUsers: ['orders', 'billing'], interBrokerUser: 'broker', controllerUser: 'controller' });
    const { env, manifests } = synthDatabase(c);
    const ref = (key: string) => ({ secretKeyRef: { name: 'kafka-credentials', key } });
    expect(env.KAFKA_CLUSTER_ID).toEqual(ref('cluster-id'));
    expect(env.KAFKA_CLIENT_USERS).toBe('orders,billing');
    expect(env.KAFKA_CLIENT_PASSWORDS).toEqual(ref('client-passwords'));
    expect(env.KAFKA_INTER_BROKER_USER).toBe('broker');
    expect(env.KAFKA_INTER_BROKER_PASSWORD).toEqual(ref('inter-broker-password'));
    expect(env.KAFKA_CONTROLLER_USER).toBe('controller');
    expect(env.KAFKA_CONTROLLER_PASSWORD).toEqual(ref('controller-password'));
    expect(env.KAFKA_CFG_SASL_MECHANISM_CONTROLLER_PROTOCOL).toBe('PLAIN');
    expect(env.KAFKA_CFG_SASL_MECHANISM_INTER_BROKER_PROTOCOL).toBe('PLAIN');
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('internal topics replicated over the pods', () => {
    let c = chart('ns');
    kafka(c);
    expect(synthDatabase(c).env).toMatchObject({
      KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR: '3', KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3', KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR: '2',
    });
    c = chart('ns');
    kafka(c, {}, 1);
    expect(synthDatabase(c).env).toMatchObject({ KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR: '1', KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR: '1' });
  });

  test('the heap is half the memory limit, at most 6 GiB, recomputed when resources are overridden', () => {
    // apache/kafka docs/ops.html: a 6g heap on the busiest brokers, the rest of the memory for the page cache; the
    // image's default is a fixed -Xmx1024m (kafka-env.sh)
    const heapFor = (limit?: Size) => {
      const c = chart('ns');
      kafka(c, {}, undefined, limit ? { resources: { memory: { request: limit, limit } } } : {});
      return synthDatabase(c).env.KAFKA_HEAP_OPTS;
    };
    expect(heapFor()).toBe('-Xms1024m -Xmx1024m');
    expect(heapFor(Size.gibibytes(1))).toBe('-Xms512m -Xmx512m');
    expect(heapFor(Size.gibibytes(6))).toBe('-Xms3072m -Xmx3072m');
    expect(heapFor(Size.gibibytes(32))).toBe('-Xms6144m -Xmx6144m');
  });

  test('a controlled shutdown reaches the controller quorum: the proxy outlives the broker, 120 s of grace', () => {
    let c = chart('ns');
    kafka(c, {}, undefined, { meshMode: MeshMode.sidecar() });
    let sts = synthDatabase(c).sts;
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    c = chart('ns');
    kafka(c, {}, undefined, { meshMode: MeshMode.sidecar({ nativeSidecar: false }) });
    sts = synthDatabase(c).sts;
    expect(JSON.parse(sts.spec.template.metadata.annotations['proxy.istio.io/config']).proxyMetadata).toEqual({ EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true' });
  });

  test('TCP probes: ready on the client listener, alive on the controller listener', () => {
    const c = chart('ns');
    kafka(c);
    const { container } = synthDatabase(c);
    expect(container.readinessProbe).toMatchObject({
      tcpSocket: { port: 9092 }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6,
    });
    expect(container.livenessProbe).toMatchObject({
      tcpSocket: { port: 9093 }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
    });
  });

  test('the config directory is writable and seeded from the image; data on the claim', () => {
    const c = chart('ns');
    kafka(c);
    const { sts, container } = synthDatabase(c);
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/opt/bitnami/kafka/config', '/opt/bitnami/kafka/logs', '/tmp', '/bitnami/kafka']);
    const seed = sts.spec.template.spec.initContainers[0];
    expect(seed.command).toEqual(['/bin/sh', '-ec', 'cp -a /opt/bitnami/kafka/config/. /seed/opt/bitnami/kafka/config/']);
    expect(seed.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/seed/opt/bitnami/kafka/config', subPath: 'opt-bitnami-kafka-config' }]);
  });

  test('a bootstrap Service on 9092; producers admitted on 9092 only; no RBAC', () => {
    const c = chart('ns');
    const db = kafka(c);
    db.allowFrom(MeshClient.serviceAccount('producer', 'shop'));
    const { manifests } = synthDatabase(c);
    expect(only(manifests, 'Service', 'kafka').spec.ports.map((p: any) => p.port)).toEqual([9092]);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules[1].to).toEqual([{ operation: { ports: ['9092'] } }]);
    expect(all(manifests, 'Role')).toEqual([]);
  });

  describe('fails when', () => {
    test('the memory limit is too small for a combined controller and broker', () => {
      expect(() => kafka(chart('ns'), {}, undefined, { resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(768) } } }))
        .toThrow(/test\/Kafka: kafka: memory limit 768Mi is below the engine's minimum of 1Gi \(.*\); raise resources.memory.limit to 1Gi or more/);
    });

    test('no client user is named', () => {
      expect(() => new KafkaEngine({ credentials: credentials(chart()), clientUsers: [] })).toThrow(/KafkaEngine: clientUsers is empty/);
    });

    test('a user name would split the list', () => {
      expect(() => new KafkaEngine({ credentials: credentials(chart()), clientUsers: ['a,b'] })).toThrow(/KafkaEngine: SASL user 'a,b' must be letters/);
    });
  });
});
