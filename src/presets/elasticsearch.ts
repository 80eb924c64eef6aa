/**
 * Elasticsearch on the Bitnami image: one StatefulSet of nodes that are all master-eligible data nodes, security on,
 * discovering each other through the headless Service.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/elasticsearch/9/debian-12/rootfs/opt/bitnami/scripts/elasticsearch-env.sh`: the
 *   variables, `ELASTICSEARCH_PASSWORD` defaulting to `bitnami`, security off by default, REST TLS on by default when
 *   security is on, certificates in `/opt/bitnami/elasticsearch/config/certs` (`tls.crt`, `tls.key`, `ca.crt` with
 *   `ELASTICSEARCH_TLS_USE_PEM`), data in `/bitnami/elasticsearch/data`.
 * - same directory, `libelasticsearch.sh`: `network.host`/`publish_host` = `ELASTICSEARCH_ADVERTISED_HOSTNAME`,
 *   `network.bind_host` = 0.0.0.0, `node.name` = `ELASTICSEARCH_NODE_NAME` or the hostname, `discovery.seed_hosts` =
 *   `ELASTICSEARCH_CLUSTER_HOSTS`, `cluster.initial_master_nodes` = `ELASTICSEARCH_CLUSTER_MASTER_HOSTS` (split on
 *   `,`, `;` or space); with security on, transport TLS certificates are required; `my_elasticsearch.yml` in the conf
 *   dir is merged into the configuration; the kernel check refuses `vm.max_map_count` < 262144 unless
 *   `node.store.allow_mmap` is set; the health check queries `/_cluster/health?local=true` as `elastic`.
 * - bitnami/charts `bitnami/elasticsearch/templates/master/statefulset.yaml` and helpers: the variables' formats (seed
 *   hosts = headless Service FQDN, master hosts = node names), tcp probes on the REST port and the exec health check,
 *   the scratch mounts; ../../notes/engines.md §9.
 * - Elasticsearch docs (bootstrap checks, `vm.max_map_count`, `node.store.allow_mmap`; discovery: a seed host name
 *   that resolves to several addresses is tried at each of them).
 * - ../shared/REFERENCE.md: 9200 `tcp-rest` (`http-rest` only for plaintext REST), 9300 `tcp-transport`; advertised
 *   host = pod FQDN, seed hosts = headless FQDN.
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole, requireSecret } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';

/** The pinned default image: the last free Bitnami Elasticsearch 9 tag, under `bitnamilegacy` since Aug 2025. */
export const ELASTICSEARCH_DEFAULT_IMAGE = 'docker.io/bitnamilegacy/elasticsearch:9.1.2-debian-12-r0';

const REST_PORT = 9200;
const TRANSPORT_PORT = 9300;
const CONF_DIR = '/opt/bitnami/elasticsearch/config';

/**
 * Options of `ElasticsearchEngine`.
 */
export interface ElasticsearchOptions {
  /**
   * The Secret holding the password of the `elastic` superuser under the key `elasticsearch-password`. Only
   * referenced: no password is ever written into a manifest. The image would fall back to `bitnami`: the preset always
   * sets it from here.
   */
  readonly credentials: kplus.ISecret;

  /**
   * The Secret with the nodes' certificate, in PEM, under the keys `tls.crt`, `tls.key` and `ca.crt` (what
   * cert-manager writes). It serves both the transport (9300) and the REST API (9200), verified in `full` mode: its
   * subject alternative names must cover the pods (`*.<name>-headless.<namespace>.svc.<clusterDomain>`) and, for REST
   * clients, the client Service (`<name>.<namespace>.svc.<clusterDomain>`). Mounted read-only at
   * `/opt/bitnami/elasticsearch/config/certs`.
   */
  readonly tls: kplus.ISecret;

  /**
   * The cluster name.
   * @default - the database name
   */
  readonly clusterName?: string;

  /**
   * The JVM heap (`-Xms`/`-Xmx`), e.g. `1024m` or `4g`; keep it at most half the container's memory limit.
   * @default '1024m'
   */
  readonly heapSize?: string;

  /**
   * Let Elasticsearch memory-map its index files (its default, and the fastest). It then needs
   * `vm.max_map_count >= 262144` on every node that runs a pod, which a pod cannot set without privileges: tune the
   * nodes (node image, a node-tuning operator or DaemonSet). `false` writes `node.store.allow_mmap: false`, which lifts
   * that requirement at some cost in performance.
   * @default true
   * @see https://www.elastic.co/guide/en/elasticsearch/reference/current/vm-max-map-count.html
   */
  readonly allowMmap?: boolean;
}

/**
 * Elasticsearch: every pod a master-eligible data node named after its pod, publishing its pod FQDN, seeded from the
 * headless Service's name (which resolves to every pod) and bootstrapping from the pod names as initial master
 * nodes. Security is always on: the `elastic` password comes from a Secret, and the transport and the REST API use TLS
 * with a certificate from another Secret, so 9200 is named `tcp-rest` (Envoy must not parse it as HTTP). Clients use
 * the ClusterIP Service `<name>` on 9200.
 *
 * Pods start in parallel (the first master election needs a majority of the initial master nodes). There is no
 * privileged init container: unless `allowMmap` is false, the nodes must already have `vm.max_map_count >= 262144`.
 */
