import { Severity } from './finding';
import { expressionMatches, Inventory, Workload } from './inventory';
import { asArray, isObject, K8sObject, toPortNumber } from './objects';
import { defineRule, Rule } from './rule';
import { EdgeIntent, TrafficVerdict } from './traffic/edge';
import { describe as describeObject } from './traffic/evaluate';
import { ModelEdge, TrafficModel } from './traffic/model';
import { principalOf } from './traffic/participants';
import { AGENT_PORT, HBONE_PORT } from '../private/istio-constants';

/**
 * Rules built on the traffic model (`traffic/`): they report configurations where every object is valid on its own and
 * the traffic still does not get through. Each finding names the edge, the object that blocks it and the fix. Edges
 * whose outcome depends on a dataplane the input does not prove (a namespace without its Namespace object) are not
 * reported.
 */

const MODELS = new WeakMap<Inventory, TrafficModel>();
const EDGES = new WeakMap<Inventory, ModelEdge[]>();

/**
 * The traffic model of an inventory, built once per inventory: the rules below share it, and so does the synth-time
 * check of the constructs' intended edges (`analysis/synth.ts`, through `TrafficModel.withFacts()`).
 */
export function trafficModelOf(inv: Inventory): TrafficModel {
  let model = MODELS.get(inv);
  if (!model) {
    model = new TrafficModel(inv);
    MODELS.set(inv, model);
  }
  return model;
}

/**
 * The model of an inventory and the edges the rules judge, evaluated once per analysis: those from the input's
 * workloads (each rule reports a source or destination workload of the input; kubelet probes and the sources policies
 * only name are not evaluated).
 */
function modelOf(inv: Inventory): { model: TrafficModel; edges: ModelEdge[] } {
  const model = trafficModelOf(inv);
  let edges = EDGES.get(inv);
  if (!edges) {
    edges = model.edges({ fromWorkloadsOnly: true });
    EDGES.set(inv, edges);
  }
  return { model, edges };
}

/** Proven edges of an intent, grouped by source and destination workload. */
function groups(inv: Inventory, intent: EdgeIntent): Map<string, ModelEdge[]> {
  const byPair = new Map<string, ModelEdge[]>();
  for (const e of modelOf(inv).edges) {
    if (e.intent === intent && !e.assumed && e.sourceWorkload !== undefined && e.destinationWorkload !== undefined) {
      const key = `${e.sourceWorkload.object.index}\u0000${e.destinationWorkload.object.index}`;
      const pair = byPair.get(key) ?? [];
      pair.push(e);
      byPair.set(key, pair);
    }
  }
  return byPair;
}

export const REFERENCED_BUT_DENIED = defineRule({
  code: 'SM601',
  severity: Severity.ERROR,
  title: 'a workload\'s env names a destination that denies it',
  description: 'A workload whose environment names a Service (or a pod of it) by its cluster DNS name, with or without a port, cannot '
    + 'reach it on any of the named ports: the traffic model follows the connection (the client\'s sidecar or ztunnel, DestinationRules, '
    + 'every NetworkPolicy on the way, the server\'s PeerAuthentication and AuthorizationPolicies) and the finding names the object that '
    + 'blocks it. Reported only when the input proves both ends\' dataplane.',
  check(inv, report) {
    const reachable = new Set(modelOf(inv).edges.filter(e => e.verdict !== TrafficVerdict.DENIED && e.sourceWorkload && e.destinationWorkload)
      .map(e => `${e.sourceWorkload!.object.index}\u0000${e.destinationWorkload!.object.index}`));
    for (const [pair, edges] of groups(inv, EdgeIntent.REFERENCE)) {
      // a host named without a port names every port of the Service: one that gets through is enough
      if (reachable.has(pair)) {
        continue;
      }
      const first = edges[0];
      const ports = [...new Set(edges.map(e => e.edge.port))].sort((a, b) => a - b).join(', ');
      report(first.sourceWorkload!.object, `its env names ${first.edge.destination} (${first.edge.address}), which it cannot reach on port ${ports}: `
        + `${first.edge.decidedBy ? `${first.edge.decidedBy} blocks it: ` : ''}${first.edge.reason}`, envPath(first.sourceWorkload!));
    }
  },
});

