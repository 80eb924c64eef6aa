/**
 * `cassandra-cross-namespace`: a Cassandra ring in `data`, its clients in `analytics`.
 *
 * Both namespaces are in the mesh (sidecars). Cassandra's pods gossip on 7000/7001, which are declared on the
 * headless Service and named (`tcp-intra`, `tcp-intra-tls`): Istio matches the pod-IP gossip traffic and the STRICT
 * PeerAuthentication accepts it as mTLS, instead of rejecting a plaintext peer on an undeclared port. Only the
 * `reports` service account of `analytics` may open CQL (9042); gossip and JMX stay among the ring's own pods.
 *
 * The client learns its contact points from the database's own pod names, passed by env
 * (`CASSANDRA_CONTACT_POINTS`): the same FQDNs the ring's seeds use, across the namespace boundary.
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/cassandra-cross-namespace.ts'
 */
import { ApiObject, App, Chart, ChartProps, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CassandraEngine, MeshAwareDatabase, MeshClient } from '../src';

const CLIENT_IMAGE = 'ghcr.io/example/reports:4.1.0'; // illustrative application image
const CLIENT_NAMESPACE = 'analytics';
const CQL_PORT = 9042;

/** A Namespace with sidecar injection on (cluster-scoped: the chart's namespace is removed from its metadata). */
function injected(chart: Chart, id: string, name: string): kplus.Namespace {
  const ns = new kplus.Namespace(chart, id, { metadata: { name, labels: { 'istio-injection': 'enabled' } } });
  ApiObject.of(ns).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return ns;
}

export class CassandraCrossNamespaceChart extends Chart {
  public readonly cassandra: MeshAwareDatabase;
  public readonly client: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'data', ...props });

    injected(this, 'DataNamespace', this.namespace!);
    injected(this, 'AnalyticsNamespace', CLIENT_NAMESPACE);

    // three pods in sidecar mode (the default); the admin password is in a Secret the user creates in `data`
    this.cassandra = new MeshAwareDatabase(this, 'Cassandra', {
      name: 'cassandra',
      replicas: 3,
      engine: new CassandraEngine({
        credentials: kplus.Secret.fromSecretName(this, 'Credentials', 'cassandra-credentials'),
        datacenter: 'dc1',
        rack: 'rack1',
      }),
    });

    const account = new kplus.ServiceAccount(this, 'ClientAccount', {
      metadata: { name: 'reports', namespace: CLIENT_NAMESPACE },
      automountToken: false,
    });
    this.client = new kplus.Deployment(this, 'Client', {
      metadata: { name: 'reports', namespace: CLIENT_NAMESPACE },
      replicas: 2,
      serviceAccount: account,
      automountServiceAccountToken: false,
      securityContext: { user: 10001, group: 10001 },
      containers: [{
        name: 'reports',
        image: CLIENT_IMAGE,
        securityContext: { user: 10001, group: 10001 },
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
        },
        envVariables: {
          // every pod of the ring, by its stable name: the driver discovers the rest from system.peers
          CASSANDRA_CONTACT_POINTS: kplus.EnvValue.fromValue(this.cassandra.workload.peerList(`{host}:${CQL_PORT}`)),
          CASSANDRA_LOCAL_DATACENTER: kplus.EnvValue.fromValue('dc1'),
          CASSANDRA_USERNAME: kplus.EnvValue.fromValue('cassandra'),
          // the same password, from a Secret the user creates in the client's namespace
          CASSANDRA_PASSWORD: kplus.EnvValue.fromSecretValue({
            secret: kplus.Secret.fromSecretName(this, 'ClientCredentials', 'cassandra-credentials'), key: 'cassandra-password',
          }),
        },
      }],
    });

    // CQL only, only for this workload's service account
    this.cassandra.allowFrom(MeshClient.workload(this.client));
  }
}

if (require.main === module) {
  const app = new App();
  new CassandraCrossNamespaceChart(app, 'cassandra-cross-namespace');
  app.synth();
}
