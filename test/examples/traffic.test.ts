import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildExamples } from '../../examples';
import { renderTrafficDoc } from '../../scripts/traffic-doc';
import { EdgeExpectation, EdgeIntent, MeshTraffic, TrafficEdge, TrafficVerdict } from '../../src';

/**
 * The examples' traffic, as the model decides it: every edge the constructs intend gets what it must, the sources
 * nobody admitted are denied, and the edges each example is about hold with the TLS it promises.
 */
describe('examples: traffic', () => {
  const app = new App({ outdir: 'unused' });
  buildExamples(app);
  const edges = MeshTraffic.ofApp(app);
  const find = (source: string, destination: string, port: number, address?: string): TrafficEdge[] =>
    edges.filter(e => e.source === source && e.destination === destination && e.port === port
      && (address === undefined || e.address.includes(address)));

  test('every intended edge gets through with the TLS it must, and every unintended one is denied', () => {
    const intended = edges.filter(e => e.expected !== undefined && e.expected !== EdgeExpectation.DENIED);
    const unintended = edges.filter(e => e.expected === EdgeExpectation.DENIED);
    expect(intended.length).toBeGreaterThan(30);
    expect(unintended.length).toBeGreaterThan(30);
    for (const edge of intended) {
      const want = edge.expected === EdgeExpectation.MTLS ? TrafficVerdict.ALLOWED_MTLS : TrafficVerdict.ALLOWED_PLAINTEXT;
      expect({ edge: `${edge.source} -> ${edge.destination}:${edge.port} ${edge.address}`, verdict: edge.verdict })
        .toEqual({ edge: `${edge.source} -> ${edge.destination}:${edge.port} ${edge.address}`, verdict: want });
    }
    for (const edge of unintended) {
      expect({ edge: `${edge.source} -> ${edge.destination}:${edge.port}`, verdict: edge.verdict })
        .toEqual({ edge: `${edge.source} -> ${edge.destination}:${edge.port}`, verdict: TrafficVerdict.DENIED });
    }
  });

  test('every workload with a mesh policy has its peers and a sample of unintended sources in the model, and its probes get through', () => {
    expect(edges.filter(e => e.intent === EdgeIntent.PROBE && e.verdict !== TrafficVerdict.DENIED).length).toBeGreaterThan(4);
    const protectedWorkloads = new Set(edges.filter(e => e.intent === EdgeIntent.UNINTENDED).map(e => e.destination));
    expect([...protectedWorkloads].sort()).toEqual([
      'StatefulSet cache/redis', 'StatefulSet data/cassandra', 'StatefulSet db/pg', 'StatefulSet messaging/rabbitmq', 'StatefulSet search/search',
      'StatefulSet streaming/kafka',
    ]);
    for (const workload of protectedWorkloads) {
      expect({ workload, peers: edges.some(e => e.destination === workload && e.intent === EdgeIntent.PEER) }).toEqual({ workload, peers: true });
      // exec probes (Redis) open no connection; every network probe gets through
      const deniedProbes = edges.filter(e => e.destination === workload && e.intent === EdgeIntent.PROBE && e.verdict === TrafficVerdict.DENIED);
      expect({ workload, deniedProbes }).toEqual({ workload, deniedProbes: [] });
      for (const source of ['a pod of another namespace', 'outside the mesh']) {
        const sample = find(source, workload, edges.find(e => e.destination === workload)!.port);
        expect({ workload, source, denied: sample.length > 0 && sample.every(e => e.verdict === TrafficVerdict.DENIED) })
          .toEqual({ workload, source, denied: true });
      }
    }
  });

  // each example's point, edge by edge
  test.each([
    ['patroni: orders reaches the Postgres pods with mTLS', 'Deployment shop/orders', 'StatefulSet db/pg', 5432, 'pg-headless', TrafficVerdict.ALLOWED_MTLS],
    ['patroni: peers reach each other\'s REST API with mTLS', 'StatefulSet db/pg', 'StatefulSet db/pg', 8008, 'pg-headless', TrafficVerdict.ALLOWED_MTLS],
    ['redis-outside-mesh: the mesh client reaches Redis in plaintext', 'Deployment shop/cache-client', 'StatefulSet cache/redis', 6379, 'redis-headless', TrafficVerdict.ALLOWED_PLAINTEXT],
    ['redis-outside-mesh: Sentinels reach each other in plaintext', 'StatefulSet cache/redis', 'StatefulSet cache/redis', 26379, undefined, TrafficVerdict.ALLOWED_PLAINTEXT],
    ['cassandra-cross-namespace: reports (another namespace) reaches CQL with mTLS', 'Deployment analytics/reports', 'StatefulSet data/cassandra', 9042, undefined, TrafficVerdict.ALLOWED_MTLS],
    ['cassandra-cross-namespace: gossip between the nodes with mTLS', 'StatefulSet data/cassandra', 'StatefulSet data/cassandra', 7000, undefined, TrafficVerdict.ALLOWED_MTLS],
    ['kafka: the producer reaches the brokers\' advertised pod names with mTLS', 'Deployment streaming/order-events', 'StatefulSet streaming/kafka', 9092, 'kafka-headless', TrafficVerdict.ALLOWED_MTLS],
    ['kafka: controllers reach the quorum with mTLS', 'StatefulSet streaming/kafka', 'StatefulSet streaming/kafka', 9093, undefined, TrafficVerdict.ALLOWED_MTLS],
    ['rabbitmq: the publisher reaches AMQP with mTLS', 'Deployment messaging/order-publisher', 'StatefulSet messaging/rabbitmq', 5672, undefined, TrafficVerdict.ALLOWED_MTLS],
    ['rabbitmq: the publisher is not admitted to the management API', 'Deployment messaging/order-publisher', 'StatefulSet messaging/rabbitmq', 15672, undefined, TrafficVerdict.DENIED],
    ['rabbitmq: nodes reach each other over the Erlang distribution with mTLS', 'StatefulSet messaging/rabbitmq', 'StatefulSet messaging/rabbitmq', 25672, undefined, TrafficVerdict.ALLOWED_MTLS],
    ['search-cache-sync: the frontend namespace reaches the search API with mTLS', 'namespace frontend', 'StatefulSet search/search', 8080, undefined, TrafficVerdict.ALLOWED_MTLS],
  ] as const)('%s', (_, source, destination, port, address, verdict) => {
    const found = find(source, destination, port, address);
    expect(found.length).toBeGreaterThan(0);
    for (const edge of found) {
      expect({ address: edge.address, verdict: edge.verdict }).toEqual({ address: edge.address, verdict });
    }
  });

  test('docs/traffic.md shows the examples\' traffic as it is (regenerate with `npx projen docs:traffic`)', () => {
    const doc = renderTrafficDoc();
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'traffic.md'), 'utf8')).toBe(doc);
    // and the chart docs/mesh-policy.md shows is the patroni example's, as it is
    const patroni = /## patroni\n\n(```mermaid\n[\s\S]*?\n```)/.exec(doc)![1];
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'mesh-policy.md'), 'utf8')).toContain(patroni);
  });
});
