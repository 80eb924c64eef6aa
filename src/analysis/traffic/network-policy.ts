import { expressionMatches, Inventory } from '../inventory';
import { asArray, isObject, K8sObject, stringMap, toPortNumber } from '../objects';
import { inCidr } from './authorization';
import { SelectorIndex } from './selector-index';

/** One end of a hop as a NetworkPolicy sees it: namespace, pod labels, an IP when known, named ports. */
export interface NetworkPeer {
  readonly namespace?: string;
  /** Undefined when unknown: then only empty pod selectors match. */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly ip?: string;
  /** The pod's named container ports (for named ports in policies). */
  readonly namedPorts?: Readonly<Record<string, number>>;
}

/** The outcome for one hop: allowed, or denied with the policies that isolate the pod. */
export interface NetworkResult {
  readonly allowed: boolean;
  readonly decidedBy?: K8sObject;
  readonly reason: string;
}

interface Policy {
  readonly object: K8sObject;
  readonly podSelector: any;
  readonly ingress?: any[];
  readonly egress?: any[];
}

/** The label Kubernetes puts on every Namespace with its name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * NetworkPolicies indexed by namespace, evaluated as Kubernetes defines them (kubernetes.io docs
 * concepts/services-networking/network-policies; the `NetworkPolicySpec`, `NetworkPolicyIngressRule` and
 * `NetworkPolicyPeer` API reference, networking.k8s.io/v1):
 * - a pod is isolated for ingress (egress) only when a policy with that type selects it; policies are additive, and a
 *   connection needs both the source's egress and the destination's ingress to allow it;
 * - rules are ORed; within a rule, `from`/`to` and `ports` are ANDed; no `from`/`ports` means all sources/ports;
 * - a peer with `podSelector` alone selects pods of the policy's namespace, with `namespaceSelector` the pods of those
 *   namespaces, with both the pods matching both; `ipBlock` matches addresses (the model knows few: pod IPs are not in
 *   the manifests);
 * - traffic from the pod's own node is always allowed (`NetworkPolicySpec.ingress`: "OR if the traffic source is the
 *   pod's local node"), which covers kubelet probes of sidecar and out-of-mesh pods; ambient probes arrive from
 *   istio-cni's 169.254.7.127 instead (istio.io docs ambient/usage/networkpolicy).
 */
export class NetworkPolicyIndex {
  private readonly ingress = new SelectorIndex<Policy>();
  private readonly egress = new SelectorIndex<Policy>();

  constructor(private readonly inv: Inventory) {
    for (const object of inv.ofKind('NetworkPolicy', 'networking.k8s.io')) {
      const spec = isObject(object.body.spec) ? object.body.spec : {};
      const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : ['Ingress', ...spec.egress !== undefined ? ['Egress'] : []];
      const policy: Policy = {
        object,
        podSelector: spec.podSelector ?? {},
        ingress: types.includes('Ingress') ? asArray(spec.ingress) : undefined,
        egress: types.includes('Egress') ? asArray(spec.egress) : undefined,
      };
      if (policy.ingress) {
        this.ingress.add(object.namespace, policy.podSelector, policy);
      }
      if (policy.egress) {
        this.egress.add(object.namespace, policy.podSelector, policy);
      }
    }
  }

  /** Whether `source` may open a connection to `destination` on `port` (both the source's egress and the destination's ingress). */
  public allows(source: NetworkPeer, destination: NetworkPeer, port: number, fromLocalNode = false, protocol = 'TCP'): NetworkResult {
    if (!fromLocalNode) {
      const ingress = this.check(destination, source, port, 'ingress', protocol);
      if (!ingress.allowed) {
        return ingress;
      }
    }
    return source.namespace !== undefined && source.podLabels !== undefined
      ? this.check(source, destination, port, 'egress', protocol) : { allowed: true, reason: '' };
  }

