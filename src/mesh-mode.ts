import {
  DATAPLANE_MODE_LABEL, EXCLUDE_INBOUND_PORTS_ANNOTATION, EXCLUDE_OUTBOUND_PORTS_ANNOTATION, INJECT_LABEL, NATIVE_SIDECAR_ANNOTATION,
  PROXY_CONFIG_ANNOTATION, USE_WAYPOINT_LABEL, USE_WAYPOINT_NAMESPACE_LABEL,
} from './private/istio-constants';
import { dnsSubdomainProblem, portNumberProblem, rfc1035LabelProblem, rfc1123LabelProblem } from './private/validation';

/**
 * How a workload's pods join the mesh.
 */
export enum MeshModeKind {
  /** An Envoy sidecar in every pod. */
  SIDECAR = 'sidecar',
  /** Ambient: ztunnel on the node carries the pod's traffic over HBONE (port 15008); no sidecar. */
  AMBIENT = 'ambient',
  /** Not in the mesh: no sidecar, not ambient. Clients must send plaintext. */
  OUTSIDE = 'outside',
}

/**
 * Options of `MeshMode.sidecar()`.
 */
export interface SidecarModeOptions {
  /**
   * Start the application only once the sidecar is ready, so the first connections to peers do not fail.
   * Set through the pod annotation `proxy.istio.io/config`; ignored when Istio runs the proxy as a native
   * sidecar (the default since 1.28 on kubelet 1.33 and later), where the ordering is guaranteed anyway.
   *
   * @default true
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig
   */
  readonly holdApplicationUntilProxyStarts?: boolean;

  /**
   * Inbound ports that bypass the sidecar (`traffic.sidecar.istio.io/excludeInboundPorts`). An explicit opt-out:
   * traffic to these ports gets no mTLS, no authorization policy and no telemetry, and clients must send
   * plaintext to them (the policy adds a port-level DestinationRule `DISABLE` for them).
   *
   * @default - none
   */
  readonly excludeInboundPorts?: number[];

  /**
   * Outbound ports that bypass the sidecar (`traffic.sidecar.istio.io/excludeOutboundPorts`): connections from the
   * pod to these ports leave without mTLS or policy. An explicit opt-out.
   *
   * @default - none
   */
  readonly excludeOutboundPorts?: number[];

  /**
   * Run the proxy as a Kubernetes native sidecar (an init container with `restartPolicy: Always`), written as the pod
   * annotation `sidecar.istio.io/nativeSidecar` (Istio >= 1.24; Kubernetes >= 1.29). Kubernetes then starts the proxy
   * before the application and stops it only after the application has exited, so an engine's last words on shutdown
   * (Patroni releasing its leader key, Kafka's controlled shutdown) still reach their peers and the API server.
   * `false` keeps a classic sidecar, which can stop before the application; then the proxy is told to exit only once
   * it carries no connection (`EXIT_ON_ZERO_ACTIVE_CONNECTIONS`) where an engine needs it.
   *
   * @default - Istio decides (`ENABLE_NATIVE_SIDECARS=auto` since 1.28: native on kubelet 1.33 and later); engines
   *            that need the proxy until they exit get `true`
   * @see https://istio.io/latest/news/releases/1.24.x/announcing-1.24/change-notes/
   */
  readonly nativeSidecar?: boolean;
}

/**
 * Options of `MeshMode.ambient()`.
 */
export interface AmbientModeOptions {
  /**
   * A waypoint (a Gateway with `istio.io/waypoint-for: workload` or `all`) that applies L7 policy to traffic sent
   * to the pods' IPs (headless traffic). Written as the pod label `istio.io/use-waypoint`; the waypoint itself
   * is deployed separately (`istioctl waypoint apply`).
   *
   * @default - none: L4 policy only, enforced by ztunnel
   * @see https://istio.io/latest/docs/ambient/usage/waypoint/
   */
  readonly waypoint?: string;

  /**
   * The namespace of the waypoint, when it is not the pods' own (label `istio.io/use-waypoint-namespace`).
   * @default - the pods' namespace
   */
  readonly waypointNamespace?: string;

