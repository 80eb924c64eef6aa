import { Severity } from './finding';
import { Workload } from './inventory';
import { K8sObject } from './objects';
import { defineRule, Rule } from './rule';
import { INJECT_LABEL } from '../private/istio-constants';

/** Deprecated Istio annotations (istio/api annotation/annotations.yaml) and what to use instead. */
const DEPRECATED: ReadonlyMap<string, string> = new Map([
  [INJECT_LABEL, `use the pod label ${INJECT_LABEL} instead`],
  ['sidecar.istio.io/statsInclusionPrefixes', 'use proxyStatsMatcher in the proxy.istio.io/config annotation instead'],
  ['sidecar.istio.io/statsInclusionSuffixes', 'use proxyStatsMatcher in the proxy.istio.io/config annotation instead'],
  ['sidecar.istio.io/statsInclusionRegexps', 'use proxyStatsMatcher in the proxy.istio.io/config annotation instead'],
  ['sidecar.istio.io/controlPlaneAuthPolicy', 'remove it'],
  ['sidecar.istio.io/discoveryAddress', 'remove it; set discoveryAddress in the proxy.istio.io/config annotation'],
  ['alpha.istio.io/kubernetes-serviceaccounts', 'remove it'],
  ['alpha.istio.io/canonical-serviceaccounts', 'remove it'],
  ['alpha.istio.io/identity', 'remove it'],
]);

/** Kinds whose own annotations `istioctl analyze` reads. */
const ANNOTATED_KINDS: ReadonlyArray<string> = ['Namespace', 'Service', 'Pod', 'Deployment'];

export const DEPRECATED_ANNOTATION = defineRule({
  code: 'SM503',
  severity: Severity.INFO,
  istioCode: 'IST0135',
  title: 'deprecated Istio annotation',
  description: `Deprecated Istio annotations, above all \`${INJECT_LABEL}\` (the label replaces it), on Namespaces, Services, Pods and `
    + 'Deployments (as upstream) and on the pod templates of every workload. The inject annotation is not reported when the label is also set.',
  check(inv, report) {
    const check = (object: K8sObject, annotations: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>, where: string) => {
      for (const name of Object.keys(annotations).sort()) {
        const fix = DEPRECATED.get(name);
        if (fix === undefined || (name === INJECT_LABEL && labels[INJECT_LABEL] !== undefined)) {
          continue;
        }
        const place = where === 'metadata' ? 'annotation' : 'pod template annotation';
        report(object, `${place} ${name} is deprecated and may stop working in a future Istio version; ${fix}`,
          `${where}.annotations.${name}`);
      }
    };
    const templates = new Map<K8sObject, Workload>(inv.workloads.filter(w => w.templatePath !== '').map(w => [w.object, w]));
    for (const object of inv.objects) {
      if (ANNOTATED_KINDS.includes(object.kind) && (object.group === '' || object.group === 'apps')) {
        check(object, object.annotations, object.labels, 'metadata');
      }
      const workload = templates.get(object);
      if (workload) {
        check(object, workload.podAnnotations, workload.podLabels, `${workload.templatePath}.metadata`);
      }
    }
  },
});

export const ANNOTATION_RULES: ReadonlyArray<Rule> = [DEPRECATED_ANNOTATION];
