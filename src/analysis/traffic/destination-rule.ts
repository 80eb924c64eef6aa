import { destinationRules, DestinationRuleInfo } from '../destination-rules';
import { Inventory } from '../inventory';
import { asArray, isObject, K8sObject } from '../objects';

/** The TLS a client's sidecar uses towards a Service port, and the DestinationRule that set it. */
export interface ClientTlsSetting {
  /** `DISABLE`, `ISTIO_MUTUAL`, `SIMPLE`, `MUTUAL`; undefined when no rule sets it (auto mTLS decides). */
  readonly mode?: string;
  readonly decidedBy?: K8sObject;
}

/**
 * DestinationRules indexed by namespace and host, looked up the way a client's sidecar does:
 *
 * 1. a rule in the client's own namespace (exported or not), the most specific host first;
 * 2. else a rule exported to the client from the Service's namespace;
 * 3. else a rule exported to the client from the root namespace.
 * A rule is exported when `exportTo` is empty (the mesh default is public), contains `*`, or the client's namespace.
 * Short hosts are read in the rule's own namespace. istio/istio 1.30.3 `pilot/pkg/model/push_context.go`
 * ("1. select destination rule from proxy config namespace … 3. check the target service's namespace for exported rules
 * … 4. search for any exported destination rule in the config root namespace"); istio/api 1.30.3
 * `networking/v1alpha3/destination_rule.proto` (`exportTo`, host).
 *
 * TLS of a port: the port-level setting's `tls` (keyed by the Service port) when it sets one, else the rule's
 * (`destination_rule.proto`: "port level settings will override the destination-level settings"; istio/istio 1.30.3
 * `pilot/pkg/xds/endpoints/mtls_checker.go`, `trafficPolicyTLSModeForPort`).
 */
export class DestinationRuleIndex {
  /** Rules by `<namespace>\0<host>` (exact hosts), in input order. */
  private readonly byHost = new Map<string, DestinationRuleInfo[]>();
  /** Rules with a wildcard host, by namespace. */
  private readonly wildcards = new Map<string, DestinationRuleInfo[]>();

  constructor(private readonly inv: Inventory) {
    for (const dr of destinationRules(inv)) {
      const [map, key] = dr.fqdn.startsWith('*') ? [this.wildcards, dr.object.namespace] : [this.byHost, `${dr.object.namespace}\u0000${dr.fqdn}`];
      map.set(key, [...map.get(key) ?? [], dr]);
    }
  }

  /** The TLS a client in `clientNamespace` uses towards `host` (a Service FQDN of `serviceNamespace`) on `servicePort`. */
  public tlsFor(clientNamespace: string, host: string, serviceNamespace: string, servicePort: number): ClientTlsSetting {
    const rule = this.ruleFor(clientNamespace, host, serviceNamespace);
    if (!rule) {
      return {};
    }
    const policy = isObject(rule.spec.trafficPolicy) ? rule.spec.trafficPolicy : {};
    const portLevel = asArray(policy.portLevelSettings).find(s => isObject(s) && s.port?.number === servicePort && isObject(s.tls));
    const mode = portLevel?.tls?.mode ?? policy.tls?.mode;
    return typeof mode === 'string' ? { mode, decidedBy: rule.object } : {};
  }

  private ruleFor(clientNamespace: string, host: string, serviceNamespace: string): DestinationRuleInfo | undefined {
    const inOwn = this.matching(clientNamespace, host, () => true);
    if (inOwn) {
      return inOwn;
    }
    const exported = (dr: DestinationRuleInfo) => {
      const exportTo = asArray(dr.spec.exportTo).map(String);
      return exportTo.length === 0 || exportTo.includes('*') || exportTo.includes(clientNamespace);
    };
    return this.matching(serviceNamespace, host, exported) ?? this.matching(this.inv.rootNamespace, host, exported);
  }

  /** The rule of a namespace for a host: an exact host first, then the longest wildcard suffix. */
  private matching(namespace: string, host: string, visible: (dr: DestinationRuleInfo) => boolean): DestinationRuleInfo | undefined {
    const exact = (this.byHost.get(`${namespace}\u0000${host}`) ?? []).find(visible);
    if (exact) {
      return exact;
    }
    return (this.wildcards.get(namespace) ?? [])
      .filter(dr => visible(dr) && host.endsWith(dr.fqdn.slice(1)))
      .sort((a, b) => b.fqdn.length - a.fqdn.length)[0];
  }
}
