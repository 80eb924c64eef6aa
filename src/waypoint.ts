import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { resolveName, resolveNamespace } from './private/identity';
import { HBONE_PORT, WAYPOINT_FOR_LABEL, WAYPOINT_GATEWAY_CLASS } from './private/istio-constants';
import { recordMeshConstruct } from './private/mesh-facts';

/**
 * Which traffic a waypoint handles (`istio.io/waypoint-for`).
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/#waypoint-traffic-types
 */
export enum WaypointTraffic {
  /** Traffic to Services by their cluster IP (Istio's default). */
  SERVICE = 'service',
  /** Traffic to pod IPs, which includes every headless Service. */
  WORKLOAD = 'workload',
  /** Both: what a StatefulSet behind a headless Service needs for all of its clients to pass the waypoint. */
  ALL = 'all',
}

/**
 * Properties of a `Waypoint`.
 */
export interface WaypointProps {
  /**
   * The Gateway's name; Istio names the waypoint's Deployment and service account after it.
   * @default 'waypoint'
   */
  readonly name?: string;

  /**
   * The namespace.
   * @default - the chart's, else 'default'
   */
  readonly namespace?: string;

  /**
   * The traffic it handles.
   * @default WaypointTraffic.ALL
   */
  readonly trafficType?: WaypointTraffic;
}

/**
 * An Istio waypoint: a Gateway API `Gateway` of class `istio-waypoint` with the HBONE listener `mesh` on 15008, from
 * which Istio deploys an Envoy that applies L7 (and `targetRefs`) policy to ambient traffic. This is the Gateway
 * `istioctl waypoint apply --for <type>` writes (istio/istio 1.30.3 `istioctl/pkg/waypoint/waypoint.go`). Its pods run
 * as the service account of the Gateway's name and carry `gateway.networking.k8s.io/gateway-name: <name>`.
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export class Waypoint extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly trafficType: WaypointTraffic;
  /** The service account its pods run as: the identity workloads behind it see on relayed traffic. */
  public readonly serviceAccountName: string;

  public constructor(scope: Construct, id: string, props: WaypointProps = {}) {
    super(scope, id);
    recordMeshConstruct(this);
    this.name = resolveName(this, 'waypoint name', props.name ?? 'waypoint', id);
    this.namespace = resolveNamespace(this, this, props.namespace);
    this.trafficType = props.trafficType ?? WaypointTraffic.ALL;
    this.serviceAccountName = this.name;
    new ApiObject(this, 'Resource', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: this.name, namespace: this.namespace, labels: { [WAYPOINT_FOR_LABEL]: this.trafficType } },
      spec: {
        gatewayClassName: WAYPOINT_GATEWAY_CLASS,
        listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }],
      },
    });
  }
}
