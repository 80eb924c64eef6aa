import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from './assertions';
import { only, synth } from './manifests';

/** A reference to an existing Secret, as presets take credentials. */
export function credentials(scope: Chart, name = 'db-credentials'): kplus.ISecret {
  const id = `Secret-${name}`;
  return (scope.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(scope, id, name);
}

/**
 * Variables whose names look like credentials but are not: etcd's initial cluster token only makes cluster and member
 * IDs unique at bootstrap (etcd clustering guide), and presets set it in plain text.
 */
const NOT_CREDENTIALS = new Set(['ETCD_INITIAL_CLUSTER_TOKEN']);

/**
 * Synthesises (schema-validated) and checks what every preset must guarantee: every port declared and named, every
 * per-pod address resolvable and defined in order, mTLS modes agreeing end to end, no literal secret value in env,
 * no unpinned image, non-root pods with a read-only root filesystem.
 */
export function synthDatabase(scope: Chart): { manifests: any[]; sts: any; container: any; env: Record<string, any> } {
  const manifests = synth(scope);
  expectEveryPortDeclaredAndNamed(manifests);
  expectPodAddressesResolve(manifests);
  expect(expectMtlsAgreement(manifests)).toBeGreaterThan(0);
  const sts = only(manifests, 'StatefulSet');
  const pod = sts.spec.template.spec;
  const container = pod.containers[0];
  for (const c of [...pod.initContainers ?? [], ...pod.containers]) {
    expect(c.image).not.toMatch(/:latest$/);
    expect(c.image).toMatch(/(:[^/:]+|@sha256:[a-f0-9]{64})$/);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    for (const e of c.env ?? []) {
      if (/PASSWORD|SECRET|COOKIE|_KEY$|TOKEN/.test(e.name) && !e.name.endsWith('_FILE') && !NOT_CREDENTIALS.has(e.name)) {
        expect({ name: e.name, fromSecret: e.valueFrom?.secretKeyRef !== undefined }).toEqual({ name: e.name, fromSecret: true });
      }
    }
  }
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
  return { manifests, sts, container, env };
}
