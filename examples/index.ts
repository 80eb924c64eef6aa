import { App, Chart } from 'cdk8s';
import { CassandraCrossNamespaceChart } from './cassandra-cross-namespace';
import { KafkaChart } from './kafka';
import { PatroniChart } from './patroni';
import { RabbitMqChart } from './rabbitmq';
import { RedisOutsideMeshChart } from './redis-outside-mesh';
import { SearchCacheSyncChart } from './search-cache-sync';
import { WebChart } from './web';

/**
 * Every example, each in its own chart (one file per chart in cdk8s.out/).
 * Tests and the analyzer use this list, so a new example is checked as soon as it is added here.
 */
export function buildExamples(app: App): Chart[] {
  return [
    new WebChart(app, 'web'),
    new SearchCacheSyncChart(app, 'search-cache-sync'),
    new PatroniChart(app, 'patroni'),
    new RedisOutsideMeshChart(app, 'redis-outside-mesh'),
    new CassandraCrossNamespaceChart(app, 'cassandra-cross-namespace'),
    new KafkaChart(app, 'kafka'),
    new RabbitMqChart(app, 'rabbitmq'),
  ];
}
