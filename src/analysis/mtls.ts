import { destinationRules, DestinationRuleInfo } from './destination-rules';
import { Severity } from './finding';
import { Inventory, Workload } from './inventory';
import { whyNoSidecar } from './mesh-state';
import { isObject, K8sObject, toPortNumber } from './objects';
import { defineRule, describeWorkloads, quoteList, Rule } from './rule';

/** A PeerAuthentication, read. */
export interface PeerAuthenticationInfo {
  readonly object: K8sObject;
  readonly matchLabels?: Readonly<Record<string, unknown>>;
  readonly mode?: string;
  /** `portLevelMtls` entries: the key as written, its number (if it is one) and mode. */
  readonly ports: ReadonlyArray<{ readonly key: string; readonly port?: number; readonly mode?: string }>;
}

export function peerAuthentications(inv: Inventory): PeerAuthenticationInfo[] {
  return inv.derived('peerAuthentications', () => inv.ofKind('PeerAuthentication', 'security.istio.io').map(object => {
    const spec = isObject(object.body.spec) ? object.body.spec : {};
    const matchLabels = isObject(spec.selector?.matchLabels) && Object.keys(spec.selector.matchLabels).length > 0
      ? spec.selector.matchLabels : undefined;
    const ports = Object.entries(isObject(spec.portLevelMtls) ? spec.portLevelMtls : {})
      .map(([key, value]) => ({ key, port: toPortNumber(key), mode: isObject(value) ? value.mode : undefined }));
    return { object, matchLabels, mode: spec.mtls?.mode, ports };
  }));
}

/** The workloads a PeerAuthentication applies to: those its selector matches, or the whole namespace. */
export function coveredWorkloads(inv: Inventory, pa: PeerAuthenticationInfo): ReadonlyArray<Workload> {
  return pa.matchLabels ? inv.selectWorkloads(pa.object.namespace, pa.matchLabels) : inv.workloadsIn(pa.object.namespace);
}

export const STRICT_WITHOUT_SIDECAR = defineRule({
  code: 'SM311',
  severity: Severity.WARNING,
  title: 'STRICT PeerAuthentication on pods without a sidecar',
  description: 'Nothing enforces STRICT mTLS on pods without a sidecar (and not in ambient mode): they keep accepting plaintext. '
    + 'Checked for workload and namespace policies when the input proves the pods have no sidecar; mesh-wide policies are skipped.',
  check(inv, report) {
    for (const pa of peerAuthentications(inv)) {
      if (!pa.matchLabels && pa.object.namespace === inv.rootNamespace) {
        continue;
      }
      const strict = pa.mode === 'STRICT' || pa.ports.some(p => p.mode === 'STRICT');
      const withoutSidecar = coveredWorkloads(inv, pa).filter(w => w.mesh === 'none');
      if (strict && withoutSidecar.length > 0) {
        report(pa.object, `mode STRICT covers ${describeWorkloads(withoutSidecar, w => whyNoSidecar(inv, w))}, which run without a sidecar: `
          + 'nothing enforces mTLS there and they accept plaintext from anyone; inject the sidecar (or enrol them in ambient), '
          + 'or protect them with a NetworkPolicy instead', pa.mode === 'STRICT' ? 'spec.mtls.mode' : 'spec.portLevelMtls');
      }
    }
  },
});

export const PORT_LEVEL_WITHOUT_SELECTOR = defineRule({
  code: 'SM312',
  severity: Severity.ERROR,
  title: 'port-level mTLS without selector',
  description: '`portLevelMtls` is only valid on a PeerAuthentication with a workload `selector`; Istio rejects it on namespace- and '
    + 'mesh-wide policies.',
  check(inv, report) {
    for (const pa of peerAuthentications(inv)) {
      if (!pa.matchLabels && pa.ports.length > 0) {
        report(pa.object, `portLevelMtls (port ${quoteList(pa.ports.map(p => p.key))}) needs a selector: Istio rejects port-level settings `
          + 'on a namespace- or mesh-wide policy; add spec.selector.matchLabels selecting the pods that listen on the port', 'spec.portLevelMtls');
      }
    }
  },
});

