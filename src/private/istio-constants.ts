/**
 * Istio's names, ports and defaults, declared once: the constructs write them and the analyzer reads them (the way
 * Istio's own analyzers share `pkg/config/analysis/analyzers/util`). Not exported from the package.
 *
 * Sources: istio/istio 1.30 `pkg/config/constants/constants.go` and `pkg/kube/inject/` (labels and annotations),
 * istio.io docs "Application requirements" (reserved ports and UID 1337), "Ambient and Kubernetes NetworkPolicy"
 * (HBONE 15008, the probe address).
 */

/** Pod label that turns sidecar injection on or off (the annotation of the same name is deprecated, IST0135). */
export const INJECT_LABEL = 'sidecar.istio.io/inject';
/** Pod or namespace label that enrols pods in ambient mode (`ambient`) or keeps them out (`none`). */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** Pod, Service or namespace label naming the waypoint to use. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** Namespace of the waypoint named by `istio.io/use-waypoint`, when it is not the pod's own. */
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
/** Gateway label saying which traffic a waypoint handles: `service`, `workload`, `all` or `none`. */
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** The label Gateway API implementations put on the pods of a Gateway (waypoints included). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** The GatewayClass of Istio waypoints. */
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
/** Revision label of a namespace or pod (injection by a revisioned control plane). */
export const REV_LABEL = 'istio.io/rev';
/** Namespace label that enables sidecar injection. */
export const INJECTION_NAMESPACE_LABEL = 'istio-injection';
/** Pod annotation istio-cni sets on pods it redirects to ztunnel. */
export const AMBIENT_REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';
/** Pod annotation carrying per-pod proxy configuration. */
export const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';
/** Pod annotation choosing a native (init container, `restartPolicy: Always`) or classic sidecar (Istio >= 1.24). */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';
/** Pod annotations listing ports whose traffic bypasses the sidecar. */
export const EXCLUDE_INBOUND_PORTS_ANNOTATION = 'traffic.sidecar.istio.io/excludeInboundPorts';
export const EXCLUDE_OUTBOUND_PORTS_ANNOTATION = 'traffic.sidecar.istio.io/excludeOutboundPorts';
/** Label with which Istio's IP auto-allocation (on by default since 1.25) can be set for one ServiceEntry. */
export const AUTOALLOCATE_LABEL = 'networking.istio.io/enable-autoallocate-ip';

/** HBONE: ambient traffic (and ambient clients of sidecar pods, and waypoints) arrive on this port. */
export const HBONE_PORT = 15008;
/** The sidecar agent's port: merged Prometheus metrics (`/stats/prometheus`) and rewritten probes (`/app-health`). */
export const AGENT_PORT = 15020;
/** The address istio-cni gives kubelet probes of ambient pods, so they bypass ztunnel. */
export const AMBIENT_PROBE_SOURCE = '169.254.7.127/32';
/**
 * Ports the Istio sidecar and ztunnel reserve for themselves (istio.io docs "Application requirements").
 * 15008 is HBONE (ambient and sidecar interop).
 */
export const ISTIO_RESERVED_PORTS: ReadonlyArray<number> = [15000, 15001, 15002, 15004, 15006, 15008, 15020, 15021, 15053, 15090];
/** The UID of the Istio proxy; an application container running as it bypasses the traffic capture (IST0144). */
export const ISTIO_PROXY_UID = 1337;

/** The mesh trust domain (not the cluster DNS domain): the first part of every SPIFFE principal. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
/** The cluster DNS domain. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** Istio's root namespace: mesh-wide policies live there (meshConfig.rootNamespace). */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';