export const PEERS_CANNOT_REACH = defineRule({
  code: 'SM602',
  severity: Severity.ERROR,
  title: 'the pods of a StatefulSet cannot reach each other',
  description: 'The pods of a StatefulSet whose env names their own pods (a peer list, an advertised address on the headless Service) '
    + 'reach each other through its headless Service; when that is denied on every port the Service declares, they can never form their '
    + 'cluster. The finding names the object that blocks the peers and why. StatefulSets whose pods never name each other are not judged.',
  check(inv, report) {
    for (const edges of groups(inv, EdgeIntent.PEER).values()) {
      if (edges.length === 0 || edges.some(e => e.verdict !== TrafficVerdict.DENIED) || !namesOwnPods(inv, edges[0].destinationWorkload!)) {
        continue;
      }
      const first = edges[0];
      report(first.destinationWorkload!.object, `its pods cannot reach each other on any port of their headless Service (${edges.map(e => e.edge.port)
        .join(', ')}): ${first.edge.decidedBy ? `${first.edge.decidedBy} blocks them: ` : ''}${first.edge.reason}`);
    }
  },
});

export const OUTBOUND_EXCLUSION_TO_STRICT = defineRule({
  code: 'SM603',
  severity: Severity.ERROR,
  title: 'an outbound port excluded from the sidecar leads to a server that requires mTLS',
  description: '`traffic.sidecar.istio.io/excludeOutboundPorts` sends the port\'s connections around the sidecar, in plaintext '
    + '(istio/api `annotation/annotations.yaml`); a destination the workload reaches on that port (its own peers, or a Service its env '
    + 'names) that requires mTLS refuses them.',
  check(inv, report) {
    const seen = new Set<string>();
    for (const e of modelOf(inv).edges) {
      const { sourceWorkload, clientDecidedBy, assumed } = e;
      if (assumed || !sourceWorkload || e.verdict !== TrafficVerdict.DENIED || !clientDecidedBy?.includes('excludeOutboundPorts')
        || !e.edge.decidedBy?.startsWith('PeerAuthentication') && !e.edge.reason.includes('requires mTLS')) {
        continue;
      }
      const edge = e.edge;
      const key = `${sourceWorkload.object.index}:${edge.port}:${edge.destination}`;
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      report(sourceWorkload.object, `excludeOutboundPorts sends port ${edge.port} around the sidecar in plaintext, but ${edge.destination} requires `
        + `mTLS on it (${edge.decidedBy ?? 'STRICT'}), so the connection is refused; remove ${edge.port} from the annotation, or make the server's port `
        + 'PERMISSIVE', `${sourceWorkload.templatePath ? `${sourceWorkload.templatePath}.` : ''}metadata.annotations.traffic.sidecar.istio.io/excludeOutboundPorts`);
    }
  },
});

export const IDENTITY_RULE_ON_PLAINTEXT_PORT = defineRule({
  code: 'SM604',
  severity: Severity.ERROR,
  title: 'an ALLOW rule admits by identity on a port that only receives plaintext',
  description: '`principals`, `namespaces` and `serviceAccounts` need mTLS (istio/api `security/v1beta1/authorization_policy.proto`: '
    + '"This field requires mTLS enabled"). A rule that admits by them on a port every client reaches in plaintext — the server\'s '
    + 'PeerAuthentication is DISABLE for it, or every Service exposing it has a DestinationRule tls.mode DISABLE and the server is not '
    + 'STRICT — can never match: every connection on the port is denied. Admit the port without identity fields (and restrict it with a '
    + 'NetworkPolicy), or make it mTLS. Checked for sidecar pods.',
  check(inv, report) {
    const { model } = modelOf(inv);
    const ctx = model.context;
    for (const workload of inv.workloads.filter(w => w.mesh === 'sidecar')) {
      const applying = ctx.authorization.forWorkload(workload, 'sidecar-tcp');
      for (const policy of applying.filter(p => p.action === 'ALLOW')) {
        policy.rules.forEach((rule, r) => {
          const identity = asArray(rule?.from).some(f => ['principals', 'namespaces', 'serviceAccounts'].some(k => f?.source?.[k] !== undefined));
          const ports = asArray(rule?.to).flatMap(t => asArray(t?.operation?.ports)).map(toPortNumber).filter((p): p is number => p !== undefined);
          // a port only plaintext reaches, where no policy admits a connection without identity: every connection is denied
          const broken = !identity ? [] : ports.filter(port => workload.ports.some(p => p.port === port) && onlyPlaintext(inv, model, workload, port)
            && !ctx.authorization.evaluate(applying, { port }, 'sidecar-tcp').allowed);
          if (broken.length > 0) {
            report(policy.object, `rule ${r} admits by identity on port ${broken.join(', ')} of ${workload.object.kind} '${workload.object.name}', which only `
              + `receives plaintext (${onlyPlaintext(inv, model, workload, broken[0])}); identity fields need mTLS, so the rule never matches and `
              + 'every connection is denied: admit the port without identity fields and restrict it with a NetworkPolicy, or make the port mTLS',
            `spec.rules[${r}]`);
          }
        });
      }
    }
  },
});

