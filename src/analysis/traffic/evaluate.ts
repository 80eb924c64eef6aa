import { AGENT_PORT, AMBIENT_PROBE_SOURCE, EXCLUDE_INBOUND_PORTS_ANNOTATION, HBONE_PORT } from '../../private/istio-constants';
import { Inventory, Workload } from '../inventory';
import { K8sObject } from '../objects';
import { istioProtocol } from '../protocol';
import { AuthorizationIndex, Enforcer } from './authorization';
import { DestinationRuleIndex } from './destination-rule';
import { TrafficVerdict } from './edge';
import { NetworkPeer, NetworkPolicyIndex } from './network-policy';
import { Addressing, Dataplane, Destination, principalOf, Source, WaypointInfo } from './participants';
import { PeerAuthenticationIndex } from './peer-authentication';
import { WaypointIndex } from './waypoints';

/** How the bytes leave the client. */
type Transport = 'mtls' | 'hbone' | 'plaintext' | 'tls';

/** The outcome of one edge, before it becomes a public `TrafficEdge`. */
export interface Outcome {
  readonly verdict: TrafficVerdict;
  readonly reason: string;
  readonly decidedBy?: string;
  readonly via?: WaypointInfo;
  readonly peerIdentity?: string;
  /** The object that made the client send what it sent, when one did. */
  readonly clientDecidedBy?: string;
}

/** Ports the injector always keeps out of inbound capture: the agent (15020), health (15021) and Envoy stats (15090). */
const INJECTOR_EXCLUDED_INBOUND = [AGENT_PORT, 15021, 15090];
/** The ambient kubelet probe source address. */
export const AMBIENT_PROBE_IP = AMBIENT_PROBE_SOURCE.replace('/32', '');

/** Everything an evaluation reads, built once per model. */
export interface EvaluationContext {
  readonly inv: Inventory;
  readonly trustDomain: string;
  /** Whether istiod runs with ambient enabled (HBONE between sidecars and ambient pods). */
  readonly ambientEnabled: boolean;
  readonly peerAuthentications: PeerAuthenticationIndex;
  readonly destinationRules: DestinationRuleIndex;
  readonly authorization: AuthorizationIndex;
  readonly networkPolicies: NetworkPolicyIndex;
  readonly waypoints: WaypointIndex;
  /** The dataplane of a workload of the input, with whether it is assumed. */
  dataplaneOf(workload: Workload): { readonly dataplane: Dataplane; readonly assumed: boolean };
}

/**
 * Decides one edge, following the path of the connection (each step cites the Istio or Kubernetes behaviour it
 * follows): the client's transport, the NetworkPolicies of every hop, the server's capture and mTLS mode, then
 * authorization at the waypoint (if any) and at the destination.
 */
export function evaluate(ctx: EvaluationContext, source: Source, destination: Destination, port: number, addressing: Addressing): Outcome {
  if (destination.workload.ports.find(p => p.port === port)?.protocol === 'UDP') {
    return evaluateUdp(ctx, source, destination, port);
  }
  const client = clientTransport(ctx, source, destination, port, addressing);
  return { ...evaluateServer(ctx, source, destination, port, addressing, client), clientDecidedBy: client.decidedBy };
}

