import { Severity } from './finding';
import { coveredWorkloads, peerAuthentications } from './mtls';
import { asArray, isObject, stringMap, toPortNumber } from './objects';
import { defineRule, describeWorkloads, Rule } from './rule';
import { HBONE_PORT } from '../private/istio-constants';

export const SIDECAR_IN_AMBIENT = defineRule({
  code: 'SM401',
  severity: Severity.WARNING,
  istioCode: 'IST0167',
  title: 'Sidecar resource in an ambient namespace',
  description: 'A `Sidecar` resource configures sidecar proxies; in an ambient namespace (labelled `istio.io/dataplane-mode: ambient` '
    + 'without sidecar injection labels), or for pods that are all in ambient mode, it has no effect.',
  check(inv, report) {
    for (const sidecar of inv.ofKind('Sidecar', 'networking.istio.io')) {
      const ns = sidecar.namespace;
      const labels = stringMap(sidecar.body.spec?.workloadSelector?.labels);
      const selected = Object.keys(labels).length > 0 ? inv.selectWorkloads(ns, labels) : [];
      if (inv.namespaceIsAmbient(ns)) {
        report(sidecar, `has no effect: namespace '${ns}' runs in ambient mode (istio.io/dataplane-mode=ambient), where there is no sidecar `
          + 'to configure; remove it, and scope traffic with a waypoint or AuthorizationPolicy instead');
      } else if (selected.length > 0 && selected.every(w => w.mesh === 'ambient')) {
        report(sidecar, `has no effect: the pods it selects (${describeWorkloads(selected)}) run in ambient mode, without a sidecar; `
          + 'remove it, or select sidecar-injected pods', 'spec.workloadSelector');
      }
    }
  },
});

export const DISABLE_IN_AMBIENT = defineRule({
  code: 'SM402',
  severity: Severity.WARNING,
  title: 'PeerAuthentication DISABLE in ambient mode',
  description: 'Ambient mode does not support PeerAuthentication DISABLE: ztunnel keeps HBONE mTLS between pods. Checked in ambient '
    + 'namespaces and for selectors whose pods are all in ambient mode.',
  check(inv, report) {
    for (const pa of peerAuthentications(inv)) {
      const disables = pa.mode === 'DISABLE' || pa.ports.some(p => p.mode === 'DISABLE');
      if (!disables) {
        continue;
      }
      const covered = coveredWorkloads(inv, pa);
      const ambientNamespace = inv.namespaceIsAmbient(pa.object.namespace) && covered.every(w => w.mesh === 'ambient' || w.mesh === 'unknown');
      const ambientPods = covered.length > 0 && covered.every(w => w.mesh === 'ambient');
      if (ambientNamespace || ambientPods) {
        const where = ambientNamespace && covered.length === 0 ? `namespace '${pa.object.namespace}'` : describeWorkloads(covered);
        report(pa.object, `mode DISABLE is not supported in ambient mode (${where}): ztunnel keeps mTLS, so the policy does nothing; remove it, `
          + 'or take the pods out of ambient (label istio.io/dataplane-mode: none) if they must accept plaintext',
        pa.mode === 'DISABLE' ? 'spec.mtls.mode' : 'spec.portLevelMtls');
      }
    }
  },
});

/** Whether a NetworkPolicy port entry admits TCP 15008. */
function admitsHbone(port: any): boolean {
  if (!isObject(port)) {
    return false;
  }
  if (port.protocol !== undefined && String(port.protocol).toUpperCase() !== 'TCP') {
    return false;
  }
  if (port.port === undefined) {
    return true; // every port of the protocol
  }
  const start = toPortNumber(port.port);
  if (start === undefined) {
    return false; // a named port never names 15008
  }
  const end = typeof port.endPort === 'number' ? port.endPort : start;
  return start <= HBONE_PORT && HBONE_PORT <= end;
}

export const NETWORK_POLICY_BLOCKS_HBONE = defineRule({
  code: 'SM403',
  severity: Severity.ERROR,
  title: 'NetworkPolicy blocks HBONE (15008) for ambient pods',
  description: 'In ambient mode, traffic between mesh pods arrives on port 15008 (HBONE). A NetworkPolicy that admits ingress to ambient '
    + 'pods only on application ports drops it; allow TCP 15008 too. A policy that admits no ingress at all is left alone.',
  check(inv, report) {
    for (const np of inv.ofKind('NetworkPolicy', 'networking.k8s.io')) {
      const spec = isObject(np.body.spec) ? np.body.spec : {};
      const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : ['Ingress'];
      const rules = asArray(spec.ingress).filter(isObject);
      if (!types.includes('Ingress') || rules.length === 0) {
        continue;
      }
      const ambient = inv.selectWorkloads(np.namespace, spec.podSelector?.matchLabels, spec.podSelector?.matchExpressions)
        .filter(w => w.mesh === 'ambient');
      if (ambient.length === 0) {
        continue;
      }
      const admitted = rules.some(r => !Array.isArray(r.ports) || r.ports.length === 0 || r.ports.some(admitsHbone));
      if (!admitted) {
        const ports = rules.flatMap(r => asArray(r.ports).map((p: any) => String(p?.port ?? '*')));
        report(np, `admits ingress to ambient pods (${describeWorkloads(ambient)}) only on port ${[...new Set(ports)].join(', ')}, not on `
          + `${HBONE_PORT}: ztunnel delivers mesh traffic over HBONE on ${HBONE_PORT}, so it is dropped; add { port: ${HBONE_PORT}, protocol: TCP } `
          + 'to the ingress rules', 'spec.ingress');
      }
    }
  },
});

export const AMBIENT_RULES: ReadonlyArray<Rule> = [SIDECAR_IN_AMBIENT, DISABLE_IN_AMBIENT, NETWORK_POLICY_BLOCKS_HBONE];
