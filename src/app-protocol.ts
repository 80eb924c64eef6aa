/**
 * The protocol of a port as Istio understands it.
 *
 * Istio takes a port's protocol from its `appProtocol` (which wins) or from the port name
 * `<protocol>[-<suffix>]`; any other port is sniffed, which breaks server-first protocols and hides
 * traffic from policy. Every port this library emits carries both, and both agree.
 *
 * For databases and brokers prefer `AppProtocol.TCP`: Istio's `redis` and `mysql` filters are off by
 * default (treated as TCP), and the `mongo` filter is on. A port that carries TLS end to end (the
 * application terminates TLS) must be `TCP`, `TLS` or `HTTPS`, never `HTTP` or `GRPC`: Envoy would parse
 * the encrypted bytes as HTTP.
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export class AppProtocol {
  /** Opaque TCP: Envoy proxies bytes, with mTLS and L4 telemetry and policy. */
  public static readonly TCP = new AppProtocol('tcp', 'tcp', 'TCP', 'TCP', false, false);
  /** UDP: not proxied by Istio; declared so the port is documented and named. */
  public static readonly UDP = new AppProtocol('udp', 'udp', 'UDP', 'UDP', false, false);
  /** Plaintext HTTP/1.1 (Envoy parses it: L7 routing, retries, policy). */
  public static readonly HTTP = new AppProtocol('http', 'http', 'HTTP', 'TCP', true, false);
  /** Plaintext HTTP/2. */
  public static readonly HTTP2 = new AppProtocol('http2', 'http2', 'HTTP2', 'TCP', true, false);
  /**
   * An HTTP proxy port (`appProtocol: http_proxy`). A port name cannot carry an underscore, so the
   * name uses the `http` prefix and the `appProtocol` decides.
   */
  public static readonly HTTP_PROXY = new AppProtocol('http_proxy', 'http', 'HTTP_PROXY', 'TCP', true, false);
  /** Plaintext gRPC. */
  public static readonly GRPC = new AppProtocol('grpc', 'grpc', 'GRPC', 'TCP', true, false);
  /** Plaintext gRPC-Web. */
  public static readonly GRPC_WEB = new AppProtocol('grpc-web', 'grpc-web', 'GRPC-Web', 'TCP', true, false);
  /** HTTPS terminated by the application: opaque to Envoy, routed by SNI. */
  public static readonly HTTPS = new AppProtocol('https', 'https', 'HTTPS', 'TCP', false, true);
  /** TLS terminated by the application: opaque to Envoy, routed by SNI. */
  public static readonly TLS = new AppProtocol('tls', 'tls', 'TLS', 'TCP', false, true);
  /** MongoDB wire protocol; Istio's Mongo filter is on by default. */
  public static readonly MONGO = new AppProtocol('mongo', 'mongo', 'Mongo', 'TCP', false, false);
  /** Redis protocol; Istio's Redis filter is off by default, so it behaves as TCP. */
  public static readonly REDIS = new AppProtocol('redis', 'redis', 'Redis', 'TCP', false, false);
  /** MySQL protocol (server-first); Istio's MySQL filter is off by default, so it behaves as TCP. */
  public static readonly MYSQL = new AppProtocol('mysql', 'mysql', 'MySQL', 'TCP', false, false);
  /** HTTP/2 over cleartext, the Kubernetes standard name (`kubernetes.io/h2c`); Istio reads it as HTTP2. */
  public static readonly H2C = new AppProtocol('kubernetes.io/h2c', 'http2', 'HTTP2', 'TCP', true, false);
  /** WebSocket over cleartext (`kubernetes.io/ws`); Istio reads it as HTTP. */
  public static readonly WS = new AppProtocol('kubernetes.io/ws', 'http', 'HTTP', 'TCP', true, false);
  /** WebSocket over TLS (`kubernetes.io/wss`); Istio reads it as HTTPS (opaque TLS). */
  public static readonly WSS = new AppProtocol('kubernetes.io/wss', 'https', 'HTTPS', 'TCP', false, true);

  /** Every protocol Istio recognises, in a stable order. */
  public static all(): AppProtocol[] {
    return [...ALL];
  }

  /**
   * The protocol for an `appProtocol` value (`tcp`, `http2`, `kubernetes.io/h2c`, ...), case-insensitive.
   *
   * @throws when Istio does not recognise the value (such a port would be sniffed)
   */
  public static of(appProtocol: string): AppProtocol {
    const found = ALL.find(p => p.value === appProtocol.toLowerCase());
    if (!found) {
      throw new Error(`app protocol '${appProtocol}' is not one Istio recognises; use one of ${ALL.map(p => p.value).join(', ')}`);
    }
    return found;
  }

  /**
   * How Istio reads a port name: `grpc-web...` is gRPC-Web, otherwise the part before the first `-`
   * names the protocol (case-insensitive).
   *
   * @returns the protocol, or undefined when the name has no Istio protocol prefix (the port is sniffed)
   */
  public static fromPortName(portName: string): AppProtocol | undefined {
    const name = portName.toLowerCase();
    if (name.startsWith('grpc-web')) {
      return AppProtocol.GRPC_WEB;
    }
    const dash = name.indexOf('-');
    const prefix = dash < 0 ? name : name.slice(0, dash);
    return PORT_NAME_PREFIXES.get(prefix);
  }

  /**
   * @param value the `appProtocol` value of the Service port
   * @param portNamePrefix the port name prefix that gives Istio the same protocol
   * @param istioProtocol Istio's name for the protocol (`TCP`, `HTTP2`, ...)
   * @param transport the Kubernetes port protocol (`TCP` or `UDP`)
   * @param layer7 true when Envoy parses the stream (HTTP, HTTP/2, gRPC)
   * @param tlsEndToEnd true when the application itself speaks TLS on the port
   */
  private constructor(
    /** The value of the Service port's `appProtocol`. */
    public readonly value: string,
    /** The port name prefix that gives Istio the same protocol. */
    public readonly portNamePrefix: string,
    /** Istio's name for the protocol (`TCP`, `HTTP2`, `Mongo`, ...). */
    public readonly istioProtocol: string,
    /** The Kubernetes port protocol: `TCP` or `UDP`. */
    public readonly transport: string,
    /** True when Envoy parses the stream as HTTP, HTTP/2 or gRPC. */
    public readonly layer7: boolean,
    /** True when the application itself speaks TLS on the port. */
    public readonly tlsEndToEnd: boolean,
  ) {}

  /** The `appProtocol` value. */
  public toString(): string {
    return this.value;
  }
}

const ALL: ReadonlyArray<AppProtocol> = [
  AppProtocol.TCP, AppProtocol.UDP, AppProtocol.HTTP, AppProtocol.HTTP2, AppProtocol.HTTP_PROXY, AppProtocol.GRPC,
  AppProtocol.GRPC_WEB, AppProtocol.HTTPS, AppProtocol.TLS, AppProtocol.MONGO, AppProtocol.REDIS, AppProtocol.MYSQL,
  AppProtocol.H2C, AppProtocol.WS, AppProtocol.WSS,
];

/** Port-name prefixes Istio accepts (istio/istio pkg/config/protocol/instance.go); `http_proxy` cannot be a port name. */
const PORT_NAME_PREFIXES = new Map<string, AppProtocol>([
  ['tcp', AppProtocol.TCP], ['udp', AppProtocol.UDP], ['http', AppProtocol.HTTP], ['http2', AppProtocol.HTTP2],
  ['grpc', AppProtocol.GRPC], ['https', AppProtocol.HTTPS], ['tls', AppProtocol.TLS], ['mongo', AppProtocol.MONGO],
  ['redis', AppProtocol.REDIS], ['mysql', AppProtocol.MYSQL],
]);