  /**
   * The waypoint's service account: traffic it relays reaches the pods' ztunnel with this identity, so the pods'
   * policy must admit it. `istioctl waypoint apply` and Istio's Gateway controller name it after the Gateway.
   * @default - the waypoint's name
   */
  readonly waypointServiceAccount?: string;
}

/**
 * How a workload's pods join the mesh: `MeshMode.sidecar()`, `MeshMode.ambient()` or `MeshMode.outside()`.
 *
 * It is written as labels and annotations on the **pod template** (never on the workload's own metadata, where
 * Istio does not read it), and it decides the mesh policy: STRICT mTLS only for pods in the mesh, plaintext
 * DestinationRules towards pods outside it, no `Sidecar` resource and no `DISABLE` in ambient mode.
 */
export class MeshMode {
  /** An Envoy sidecar in every pod (label `sidecar.istio.io/inject: "true"`). */
  public static sidecar(options: SidecarModeOptions = {}): MeshMode {
    return new MeshMode(MeshModeKind.SIDECAR, {
      ...options,
      excludeInboundPorts: checkPorts('excludeInboundPorts', options.excludeInboundPorts ?? []),
      excludeOutboundPorts: checkPorts('excludeOutboundPorts', options.excludeOutboundPorts ?? []),
    }, {});
  }

  /** Ambient mode (label `istio.io/dataplane-mode: ambient`), optionally with a waypoint for L7 policy. */
  public static ambient(options: AmbientModeOptions = {}): MeshMode {
    // Istio names the Deployment and Service of an `istio-waypoint` Gateway after it (istio/istio 1.31.0-alpha
    // pilot/pkg/config/kube/gatewaycommon/classinfo.go: DisableNameSuffix; gateway_utils.go GetDefaultName): the
    // waypoint's name is a Service name (an RFC 1035 label); a namespace is an RFC 1123 label; a ServiceAccount's name
    // an RFC 1123 subdomain
    for (const [what, value, check] of [['waypoint', options.waypoint, rfc1035LabelProblem],
      ['waypointNamespace', options.waypointNamespace, rfc1123LabelProblem],
      ['waypointServiceAccount', options.waypointServiceAccount, dnsSubdomainProblem]] as const) {
      const problem = value === undefined ? undefined : check(value);
      if (problem) {
        throw new Error(`MeshMode.ambient(): ${what} '${value}' is not a valid name: it ${problem}; use the name in the waypoint's metadata`);
      }
    }
    if (options.waypoint === undefined && (options.waypointNamespace !== undefined || options.waypointServiceAccount !== undefined)) {
      throw new Error('MeshMode.ambient(): waypointNamespace and waypointServiceAccount describe a waypoint, but no waypoint is named; set waypoint');
    }
    return new MeshMode(MeshModeKind.AMBIENT, {}, { ...options });
  }

  /**
   * Outside the mesh (labels `sidecar.istio.io/inject: "false"` and `istio.io/dataplane-mode: none`, which also
   * keep the pods out of an injected or ambient namespace). Clients in the mesh must send plaintext: the policy
   * gives them a DestinationRule `tls.mode: DISABLE` and no STRICT PeerAuthentication is written.
   */
  public static outside(): MeshMode {
    return new MeshMode(MeshModeKind.OUTSIDE, {}, {});
  }

  /** Sidecar, ambient or outside. */
  public readonly kind: MeshModeKind;

  private constructor(kind: MeshModeKind, private readonly sidecarOptions: SidecarModeOptions, private readonly ambientOptions: AmbientModeOptions,
    private readonly exitOnZeroActiveConnections = false) {
    this.kind = kind;
  }

  /** True for sidecar and ambient modes: the pods accept (and can require) mTLS. */
  public get inMesh(): boolean {
    return this.kind !== MeshModeKind.OUTSIDE;
  }

  /** Whether the application waits for the sidecar (sidecar mode only). */
  public get holdApplicationUntilProxyStarts(): boolean {
    return this.kind === MeshModeKind.SIDECAR && (this.sidecarOptions.holdApplicationUntilProxyStarts ?? true);
  }

  /** Whether the proxy runs as a native sidecar: undefined when Istio decides (sidecar mode only). */
  public get nativeSidecar(): boolean | undefined {
    return this.sidecarOptions.nativeSidecar;
  }

