import { Severity } from './finding';
import { Inventory, ServiceInfo } from './inventory';
import { whyNoSidecar } from './mesh-state';
import { differsOnlyInDigits, editDistance } from './namespaces';
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
  return inv.derived('destinationRules', () => inv.ofKind('DestinationRule', 'networking.istio.io')
    .filter(o => isObject(o.body.spec) && typeof o.body.spec.host === 'string')
    .map(o => ({ object: o, host: o.body.spec.host, fqdn: inv.hostFqdn(o.body.spec.host, o.namespace), spec: o.body.spec })));
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
  description: 'A DestinationRule applies to the Service or ServiceEntry host it names; a host that is neither applies to nothing. '
    + 'Short hosts are read as `<host>.<namespace>.svc.<clusterDomain>`; wildcard hosts, and hosts declared outside the input '
    + '(`externalHosts`; at synth, Services imported with `fromAttributes`), are not checked. On a partial input (the `lint` '
    + 'command, option `partialInput`: a repository keeps DestinationRules and Services in separate files) it is reported only '
    + 'with evidence of a mistake: a Service of a name one or two edits away, or of the same name in another namespace.',
  check(inv, report) {
    const external = new Set(inv.externalHosts);
    for (const dr of destinationRules(inv)) {
      if (dr.fqdn.startsWith('*') || external.has(dr.fqdn) || perPodHost(inv, dr.fqdn) || inv.resolveHost(dr.fqdn)) {
        continue;
      }
      const guess = nearestService(inv, dr.fqdn, dr.object, dr.host);
      if (inv.partialInput && guess === undefined) {
        continue;
      }
      report(dr.object, `host '${dr.host}' is neither a Service nor a ServiceEntry host among the manifests, so the rule applies to nothing; `
        + (guess ? `did you mean '${guess}'?` : 'name an existing Service (\'<service>.<namespace>.svc.cluster.local\') or add a ServiceEntry for it'),
      'spec.host');
    }
  },
});

/** A Service host near a cluster host that names none: one or two edits from its name in its namespace, or its name elsewhere. */
function nearestService(inv: Inventory, fqdn: string, dr: K8sObject, host: string): string | undefined {
  const labels = clusterLabels(inv, fqdn);
  if (!labels || labels.length !== 2) {
    return undefined;
  }
  const [name, namespace] = labels;
  const near = inv.services.filter(s => s.object.namespace === namespace && name.length >= 4
    && editDistance(s.object.name, name) <= 2 && !differsOnlyInDigits(s.object.name, name));
  // the same name in another namespace counts only when both namespaces are written (a kustomize base leaves them out)
  const elsewhere = inv.services.filter(s => s.object.name === name && s.object.namespace !== namespace && s.object.writtenNamespace !== undefined
    && (dr.writtenNamespace !== undefined || !/^[^.]+$/.test(host)));
  return [...near, ...elsewhere].map(s => s.fqdn).sort()[0];
}

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

/**
 * TLS origination that does not verify the server. Since Istio 1.21, SIMPLE and MUTUAL without `caCertificates` verify the
 * server against the OS CA bundle (istio.io news/releases/1.21.x/announcing-1.21/upgrade-notes, "Default value of the feature
 * flag VERIFY_CERT_AT_CLIENT is set to true"), and since 1.24 the flag is gone (announcing-1.24/change-notes, the 1.20
 * compatibility profile removed): only `insecureSkipVerify: true` turns verification off.
 */
function unverifiedTls(tls: any): string | undefined {
  if (!isObject(tls) || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL')) {
    return undefined;
  }
  return tls.insecureSkipVerify === true ? tls.mode : undefined;
}

export const TLS_WITHOUT_CA = defineRule({
  code: 'SM305',
  severity: Severity.WARNING,
  title: 'DestinationRule TLS origination with insecureSkipVerify',
  description: 'With `trafficPolicy.tls.mode` SIMPLE or MUTUAL and `insecureSkipVerify: true`, the proxy does not verify the server '
    + 'certificate (neither CA nor SAN): anyone on the path can impersonate the database. Without `caCertificates` Istio >= 1.21 '
    + 'verifies against the OS CA bundle, so a missing `caCertificates` is not reported (istioctl analyze\'s IST0128 still is; '
    + 'it predates that change). Assumes Istio >= 1.21.',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      const mode = unverifiedTls(dr.spec.trafficPolicy?.tls);
      if (mode) {
        report(dr.object, `tls.mode ${mode} for '${dr.host}' sets insecureSkipVerify: true, so the server certificate is not verified; `
          + 'remove insecureSkipVerify and set caCertificates to the CA bundle of the server (or rely on the OS CA bundle for a public '
          + 'certificate)', 'spec.trafficPolicy.tls.insecureSkipVerify');
      }
    }
  },
});

export const PORT_TLS_WITHOUT_CA = defineRule({
  code: 'SM306',
  severity: Severity.WARNING,
  title: 'DestinationRule port-level TLS origination with insecureSkipVerify',
  description: 'The port-level form of SM305: a `portLevelSettings[].tls` with mode SIMPLE or MUTUAL and `insecureSkipVerify: true`. '
    + 'A missing `caCertificates` is not reported (Istio >= 1.21 verifies against the OS CA bundle; istioctl analyze\'s IST0129 '
    + 'predates that change).',
  check(inv, report) {
    for (const dr of destinationRules(inv)) {
      asArray(dr.spec.trafficPolicy?.portLevelSettings).forEach((setting, i) => {
        const mode = unverifiedTls(setting?.tls);
        if (mode) {
          report(dr.object, `tls.mode ${mode} for '${dr.host}' port ${setting.port?.number ?? '?'} sets insecureSkipVerify: true, so the server `
            + 'certificate is not verified; remove insecureSkipVerify and set caCertificates to the CA bundle of the server',
          `spec.trafficPolicy.portLevelSettings[${i}].tls.insecureSkipVerify`);
        }
      });
    }
  },
});

export const DESTINATION_RULE_RULES: ReadonlyArray<Rule> = [
  UNKNOWN_HOST, PER_POD_HOST, LOAD_BALANCER_ON_HEADLESS, ISTIO_MUTUAL_WITHOUT_SIDECAR, TLS_WITHOUT_CA, PORT_TLS_WITHOUT_CA,
];