function evaluateServer(ctx: EvaluationContext, source: Source, destination: Destination, port: number, addressing: Addressing,
  client: ClientSide): Outcome {
  const via = client.via;
  const destPeer = networkPeerOf(destination.workload);
  const sourcePeer: NetworkPeer = { namespace: source.namespace, podLabels: source.podLabels, ip: source.ip };

  // NetworkPolicy: every hop on the wire; HBONE travels on 15008 (istio/ztunnel 1.30.3 ARCHITECTURE.md: "Networking
  // policy must allow inbound and outbound traffic on port 15008"), sidecar mTLS and plaintext on the target port
  if (via) {
    const waypointPeer: NetworkPeer = { namespace: via.namespace, podLabels: { 'gateway.networking.k8s.io/gateway-name': via.name } };
    for (const [from, to, what] of [[sourcePeer, waypointPeer, 'to the waypoint'], [waypointPeer, destPeer, 'from the waypoint']] as const) {
      const hop = ctx.networkPolicies.allows(from, to, HBONE_PORT);
      if (!hop.allowed) {
        return denied(`${hop.reason} (the hop ${what} ${via.namespace}/${via.name} is HBONE on ${HBONE_PORT})`, hop.decidedBy, via);
      }
    }
  } else {
    const wirePort = client.transport === 'hbone' ? HBONE_PORT : port;
    // the kubelet probes from the node, which NetworkPolicy always admits, except ambient pods (probes come from
    // istio-cni's 169.254.7.127, istio.io docs ambient/usage/networkpolicy)
    const fromNode = source.kind === 'kubelet' && destination.dataplane !== 'ambient';
    const hop = ctx.networkPolicies.allows(sourcePeer, destPeer, wirePort, fromNode);
    if (!hop.allowed) {
      return denied(hop.reason, hop.decidedBy);
    }
  }

  // the server: capture, mTLS mode, authorization
  const transport = client.transport;
  const identity = transport === 'mtls' || transport === 'hbone'
    ? (via ? principalOf(ctx.trustDomain, via.namespace, via.serviceAccount) : sourcePrincipal(ctx, source))
    : undefined;

  if (source.kind === 'kubelet' && destination.dataplane === 'ambient') {
    // istio/istio 1.30.3 cni/pkg/iptables/iptables.go: probes SNATed to 169.254.7.127 short-circuit past ztunnel
    return allowed(TrafficVerdict.ALLOWED_PLAINTEXT, 'istio-cni lets kubelet probes (from 169.254.7.127) bypass ztunnel: only NetworkPolicy applies');
  }
  if (destination.dataplane === 'none') {
    if (transport === 'mtls' || transport === 'hbone') {
      return denied(`${client.reason}; the pods have no proxy to terminate Istio mTLS, so the connection fails (istio/istio#21964); `
        + 'clients must send plaintext: a DestinationRule tls.mode DISABLE', client.decidedBy);
    }
    return allowed(TrafficVerdict.ALLOWED_PLAINTEXT, `${client.reason}; the pods run without a proxy, so only NetworkPolicy applies`, client.decidedBy);
  }

  if (destination.dataplane === 'sidecar') {
    const bypassed = inboundBypassed(destination.workload, port);
    if (bypassed) {
      if (transport === 'mtls') {
        return denied(`${client.reason}; but port ${port} bypasses the server's sidecar (${bypassed}), so the application receives TLS it cannot read `
          + '(istiod does not read the server\'s inbound exclusions); add a port-level DestinationRule tls.mode DISABLE', client.decidedBy ?? bypassedBy(bypassed));
      }
      return allowed(TrafficVerdict.ALLOWED_PLAINTEXT, `port ${port} bypasses the server's sidecar (${bypassed}): no mTLS, no AuthorizationPolicy; `
        + 'only NetworkPolicy applies', bypassedBy(bypassed));
    }
  }

  // PeerAuthentication: HBONE arrives on the 15008 listener, which is always mTLS (istio/istio 1.30.3
  // pilot/pkg/networking/plugin/authn/authentication.go, "HBONE is always strict")
  const server = ctx.peerAuthentications.modeFor(destination.workload, port);
  const serverName = server.decidedBy ? describe(server.decidedBy) : 'Istio\'s default (no PeerAuthentication: PERMISSIVE)';
  if (server.mode === 'STRICT' && (transport === 'plaintext' || transport === 'tls')) {
    return denied(`${client.reason}; the server requires mTLS on port ${port} (STRICT, ${serverName}), so the plaintext connection is refused`,
      server.decidedBy ? describe(server.decidedBy) : undefined, via);
  }
  if (server.mode === 'DISABLE' && transport === 'mtls' && destination.dataplane === 'sidecar') {
    return denied(`${client.reason}; the server's mode on port ${port} is DISABLE (${serverName}), so it does not terminate the mTLS the client `
      + 'sends (clients do not see a workload- or port-level DISABLE, istio#39439); add a DestinationRule tls.mode DISABLE for the port', serverName);
  }

  // authorization: first the waypoint's targetRefs policies (with the client's identity), then the destination's
  if (via) {
    const clientIdentity = sourcePrincipal(ctx, source);
    const service = addressing.kind === 'service' ? { name: addressing.service.object.name, namespace: addressing.service.object.namespace } : undefined;
    const policies = ctx.authorization.forWaypoint(via.name, via.namespace, service);
    const result = ctx.authorization.evaluate(policies, { ...identityOf(clientIdentity), port }, 'waypoint');
    if (!result.allowed) {
      return denied(`the waypoint ${via.namespace}/${via.name} enforces ${describe(result.decidedBy!)}: ${result.reason}`, describe(result.decidedBy!), via);
    }
  }
  const enforcer = enforcerFor(ctx, destination, port);
  const policies = ctx.authorization.forWorkload(destination.workload, enforcer);
  const result = ctx.authorization.evaluate(policies, { ...identityOf(identity), sourceIp: via ? undefined : source.ip, port }, enforcer);
  if (!result.allowed) {
    const who = via ? ` (a waypoint relays the connection, so the pods see the waypoint's identity ${identity})` : '';
    return denied(`${client.reason}; ${describe(result.decidedBy!)}: ${result.reason}${who}`, describe(result.decidedBy!), via);
  }
  const verdict = identity !== undefined ? TrafficVerdict.ALLOWED_MTLS : TrafficVerdict.ALLOWED_PLAINTEXT;
  const authorized = result.decidedBy ? `, admitted by ${describe(result.decidedBy)}` : '';
  return { verdict, reason: `${client.reason}${authorized}`, decidedBy: result.decidedBy ? describe(result.decidedBy) : client.decidedBy, via, peerIdentity: identity };
}

