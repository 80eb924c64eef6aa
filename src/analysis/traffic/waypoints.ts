import { USE_WAYPOINT_LABEL, USE_WAYPOINT_NAMESPACE_LABEL, WAYPOINT_FOR_LABEL } from '../../private/istio-constants';
import { Inventory, ServiceInfo, Workload } from '../inventory';
import { isObject } from '../objects';
import { WaypointInfo } from './participants';

/** The annotation with which a Gateway names its own service account (istio/istio 1.30.3 `deploymentcontroller.go`). */
const GATEWAY_SERVICE_ACCOUNT_ANNOTATION = 'gateway.istio.io/service-account';

/** A waypoint the constructs describe (its Gateway may be deployed elsewhere). */
export interface DeclaredWaypoint {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly trafficType: string;
}

/**
 * Which waypoint a connection goes through (ambient sources only):
 * - a pod (or its namespace) labelled `istio.io/use-waypoint: <name>` (`istio.io/use-waypoint-namespace` for another
 *   namespace; `none` opts out, the object's own label wins over the namespace's) is reached through the waypoint when
 *   it is addressed by pod IP — which includes every headless Service — and the waypoint handles `workload` or `all`
 *   traffic; a Service so labelled, when it is addressed by its cluster IP and the waypoint handles `service` or `all`
 *   traffic (istio/api 1.30.3 `label/labels.yaml`; istio/istio 1.30.3 `pilot/pkg/serviceregistry/ambient/waypoints.go`,
 *   `fetchWaypointForService`, `fetchWaypointForWorkload`; istio/ztunnel 1.30.3 `src/proxy/outbound.rs`);
 * - a waypoint handles `service` traffic unless its Gateway says otherwise (`istio.io/waypoint-for`; istio.io docs
 *   ambient/usage/waypoint: "By default, a waypoint will only handle `service` traffic");
 * - its service account is the Gateway's name unless the Gateway's `gateway.istio.io/service-account` annotation names
 *   another (istio/istio 1.30.3 `pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go`; `istioctl waypoint
 *   apply` creates `Gateway/waypoint`).
 * Sidecar and out-of-mesh clients never use a waypoint: they connect to the pods directly (istio/istio 1.30.3
 * `pilot/pkg/xds/endpoints/endpoint_builder.go`; istio/istio#57729).
 */
export class WaypointIndex {
  private readonly declared = new Map<string, DeclaredWaypoint>();

  constructor(private readonly inv: Inventory, declared: ReadonlyArray<DeclaredWaypoint>) {
    for (const waypoint of declared) {
      this.declared.set(`${waypoint.namespace}/${waypoint.name}`, waypoint);
    }
  }

  /** The waypoint a connection to `workload` goes through, addressed by pod IP or through a Service's cluster IP. */
  public waypointFor(workload: Workload, service?: ServiceInfo): WaypointInfo | undefined {
    const binding = service
      ? this.binding(service.object.labels, service.object.namespace)
      : this.binding(workload.podLabels, workload.object.namespace);
    if (!binding) {
      return undefined;
    }
    const waypoint = this.describe(binding.name, binding.namespace);
    const handles = service ? ['service', 'all'] : ['workload', 'all'];
    return handles.includes(waypoint.trafficType) ? waypoint : undefined;
  }

  /** The waypoint a pod names, whatever traffic it handles (for lint rules). */
  public boundWaypoint(workload: Workload): WaypointInfo | undefined {
    const binding = this.binding(workload.podLabels, workload.object.namespace);
    return binding ? this.describe(binding.name, binding.namespace) : undefined;
  }

  /** A waypoint by name: from the constructs' description, the Gateway among the input, or Istio's defaults. */
  public describe(name: string, namespace: string): WaypointInfo {
    const declared = this.declared.get(`${namespace}/${name}`);
    if (declared) {
      return { ...declared, declared: true };
    }
    const gateway = this.inv.find('Gateway', namespace, name);
    if (gateway && gateway.group === 'gateway.networking.k8s.io') {
      const sa = gateway.annotations[GATEWAY_SERVICE_ACCOUNT_ANNOTATION];
      return { name, namespace, serviceAccount: sa ?? name, trafficType: gateway.labels[WAYPOINT_FOR_LABEL] ?? 'service', declared: true };
    }
    return { name, namespace, serviceAccount: name, trafficType: 'service', declared: false };
  }

  private binding(labels: Readonly<Record<string, string>>, namespace: string): { readonly name: string; readonly namespace: string } | undefined {
    const own = labels[USE_WAYPOINT_LABEL];
    const nsObject = this.inv.namespaceObject(namespace);
    const nsLabels = isObject(nsObject?.labels) ? nsObject!.labels : {};
    const name = own ?? nsLabels[USE_WAYPOINT_LABEL];
    if (name === undefined || name === 'none') {
      return undefined;
    }
    const waypointNamespace = (own !== undefined ? labels[USE_WAYPOINT_NAMESPACE_LABEL] : nsLabels[USE_WAYPOINT_NAMESPACE_LABEL]) ?? namespace;
    return { name, namespace: waypointNamespace };
  }
}
