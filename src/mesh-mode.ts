import {
  DATAPLANE_MODE_LABEL, EXCLUDE_INBOUND_PORTS_ANNOTATION, EXCLUDE_OUTBOUND_PORTS_ANNOTATION, INJECT_LABEL, PROXY_CONFIG_ANNOTATION,
  USE_WAYPOINT_LABEL,
} from './private/istio-constants';
import { portNumberProblem } from './private/validation';

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
    const inbound = checkPorts('excludeInboundPorts', options.excludeInboundPorts ?? []);
    const outbound = checkPorts('excludeOutboundPorts', options.excludeOutboundPorts ?? []);
    return new MeshMode(MeshModeKind.SIDECAR, options.holdApplicationUntilProxyStarts ?? true, inbound, outbound, undefined);
  }

  /** Ambient mode (label `istio.io/dataplane-mode: ambient`), optionally with a waypoint for L7 policy. */
  public static ambient(options: AmbientModeOptions = {}): MeshMode {
    if (options.waypoint !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.waypoint)) {
      throw new Error(`waypoint '${options.waypoint}' is not a valid Gateway name (a lowercase DNS label); use the waypoint's metadata.name`);
    }
    return new MeshMode(MeshModeKind.AMBIENT, false, [], [], options.waypoint);
  }

  /**
   * Outside the mesh (labels `sidecar.istio.io/inject: "false"` and `istio.io/dataplane-mode: none`, which also
   * keep the pods out of an injected or ambient namespace). Clients in the mesh must send plaintext: the policy
   * gives them a DestinationRule `tls.mode: DISABLE` and no STRICT PeerAuthentication is written.
   */
  public static outside(): MeshMode {
    return new MeshMode(MeshModeKind.OUTSIDE, false, [], [], undefined);
  }

  private constructor(
    /** Sidecar, ambient or outside. */
    public readonly kind: MeshModeKind,
    /** Whether the application waits for the sidecar (sidecar mode only). */
    public readonly holdApplicationUntilProxyStarts: boolean,
    private readonly _excludedInboundPorts: number[],
    private readonly _excludedOutboundPorts: number[],
    /** The waypoint the pods use (ambient mode only). */
    public readonly waypoint?: string,
  ) {}

  /** True for sidecar and ambient modes: the pods accept (and can require) mTLS. */
  public get inMesh(): boolean {
    return this.kind !== MeshModeKind.OUTSIDE;
  }

  /** Inbound ports that bypass the sidecar (a copy). */
  public get excludedInboundPorts(): number[] {
    return [...this._excludedInboundPorts];
  }

  /** Outbound ports that bypass the sidecar (a copy). */
  public get excludedOutboundPorts(): number[] {
    return [...this._excludedOutboundPorts];
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
    if (this.holdApplicationUntilProxyStarts) {
      annotations[PROXY_CONFIG_ANNOTATION] = JSON.stringify({ holdApplicationUntilProxyStarts: true });
    }
    if (this._excludedInboundPorts.length > 0) {
      annotations[EXCLUDE_INBOUND_PORTS_ANNOTATION] = this._excludedInboundPorts.join(',');
    }
    if (this._excludedOutboundPorts.length > 0) {
      annotations[EXCLUDE_OUTBOUND_PORTS_ANNOTATION] = this._excludedOutboundPorts.join(',');
    }
    return annotations;
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
