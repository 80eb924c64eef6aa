import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  DatabaseEngine, ElasticsearchEngine, EtcdEngine, MongoDbReplicaSetEngine, PostgresPatroniEngine, RabbitMqEngine,
} from '../../src';

/** How a test builds one preset: its engine, an image when it has none of its own, and the replica counts it accepts. */
export interface PresetCase {
  readonly id: string;
  readonly engine: (scope: Chart) => DatabaseEngine;
  readonly image?: string;
  /** Valid replica counts, for generated configurations. */
  readonly replicas: number[];
}

const secret = (scope: Chart, name: string) =>
  (scope.node.tryFindChild(`Secret-${name}`) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(scope, `Secret-${name}`, name);

/** Every engine preset of the library. A new preset is covered by the property tests as soon as it is listed here. */
export const PRESETS: PresetCase[] = [
  {
    id: 'postgresql-patroni',
    engine: s => new PostgresPatroniEngine({ credentials: secret(s, 'pg-credentials') }),
    image: 'registry.example.com/patroni:4.0.6',
    replicas: [1, 2, 3, 5],
  },
  { id: 'etcd', engine: s => new EtcdEngine({ credentials: secret(s, 'etcd-credentials') }), replicas: [1, 3, 5] },
  { id: 'rabbitmq', engine: s => new RabbitMqEngine({ credentials: secret(s, 'rabbitmq-credentials') }), replicas: [1, 3, 5] },
  {
    id: 'elasticsearch',
    engine: s => new ElasticsearchEngine({ credentials: secret(s, 'es-credentials'), tls: secret(s, 'es-tls') }),
    replicas: [1, 3, 5],
  },
  { id: 'mongodb-replica-set', engine: s => new MongoDbReplicaSetEngine({ credentials: secret(s, 'mongo-credentials') }), replicas: [1, 3, 5, 7] },
];