  /** Inbound ports that bypass the sidecar (a copy). */
  public get excludedInboundPorts(): number[] {
    return [...this.sidecarOptions.excludeInboundPorts ?? []];
  }

  /** Outbound ports that bypass the sidecar (a copy). */
  public get excludedOutboundPorts(): number[] {
    return [...this.sidecarOptions.excludeOutboundPorts ?? []];
  }

  /** The waypoint the pods use (ambient mode only). */
  public get waypoint(): string | undefined {
    return this.ambientOptions.waypoint;
  }

  /** The namespace of the waypoint, when one is used: the pods' own unless said otherwise. */
  public waypointNamespaceFor(podNamespace: string): string | undefined {
    return this.waypoint === undefined ? undefined : this.ambientOptions.waypointNamespace ?? podNamespace;
  }

  /** The service account of the waypoint, when one is used. */
  public get waypointServiceAccount(): string | undefined {
    return this.waypoint === undefined ? undefined : this.ambientOptions.waypointServiceAccount ?? this.waypoint;
  }

  /** The labels this mode puts on the pod template. */
  public podLabels(): Record<string, string> {
    switch (this.kind) {
      case MeshModeKind.SIDECAR:
        return { [INJECT_LABEL]: 'true' };
      case MeshModeKind.AMBIENT:
        return {
          [DATAPLANE_MODE_LABEL]: 'ambient',
          [INJECT_LABEL]: 'false', // an injected namespace must not also give the pod a sidecar
          ...(this.waypoint ? { [USE_WAYPOINT_LABEL]: this.waypoint } : {}),
          ...(this.ambientOptions.waypointNamespace ? { [USE_WAYPOINT_NAMESPACE_LABEL]: this.ambientOptions.waypointNamespace } : {}),
        };
      default:
        return { [INJECT_LABEL]: 'false', [DATAPLANE_MODE_LABEL]: 'none' };
    }
  }

  /** The annotations this mode puts on the pod template. */
  public podAnnotations(): Record<string, string> {
    const annotations: Record<string, string> = {};
    if (this.kind !== MeshModeKind.SIDECAR) {
      return annotations;
    }
    const proxyConfig: Record<string, unknown> = {};
    if (this.holdApplicationUntilProxyStarts) {
      proxyConfig.holdApplicationUntilProxyStarts = true;
    }
    if (this.exitOnZeroActiveConnections) {
      // istio/istio pilot-agent: with it, the agent waits for the proxy's connections to drain before exiting
      proxyConfig.proxyMetadata = { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true' };
    }
    if (Object.keys(proxyConfig).length > 0) {
      annotations[PROXY_CONFIG_ANNOTATION] = JSON.stringify(proxyConfig);
    }
    if (this.nativeSidecar !== undefined) {
      annotations[NATIVE_SIDECAR_ANNOTATION] = String(this.nativeSidecar);
    }
    if (this.excludedInboundPorts.length > 0) {
      annotations[EXCLUDE_INBOUND_PORTS_ANNOTATION] = this.excludedInboundPorts.join(',');
    }
    if (this.excludedOutboundPorts.length > 0) {
      annotations[EXCLUDE_OUTBOUND_PORTS_ANNOTATION] = this.excludedOutboundPorts.join(',');
    }
    return annotations;
  }

  /**
   * This mode, with the proxy kept until the application exits: a native sidecar unless the user chose a classic one,
   * which then exits only once it carries no connection. Other modes are returned as they are.
   * @internal
   */
  public _keepingProxyUntilExit(): MeshMode {
    if (this.kind !== MeshModeKind.SIDECAR) {
      return this;
    }
    return this.nativeSidecar === false
      ? new MeshMode(this.kind, this.sidecarOptions, this.ambientOptions, true)
      : new MeshMode(this.kind, { ...this.sidecarOptions, nativeSidecar: true }, this.ambientOptions);
  }
}

function checkPorts(option: string, ports: number[]): number[] {
  for (const port of ports) {
    const problem = portNumberProblem(port);
    if (problem) {
      throw new Error(`MeshMode.sidecar(): ${option} port ${port} ${problem}; list application ports only`);
    }
  }
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  if (unique.length !== ports.length) {
    throw new Error(`MeshMode.sidecar(): ${option} lists a port twice (${ports.join(', ')}); list each port once`);
  }
  return unique;
}