  private check(subject: NetworkPeer, other: NetworkPeer, port: number, direction: 'ingress' | 'egress', protocol: string): NetworkResult {
    if (subject.namespace === undefined || subject.podLabels === undefined) {
      return { allowed: true, reason: '' };
    }
    const policies = (direction === 'ingress' ? this.ingress : this.egress).selecting(subject.namespace, subject.podLabels);
    if (policies.length === 0) {
      return { allowed: true, reason: '' };
    }
    for (const policy of policies) {
      for (const rule of policy[direction]!) {
        const peers = direction === 'ingress' ? rule?.from : rule?.to;
        const portNumbers = direction === 'ingress' ? subject.namedPorts : other.namedPorts;
        if (this.portMatches(rule?.ports, port, portNumbers, protocol) && this.peersMatch(peers, other, policy.object.namespace)) {
          return { allowed: true, decidedBy: policy.object, reason: '' };
        }
      }
    }
    const on = protocol === 'TCP' ? `port ${port}` : `${protocol} port ${port}`;
    const what = direction === 'ingress' ? `ingress on ${on} from ${describePeer(other)}` : `egress on ${on} to ${describePeer(other)}`;
    return {
      allowed: false,
      decidedBy: policies[0].object,
      reason: `no rule of the NetworkPolicies selecting the pods (${policies.map(p => p.object.name).join(', ')}) admits ${what}`,
    };
  }

  private selects(selector: any, labels: Readonly<Record<string, string>>): boolean {
    if (!isObject(selector)) {
      return true;
    }
    const matchLabels = stringMap(selector.matchLabels);
    return Object.entries(matchLabels).every(([k, v]) => labels[k] === v)
      && asArray(selector.matchExpressions).every(e => expressionMatches(e, labels));
  }

  private portMatches(ports: unknown, port: number, named: Readonly<Record<string, number>> | undefined, protocol: string): boolean {
    const list = asArray(ports);
    if (ports === undefined || list.length === 0) {
      return true;
    }
    return list.some(p => {
      if (!isObject(p)) {
        return false;
      }
      if (String(p.protocol ?? 'TCP').toUpperCase() !== protocol) {
        return false;
      }
      if (p.port === undefined) {
        return true;
      }
      const start = toPortNumber(p.port) ?? (typeof p.port === 'string' ? named?.[p.port] : undefined);
      if (start === undefined) {
        return false;
      }
      const end = typeof p.endPort === 'number' && toPortNumber(p.port) !== undefined ? p.endPort : start;
      return start <= port && port <= end;
    });
  }

  private peersMatch(peers: unknown, other: NetworkPeer, policyNamespace: string): boolean {
    const list = asArray(peers);
    if (peers === undefined || list.length === 0) {
      return true;
    }
    return list.some(peer => {
      if (!isObject(peer)) {
        return false;
      }
      if (isObject(peer.ipBlock)) {
        const except = asArray(peer.ipBlock.except).map(String);
        return other.ip !== undefined && inCidr(other.ip, String(peer.ipBlock.cidr)) && !except.some(c => inCidr(other.ip!, c));
      }
      if (other.namespace === undefined) {
        return false;
      }
      const nsOk = peer.namespaceSelector !== undefined
        ? this.selects(peer.namespaceSelector, this.namespaceLabels(other.namespace))
        : other.namespace === policyNamespace;
      if (!nsOk) {
        return false;
      }
      if (peer.podSelector === undefined) {
        return true;
      }
      const selectsAll = !isObject(peer.podSelector)
        || (Object.keys(stringMap(peer.podSelector.matchLabels)).length === 0 && asArray(peer.podSelector.matchExpressions).length === 0);
      return selectsAll || (other.podLabels !== undefined && this.selects(peer.podSelector, other.podLabels));
    });
  }

  /** A namespace's labels: its Namespace object's, plus the name label every Namespace carries (Kubernetes >= 1.22). */
  private namespaceLabels(namespace: string): Record<string, string> {
    return { ...this.inv.namespaceObject(namespace)?.labels ?? {}, [NAMESPACE_NAME_LABEL]: namespace };
  }
}

function describePeer(peer: NetworkPeer): string {
  if (peer.ip !== undefined) {
    return peer.ip;
  }
  if (peer.namespace === undefined) {
    return 'outside the cluster\'s pods';
  }
  const labels = peer.podLabels === undefined ? 'any pod' : Object.entries(peer.podLabels).slice(0, 2).map(([k, v]) => `${k}=${v}`).join(',') || 'any pod';
  return `${labels} in namespace ${peer.namespace}`;
}
