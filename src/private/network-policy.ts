import * as kplus from 'cdk8s-plus-27';
import { MeshClient } from '../mesh-client';
import { MeshModeKind } from '../mesh-mode';
import { IMeshWorkload } from '../mesh-workload';
import { AGENT_PORT, AMBIENT_PROBE_SOURCE, GATEWAY_NAME_LABEL, HBONE_PORT } from './istio-constants';

/** A client `MeshPolicy.allowFrom()` admitted, on its container ports. */
export interface AdmittedClient {
  readonly client: MeshClient;
  readonly ports: number[];
}

/** What else the NetworkPolicy admits: the pods of the workload's waypoint, scrapers of the sidecar agent. */
export interface NetworkPolicyExtras {
  /** The waypoint that relays the workload's ambient traffic. */
  readonly waypoint?: { readonly name: string; readonly namespace: string };
  /** Scrapers of the sidecar agent's merged metrics (15020). */
  readonly agentScrapers: ReadonlyArray<MeshClient>;
}

/**
 * The NetworkPolicy of a workload: its own pods on the peer ports, each admitted client (by namespace and pod labels)
 * on its ports; in the mesh every rule also admits HBONE (15008), and in ambient mode kubelet probes from istio-cni's
 * link-local source address (istio.io docs "Ambient and Kubernetes NetworkPolicy"). A waypoint's pods (label
 * `gateway.networking.k8s.io/gateway-name`, istio/istio 1.30.3 `manifests/charts/istio-control/istio-discovery/files/waypoint.yaml`)
 * relay on 15008; scrapers of the sidecar agent reach 15020, which no Istio policy covers.
 */
export function networkPolicySpec(workload: IMeshWorkload, peerPorts: number[], clients: ReadonlyArray<AdmittedClient>,
  extras: NetworkPolicyExtras = { agentScrapers: [] }): kplus.k8s.NetworkPolicySpec {
  const kind = workload.meshMode!.kind;
  const protocolOf = new Map(workload.ports.map(p => [p.port, p.protocol.transport]));
  const toPorts = (ports: number[], hbone = kind !== MeshModeKind.OUTSIDE) => [
    ...ports.map(port => ({ port: kplus.k8s.IntOrString.fromNumber(port), protocol: protocolOf.get(port) ?? 'TCP' })),
    // HBONE: ambient traffic, and ambient clients of sidecar pods, arrive on 15008
    ...hbone ? [{ port: kplus.k8s.IntOrString.fromNumber(HBONE_PORT), protocol: 'TCP' }] : [],
  ];
  const rules: kplus.k8s.NetworkPolicyIngressRule[] = [
    { from: [{ podSelector: { matchLabels: workload.selectorLabels } }], ports: toPorts(peerPorts) },
    ...clients.map(({ client, ports }) => ({ from: [peerIn(client.namespace, client.podLabels)], ports: toPorts(ports) })),
  ];
  if (extras.waypoint) {
    rules.push({ from: [peerIn(extras.waypoint.namespace, { [GATEWAY_NAME_LABEL]: extras.waypoint.name })], ports: toPorts([], true) });
  }
  for (const scraper of extras.agentScrapers) {
    rules.push({ from: [peerIn(scraper.namespace, scraper.podLabels)], ports: [{ port: kplus.k8s.IntOrString.fromNumber(AGENT_PORT), protocol: 'TCP' }] });
  }
  if (kind === MeshModeKind.AMBIENT) {
    // kubelet probes of ambient pods are SNATed by istio-cni to a link-local address, which is no longer "the node"
    rules.push({ from: [{ ipBlock: { cidr: AMBIENT_PROBE_SOURCE } }], ports: toPorts(workload.ports.map(p => p.port), false) });
  }
  return { podSelector: { matchLabels: workload.selectorLabels }, policyTypes: ['Ingress'], ingress: rules };
}

/** The pods of a namespace, narrowed to `podLabels` when given (a client's, a scraper's, a waypoint's). */
function peerIn(namespace: string, podLabels: Record<string, string> | undefined): kplus.k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: podLabels ? { matchLabels: podLabels } : undefined,
  };
}
