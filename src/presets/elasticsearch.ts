/**
 * Elasticsearch on the Bitnami image: one StatefulSet of nodes that are all master-eligible data nodes, security on,
 * discovering each other by their pod FQDNs. The facts it relies on are held as data, with their sources, in
 * `test/contracts/elasticsearch.contract.ts` and checked against the pod it writes.
 *
 * Sources (facts carried over, code written here):
 * - bitnami/containers `bitnami/elasticsearch/9/debian-12/rootfs/opt/bitnami/scripts/elasticsearch-env.sh` (commit
 *   ec1651ce): the variables, `ELASTICSEARCH_PASSWORD` defaulting to `bitnami`, `ELASTICSEARCH_HEAP_SIZE` to `1024m`
 *   whatever the container's memory, security off by default, REST TLS on by default when security is on,
 *   certificates in `/opt/bitnami/elasticsearch/config/certs` (`tls.crt`, `tls.key`, `ca.crt` with
 *   `ELASTICSEARCH_TLS_USE_PEM`), data in `/bitnami/elasticsearch/data`. `ELASTICSEARCH_MINIMUM_MASTER_NODES` is only
 *   exported: nothing uses it (Elasticsearch >= 7 has no `minimum_master_nodes`).
 * - same directory, `libelasticsearch.sh` (commit 6cbbf0cd): `network.host`/`publish_host` =
 *   `ELASTICSEARCH_ADVERTISED_HOSTNAME`, `network.bind_host` = 0.0.0.0, `node.name` = `ELASTICSEARCH_NODE_NAME`,
 *   `discovery.seed_hosts` = `ELASTICSEARCH_CLUSTER_HOSTS`, `cluster.initial_master_nodes` =
 *   `ELASTICSEARCH_CLUSTER_MASTER_HOSTS` (split on `,`, `;` or space); the heap goes to `jvm.options.d/heap.options`;
 *   with security on, transport TLS certificates are required; `my_elasticsearch.yml` in the conf dir is merged into
 *   the configuration; the kernel check refuses `vm.max_map_count` < 262144 unless `node.store.allow_mmap` is set; the
 *   health check queries `/_cluster/health?local=true` as `elastic`.
 * - bitnami/containers `bitnami/elasticsearch/9/debian-12/Dockerfile` (commit 08e7050f, image 9.1.2 of 2025-08-12):
 *   no plugin at build time (`ARG ELASTICSEARCH_PLUGINS` without a value), so the plugins directory starts empty.
 * - bitnami/charts `bitnami/elasticsearch` (commit 5165628a): `templates/master/statefulset.yaml` (tcp probes on the
 *   REST port, the exec health check, the scratch mounts), `templates/tls-secret.yaml` (its own certificate carries
 *   `*.<headless>.<ns>.svc.<cd>` and the bare `<headless>.<ns>.svc.<cd>`), `values.yaml` ("the recommended heapSize is
 *   half of the container's memory").
 * - Elasticsearch docs: heap at most 50% of the memory and below the compressed-oops threshold (about 32 GB)
 *   (https://www.elastic.co/guide/en/elasticsearch/reference/current/advanced-configuration.html#set-jvm-heap-size);
 *   direct memory defaults to half the heap (elastic/elasticsearch
 *   `distribution/tools/server-cli/src/main/java/org/elasticsearch/server/cli/JvmErgonomics.java`); transport TLS in
 *   `full` mode checks the host name the node dialled against the certificate (elastic/elasticsearch#39970);
 *   bootstrap checks, `vm.max_map_count`, `node.store.allow_mmap`.
 * - Istio: https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#headless-services (ports
 *   of a headless Service must be declared); 9200 `tcp-rest` (the REST API is TLS end to end), 9300 `tcp-transport`.
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { DatabaseEngine, EngineConfig, EngineContext, EnginePort, EngineStorage, IEngineTarget, PortRole, requireSecret } from '../database-engine';
import { BITNAMI_CONTAINER_SECURITY, BITNAMI_POD_SECURITY } from '../private/bitnami';
import { checkAgainstLimit, MemoryShare, sizeFromLimit } from '../private/memory';

/** The pinned default image: the last free Bitnami Elasticsearch 9 tag, under `bitnamilegacy` since Aug 2025. */
export const ELASTICSEARCH_DEFAULT_IMAGE = 'docker.io/bitnamilegacy/elasticsearch:9.1.2-debian-12-r0';

