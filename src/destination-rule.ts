import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from './imports/networking.istio.io';
import { IMeshService } from './mesh-service';
import { resolveName, resolveNamespace } from './private/identity';
import { istioDuration } from './private/istio';
import { recordExternalHost, recordMeshConstruct } from './private/mesh-facts';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail, portNumberProblem } from './private/validation';

/**
 * The TLS a client's proxy uses towards a destination.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode
 */
export enum TlsMode {
  /** Plaintext: the destination has no proxy to terminate mTLS (or the port bypasses it). */
  DISABLE = 'DISABLE',
  /** Istio mTLS with the mesh's certificates: the destination is in the mesh. */
  ISTIO_MUTUAL = 'ISTIO_MUTUAL',
  /** TLS origination to a destination outside the mesh, verifying its certificate. */
  SIMPLE = 'SIMPLE',
  /** Mutual TLS origination with a client certificate. */
  MUTUAL = 'MUTUAL',
}

/**
 * Options of TLS origination (`ClientTls.simple()`, `ClientTls.mutual()`).
 */
export interface OriginationTlsOptions {
  /**
   * Path, inside the client's proxy, of the CA bundle that verifies the server certificate.
   * @default - none: then `insecureSkipVerify` must be set explicitly
   */
  readonly caCertificates?: string;

  /**
   * Skip verifying the server's certificate. An explicit, documented opt-out (IST0128/IST0129 flag it).
   * @default false
   */
  readonly insecureSkipVerify?: boolean;

  /**
   * SNI to present.
   * @default - the host
   */
  readonly sni?: string;

  /**
   * Names the server certificate must carry.
   * @default - none
   */
  readonly subjectAltNames?: string[];

  /**
   * Client certificate path (MUTUAL only).
   * @default - none
   */
  readonly clientCertificate?: string;

  /**
   * Client private key path (MUTUAL only).
   * @default - none
   */
  readonly privateKey?: string;
}

/**
 * Client-side TLS settings: `ClientTls.istioMutual()`, `ClientTls.disable()`, `ClientTls.simple(...)`,
 * `ClientTls.mutual(...)`.
 */
export class ClientTls {
  /** Istio mTLS: for destinations in the mesh. */
  public static istioMutual(): ClientTls {
    return new ClientTls(TlsMode.ISTIO_MUTUAL, {});
  }

  /** Plaintext: for destinations outside the mesh, or ports that bypass their proxy. */
  public static disable(): ClientTls {
    return new ClientTls(TlsMode.DISABLE, {});
  }

  /** TLS origination, verifying the server against `caCertificates` (or, explicitly, not at all). */
  public static simple(options: OriginationTlsOptions): ClientTls {
    return new ClientTls(TlsMode.SIMPLE, checkOrigination('simple', options, false));
  }

  /** Mutual TLS origination with a client certificate and key. */
  public static mutual(options: OriginationTlsOptions): ClientTls {
    return new ClientTls(TlsMode.MUTUAL, checkOrigination('mutual', options, true));
  }

  private constructor(
    /** The mode. */
    public readonly mode: TlsMode,
    private readonly options: OriginationTlsOptions,
  ) {}

  /** @internal */
  public _toKube(): istio.DestinationRuleSpecTrafficPolicyTls {
    return {
      mode: this.mode as string as istio.DestinationRuleSpecTrafficPolicyTlsMode,
      caCertificates: this.options.caCertificates,
      insecureSkipVerify: this.options.insecureSkipVerify,
      sni: this.options.sni,
      subjectAltNames: this.options.subjectAltNames,
      clientCertificate: this.options.clientCertificate,
      privateKey: this.options.privateKey,
    };
  }
}

function checkOrigination(kind: string, options: OriginationTlsOptions, mutual: boolean): OriginationTlsOptions {
  if (options.caCertificates === undefined && options.insecureSkipVerify !== true) {
    throw new Error(`ClientTls.${kind}(): the server certificate would not be verified (IST0128); set caCertificates, or insecureSkipVerify: true to opt out explicitly`);
  }
  if (options.caCertificates !== undefined && options.insecureSkipVerify === true) {
    throw new Error(`ClientTls.${kind}(): caCertificates and insecureSkipVerify contradict each other; keep caCertificates`);
  }
  if (mutual && (options.clientCertificate === undefined || options.privateKey === undefined)) {
    throw new Error('ClientTls.mutual(): clientCertificate and privateKey are required; use ClientTls.simple() for server-only TLS');
  }
  if (!mutual && (options.clientCertificate !== undefined || options.privateKey !== undefined)) {
    throw new Error('ClientTls.simple(): clientCertificate and privateKey belong to ClientTls.mutual()');
  }
  return { ...options };
}

/**
 * TLS of one Service port.
 */
