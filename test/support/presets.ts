import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CassandraEngine, DatabaseEngine, ElasticsearchEngine, EtcdEngine, KafkaEngine, MongoDbReplicaSetEngine, PostgresPatroniEngine, RabbitMqEngine,
  RedisClusterEngine, RedisSentinelEngine, ZooKeeperEngine,
} from '../../src';

/** How a test builds one preset: its engine, an image when it has none of its own, and the replica counts it accepts. */
export interface PresetCase {
  readonly id: string;
  /** The engine; `variant` flips an option where the preset has one worth exercising. */
  readonly engine: (scope: Chart, variant: boolean) => DatabaseEngine;
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
    image: 'registry.example.com/patroni:4.0.6-pg17',
    replicas: [1, 2, 3, 5],
  },
  { id: 'etcd', engine: s => new EtcdEngine({ credentials: secret(s, 'etcd-credentials') }), replicas: [1, 3, 5] },
  { id: 'rabbitmq', engine: s => new RabbitMqEngine({ credentials: secret(s, 'rabbitmq-credentials') }), replicas: [1, 3, 5] },
  {
    id: 'elasticsearch',
    engine: (s, variant) => new ElasticsearchEngine({ credentials: secret(s, 'es-credentials'), tls: secret(s, 'es-tls'), allowMmap: variant }),
    replicas: [1, 3, 5],
  },
  { id: 'mongodb-replica-set', engine: s => new MongoDbReplicaSetEngine({ credentials: secret(s, 'mongo-credentials') }), replicas: [1, 3, 5, 7] },
  { id: 'redis-sentinel', engine: s => new RedisSentinelEngine({ credentials: secret(s, 'redis-credentials') }), replicas: [3, 5] },
  {
    id: 'redis-cluster',
    engine: (s, variant) => new RedisClusterEngine({ credentials: secret(s, 'redis-credentials'), announceHostnames: variant }),
    replicas: [6, 8, 12],
  },
  { id: 'cassandra', engine: (s, variant) => new CassandraEngine({ credentials: secret(s, 'cassandra-credentials'), seedCount: variant ? 1 : 2 }), replicas: [1, 3, 5] },
  { id: 'kafka', engine: s => new KafkaEngine({ credentials: secret(s, 'kafka-credentials') }), replicas: [1, 3, 5] },
  {
    id: 'zookeeper',
    engine: (s, variant) => new ZooKeeperEngine({ credentials: secret(s, 'zookeeper-credentials'), quorumAuth: variant }),
    replicas: [1, 3, 5],
  },
];