const REST_PORT = 9200;
const TRANSPORT_PORT = 9300;
const CONF_DIR = '/opt/bitnami/elasticsearch/config';

/**
 * The heap: half the container's memory limit (the rest for direct memory, half the heap by default, and the
 * filesystem cache), below the compressed-oops threshold (31g). A limit below 1Gi (a 512m heap) is refused.
 */
const HEAP: MemoryShare = {
  what: 'the JVM heap (ELASTICSEARCH_HEAP_SIZE)',
  ratio: 0.5,
  maxMiB: 31 * 1024,
  minLimitMiB: 1024,
  source: 'Elasticsearch docs, advanced-configuration.html#set-jvm-heap-size: at most 50% of the memory, below the compressed-oops threshold; '
    + '1Gi is the preset\'s floor, a 512m heap',
};

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
   * The JVM heap (`-Xms`/`-Xmx`), e.g. `1024m` or `4g`: at most half the container's memory limit (a larger one is
   * refused).
   * @default - half the container's memory limit, at most 31g
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
 * Elasticsearch: every pod a master-eligible data node named after its pod, publishing its pod FQDN, seeded with every
 * pod's FQDN (names the documented certificate, `*.<name>-headless.<namespace>.svc.<clusterDomain>`, covers, so
 * `full` transport verification holds from the first dial) and bootstrapping from the pod names as initial master
 * nodes. Security is always on: the `elastic` password comes from a Secret, and the transport and the REST API use TLS
 * with a certificate from another Secret, so 9200 is named `tcp-rest` (Envoy must not parse it as HTTP). Clients use
 * the ClusterIP Service `<name>` on 9200.
 *
 * Pods start in parallel (the first master election needs a majority of the initial master nodes). There is no
 * privileged init container: unless `allowMmap` is false, the nodes must already have `vm.max_map_count >= 262144`.
 * The heap is half the container's memory limit (at most 31g), or `heapSize`, which may not exceed that half; a limit
 * below 1Gi is refused.
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
    // every pod by FQDN, not the bare headless name: under `full` verification the name dialled must be in the
    // certificate, and `*.<headless>...` covers the pods' names but not the Service's own
    target.env('ELASTICSEARCH_CLUSTER_HOSTS', workload.peerList('{host}'));
    target.env('ELASTICSEARCH_CLUSTER_MASTER_HOSTS', workload.peerList('{pod}', { separator: ' ' }));
    target.env('ELASTICSEARCH_HTTP_PORT_NUMBER', String(REST_PORT));
    target.env('ELASTICSEARCH_TRANSPORT_PORT_NUMBER', String(TRANSPORT_PORT));
    target.env('ELASTICSEARCH_HEAP_SIZE', this.heapSize(target));
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

  /** `heapSize` checked against the memory limit, or half the limit. */
  private heapSize(target: IEngineTarget): string {
    const heapSize = this.options.heapSize;
    if (heapSize === undefined) {
      return `${sizeFromLimit(target.scope, this.engineName, target.resources, HEAP)}m`;
    }
    checkAgainstLimit(target.scope, this.engineName, target.resources, 'heapSize', heapSize, jvmSizeMiB(heapSize), HEAP);
    return heapSize;
  }
}

/** A JVM size (`512m`, `4g`, `1048576k`) in MiB, rounded up. */
function jvmSizeMiB(size: string): number {
  const amount = Number(size.slice(0, -1));
  const unit = size.slice(-1).toLowerCase();
  return Math.ceil(unit === 'g' ? amount * 1024 : unit === 'm' ? amount : amount / 1024);
}
