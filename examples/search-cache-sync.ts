/**
 * `search-cache-sync`: application pods that keep a local cache and tell each sibling to drop an entry.
 *
 * Each pod of `search` serves queries on 8080 (behind a ClusterIP client Service, where load balancing
 * applies) and receives invalidations from its siblings on 9090, addressed pod by pod through the headless
 * Service. Every port is declared and named, so Istio matches the pod-to-pod traffic (mTLS, policy,
 * telemetry) instead of passing it through. The pod learns the headless Service, its own stable name and
 * its siblings' addresses from its environment. A MeshPolicy keeps mTLS STRICT between siblings and admits the
 * `frontend` namespace on the API port only.
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/search-cache-sync.ts'
 */
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol, HeadlessStatefulService, MeshClient, MeshMode, MeshPolicy } from '../src';
import { injectedNamespace } from './support';

const SEARCH_IMAGE = 'ghcr.io/example/search-api:1.4.2'; // illustrative application image
const API_PORT = 8080;
const CACHE_SYNC_PORT = 9090;
const METRICS_PORT = 9102;

export class SearchCacheSyncChart extends Chart {
  public readonly search: HeadlessStatefulService;
  public readonly policy: MeshPolicy;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'search', ...props });

    injectedNamespace(this);

    this.search = new HeadlessStatefulService(this, 'Search', {
      name: 'search',
      replicas: 3,
      meshMode: MeshMode.sidecar(),
      serviceAccount: new kplus.ServiceAccount(this, 'Account', { metadata: { name: 'search' } }),
      // siblings do not depend on each other to start: create and replace pods in parallel
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      containers: [{
        name: 'search',
        image: SEARCH_IMAGE,
        securityContext: { user: 10001, group: 10001 },
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
        },
        readiness: kplus.Probe.fromHttpGet('/healthz', { port: API_PORT }),
        liveness: kplus.Probe.fromHttpGet('/livez', { port: API_PORT }),
      }],
      ports: [
        { port: API_PORT, protocol: AppProtocol.HTTP, name: 'api' },
        { port: CACHE_SYNC_PORT, protocol: AppProtocol.HTTP, name: 'cache-sync' },
        { port: METRICS_PORT, protocol: AppProtocol.HTTP, name: 'metrics' },
      ],
    });
    const app = this.search.statefulSet.containers[0];
    app.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp'));

    // who am I, and where are my siblings
    this.search.addPodNameEnv();
    app.env.addVariable('PEER_SERVICE', kplus.EnvValue.fromValue(this.search.headlessServiceFqdn));
    this.search.addPodHostEnv('SELF_HOST');
    this.search.addPodUrlEnv('SELF_CACHE_SYNC_URL', 'http', CACHE_SYNC_PORT);
    this.search.addPeerListEnv('CACHE_SYNC_PEERS', `http://{host}:${CACHE_SYNC_PORT}`);
    app.env.addVariable('CACHE_SYNC_PORT', kplus.EnvValue.fromValue(String(CACHE_SYNC_PORT)));

    // clients query through a ClusterIP Service: load balanced, unlike the headless one
    this.search.addClientService('Api', { ports: [API_PORT] });

    // siblings talk over mTLS on every port; the frontend may query the API, nothing else gets in
    this.policy = new MeshPolicy(this, 'Policy', { workload: this.search });
    this.policy.allowFrom(MeshClient.allInNamespace('frontend'), [API_PORT]);
  }
}

if (require.main === module) {
  const app = new App();
  new SearchCacheSyncChart(app, 'search-cache-sync');
  app.synth();
}
