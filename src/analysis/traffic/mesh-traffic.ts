import { IConstruct } from 'constructs';
import { Inventory } from '../inventory';
import { appManifests } from '../synth';
import { TrafficEdge } from './edge';
import { appTrafficFacts } from './intent';
import { TrafficModel, TrafficOptions } from './model';

/**
 * The traffic model: who can talk to whom, with which TLS, and which object blocks what does not get through.
 *
 * It decides each edge (a source — a workload, a service account or namespace, the kubelet, a client outside the mesh —
 * towards a workload's pods on a container port, through the name the source dials) the way Istio and Kubernetes do:
 * the client's transport (DestinationRules, auto mTLS, headless Services, outbound exclusions, HBONE), every hop's
 * NetworkPolicy, the server's capture and PeerAuthentication, and authorization at waypoints and at the pods.
 *
 * @see https://github.com/cdk8s-stateful-mesh/cdk8s-stateful-mesh/blob/main/docs/mesh-policy.md#the-traffic-model
 */
export class MeshTraffic {
  /**
   * The edges manifests imply: peers of each StatefulSet, sources the policies name, workloads whose env names a
   * destination, kubelet probes (and, with `includeUnintended`, sources nobody admitted).
   *
   * @param manifests Kubernetes objects as plain JSON (e.g. `chart.toJson()` or parsed YAML)
   */
  public static analyze(manifests: any[], options: TrafficOptions = {}): TrafficEdge[] {
    return new TrafficModel(new Inventory(manifests, options), options).edges().map(e => e.edge);
  }

  /**
   * The edges of an app: what its manifests imply, and what its constructs intend (peers, clients, probes, scrapers, each
   * with the outcome it must have, and, for the workloads whose allow-list is real, sources nobody admitted). Synthesis
   * fails when an intended edge does not get what it must; this returns them all, to print or assert.
   *
   * @param scope any construct of the app
   */
  public static ofApp(scope: IConstruct, options: TrafficOptions = {}): TrafficEdge[] {
    const { manifests, options: effective } = appManifests(scope, options);
    const merged: TrafficOptions = { ...options, ...effective };
    return new TrafficModel(new Inventory(manifests, merged), merged, appTrafficFacts(scope.node.root)).edges().map(e => e.edge);
  }

  private constructor() {}
}