export interface PortTls {
  /** The Service port. */
  readonly port: number;
  /** Its TLS settings. */
  readonly tls: ClientTls;
}

/**
 * TCP connection pool settings.
 */
export interface ConnectionPoolOptions {
  /**
   * Maximum connections to the destination (per client proxy).
   * @default - Istio's default (2^32-1)
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout.
   * @default - Istio's default (10s)
   */
  readonly connectTimeout?: Duration;
  /**
   * Idle timeout of a connection.
   * @default - Istio's default (1h)
   */
  readonly idleTimeout?: Duration;
  /**
   * TCP keepalive: idle time before the first probe. Long-lived database connections through NATs and load
   * balancers need it.
   * @default - the OS default (7200s)
   */
  readonly keepaliveTime?: Duration;
  /**
   * TCP keepalive: time between probes.
   * @default - the OS default (75s)
   */
  readonly keepaliveInterval?: Duration;
}

/**
 * Outlier detection: eject endpoints that keep failing.
 */
export interface OutlierDetectionOptions {
  /**
   * Consecutive errors (for TCP: connection failures) before an endpoint is ejected.
   * @default 5
   */
  readonly consecutiveErrors?: number;
  /**
   * How often endpoints are analysed.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * Minimum ejection time.
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Maximum share of endpoints ejected at once, in percent.
   * @default 10
   */
  readonly maxEjectionPercent?: number;
}

/**
 * A load-balancing policy. It only applies to Services with a cluster IP: never on a headless Service.
 */
export class LoadBalancer {
  /** Round robin. */
  public static roundRobin(): LoadBalancer {
    return new LoadBalancer('ROUND_ROBIN');
  }

  /** Least requests (Istio's default). */
  public static leastRequest(): LoadBalancer {
    return new LoadBalancer('LEAST_REQUEST');
  }

  /** Random. */
  public static random(): LoadBalancer {
    return new LoadBalancer('RANDOM');
  }

  private constructor(
    /** The `simple` policy. */
    public readonly policy: string,
  ) {}
}

/**
 * Properties of a `DestinationRule`.
 */
export interface DestinationRuleProps {
  /** The Service whose traffic it configures; its FQDN is the rule's host (IST0174: per-pod or wildcard hosts match nothing). */
  readonly service: IMeshService;

  /**
   * TLS towards the Service.
   * @default - none: Istio's auto mTLS decides
   */
  readonly tls?: ClientTls;

  /**
   * Per-port TLS, keyed by Service port.
   * @default - none
   */
  readonly portTls?: PortTls[];

  /**
   * TCP connection pool.
   * @default - Istio's defaults
   */
  readonly connectionPool?: ConnectionPoolOptions;

  /**
   * Outlier detection.
   * @default - none
   */
  readonly outlierDetection?: OutlierDetectionOptions;

  /**
   * Load balancing. Refused on a headless Service: Istio sends headless traffic straight to the pod IP
   * (ORIGINAL_DST), where it has no effect (istio#50967); use a client Service.
   * @default - Istio's default (LEAST_REQUEST)
   */
  readonly loadBalancer?: LoadBalancer;

  /**
   * Namespaces the rule is visible to.
   * @default - every namespace
   */
  readonly exportTo?: string[];

  /**
   * The object name.
   * @default - the Service name
   */
  readonly name?: string;

  /**
   * The namespace. Clients look for a rule in their own namespace first, then in the Service's.
   * @default - the Service's namespace
   */
  readonly namespace?: string;
}