/** Whether a StatefulSet's env names its own headless Service (its pods' addresses): evidence its pods talk to each other. */
function namesOwnPods(inv: Inventory, workload: Workload): boolean {
  const service = workload.object.body.spec?.serviceName;
  if (typeof service !== 'string') {
    return false;
  }
  const host = `.${service}.${workload.object.namespace}.svc`;
  return workload.containers.some(c => asArray(c.container.env).some(e => typeof e?.value === 'string'
    && (e.value.includes(host) || e.value.includes(`${service}.${workload.object.namespace}.svc.${inv.clusterDomain}`))));
}

/** Why every client reaches a workload's port in plaintext, or undefined when some may use mTLS. */
function onlyPlaintext(inv: Inventory, model: TrafficModel, workload: Workload, port: number): string | undefined {
  const ctx = model.context;
  const server = ctx.peerAuthentications.modeFor(workload, port);
  if (server.mode === 'DISABLE') {
    return `${server.decidedBy ? describeObject(server.decidedBy) : 'its PeerAuthentication'} is DISABLE for it`;
  }
  if (server.mode === 'STRICT') {
    return undefined;
  }
  const services = inv.servicesOf(workload).flatMap(s => s.ports.filter(p => inv.targetPortOn(p, workload) === port).map(p => ({ s, p })));
  if (services.length === 0) {
    return undefined;
  }
  const disabled = services.map(({ s, p }) => ctx.destinationRules.tlsFor(workload.object.namespace, s.fqdn, s.object.namespace, p.port));
  return disabled.every(d => d.mode === 'DISABLE')
    ? `${[...new Set(disabled.map(d => describeObject(d.decidedBy!)))].join(', ')} disable TLS for every Service exposing it` : undefined;
}

export const WAYPOINT_POLICY_WITHOUT_WAYPOINT = defineRule({
  code: 'SM605',
  severity: Severity.WARNING,
  title: 'a policy bound to a waypoint that nothing uses',
  description: 'An AuthorizationPolicy whose `targetRefs` names a Gateway is enforced by that waypoint only. When the input has no such '
    + 'Gateway and no pod, Service or Namespace names it with `istio.io/use-waypoint`, no traffic passes the waypoint and the policy '
    + 'applies to nothing (istio/api `security/v1beta1/authorization_policy.proto`, `targetRefs`).',
  check(inv, report) {
    const named = new Set<string>();
    const note = (labels: Readonly<Record<string, string>>, ns: string) => {
      const wp = labels['istio.io/use-waypoint'];
      if (wp) {
        named.add(`${labels['istio.io/use-waypoint-namespace'] ?? ns}/${wp}`);
      }
    };
    inv.workloads.forEach(w => note(w.podLabels, w.object.namespace));
    inv.services.forEach(s => note(s.object.labels, s.object.namespace));
    inv.ofKind('Namespace', '').forEach(n => note(n.labels, n.name));
    for (const { object, gateway } of modelOf(inv).model.context.authorization.gatewayBound()) {
      const key = `${object.namespace}/${gateway}`;
      if (!named.has(key) && !inv.find('Gateway', object.namespace, gateway)) {
        report(object, `targetRefs names Gateway '${gateway}', but no Gateway of that name is among the manifests and no pod, Service or `
          + 'Namespace uses it as a waypoint (istio.io/use-waypoint), so the policy applies to nothing; bind the pods to the waypoint, or fix the name',
        'spec.targetRefs');
      }
    }
  },
});

