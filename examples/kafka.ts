/**
 * `kafka`: a three-pod Kafka in KRaft mode (each pod a controller and a broker) and one producer.
 *
 * Every broker advertises its own pod FQDN (`kafka-<i>.kafka-headless.streaming.svc.cluster.local`), so a client that
 * bootstraps through the `kafka` Service is then sent to stable names, which the mesh matches (the ports are declared
 * on the headless Service) and which survive pod restarts. The controllers form a static quorum over 9093 by pod
 * FQDN. The producer authenticates with SASL (its password from a Secret) inside mTLS; only its service account may
 * reach the client port, 9092.
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/kafka.ts'
 */
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaEngine, MeshAwareDatabase, MeshClient } from '../src';
import { injectedNamespace } from './support';

const PRODUCER_IMAGE = 'ghcr.io/example/order-events:1.8.0'; // illustrative application image

export class KafkaChart extends Chart {
  public readonly kafka: MeshAwareDatabase;
  public readonly producer: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'streaming', ...props });

    injectedNamespace(this);

    // cluster id and SASL passwords in a Secret the user creates (keys: cluster-id, client-passwords,
    // inter-broker-password, controller-password)
    const credentials = kplus.Secret.fromSecretName(this, 'Credentials', 'kafka-credentials');
    this.kafka = new MeshAwareDatabase(this, 'Kafka', {
      name: 'kafka',
      replicas: 3,
      engine: new KafkaEngine({ credentials, clientUsers: ['order-events'] }),
    });

    const account = new kplus.ServiceAccount(this, 'ProducerAccount', { metadata: { name: 'order-events' }, automountToken: false });
    this.producer = new kplus.Deployment(this, 'Producer', {
      metadata: { name: 'order-events' },
      replicas: 2,
      serviceAccount: account,
      automountServiceAccountToken: false,
      securityContext: { user: 10001, group: 10001 },
      containers: [{
        name: 'producer',
        image: PRODUCER_IMAGE,
        securityContext: { user: 10001, group: 10001 },
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
        },
        envVariables: {
          KAFKA_BOOTSTRAP_SERVERS: kplus.EnvValue.fromValue(`${this.kafka.clientService.fqdn}:9092`),
          KAFKA_SECURITY_PROTOCOL: kplus.EnvValue.fromValue('SASL_PLAINTEXT'),
          KAFKA_SASL_MECHANISM: kplus.EnvValue.fromValue('SCRAM-SHA-512'),
          KAFKA_SASL_USERNAME: kplus.EnvValue.fromValue('order-events'),
          // the one client password (client-passwords holds a single entry for the single client user)
          KAFKA_SASL_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: credentials, key: 'client-passwords' }),
        },
      }],
    });

    this.kafka.allowFrom(MeshClient.workload(this.producer));
  }
}

if (require.main === module) {
  const app = new App();
  new KafkaChart(app, 'kafka');
  app.synth();
}