/**
 * UDP: neither the sidecar nor ztunnel proxies it (istio.io docs ops/deployment/application-requirements: "UDP is not
 * proxied"), so it travels in plaintext with no PeerAuthentication or AuthorizationPolicy; only NetworkPolicy applies.
 */
function evaluateUdp(ctx: EvaluationContext, source: Source, destination: Destination, port: number): Outcome {
  const hop = ctx.networkPolicies.allows({ namespace: source.namespace, podLabels: source.podLabels, ip: source.ip },
    networkPeerOf(destination.workload), port, source.kind === 'kubelet', 'UDP');
  if (!hop.allowed) {
    return denied(hop.reason, hop.decidedBy);
  }
  return allowed(TrafficVerdict.ALLOWED_PLAINTEXT, 'UDP is not proxied by Istio: it travels in plaintext, and only NetworkPolicy applies');
}

interface ClientSide {
  readonly transport: Transport;
  readonly reason: string;
  readonly decidedBy?: string;
  readonly via?: WaypointInfo;
}

/** What the client sends: Istio mTLS, HBONE, TLS of its own, or plaintext. */
function clientTransport(ctx: EvaluationContext, source: Source, destination: Destination, port: number, addressing: Addressing): ClientSide {
  if (source.dataplane === 'none') {
    return { transport: 'plaintext', reason: `${source.label} has no proxy and sends plaintext` };
  }
  if (source.dataplane === 'ambient') {
    // ztunnel: through a waypoint when the destination (or the Service) is bound to one that handles the traffic type
    const service = addressing.kind === 'service' ? addressing.service : undefined;
    const waypoint = ctx.waypoints.waypointFor(destination.workload, service);
    if (waypoint) {
      return { transport: 'hbone', reason: `ztunnel sends HBONE through the waypoint ${waypoint.namespace}/${waypoint.name}`, via: waypoint };
    }
    if (destination.dataplane === 'ambient') {
      return { transport: 'hbone', reason: 'ztunnel sends HBONE (mTLS) to the ambient pods' };
    }
    if (destination.dataplane === 'sidecar' && ctx.ambientEnabled) {
      // istio/istio 1.30.3 injection-template.yaml: the ambient profile labels injected pods networking.istio.io/tunnel: http
      return { transport: 'hbone', reason: 'ztunnel sends HBONE to the sidecar pods (the ambient profile gives them an HBONE listener)' };
    }
    return { transport: 'plaintext', reason: 'ztunnel sends plaintext: the pods accept no HBONE' };
  }

  // a sidecar: outbound exclusions first (istio/api annotation/annotations.yaml, excludeOutboundPorts)
  const dialPort = addressing.kind === 'service' ? addressing.servicePort : port;
  if (source.excludedOutboundPorts.includes(dialPort)) {
    return {
      transport: 'plaintext',
      reason: `port ${dialPort} bypasses the client's sidecar (traffic.sidecar.istio.io/excludeOutboundPorts on ${source.label}), so it leaves in plaintext`,
      decidedBy: `annotation traffic.sidecar.istio.io/excludeOutboundPorts on ${source.label}`,
    };
  }
  if (addressing.kind === 'pod') {
    // undeclared ports go to PassthroughCluster, without mTLS (istio.io docs ops/configuration/traffic-management/traffic-routing)
    return { transport: 'plaintext', reason: `no Service declares port ${port} of the pods, so the sidecar forwards it as passthrough without mTLS` };
  }
  const service = addressing.service;
  const clientNamespace = source.namespace ?? destination.workload.object.namespace;
  const dr = ctx.destinationRules.tlsFor(clientNamespace, service.fqdn, service.object.namespace, addressing.servicePort);
  const drName = dr.decidedBy ? describe(dr.decidedBy) : undefined;
  // with ambient enabled, a sidecar reaches ambient pods of a ClusterIP Service over HBONE whatever the rule says
  // (istio/istio 1.30.3 pilot/pkg/networking/core/cluster_tls.go, applyHBONETransportSocketMatches); never through a
  // headless Service (istio/istio#54921)
  const hbone = ctx.ambientEnabled && destination.dataplane === 'ambient' && addressing.kind === 'service';
  if (dr.mode !== undefined) {
    switch (dr.mode) {
      case 'DISABLE':
        return hbone
          ? { transport: 'hbone', reason: `the sidecar sends HBONE to the ambient pods (${drName} DISABLE does not apply to HBONE)`, decidedBy: drName }
          : { transport: 'plaintext', reason: `${drName} sets tls.mode DISABLE, so the sidecar sends plaintext`, decidedBy: drName };
      case 'ISTIO_MUTUAL':
        return { transport: hbone ? 'hbone' : 'mtls', reason: `${drName} sets ISTIO_MUTUAL, so the sidecar sends Istio mTLS`, decidedBy: drName };
      default:
        return { transport: 'tls', reason: `${drName} originates TLS (${dr.mode}), not Istio mTLS`, decidedBy: drName };
    }
  }
  // auto mTLS (istio/istio 1.30.3 pilot/pkg/networking/core/cluster_tls.go, pilot/pkg/model/push_context.go)
  if (addressing.kind === 'headless') {
    const without = ctx.inv.selectedBy(service).find(w => ctx.dataplaneOf(w).dataplane !== 'sidecar');
    if (without) {
      return {
        transport: 'plaintext',
        reason: `auto mTLS: ${without.object.kind} '${without.object.name}' behind headless Service '${service.object.name}' has no sidecar, so the sidecar `
          + 'sends plaintext to every pod of the Service (BestEffortInferServiceMTLSMode)',
      };
    }
    const nsMode = ctx.peerAuthentications.namespaceModeFor(service.object.namespace);
    if (nsMode.mode === 'DISABLE') {
      return { transport: 'plaintext', reason: `auto mTLS: ${describe(nsMode.decidedBy!)} disables mTLS for the namespace, so the sidecar sends plaintext`, decidedBy: describe(nsMode.decidedBy!) };
    }
    return { transport: 'mtls', reason: 'auto mTLS: every pod behind the headless Service has a sidecar, so the sidecar sends Istio mTLS' };
  }
  if (destination.dataplane === 'sidecar') {
    const mode = ctx.peerAuthentications.modeFor(destination.workload, port);
    if (mode.mode === 'DISABLE') {
      return { transport: 'plaintext', reason: `auto mTLS: ${describe(mode.decidedBy!)} disables mTLS on port ${port}, so the sidecar sends plaintext` };
    }
    return { transport: 'mtls', reason: 'auto mTLS: the pods have a sidecar, so the sidecar sends Istio mTLS' };
  }
  if (hbone) {
    return { transport: 'hbone', reason: 'the sidecar sends HBONE to the ambient pods' };
  }
  return { transport: 'plaintext', reason: 'auto mTLS: the pods have no sidecar, so the sidecar sends plaintext' };
}

