import { ServiceInfo, Workload } from '../inventory';

/** How a participant runs: with a sidecar, in ambient mode, or without a proxy. */
export type Dataplane = 'sidecar' | 'ambient' | 'none';

/**
 * Who opens a connection: a workload of the input, a service account or namespace the input only names, the kubelet,
 * or a client outside the mesh. Internal to the traffic model.
 */
export interface Source {
  /** Stable key, for de-duplication. */
  readonly key: string;
  /** For messages and the graph: `StatefulSet db/pg`, `ServiceAccount shop/orders`, `namespace monitoring`, `kubelet`. */
  readonly label: string;
  readonly kind: 'workload' | 'service-account' | 'namespace' | 'kubelet' | 'outside' | 'waypoint';
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** The pods' labels; undefined when the input does not know them (then only empty pod selectors match). */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly dataplane: Dataplane;
  /** True when the dataplane is assumed (the input does not prove it). */
  readonly assumed: boolean;
  /** Outbound ports that bypass the source's sidecar (`traffic.sidecar.istio.io/excludeOutboundPorts`). */
  readonly excludedOutboundPorts: ReadonlyArray<number>;
  /** The workload, when the source is one of the input. */
  readonly workload?: Workload;
  /** The source IP class a policy can match by `ipBlocks`: the kubelet of an ambient pod uses istio-cni's link-local address. */
  readonly ip?: string;
}

/** How the source reaches the destination pods. */
export type Addressing =
  /** Through a headless Service: DNS gives pod IPs, Istio sends to the pod (ORIGINAL_DST). */
  | { readonly kind: 'headless'; readonly service: ServiceInfo; readonly servicePort: number }
  /** Through a ClusterIP Service port (the proxy or ztunnel picks a ready pod). */
  | { readonly kind: 'service'; readonly service: ServiceInfo; readonly servicePort: number }
  /** A pod IP with no Service (the kubelet, or a port no Service declares). */
  | { readonly kind: 'pod' };

/** A waypoint the destination uses: its Gateway (when the input has it), namespace, service account and traffic types. */
export interface WaypointInfo {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** `service`, `workload`, `all` or `none` (`istio.io/waypoint-for`; Istio's default is `service`). */
  readonly trafficType: string;
  /** True when the Gateway is among the input (or described by the constructs). */
  readonly declared: boolean;
}

/** The pods of a destination workload and what the model knows of them. */
export interface Destination {
  readonly workload: Workload;
  readonly label: string;
  readonly dataplane: Dataplane;
  readonly assumed: boolean;
  readonly serviceAccount: string;
}

/** `StatefulSet db/pg`. */
export function workloadLabel(workload: Workload): string {
  return `${workload.object.kind} ${workload.object.namespace}/${workload.object.name}`;
}

/** The service account the pods run as (`default` when none is set). */
export function serviceAccountOf(workload: Workload): string {
  const sa = workload.podSpec.serviceAccountName ?? workload.podSpec.serviceAccount;
  return typeof sa === 'string' && sa !== '' ? sa : 'default';
}

/** The SPIFFE principal Istio authorizes: `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
export function principalOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
