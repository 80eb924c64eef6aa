import { Severity } from './finding';
import { Inventory, ServiceInfo } from './inventory';
import { whyNoSidecar } from './mesh-state';
import { asArray, isObject, K8sObject } from './objects';
import { defineRule, describeWorkloads, Rule } from './rule';

/** A DestinationRule with its host resolved the way Istio reads it. */
export interface DestinationRuleInfo {
  readonly object: K8sObject;
  readonly host: string;
  /** The host as an FQDN (short names get `.<namespace>.svc.<clusterDomain>`). */
  readonly fqdn: string;
  readonly spec: any;
}

/** A traffic policy of a DestinationRule (top level, port level, or of a subset), with its path. */
interface PolicyRef {
  readonly policy: any;
  readonly path: string;
  /** The port of a port-level setting. */
  readonly port?: number;
}

export function destinationRules(inv: Inventory): DestinationRuleInfo[] {
  return inv.ofKind('DestinationRule', 'networking.istio.io')
    .filter(o => isObject(o.body.spec) && typeof o.body.spec.host === 'string')
    .map(o => ({ object: o, host: o.body.spec.host, fqdn: inv.hostFqdn(o.body.spec.host, o.namespace), spec: o.body.spec }));
}

/** Every traffic policy of a DestinationRule: top level, its port-level settings, and the same inside subsets. */
function policies(spec: any): PolicyRef[] {
  const found: PolicyRef[] = [];
  const add = (policy: any, path: string) => {
    if (!isObject(policy)) {
      return;
    }
    found.push({ policy, path });
    asArray(policy.portLevelSettings).forEach((setting, i) => {
      if (isObject(setting)) {
        found.push({ policy: setting, path: `${path}.portLevelSettings[${i}]`, port: setting.port?.number });
      }
    });
  };
  add(spec.trafficPolicy, 'spec.trafficPolicy');
  asArray(spec.subsets).forEach((subset, i) => add(subset?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`));
  return found;
}

/**
 * The parts of a host below `.svc.<clusterDomain>`: `['web-0', 'web', 'db']` for `web-0.web.db.svc.cluster.local`;
 * undefined for hosts outside the cluster domain.
 */
function clusterLabels(inv: Inventory, fqdn: string): string[] | undefined {
  const suffix = `.svc.${inv.clusterDomain}`;
  return fqdn.endsWith(suffix) ? fqdn.slice(0, -suffix.length).split('.') : undefined;
}

/** For a per-pod host (or a wildcard over the pods of a Service), the Service host it should be. */
function perPodHost(inv: Inventory, fqdn: string): { readonly pod: string; readonly serviceHost: string; readonly service: string } | undefined {
  const labels = clusterLabels(inv, fqdn);
  if (!labels || labels.length < 3) {
    return undefined;
  }
  const [service, namespace] = labels.slice(-2);
  return { pod: labels.slice(0, -2).join('.'), service, serviceHost: `${service}.${namespace}.svc.${inv.clusterDomain}` };
}

function targetService(inv: Inventory, dr: DestinationRuleInfo): ServiceInfo | undefined {
  const target = inv.resolveHost(dr.fqdn);
  return target?.type === 'service' ? target.service : undefined;
}

export const UNKNOWN_HOST = defineRule({
  code: 'SM301',
  severity: Severity.WARNING,
  istioCode: 'IST0174',
  title: 'DestinationRule host is not a Service or ServiceEntry host',
  description: 'A DestinationRule applies to the Service or ServiceEntry host it names; a host that is neither (among the manifests) '
    + 'applies to nothing. Short hosts are read as `<host>.<namespace>.svc.<clusterDomain>`; wildcard hosts, and hosts declared outside the input '
    + '(`externalHosts`; at synth, Services imported with `fromAttributes`), are not checked.',
  check(inv, report) {
    const external = new Set(inv.externalHosts);
    for (const dr of destinationRules(inv)) {
      if (dr.fqdn.startsWith('*') || external.has(dr.fqdn) || perPodHost(inv, dr.fqdn) || inv.resolveHost(dr.fqdn)) {
        continue;
      }
      report(dr.object, `host '${dr.host}' is neither a Service nor a ServiceEntry host among the manifests, so the rule applies to nothing; `
        + 'name an existing Service (\'<service>.<namespace>.svc.cluster.local\') or add a ServiceEntry for it', 'spec.host');
    }
  },
});

export const PER_POD_HOST = defineRule({
  code: 'SM302',
  severity: Severity.ERROR,
  istioCode: 'IST0174',
  title: 'DestinationRule host is a per-pod or wildcard pod name',
  description: 'DestinationRules apply to Service hosts; a per-pod name (`web-0.web-headless.ns.svc...`) or a wildcard over the pods '
    + '(`*.web-headless.ns.svc...`) matches no Service. The Service host covers traffic to every pod of a headless Service.',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      const perPod = perPodHost(inv, dr.fqdn);
      if (!perPod) {
        continue;
      }
      const what = perPod.pod === '*' ? `a wildcard over the pods of Service '${perPod.service}'` : `the per-pod name of '${perPod.pod}'`;
      report(dr.object, `host '${dr.host}' is ${what}, which matches no Service, so the rule applies to nothing; use host '${perPod.serviceHost}', `
        + 'which covers traffic to every pod of the headless Service', 'spec.host');
    }
  },
});

export const LOAD_BALANCER_ON_HEADLESS = defineRule({
  code: 'SM303',
  severity: Severity.WARNING,
  title: 'DestinationRule load balancing on a headless Service',
  description: 'Istio sends traffic for a headless Service straight to the pod the client resolved (ORIGINAL_DST cluster): '
    + '`loadBalancer` has no effect there (istio#50967). Clients that need load balancing use a ClusterIP Service.',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      const service = targetService(inv, dr);
      if (!service?.headless) {
        continue;
      }
      const withLb = policies(dr.spec).find(p => isObject(p.policy.loadBalancer));
      if (withLb) {
        report(dr.object, `sets loadBalancer for '${dr.host}', a headless Service: Istio sends its traffic straight to the pod the client `
          + 'resolved (ORIGINAL_DST), so load balancing has no effect; put it on a ClusterIP Service that selects the same pods and point clients there',
        `${withLb.path}.loadBalancer`);
      }
    }
  },
});

export const ISTIO_MUTUAL_WITHOUT_SIDECAR = defineRule({
  code: 'SM304',
  severity: Severity.ERROR,
  title: 'ISTIO_MUTUAL towards pods without a sidecar',
  description: '`tls.mode: ISTIO_MUTUAL` forces Istio mTLS; pods without a sidecar (proven by the input: `sidecar.istio.io/inject: "false"`, '
    + 'a Namespace without injection labels, host network) cannot terminate it. Auto mTLS already picks plaintext for them.',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      const service = targetService(inv, dr);
      if (!service) {
        continue;
      }
      const withoutSidecar = inv.selectedBy(service).filter(w => w.mesh === 'none');
      const mutual = policies(dr.spec).find(p => p.policy.tls?.mode === 'ISTIO_MUTUAL');
      if (withoutSidecar.length > 0 && mutual) {
        report(dr.object, `sets tls.mode ISTIO_MUTUAL for '${dr.host}', but ${describeWorkloads(withoutSidecar, w => whyNoSidecar(inv, w))} `
          + 'run without a sidecar and cannot terminate Istio mTLS, so connections fail; remove the tls setting (auto mTLS sends them plaintext) '
          + 'or inject the sidecar', `${mutual.path}.tls.mode`);
      }
    }
  },
});

/** Upstream skips a `credentialName` when the DestinationRule has a workloadSelector (the secret is then readable). */
function unverifiedTls(tls: any, workloadSelector: unknown): string | undefined {
  if (!isObject(tls) || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL')) {
    return undefined;
  }
  if (typeof tls.caCertificates === 'string' && tls.caCertificates !== '') {
    return undefined;
  }
  if (typeof tls.credentialName === 'string' && tls.credentialName !== '' && isObject(workloadSelector)) {
    return undefined;
  }
  return tls.mode;
}

export const TLS_WITHOUT_CA = defineRule({
  code: 'SM305',
  severity: Severity.WARNING,
  istioCode: 'IST0128',
  title: 'DestinationRule TLS without server verification',
  description: 'With `trafficPolicy.tls.mode` SIMPLE or MUTUAL and no `caCertificates` (or `credentialName` with a `workloadSelector`), '
    + 'the proxy does not verify the server certificate: typical for TLS origination to an external database.',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      const mode = unverifiedTls(dr.spec.trafficPolicy?.tls, dr.spec.workloadSelector);
      if (mode) {
        report(dr.object, `tls.mode ${mode} for '${dr.host}' sets no caCertificates, so the server certificate is not verified; `
          + 'set caCertificates to the CA bundle of the server (or credentialName together with a workloadSelector)', 'spec.trafficPolicy.tls');
      }
    }
  },
});

export const PORT_TLS_WITHOUT_CA = defineRule({
  code: 'SM306',
  severity: Severity.WARNING,
  istioCode: 'IST0129',
  title: 'DestinationRule port-level TLS without server verification',
  description: 'The port-level form of SM305: a `portLevelSettings[].tls` with mode SIMPLE or MUTUAL and no `caCertificates`.',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      asArray(dr.spec.trafficPolicy?.portLevelSettings).forEach((setting, i) => {
        const mode = unverifiedTls(setting?.tls, dr.spec.workloadSelector);
        if (mode) {
          report(dr.object, `tls.mode ${mode} for '${dr.host}' port ${setting.port?.number ?? '?'} sets no caCertificates, so the server `
            + 'certificate is not verified; set caCertificates to the CA bundle of the server', `spec.trafficPolicy.portLevelSettings[${i}].tls`);
        }
      });
    }
  },
});

export const DESTINATION_RULE_RULES: ReadonlyArray<Rule> = [
  UNKNOWN_HOST, PER_POD_HOST, LOAD_BALANCER_ON_HEADLESS, ISTIO_MUTUAL_WITHOUT_SIDECAR, TLS_WITHOUT_CA, PORT_TLS_WITHOUT_CA,
];
