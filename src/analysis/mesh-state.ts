import type { Inventory, Workload } from './inventory';
import { asArray, K8sObject } from './objects';
import {
  AMBIENT_REDIRECTION_ANNOTATION, DATAPLANE_MODE_LABEL, INJECT_LABEL, INJECTION_NAMESPACE_LABEL, REV_LABEL,
} from '../private/istio-constants';

/** Whether a pod runs with an Istio sidecar, in ambient mode, with neither, or whether the input cannot tell. */
export type MeshState = 'sidecar' | 'ambient' | 'none' | 'unknown';

/**
 * Sidecar injection as the injector decides it (pod label, then the deprecated annotation, then the namespace),
 * then ambient mode; 'unknown' when the pod does not say and the input has no Namespace object for it
 * (`assumeInjection` then decides).
 */
export function podMeshState(labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>, podSpec: any,
  nsLabels: Readonly<Record<string, string>> | undefined, assumeInjection: boolean): MeshState {
  if (podSpec.hostNetwork === true) {
    return 'none';
  }
  const all = [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)];
  if (all.some(c => c?.name === 'istio-proxy' && c.image)) {
    return 'sidecar';
  }
  const inject = labels[INJECT_LABEL] ?? annotations[INJECT_LABEL];
  if (inject === 'true') {
    return 'sidecar';
  }
  if (inject === undefined && (labels[REV_LABEL] || nsLabels?.[INJECTION_NAMESPACE_LABEL] === 'enabled' || nsLabels?.[REV_LABEL])) {
    return 'sidecar';
  }
  const podMode = labels[DATAPLANE_MODE_LABEL];
  if (podMode === 'ambient' || annotations[AMBIENT_REDIRECTION_ANNOTATION] === 'enabled') {
    return 'ambient';
  }
  if (podMode !== 'none' && nsLabels?.[DATAPLANE_MODE_LABEL] === 'ambient') {
    return 'ambient';
  }
  if (inject !== undefined || nsLabels !== undefined || podMode === 'none') {
    return 'none';
  }
  return assumeInjection ? 'sidecar' : 'unknown';
}


/** Istio's NamespaceInAmbientMode: labelled ambient, and no sidecar injection label (which wins). */
export function namespaceInAmbientMode(labels: Readonly<Record<string, string>>): boolean {
  if (labels[INJECTION_NAMESPACE_LABEL] === 'enabled' || labels[REV_LABEL]) {
    return false;
  }
  return labels[DATAPLANE_MODE_LABEL] === 'ambient';
}

/** True when the object belongs to the Istio control plane (label `istio`, or `release: istio`), as upstream skips them. */
export function isIstioControlPlane(object: K8sObject): boolean {
  return 'istio' in object.labels || object.labels.release === 'istio';
}

/** True for waypoints and gateways that Istio deploys and manages itself. */
export function isIstioManaged(object: K8sObject): boolean {
  return object.labels['gateway.istio.io/managed'] !== undefined;
}

/** Why the input proves a workload has no sidecar (for messages): `sidecar.istio.io/inject: "false"`, ... */
export function whyNoSidecar(inventory: Inventory, workload: Workload): string {
  if (workload.podSpec.hostNetwork === true) {
    return 'hostNetwork: true';
  }
  const inject = workload.podLabels[INJECT_LABEL] ?? workload.podAnnotations[INJECT_LABEL];
  if (inject !== undefined) {
    return `${INJECT_LABEL}: "${inject}"`;
  }
  if (workload.podLabels[DATAPLANE_MODE_LABEL] === 'none') {
    return `${DATAPLANE_MODE_LABEL}: none`;
  }
  return inventory.namespaceObject(workload.object.namespace) !== undefined
    ? `namespace '${workload.object.namespace}' is not labelled for injection`
    : 'not injected';
}
