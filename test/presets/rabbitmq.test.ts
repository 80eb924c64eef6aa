import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshAwareDatabase, MeshClient, MeshMode, RabbitMqEngine } from '../../src';
import { credentials, synthDatabase } from '../support/database';
import { all, chart, only } from '../support/manifests';

function rabbit(c = chart('ns'), options: Partial<ConstructorParameters<typeof RabbitMqEngine>[0]> = {}, replicas?: number,
  more: { resources?: kplus.ContainerResources; meshMode?: MeshMode } = {}) {
  return new MeshAwareDatabase(c, 'Rabbit', {
    name: 'rmq', replicas, ...more, engine: new RabbitMqEngine({ credentials: credentials(c, 'rmq-credentials'), ...options }),
  });
}

describe('RabbitMqEngine', () => {
  test('defaults', () => {
    const c = chart('ns');
    rabbit(c);
    expect(synthDatabase(c).manifests).toMatchSnapshot();
  });

  test('AMQP, the Erlang distribution, management and metrics ports, all declared and named', () => {
    const c = chart('ns');
    rabbit(c);
    const { manifests, container } = synthDatabase(c);
    const expected = [['tcp-amqp', 5672], ['tcp-epmd', 4369], ['tcp-dist', 25672], ['http-stats', 15672], ['http-metrics', 15692]];
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual(expected);
    expect(only(manifests, 'Service', 'rmq-headless').spec.ports.map((p: any) => [p.name, p.port])).toEqual(expected);
  });

  test('node names are long names on the pod FQDN, with POD_NAME defined first', () => {
    const c = chart('ns');
    rabbit(c);
    const { env, container } = synthDatabase(c);
    expect(env.RABBITMQ_NODE_NAME).toBe('rabbit@$(POD_NAME).rmq-headless.ns.svc.cluster.local');
    expect(env.RABBITMQ_USE_LONGNAME).toBe('true');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('RABBITMQ_NODE_NAME'));
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
  });

  test('peer discovery by the Kubernetes plugin, configured through the image\'s custom.conf, without API access', () => {
    const c = chart('ns');
    rabbit(c);
    const { manifests, sts, env, container } = synthDatabase(c);
    expect(env.RABBITMQ_PLUGINS).toBe('rabbitmq_management rabbitmq_peer_discovery_k8s rabbitmq_prometheus');
    const config = only(manifests, 'ConfigMap', 'rmq-config');
    expect(config.metadata.namespace).toBe('ns');
    expect(config.data).toEqual({ 'custom.conf': 'cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s\n' });
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/bitnami/rabbitmq/conf', readOnly: true });
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'rmq-config' } });
    // RabbitMQ >= 4.1 computes the seed (pod 0) from its own node name: no Role, no token, no API egress
    expect(all(manifests, 'Role')).toEqual([]);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(only(manifests, 'Sidecar').spec.egress[0].hosts).not.toContain('default/kubernetes.default.svc.cluster.local');
    expect(Object.keys(env).filter(name => name.startsWith('K8S_'))).toEqual([]);
  });

  test('the password and the Erlang cookie come only from the Secret', () => {
    const c = chart('ns');
    rabbit(c, { username: 'admin' });
    const { manifests, env } = synthDatabase(c);
    expect(env.RABBITMQ_USERNAME).toBe('admin');
    expect(env.RABBITMQ_PASSWORD).toEqual({ secretKeyRef: { name: 'rmq-credentials', key: 'rabbitmq-password' } });
    expect(env.RABBITMQ_ERL_COOKIE).toEqual({ secretKeyRef: { name: 'rmq-credentials', key: 'rabbitmq-erlang-cookie' } });
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('the administrator may log in from other pods: the image would make it a loopback-only user', () => {
    // librabbitmq.sh (rabbitmq_print_management_configuration) writes `loopback_users.<user> = true` unless
    // RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS is true; RabbitMQ checks the socket's local address, the pod IP in the mesh
    const c = chart('ns');
    rabbit(c);
    expect(synthDatabase(c).env.RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS).toBe('true');
  });

  test('the memory and disk alarms are absolute values from the container\'s memory limit, recomputed on override', () => {
    const alarms = (limit?: Size) => {
      const c = chart('ns');
      rabbit(c, {}, undefined, limit ? { resources: { memory: { request: limit, limit } } } : {});
      const { env } = synthDatabase(c);
      return [env.RABBITMQ_VM_MEMORY_HIGH_WATERMARK, env.RABBITMQ_DISK_FREE_ABSOLUTE_LIMIT];
    };
    // 0.4 of the limit (rabbitmq-website docs/memory.md), as much free disk as the limit (docs/disk-alarms.md), in bytes
    expect(alarms()).toEqual([String(Math.floor(2048 * 0.4) * 1048576), String(2048 * 1048576)]);
    expect(alarms(Size.gibibytes(8))).toEqual([String(Math.floor(8192 * 0.4) * 1048576), String(8192 * 1048576)]);
    expect(alarms(Size.mebibytes(512))).toEqual([String(204 * 1048576), String(512 * 1048576)]);
  });

  test('a stopping node keeps its proxy, waits for its quorum queues (the chart\'s hook) and has 120 s to do so', () => {
    const c = chart('ns');
    rabbit(c, {}, undefined, { meshMode: MeshMode.sidecar() });
    const { sts, container } = synthDatabase(c);
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    expect(container.lifecycle.preStop.exec.command).toEqual(['/bin/bash', '-ec',
      'if [[ -f /opt/bitnami/scripts/rabbitmq/nodeshutdown.sh ]]; then\n  /opt/bitnami/scripts/rabbitmq/nodeshutdown.sh -t 120 -d false\nelse\n  rabbitmqctl stop_app\nfi']);
  });

  test('with a classic sidecar, the proxy exits only once it carries no connection', () => {
    const c = chart('ns');
    rabbit(c, {}, undefined, { meshMode: MeshMode.sidecar({ nativeSidecar: false }) });
    const annotations = synthDatabase(c).sts.spec.template.metadata.annotations;
    expect(JSON.parse(annotations['proxy.istio.io/config']).proxyMetadata).toEqual({ EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true' });
  });

  test('the administrator is called user unless told otherwise', () => {
    const c = chart('ns');
    rabbit(c);
    expect(synthDatabase(c).env.RABBITMQ_USERNAME).toBe('user');
  });

  test('pods start in parallel; startup waits for AMQP, probes use rabbitmq-diagnostics', () => {
    const c = chart('ns');
    rabbit(c);
    const { sts, container } = synthDatabase(c);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(container.startupProbe).toMatchObject({ tcpSocket: { port: 5672 }, periodSeconds: 10, failureThreshold: 60 });
    expect(container.readinessProbe).toMatchObject({
      exec: { command: ['/bin/bash', '-ec', 'rabbitmq-diagnostics -q check_running && rabbitmq-diagnostics -q check_local_alarms'] },
      periodSeconds: 30,
      timeoutSeconds: 20,
    });
    expect(container.livenessProbe).toMatchObject({ exec: { command: ['/bin/bash', '-ec', 'rabbitmq-diagnostics -q ping'] }, failureThreshold: 6 });
  });

  test('runs as the Bitnami user, data on its claim at the real mnesia directory, scratch where the image writes', () => {
    const c = chart('ns');
    rabbit(c);
    const { sts, container } = synthDatabase(c);
    expect(container.image).toBe('docker.io/bitnamilegacy/rabbitmq:4.1.3-debian-12-r1');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual([
      '/tmp', '/opt/bitnami/rabbitmq/etc/rabbitmq', '/opt/bitnami/rabbitmq/var/lib/rabbitmq', '/opt/bitnami/rabbitmq/.rabbitmq',
      '/opt/bitnami/rabbitmq/var/log/rabbitmq', '/bitnami/rabbitmq/conf', '/opt/bitnami/rabbitmq/.rabbitmq/mnesia',
    ]);
    // /bitnami/rabbitmq/mnesia is a symlink to /var/lib/rabbitmq/mnesia, itself /opt/bitnami/rabbitmq/.rabbitmq/mnesia
    // (postunpack.sh): the claim sits there, below the scratch mount of $HOME, as in the chart (persistence.mountPath)
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia' });
    expect(container.volumeMounts.find((m: any) => m.mountPath === '/bitnami/rabbitmq/mnesia')).toBeUndefined();
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '8Gi' } } } });
  });

  test('a client Service on AMQP and management; clients are admitted on AMQP only unless given more ports', () => {
    const c = chart('ns');
    const db = rabbit(c);
    db.allowFrom(MeshClient.serviceAccount('publisher', 'shop'));
    db.allowFrom(MeshClient.serviceAccount('prometheus', 'monitoring'), [15692]);
    const { manifests } = synthDatabase(c);
    expect(db.clientPorts).toEqual([5672]);
    expect(only(manifests, 'Service', 'rmq').spec.ports.map((p: any) => p.name)).toEqual(['tcp-amqp', 'http-stats']);
    expect(only(manifests, 'AuthorizationPolicy').spec.rules.slice(1)).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/publisher'] } }], to: [{ operation: { ports: ['5672'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus'] } }], to: [{ operation: { ports: ['15692'] } }] },
    ]);
  });

  test('a single node is fine', () => {
    const c = chart('ns');
    rabbit(c, {}, 1);
    expect(synthDatabase(c).sts.spec.replicas).toBe(1);
  });

  describe('fails when', () => {
    test('the username cannot be written into rabbitmq.conf', () => {
      expect(() => new RabbitMqEngine({ credentials: credentials(chart()), username: 'ops team' }))
        .toThrow(/RabbitMqEngine: username 'ops team' must be 1 to 64 letters, digits, '.', '_' or '-' .*; use e.g. 'admin'/);
    });

    test('the memory limit is too small for a node to start', () => {
      expect(() => rabbit(chart('ns'), {}, undefined, { resources: { memory: { request: Size.mebibytes(256), limit: Size.mebibytes(384) } } }))
        .toThrow(/test\/Rabbit: rabbitmq: memory limit 384Mi is below the engine's minimum of 512Mi \(.*\); raise resources.memory.limit to 512Mi or more/);
    });

    test('there are no pods', () => {
      expect(() => rabbit(chart('ns'), {}, 0)).toThrow(/test\/Rabbit: rabbitmq: replicas 0 is not a whole number of at least 1/);
    });
  });
});