export const PORT_LEVEL_NOT_CONTAINER_PORT = defineRule({
  code: 'SM313',
  severity: Severity.ERROR,
  title: 'port-level mTLS keyed by a port that is not a container port',
  description: 'The keys of `portLevelMtls` are container (target) ports of the selected pods, not Service ports. Checked when the '
    + 'selected pods declare their container ports.',
  check(inv, report) {
    for (const pa of peerAuthentications(inv)) {
      if (!pa.matchLabels || pa.ports.length === 0) {
        continue;
      }
      const workloads = coveredWorkloads(inv, pa);
      const declared = [...new Set(workloads.flatMap(w => w.ports.map(p => p.port)))].sort((a, b) => a - b);
      for (const entry of pa.ports) {
        if (entry.port === undefined) {
          report(pa.object, `portLevelMtls key '${entry.key}' is not a port number; key it by the container port number, e.g. '5432'`,
            `spec.portLevelMtls.${entry.key}`);
          continue;
        }
        if (declared.length === 0 || declared.includes(entry.port)) {
          continue;
        }
        const servicePort = workloads.flatMap(w => inv.servicesOf(w).flatMap(s => s.ports
          .filter(p => p.port === entry.port)
          .map(p => ({ service: s.object.name, target: inv.targetPortOn(p, w) }))))
          .find(p => p.target !== undefined && p.target !== entry.port);
        const hint = servicePort
          ? `: ${entry.port} is the port of Service '${servicePort.service}', which targets container port ${servicePort.target}; key it by ${servicePort.target}`
          : `; key it by one of ${declared.join(', ')}`;
        report(pa.object, `portLevelMtls key ${entry.port} is not a container port of ${describeWorkloads(workloads)} (declared: `
          + `${declared.join(', ')}); PeerAuthentication ports are container ports${hint}`, `spec.portLevelMtls.${entry.key}`);
      }
    }
  },
});

/** The DISABLE mode a DestinationRule sets for a Service port: port-level wins over the top level. */
function drDisables(dr: DestinationRuleInfo, servicePort: number | undefined): boolean {
  const top = dr.spec.trafficPolicy;
  const portLevel = (Array.isArray(top?.portLevelSettings) ? top.portLevelSettings : [])
    .find((s: any) => servicePort !== undefined && s?.port?.number === servicePort);
  const mode = portLevel?.tls?.mode ?? top?.tls?.mode;
  return mode === 'DISABLE';
}

export const DISABLE_WITHOUT_DESTINATION_RULE = defineRule({
  code: 'SM314',
  severity: Severity.ERROR,
  title: 'workload or port-level DISABLE without a matching DestinationRule DISABLE',
  description: 'Clients do not see a workload- or port-level PeerAuthentication DISABLE (istio#39439): they keep sending mTLS to the '
    + 'Service and the plaintext server fails. Pair it with a DestinationRule `tls.mode: DISABLE` for the Service (port-level where only some ports).',
  check(inv, report) {
    const drsByHost = new Map<string, DestinationRuleInfo[]>();
    for (const dr of destinationRules(inv)) {
      drsByHost.set(dr.fqdn, [...drsByHost.get(dr.fqdn) ?? [], dr]);
    }
    for (const pa of peerAuthentications(inv)) {
      const disabledPorts = pa.ports.filter(p => p.mode === 'DISABLE' && p.port !== undefined).map(p => p.port as number);
      const everyPort = pa.mode === 'DISABLE';
      if (!pa.matchLabels || (!everyPort && disabledPorts.length === 0)) {
        continue;
      }
      const workloads = coveredWorkloads(inv, pa).filter(w => w.mesh !== 'none' && w.mesh !== 'ambient');
      const services = [...new Set(workloads.flatMap(w => inv.servicesOf(w)))];
      for (const service of services) {
        const plaintext = service.ports.filter(p => {
          const explicit = workloads.map(w => inv.targetPortOn(p, w)).find(t => t !== undefined);
          const target = explicit ?? (typeof p.targetPort === 'number' ? p.targetPort : undefined);
          const portMode = pa.ports.find(e => e.port === target)?.mode;
          return portMode === 'DISABLE' || (everyPort && portMode === undefined);
        });
        const drs = drsByHost.get(service.fqdn) ?? [];
        const uncovered = plaintext.filter(p => !drs.some(dr => drDisables(dr, p.port)));
        if (uncovered.length === 0) {
          continue;
        }
        const ports = uncovered.map(p => p.port);
        const fix = uncovered.length === service.ports.length
          ? 'trafficPolicy.tls.mode: DISABLE'
          : `trafficPolicy.portLevelSettings [${ports.map(p => `{ port: { number: ${p} }, tls: { mode: DISABLE } }`).join(', ')}]`;
        report(pa.object, `mode DISABLE on ${everyPort ? 'the pods' : `port ${quoteList(disabledPorts)}`} is not seen by clients (istio#39439): `
          + `they keep sending mTLS to Service '${service.object.name}' port ${quoteList(ports)} and the plaintext server fails; `
          + `add a DestinationRule for host '${service.fqdn}' with ${fix}`, everyPort ? 'spec.mtls.mode' : 'spec.portLevelMtls');
      }
    }
  },
});

export const MTLS_RULES: ReadonlyArray<Rule> = [
  STRICT_WITHOUT_SIDECAR, PORT_LEVEL_WITHOUT_SELECTOR, PORT_LEVEL_NOT_CONTAINER_PORT, DISABLE_WITHOUT_DESTINATION_RULE,
];