/** The annotation (or the injector's default) that keeps a port out of the server's sidecar, if any. */
function inboundBypassed(workload: Workload, port: number): string | undefined {
  if (INJECTOR_EXCLUDED_INBOUND.includes(port)) {
    return `the injector keeps ${port} out of inbound capture`;
  }
  const excluded = String(workload.podAnnotations[EXCLUDE_INBOUND_PORTS_ANNOTATION] ?? '').split(',').map(p => Number(p.trim()));
  return excluded.includes(port) ? `${EXCLUDE_INBOUND_PORTS_ANNOTATION} on ${workload.object.kind} ${workload.object.namespace}/${workload.object.name}` : undefined;
}

function bypassedBy(why: string): string | undefined {
  return why.startsWith(EXCLUDE_INBOUND_PORTS_ANNOTATION) ? `annotation ${why}` : undefined;
}

/** Whether a Service declares a workload's port as HTTP or gRPC, by workload and port (the inventory does not change). */
const HTTP_PORTS = new WeakMap<Workload, Map<number, boolean>>();

/** Where the destination's policies are enforced: its sidecar (TCP or HTTP port) or its ztunnel. */
function enforcerFor(ctx: EvaluationContext, destination: Destination, port: number): Enforcer {
  if (destination.dataplane === 'ambient') {
    return 'ztunnel';
  }
  const byPort = HTTP_PORTS.get(destination.workload) ?? new Map<number, boolean>();
  HTTP_PORTS.set(destination.workload, byPort);
  let http = byPort.get(port);
  if (http === undefined) {
    http = ctx.inv.servicesOf(destination.workload).some(s => s.ports.some(p =>
      ctx.inv.targetPortOn(p, destination.workload) === port && istioProtocol(p)?.layer7 === true));
    byPort.set(port, http);
  }
  return http ? 'sidecar-http' : 'sidecar-tcp';
}