export const WAYPOINT_NOT_ADMITTED = defineRule({
  code: 'SM606',
  severity: Severity.ERROR,
  title: 'pods behind a waypoint do not admit it',
  description: 'Traffic a waypoint relays reaches the pods\' ztunnel with the waypoint\'s identity, from the waypoint\'s pods, over HBONE on '
    + '15008 (istio.io docs ambient/usage/l4-policy, "Authorization policy attachment"). When the pods\' AuthorizationPolicies admit no '
    + 'connection from that identity, or their NetworkPolicy does not admit the waypoint\'s pods on 15008, every relayed connection is '
    + 'denied. Checked for ambient pods bound to a waypoint that handles their traffic.',
  check(inv, report) {
    const { model } = modelOf(inv);
    const ctx = model.context;
    for (const workload of inv.workloads.filter(w => w.mesh === 'ambient')) {
      const services = inv.servicesOf(workload);
      const waypoint = ctx.waypoints.waypointFor(workload) ?? services.map(s => ctx.waypoints.waypointFor(workload, s)).find(w => w !== undefined);
      if (!waypoint || workload.ports.length === 0) {
        continue;
      }
      const principal = principalOf(ctx.trustDomain, waypoint.namespace, waypoint.serviceAccount);
      const policies = ctx.authorization.forWorkload(workload, 'ztunnel');
      const ports = workload.ports.map(p => p.port);
      const results = ports.map(port => ctx.authorization.evaluate(policies, { principal, namespace: waypoint.namespace, port }, 'ztunnel'));
      if (results.every(r => !r.allowed)) {
        report(results[0].decidedBy ?? workload.object, `${workload.object.kind} '${workload.object.name}' is reached through the waypoint `
          + `${waypoint.namespace}/${waypoint.name}, whose identity ${principal} no rule admits (${results[0].reason}); add it to the policy's `
          + 'principals, and bind the client allow-list to the waypoint (targetRefs)');
      }
      const hop = ctx.networkPolicies.allows(
        { namespace: waypoint.namespace, podLabels: { 'gateway.networking.k8s.io/gateway-name': waypoint.name } },
        { namespace: workload.object.namespace, podLabels: workload.podLabels }, HBONE_PORT);
      if (!hop.allowed && hop.decidedBy) {
        report(hop.decidedBy, `the waypoint ${waypoint.namespace}/${waypoint.name} relays the traffic of ${workload.object.kind} '${workload.object.name}' `
          + `on ${HBONE_PORT}, but ${hop.reason}; admit its pods (gateway.networking.k8s.io/gateway-name: ${waypoint.name}) on TCP ${HBONE_PORT}`,
        'spec.ingress');
      }
    }
  },
});

export const SCRAPE_ANNOTATION_BLOCKED = defineRule({
  code: 'SM607',
  severity: Severity.WARNING,
  title: 'sidecar pods isolated by NetworkPolicy without their merged metrics port',
  description: 'The injector points the `prometheus.io/*` annotations of every sidecar pod at the agent\'s merged metrics on 15020 '
    + '(istio/istio `pkg/kube/inject/webhook.go`; istio.io docs ops/integrations/prometheus). Pods that ask to be scraped '
    + '(`prometheus.io/scrape: "true"`) and whose NetworkPolicies admit no source on 15020 cannot be scraped.',
  check(inv, report) {
    const ingressByNamespace = new Map<string, K8sObject[]>();
    for (const np of inv.ofKind('NetworkPolicy', 'networking.k8s.io').filter(isIngress)) {
      const list = ingressByNamespace.get(np.namespace) ?? [];
      list.push(np);
      ingressByNamespace.set(np.namespace, list);
    }
    for (const workload of inv.workloads.filter(w => w.mesh === 'sidecar' && w.podAnnotations['prometheus.io/scrape'] === 'true')) {
      const isolating = (ingressByNamespace.get(workload.object.namespace) ?? [])
        .filter(np => selects(np.body.spec?.podSelector, workload.podLabels));
      if (isolating.length > 0 && !isolating.some(admitsAgentPort)) {
        report(workload.object, `asks to be scraped (prometheus.io/scrape), but the NetworkPolicies selecting its pods (${isolating.map(np => np.name).join(', ')}) `
          + `admit nobody on ${AGENT_PORT}, where the sidecar agent serves the merged metrics; admit the scraper on TCP ${AGENT_PORT}`,
        `${workload.templatePath ? `${workload.templatePath}.` : ''}metadata.annotations.prometheus.io/scrape`);
      }
    }
  },
});

function isIngress(np: K8sObject): boolean {
  const types = np.body.spec?.policyTypes;
  return !Array.isArray(types) || types.includes('Ingress');
}

function selects(selector: any, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) {
    return true;
  }
  return Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {}).every(([k, v]) => labels[k] === String(v))
    && asArray(selector.matchExpressions).every(e => expressionMatches(e, labels));
}

/** A rule of the policy admits some source on the agent's port (no ports, or 15020). */
function admitsAgentPort(np: K8sObject): boolean {
  return asArray(np.body.spec?.ingress).some(rule => asArray(rule?.ports).length === 0
    || asArray(rule?.ports).some(p => p?.port === undefined || toPortNumber(p?.port) === AGENT_PORT));
}

function envPath(workload: Workload): string {
  const index = workload.containers.findIndex(c => asArray(c.container.env).length > 0);
  return index < 0 ? workload.containers[0]?.path ?? '' : `${workload.containers[index].path}.env`;
}

export const TRAFFIC_RULES: ReadonlyArray<Rule> = [
  REFERENCED_BUT_DENIED, PEERS_CANNOT_REACH, OUTBOUND_EXCLUSION_TO_STRICT, IDENTITY_RULE_ON_PLAINTEXT_PORT, WAYPOINT_POLICY_WITHOUT_WAYPOINT,
  WAYPOINT_NOT_ADMITTED, SCRAPE_ANNOTATION_BLOCKED,
];