export class ElasticsearchEngine extends DatabaseEngine {
  public readonly engineName = 'elasticsearch';
  public readonly defaultImage?: string = ELASTICSEARCH_DEFAULT_IMAGE;
  public readonly defaultReplicas = 3;
  public readonly ports: EnginePort[] = [
    { port: REST_PORT, name: 'rest', protocol: AppProtocol.TCP, role: PortRole.CLIENT },
    { port: TRANSPORT_PORT, name: 'transport', protocol: AppProtocol.TCP, role: PortRole.PEER },
  ];
  public readonly storage: EngineStorage = { claimName: 'data', mountPath: '/bitnami/elasticsearch', defaultSize: Size.gibibytes(8) };

  private readonly options: ElasticsearchOptions;

  public constructor(options: ElasticsearchOptions) {
    super();
    this.options = options;
    if (options.heapSize !== undefined && !/^[1-9][0-9]*[kmgKMG]$/.test(options.heapSize)) {
      throw new Error(`ElasticsearchEngine: heapSize '${options.heapSize}' is not a JVM size (a number and k, m or g); use e.g. '1024m' or '4g'`);
    }
    if (options.clusterName !== undefined && !/^[A-Za-z0-9._-]{1,255}$/.test(options.clusterName)) {
      throw new Error(`ElasticsearchEngine: clusterName '${options.clusterName}' must be letters, digits, '.', '_' or '-'; use e.g. 'search'`);
    }
  }

  public bind(scope: Construct, context: EngineContext): EngineConfig {
    requireSecret(scope, this, this.options.tls, 'tls.crt', 'the transport TLS certificates (tls.crt, tls.key, ca.crt)', context.name);
    const tcp = (timings: kplus.TcpSocketProbeOptions) => kplus.Probe.fromTcpSocket({ port: REST_PORT, ...timings });
    return {
      containerName: 'elasticsearch',
      container: {
        securityContext: BITNAMI_CONTAINER_SECURITY,
        startup: tcp({ periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 30 }),
        liveness: tcp({ periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 5 }),
        // `/_cluster/health?local=true` as `elastic`: not ready until the node has joined an elected master
        readiness: kplus.Probe.fromCommand(['/opt/bitnami/scripts/elasticsearch/healthcheck.sh'], {
          periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 5,
        }),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) },
      },
      podSecurityContext: BITNAMI_POD_SECURITY,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      writablePaths: [
        '/tmp',
        CONF_DIR,
        '/opt/bitnami/elasticsearch/tmp',
        '/opt/bitnami/elasticsearch/logs',
        '/opt/bitnami/elasticsearch/plugins',
      ],
    };
  }

  public configure(target: IEngineTarget): void {
    const workload = target.workload;
    const container = target.container;
    workload.addPodNameEnv({ container });
    target.env('ELASTICSEARCH_NODE_NAME', '$(POD_NAME)');
    workload.addPodHostEnv('ELASTICSEARCH_ADVERTISED_HOSTNAME', { container });
    target.env('ELASTICSEARCH_CLUSTER_NAME', this.options.clusterName ?? workload.name);
    // all roles: master-eligible data nodes
    target.env('ELASTICSEARCH_IS_DEDICATED_NODE', 'no');
    target.env('ELASTICSEARCH_CLUSTER_HOSTS', workload.headlessServiceFqdn);
    target.env('ELASTICSEARCH_CLUSTER_MASTER_HOSTS', workload.peerList('{pod}', { separator: ' ' }));
    target.env('ELASTICSEARCH_MINIMUM_MASTER_NODES', String(Math.floor(workload.replicas / 2) + 1));
    target.env('ELASTICSEARCH_HTTP_PORT_NUMBER', String(REST_PORT));
    target.env('ELASTICSEARCH_TRANSPORT_PORT_NUMBER', String(TRANSPORT_PORT));
    target.env('ELASTICSEARCH_HEAP_SIZE', this.options.heapSize ?? '1024m');
    target.env('ELASTICSEARCH_ENABLE_SECURITY', 'true');
    target.secretEnv('ELASTICSEARCH_PASSWORD', this.options.credentials, 'elasticsearch-password');
    target.env('ELASTICSEARCH_ENABLE_REST_TLS', 'true');
    target.env('ELASTICSEARCH_TLS_USE_PEM', 'true');
    target.env('ELASTICSEARCH_TLS_VERIFICATION_MODE', 'full');

    const certs = kplus.Volume.fromSecret(target.scope, 'CertsVolume', this.options.tls, { name: 'certs' });
    container.mount(`${CONF_DIR}/certs`, certs, { readOnly: true });
    if (this.options.allowMmap === false) {
      const config = new kplus.ConfigMap(target.scope, 'Config', {
        metadata: { name: `${workload.name}-config`, namespace: workload.namespace },
        data: { 'my_elasticsearch.yml': 'node.store.allow_mmap: false\n' },
      });
      const volume = kplus.Volume.fromConfigMap(target.scope, 'ConfigVolume', config, { name: 'config' });
      container.mount(`${CONF_DIR}/my_elasticsearch.yml`, volume, { subPath: 'my_elasticsearch.yml', readOnly: true });
    }

    workload.addClientService('Client', { ports: [REST_PORT] });
  }
}