function sourcePrincipal(ctx: EvaluationContext, source: Source): string | undefined {
  if (source.namespace === undefined) {
    return undefined;
  }
  // a namespace source: any service account of the namespace (a principal no exact pattern matches)
  return principalOf(ctx.trustDomain, source.namespace, source.serviceAccount ?? '\u0000any');
}

function identityOf(principal: string | undefined): { principal?: string; namespace?: string } {
  if (principal === undefined) {
    return {};
  }
  const match = /\/ns\/([^/]+)\/sa\//.exec(principal);
  return { principal, namespace: match?.[1] };
}

const NETWORK_PEERS = new WeakMap<Workload, NetworkPeer>();

/** The destination pods as a NetworkPolicy sees them (one per workload: a workload's pods do not change). */
function networkPeerOf(workload: Workload): NetworkPeer {
  let peer = NETWORK_PEERS.get(workload);
  if (!peer) {
    peer = {
      namespace: workload.object.namespace,
      podLabels: workload.podLabels,
      namedPorts: Object.fromEntries(workload.ports.filter(p => p.name).map(p => [p.name!, p.port])),
    };
    NETWORK_PEERS.set(workload, peer);
  }
  return peer;
}

function denied(reason: string, decidedBy?: string | K8sObject, via?: WaypointInfo): Outcome {
  return { verdict: TrafficVerdict.DENIED, reason, decidedBy: typeof decidedBy === 'string' || decidedBy === undefined ? decidedBy : describe(decidedBy), via };
}

function allowed(verdict: TrafficVerdict, reason: string, decidedBy?: string): Outcome {
  return { verdict, reason, decidedBy };
}

/** `AuthorizationPolicy db/pg`. */
export function describe(object: K8sObject): string {
  return `${object.kind} ${object.namespace}/${object.name}`;
}