/**
 * An Istio DestinationRule (`networking.istio.io/v1`) whose host is always a Service FQDN.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export class DestinationRule extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The rule's host: the Service FQDN. */
  public readonly host: string;
  /** The L1 object, also reachable as `node.defaultChild` (its id is `Resource`). */
  protected readonly apiObject: istio.DestinationRule;

  private readonly service: IMeshService;
  private readonly tls?: ClientTls;
  private readonly _portTls: PortTls[] = [];

  public constructor(scope: Construct, id: string, props: DestinationRuleProps) {
    super(scope, id);
    recordMeshConstruct(this);
    watchSynthesis(this);
    this.service = props.service;
    this.name = resolveName(this, 'DestinationRule name', props.name ?? props.service.name, id);
    this.namespace = resolveNamespace(this, this, props.namespace ?? props.service.namespace);
    this.host = props.service.fqdn;
    if (!props.service.node.findAll().some(ApiObject.isApiObject)) {
      // an imported Service (fromAttributes): the analysis will not find it among this app's manifests
      recordExternalHost(this, this.host);
    }
    this.tls = props.tls;
    if (props.loadBalancer && props.service.headless) {
      fail(this, `loadBalancer ${props.loadBalancer.policy} on headless Service '${props.service.name}' has no effect: Istio sends headless traffic straight `
        + 'to the pod IP (an ORIGINAL_DST cluster, istio#50967); put load balancing on a DestinationRule for a client Service '
        + '(HeadlessStatefulService.addClientService())');
    }
    for (const portTls of props.portTls ?? []) {
      this.addPortTls(portTls.port, portTls.tls);
    }
    const trafficPolicy = {
      connectionPool: connectionPool(this, props.connectionPool),
      outlierDetection: outlierDetection(this, props.outlierDetection),
      loadBalancer: props.loadBalancer
        ? { simple: props.loadBalancer.policy as istio.DestinationRuleSpecTrafficPolicyLoadBalancerSimple }
        : undefined,
    };

    this.apiObject = new istio.DestinationRule(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: Lazy.any({
        produce: (): istio.DestinationRuleSpec => ({
          host: this.host,
          exportTo: props.exportTo,
          trafficPolicy: {
            ...trafficPolicy,
            tls: this.tls?._toKube(),
            portLevelSettings: this._portTls.length === 0 ? undefined
              : [...this._portTls].sort((a, b) => a.port - b.port).map(p => ({
                port: { number: p.port },
                // the port-level TLS type is structurally the same as the destination-level one
                tls: p.tls._toKube() as istio.DestinationRuleSpecTrafficPolicyPortLevelSettingsTls,
              })),
          },
        }),
      }),
    });
  }

  /** The TLS mode for the whole Service, if set. */
  public get tlsMode(): TlsMode | undefined {
    return this.tls?.mode;
  }

  /** The per-port TLS settings (a copy). */
  public get portTls(): PortTls[] {
    return this._portTls.map(p => ({ ...p }));
  }

  /** Sets the TLS of one Service port (e.g. `DISABLE` for a port whose server-side mode is `DISABLE`). */
  public addPortTls(port: number, tls: ClientTls): void {
    checkNotSynthesised(this, `port ${port} ${tls.mode}`, 'addPortTls()');
    const problem = portNumberProblem(port);
    if (problem) {
      fail(this, `port-level TLS port ${port} ${problem}`);
    }
    const ports = this.service.meshPorts;
    if (ports.length > 0 && !ports.some(p => p.port === port)) {
      fail(this, `port-level TLS port ${port} is not a port of Service '${this.service.name}' (${ports.map(p => p.port).join(', ')}); `
        + 'DestinationRule port settings are keyed by Service port');
    }
    if (this._portTls.some(p => p.port === port)) {
      fail(this, `port-level TLS for port ${port} is already set; set each port once`);
    }
    this._portTls.push({ port, tls });
  }
}

type Pool = istio.DestinationRuleSpecTrafficPolicyConnectionPool;
type Outliers = istio.DestinationRuleSpecTrafficPolicyOutlierDetection;

function connectionPool(scope: Construct, options: ConnectionPoolOptions | undefined): Pool | undefined {
  if (!options) {
    return undefined;
  }
  if (options.maxConnections !== undefined && (!Number.isInteger(options.maxConnections) || options.maxConnections < 1)) {
    fail(scope, `connectionPool.maxConnections ${options.maxConnections} must be a whole number of at least 1`);
  }
  const keepalive = options.keepaliveTime || options.keepaliveInterval ? {
    time: options.keepaliveTime ? istioDuration(scope, 'connectionPool.keepaliveTime', options.keepaliveTime) : undefined,
    interval: options.keepaliveInterval ? istioDuration(scope, 'connectionPool.keepaliveInterval', options.keepaliveInterval) : undefined,
  } : undefined;
  return {
    tcp: {
      maxConnections: options.maxConnections,
      connectTimeout: options.connectTimeout ? istioDuration(scope, 'connectionPool.connectTimeout', options.connectTimeout) : undefined,
      idleTimeout: options.idleTimeout ? istioDuration(scope, 'connectionPool.idleTimeout', options.idleTimeout) : undefined,
      tcpKeepalive: keepalive,
    },
  };
}

function outlierDetection(scope: Construct, options: OutlierDetectionOptions | undefined): Outliers | undefined {
  if (!options) {
    return undefined;
  }
  const percent = options.maxEjectionPercent ?? 10;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    fail(scope, `outlierDetection.maxEjectionPercent ${percent} must be a whole number from 0 to 100`);
  }
  const errors = options.consecutiveErrors ?? 5;
  if (!Number.isInteger(errors) || errors < 1) {
    fail(scope, `outlierDetection.consecutiveErrors ${errors} must be a whole number of at least 1`);
  }
  return {
    consecutive5XxErrors: errors,
    interval: istioDuration(scope, 'outlierDetection.interval', options.interval ?? Duration.seconds(10)),
    baseEjectionTime: istioDuration(scope, 'outlierDetection.baseEjectionTime', options.baseEjectionTime ?? Duration.seconds(30)),
    maxEjectionPercent: percent,
  };
}
