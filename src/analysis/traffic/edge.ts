/**
 * What the traffic model says about one edge: who connects to which pods on which port, with which TLS, and whether
 * it gets through. Public: `MeshTraffic.edges()` returns these, the `graph` command prints them.
 */

/** The outcome of an edge. */
export enum TrafficVerdict {
  /** The connection gets through, authenticated with Istio mTLS (sidecar mTLS or ambient HBONE). */
  ALLOWED_MTLS = 'allowed-mtls',
  /** The connection gets through in plaintext (no peer identity). */
  ALLOWED_PLAINTEXT = 'allowed-plaintext',
  /** The connection is refused, reset or dropped. */
  DENIED = 'denied',
}

/** What an intended edge must get. */
export enum EdgeExpectation {
  /** Through, with Istio mTLS. */
  MTLS = 'mtls',
  /** Through, in plaintext (pods outside the mesh, plaintext ports). */
  PLAINTEXT = 'plaintext',
  /** Through, with whichever TLS the client's dataplane uses (a PERMISSIVE port in ambient mode). */
  ALLOWED = 'allowed',
  /** Refused: nobody admitted the source. */
  DENIED = 'denied',
}

/** Why an edge is in the model. */
export enum EdgeIntent {
  /** A pod of a StatefulSet to its peers, on a peer port. */
  PEER = 'peer',
  /** A client admitted by the workload's policy (recorded by the constructs, or named by a policy). */
  CLIENT = 'client',
  /** The kubelet probing a pod. */
  PROBE = 'probe',
  /** A metrics scraper. */
  SCRAPER = 'scraper',
  /** A workload whose environment names the destination's address. */
  REFERENCE = 'reference',
  /** A source nobody admitted (another pod, another namespace, outside the mesh): it should be denied. */
  UNINTENDED = 'unintended',
}

/** Whether the name the source dials resolves. */
export enum AddressResolution {
  /** The name resolves to every pod, ready or not (a headless Service with `publishNotReadyAddresses`). */
  ALWAYS = 'always',
  /** The name resolves to ready pods only: peers cannot find each other while they bootstrap. */
  WHEN_READY = 'when-ready',
  /** The name does not resolve (no such Service, or no per-pod DNS). */
  NEVER = 'never',
  /** The source dials a pod IP (the kubelet), no name. */
  NOT_NAMED = 'not-named',
}

/** One edge of the traffic model. */
export interface TrafficEdge {
  /** The source: `StatefulSet db/pg`, `ServiceAccount shop/orders`, `namespace monitoring`, `outside the mesh`, `kubelet`. */
  readonly source: string;
  /**
   * The source's namespace.
   * @default - none (outside the cluster's workloads: the kubelet, outside the mesh)
   */
  readonly sourceNamespace?: string;
  /** How the source runs: `sidecar`, `ambient`, `none`; `(assumed)` when the input does not say. */
  readonly sourceMesh: string;
  /** The destination workload: `StatefulSet db/pg`. */
  readonly destination: string;
  /** The destination's namespace. */
  readonly destinationNamespace: string;
  /** The destination container port. */
  readonly port: number;
  /** What the source dials: a pod FQDN pattern `pg-*.pg-headless.db.svc.cluster.local:5432`, a Service `pg.db.svc...:5432`, or `pod IP:8008`. */
  readonly address: string;
  /** Whether that name resolves. */
  readonly resolution: AddressResolution;
  /** Why the edge is in the model. */
  readonly intent: EdgeIntent;
  /** The outcome. */
  readonly verdict: TrafficVerdict;
  /**
   * What the edge must get: intended edges get through with the intended TLS, unintended ones are denied.
   * @default - no expectation (an edge derived from the manifests)
   */
  readonly expected?: EdgeExpectation;
  /**
   * The waypoint the connection goes through, `<namespace>/<name>`.
   * @default - none
   */
  readonly via?: string;
  /**
   * The identity the destination's policy sees (`<trust domain>/ns/<ns>/sa/<sa>`).
   * @default - none: plaintext, or denied before any policy
   */
  readonly peerIdentity?: string;
  /**
   * The object that decided the outcome: `AuthorizationPolicy db/pg`, `NetworkPolicy db/pg`, `PeerAuthentication db/pg`,
   * `DestinationRule db/pg-headless`, `annotation traffic.sidecar.istio.io/excludeOutboundPorts`, ...
   * @default - nothing in the input decided: Istio's or Kubernetes' defaults did
   */
  readonly decidedBy?: string;
  /** One sentence: why, and (for a denied edge) what to change. */
  readonly reason: string;
}

/** Whether a verdict meets an expectation. */
export function meets(verdict: TrafficVerdict, expected: EdgeExpectation): boolean {
  switch (expected) {
    case EdgeExpectation.MTLS: return verdict === TrafficVerdict.ALLOWED_MTLS;
    case EdgeExpectation.PLAINTEXT: return verdict === TrafficVerdict.ALLOWED_PLAINTEXT;
    case EdgeExpectation.ALLOWED: return verdict !== TrafficVerdict.DENIED;
    default: return verdict === TrafficVerdict.DENIED;
  }
}
