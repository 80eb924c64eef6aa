/**
 * `rabbitmq`: a three-node RabbitMQ cluster in the mesh and one publisher allowed to reach it.
 *
 * The nodes are `rabbit@rabbitmq-<i>.rabbitmq-headless.messaging.svc.cluster.local` (long names on the pods' FQDNs) and
 * talk to each other over epmd (4369) and the Erlang distribution (25672), both declared so the sidecars give every
 * inter-node hop mTLS. The publisher runs as its own service account and is admitted on AMQP (5672) only; the
 * management API, metrics and the inter-node ports stay closed to it.
 *
 * Create the Secrets first (never in a manifest):
 *   kubectl -n messaging create secret generic rabbitmq-credentials \
 *     --from-literal=rabbitmq-password=... --from-literal=rabbitmq-erlang-cookie=...
 *   kubectl -n messaging create secret generic publisher-amqp --from-literal=username=... --from-literal=password=...
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/rabbitmq.ts'
 */
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshAwareDatabase, MeshClient, MeshMode, RabbitMqEngine } from '../src';
import { injectedNamespace } from './support';

const PUBLISHER_IMAGE = 'ghcr.io/example/order-publisher:2.3.1'; // illustrative application image
const AMQP_PORT = 5672;

export class RabbitMqChart extends Chart {
  public readonly rabbitmq: MeshAwareDatabase;
  public readonly publisher: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'messaging', ...props });

    injectedNamespace(this);

    this.rabbitmq = new MeshAwareDatabase(this, 'RabbitMq', {
      name: 'rabbitmq',
      replicas: 3,
      meshMode: MeshMode.sidecar(),
      engine: new RabbitMqEngine({ credentials: kplus.Secret.fromSecretName(this, 'Credentials', 'rabbitmq-credentials') }),
    });

    // the publisher: its own service account is its mTLS identity, the one the broker's policy admits
    const amqp = kplus.Secret.fromSecretName(this, 'PublisherAmqp', 'publisher-amqp');
    this.publisher = new kplus.Deployment(this, 'Publisher', {
      metadata: { name: 'order-publisher' },
      replicas: 2,
      serviceAccount: new kplus.ServiceAccount(this, 'PublisherAccount', { metadata: { name: 'order-publisher' }, automountToken: false }),
      automountServiceAccountToken: false,
      containers: [{
        name: 'publisher',
        image: PUBLISHER_IMAGE,
        securityContext: { user: 10001, group: 10001 },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
        },
        envVariables: {
          // the load-balanced client Service, not a pod: any node serves any queue
          AMQP_HOST: kplus.EnvValue.fromValue(this.rabbitmq.clientService.fqdn),
          AMQP_PORT: kplus.EnvValue.fromValue(String(AMQP_PORT)),
          AMQP_USERNAME: kplus.EnvValue.fromSecretValue({ secret: amqp, key: 'username' }),
          AMQP_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: amqp, key: 'password' }),
        },
      }],
    });

    this.rabbitmq.allowFrom(MeshClient.workload(this.publisher));
  }
}

if (require.main === module) {
  const app = new App();
  new RabbitMqChart(app, 'rabbitmq');
  app.synth();
}
