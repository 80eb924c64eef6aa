import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AppProtocol, EngineConfig, EngineContext, EnginePort, EngineStorage, IDatabaseEngine, IEngineTarget, MeshAwareDatabase, MeshClient, PortRole,
} from '../src';
import { synthDatabase } from './support/database';
import { chart, only } from './support/manifests';

/**
 * A user's own engine, written against the public interface only (no base class, nothing internal): a NATS cluster
 * with JetStream. Flags from nats-io/nats-server `main.go` usage (v2.10): `--server_name`, `--cluster`,
 * `--cluster_name`, `--cluster_advertise`, `--routes`, `--js`, `--store_dir`, `--http_port`.
 */
class NatsEngine implements IDatabaseEngine {
  public readonly engineName = 'nats';
  public readonly defaultImage = 'docker.io/library/nats:2.10.24-alpine';
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: 4222, name: 'client', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: 6222, name: 'cluster', protocol: AppProtocol.TCP, role: PortRole.PEER },
    { port: 8222, name: 'monitor', protocol: AppProtocol.HTTP, role: PortRole.ADMIN },
  ];
  public readonly storage: EngineStorage = { claimName: 'jetstream', mountPath: '/data', defaultSize: Size.gibibytes(5) };

  public replicasProblem(replicas: number): string | undefined {
    return replicas % 2 === 1 ? undefined : `replicas ${replicas} is even: JetStream's Raft groups need a majority; use 3 or 5`;
  }

  public bind(_scope: Construct, context: EngineContext): EngineConfig {
    return {
      containerName: 'nats',
      container: {
        // Kubernetes expands $(VAR) in args from the container's env, which configure() adds
        args: [
          '--server_name=$(POD_NAME)', '--cluster=nats://0.0.0.0:6222', `--cluster_name=${context.name}`,
          '--cluster_advertise=$(NATS_ADVERTISE):6222', `--routes=${context.podFqdns.map(host => `nats://${host}:6222`).join(',')}`,
          '--js', `--store_dir=${this.storage.mountPath}`, '--http_port=8222',
        ],
        securityContext: { user: 1000, group: 1000 },
        readiness: kplus.Probe.fromHttpGet('/healthz?js-enabled-only=true', { port: 8222 }),
      },
      resources: { memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) } },
      podSecurityContext: { user: 1000, group: 1000, fsGroup: 1000 },
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    workload.addPodNameEnv({ container: target.container });
    workload.addPodHostEnv('NATS_ADVERTISE', { container: target.container });
    workload.addClientService('Client', { ports: [4222] });
  }
}

describe('IDatabaseEngine', () => {
  test('a custom engine written against the public interface synthesises, with the mesh policy of every preset', () => {
    const c = chart('msg');
    const nats = new MeshAwareDatabase(c, 'Nats', { engine: new NatsEngine() });
    nats.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
    const { manifests, sts, container } = synthDatabase(c);

    expect(container.image).toBe('docker.io/library/nats:2.10.24-alpine');
    expect(container.ports.map((p: any) => p.name)).toEqual(['tcp-client', 'tcp-cluster', 'http-monitor']);
    expect(container.env.map((e: any) => e.name)).toEqual(['POD_NAME', 'NATS_ADVERTISE']);
    expect(container.args).toContain('--routes=nats://nats-0.nats-headless.msg.svc.cluster.local:6222,'
      + 'nats://nats-1.nats-headless.msg.svc.cluster.local:6222,nats://nats-2.nats-headless.msg.svc.cluster.local:6222');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('jetstream');
    // peers on every port, the client on the client port only
    const policy = only(manifests, 'AuthorizationPolicy');
    expect(policy.spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/msg/sa/nats'] } }], to: [{ operation: { ports: ['4222', '6222', '8222'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['4222'] } }] },
    ]);
    expect(nats.clientPorts).toEqual([4222]);
  });

  test('fails when the custom engine refuses the replica count, with its own message', () => {
    const c = chart('msg');
    expect(() => new MeshAwareDatabase(c, 'Nats', { engine: new NatsEngine(), replicas: 4 }))
      .toThrow(/test\/Nats: nats: replicas 4 is even: JetStream's Raft groups need a majority; use 3 or 5/);
  });
});
