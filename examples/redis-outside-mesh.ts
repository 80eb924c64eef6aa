/**
 * `redis-outside-mesh`: clients in the mesh, Redis (with Sentinel) deliberately outside it.
 *
 * Two namespaces in one chart:
 * - `shop` (sidecar injection on): the `cache-client` Deployment, with its own ServiceAccount;
 * - `cache` (no injection label): Redis with Sentinel, `MeshMode.outside()`. The pods themselves also carry
 *   `sidecar.istio.io/inject: "false"` and `istio.io/dataplane-mode: none`, so they stay out even if someone later
 *   labels the namespace for injection or ambient: the pod labels win, and they travel with the workload.
 *
 * Because Redis has no sidecar, the mesh clients must send plaintext: every DestinationRule for Redis's Services
 * says `tls.mode: DISABLE`, and no STRICT PeerAuthentication is written (nothing would enforce it). This is the
 * istio#21964 story: Istio 1.5 forced mTLS towards sidecar-less headless backends and broke them (fixed in 1.6.6 /
 * 1.7.0); an explicit DISABLE keeps clients right on every version. Without mTLS, the NetworkPolicy is the access
 * control: it admits only the client's pods, from `shop`, on 6379 and 26379.
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/redis-outside-mesh.ts'
 */
import { ApiObject, App, Chart, ChartProps, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshAwareDatabase, MeshClient, MeshMode, RedisSentinelEngine } from '../src';

const CLIENT_IMAGE = 'ghcr.io/example/cache-client:2.3.0'; // illustrative application image
const CLIENT_NAMESPACE = 'shop';

/** A Namespace object (cluster-scoped: the chart's namespace is removed from its metadata). */
function namespace(chart: Chart, id: string, name: string, labels: Record<string, string> = {}): kplus.Namespace {
  const ns = new kplus.Namespace(chart, id, { metadata: { name, labels } });
  ApiObject.of(ns).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return ns;
}

export class RedisOutsideMeshChart extends Chart {
  public readonly redis: MeshAwareDatabase;
  public readonly client: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'cache', ...props });

    namespace(this, 'CacheNamespace', this.namespace!);
    namespace(this, 'ShopNamespace', CLIENT_NAMESPACE, { 'istio-injection': 'enabled' });

    // Redis and its Sentinels, outside the mesh; the password is in a Secret the user creates in `cache`
    this.redis = new MeshAwareDatabase(this, 'Redis', {
      name: 'redis',
      meshMode: MeshMode.outside(),
      engine: new RedisSentinelEngine({ credentials: kplus.Secret.fromSecretName(this, 'Credentials', 'redis-credentials') }),
    });

    // the client, in the mesh, in another namespace: it asks Sentinel for the master, then talks to it
    const account = new kplus.ServiceAccount(this, 'ClientAccount', {
      metadata: { name: 'cache-client', namespace: CLIENT_NAMESPACE },
      automountToken: false,
    });
    this.client = new kplus.Deployment(this, 'Client', {
      metadata: { name: 'cache-client', namespace: CLIENT_NAMESPACE },
      replicas: 2,
      serviceAccount: account,
      automountServiceAccountToken: false,
      securityContext: { user: 10001, group: 10001 },
      containers: [{
        name: 'app',
        image: CLIENT_IMAGE,
        securityContext: { user: 10001, group: 10001 },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
        },
        envVariables: {
          REDIS_SENTINELS: kplus.EnvValue.fromValue(`${this.redis.clientService.fqdn}:26379`),
          REDIS_MASTER_SET: kplus.EnvValue.fromValue('mymaster'),
          // the same password, from a Secret the user creates in the client's namespace
          REDIS_PASSWORD: kplus.EnvValue.fromSecretValue({
            secret: kplus.Secret.fromSecretName(this, 'ClientCredentials', 'redis-credentials'), key: 'redis-password',
          }),
        },
      }],
    });

    // admit exactly this client (by namespace and pod labels: there is no mTLS identity outside the mesh)
    this.redis.allowFrom(MeshClient.workload(this.client));
  }
}

if (require.main === module) {
  const app = new App();
  new RedisOutsideMeshChart(app, 'redis-outside-mesh');
  app.synth();
}
