/**
 * `patroni`: PostgreSQL with Patroni, three pods in namespace `db`, mesh-correct.
 *
 * Each pod advertises `$(POD_NAME).pg-headless.db.svc.cluster.local:5432` (PostgreSQL) and `:8008` (Patroni's REST
 * API) instead of its IP, so replication and leader checks go through the mesh with mTLS. Patroni keeps its leader
 * lock in the Kubernetes API and writes the leader Service's endpoints; `pg-repl` selects the replicas. Only the
 * `orders` application (its own service account, namespace `shop`) may connect to PostgreSQL.
 *
 * The image is yours: Patroni publishes none. Patroni's kubernetes/Dockerfile (patroni/patroni v4.0.6) is a fair start
 * once pinned: it builds `FROM postgres:16` with Patroni from git master, so change them to `FROM postgres:17.5` and
 * `pip3 install ... 'patroni[kubernetes]==4.0.6'` for an image that is what its tag `4.0.6-pg17` says. Its entrypoint
 * is not used: the preset runs `patroni /etc/patroni/patroni.yml` on a ConfigMap it writes.
 * The passwords live in a Secret `pg-credentials` (keys `superuser-password`, `replication-password`) that you create.
 * Patroni keeps its proxy until it has exited (a native sidecar), to release its leader key on the way out.
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/patroni.ts'
 */
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshAwareDatabase, MeshClient, MeshMode, PostgresPatroniEngine } from '../src';
import { injectedNamespace } from './support';

const PATRONI_IMAGE = 'registry.example.com/patroni:4.0.6-pg17'; // PostgreSQL 17.5 + Patroni 4.0.6, pinned (see above)
const ORDERS_IMAGE = 'registry.example.com/orders:2.3.1'; // illustrative client application

export class PatroniChart extends Chart {
  public readonly postgres: MeshAwareDatabase;
  public readonly orders: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'db', ...props });
    injectedNamespace(this);
    injectedNamespace(this, 'shop');

    this.postgres = new MeshAwareDatabase(this, 'Postgres', {
      name: 'pg',
      image: PATRONI_IMAGE,
      replicas: 3,
      meshMode: MeshMode.sidecar({ holdApplicationUntilProxyStarts: true }),
      storage: Size.gibibytes(20),
      engine: new PostgresPatroniEngine({
        credentials: kplus.Secret.fromSecretName(this, 'Credentials', 'pg-credentials'),
      }),
    });

    // the client: its own identity, so it can be admitted alone
    const ordersAccount = new kplus.ServiceAccount(this, 'OrdersAccount', { metadata: { name: 'orders', namespace: 'shop' } });
    this.orders = new kplus.Deployment(this, 'Orders', {
      metadata: { name: 'orders', namespace: 'shop' },
      serviceAccount: ordersAccount,
      replicas: 2,
      podMetadata: { labels: { 'app.kubernetes.io/name': 'orders', 'sidecar.istio.io/inject': 'true' } },
      containers: [{
        name: 'orders',
        image: ORDERS_IMAGE,
        securityContext: { user: 10001, group: 10001 },
        envVariables: {
          // writes go to the leader Service, reads may go to the replicas
          DATABASE_HOST: kplus.EnvValue.fromValue(this.postgres.clientService.fqdn),
          DATABASE_READ_HOST: kplus.EnvValue.fromValue(this.postgres.replicaService!.fqdn),
          DATABASE_PORT: kplus.EnvValue.fromValue('5432'),
        },
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
        },
      }],
    });
    this.postgres.allowFrom(MeshClient.workload(this.orders));
  }
}

if (require.main === module) {
  const app = new App();
  new PatroniChart(app, 'patroni');
  app.synth();
}
