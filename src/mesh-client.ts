import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { MeshAwareDatabase } from './mesh-aware-database';
import type { IMeshWorkload } from './mesh-workload';
import { DEFAULT_NAMESPACE, suggestName } from './private/identity';
import { selectorLabels } from './private/kplus-internals';
import { fail, rfc1123LabelProblem } from './private/validation';

/**
 * Who may connect to a workload: a service account (the mTLS identity Istio authorizes) or a whole namespace,
 * optionally narrowed to pods with given labels (what a NetworkPolicy can select).
 */
export class MeshClient {
  /**
   * The pods running as service account `name` in `namespace`. Authorized by mTLS principal
   * (`<trustDomain>/ns/<namespace>/sa/<name>`); the NetworkPolicy admits the namespace's pods that carry
   * `podLabels` (all of the namespace's pods when none are given).
   */
  public static serviceAccount(name: string, namespace: string, podLabels?: Record<string, string>): MeshClient {
    const where = `MeshClient.serviceAccount('${name}', '${namespace}')`;
    check(where, 'service account', name);
    check(where, 'namespace', namespace);
    if (name === 'default') {
      fail(where, 'every pod without its own service account runs as \'default\', so authorizing it admits them all; '
        + 'give the client its own ServiceAccount');
    }
    return new MeshClient(namespace, name, podLabels);
  }

  /** A cdk8s-plus workload (Deployment, StatefulSet, Job, ...): its namespace, service account and pod labels. */
  public static workload(workload: kplus.AbstractPod): MeshClient {
    const namespace = workload.metadata.namespace ?? Chart.of(workload).namespace ?? DEFAULT_NAMESPACE;
    return MeshClient.ofPods(workload.node.path, namespace, workload.serviceAccount?.name, selectorLabels(workload));
  }

  /**
   * A workload of this library, e.g. a `HeadlessStatefulService` whose pods call another database: its namespace,
   * service account and pod labels.
   */
  public static meshWorkload(workload: IMeshWorkload): MeshClient {
    return MeshClient.ofPods(workload.node.path, workload.namespace, workload.serviceAccountName, workload.selectorLabels);
  }

  /** The pods of a `MeshAwareDatabase` (e.g. a database that replicates from, or calls, another one). */
  public static database(database: MeshAwareDatabase): MeshClient {
    return MeshClient.meshWorkload(database.workload);
  }

  /** Every workload of a namespace (authorized by namespace; the NetworkPolicy admits the whole namespace). */
  public static allInNamespace(namespace: string): MeshClient {
    check(`MeshClient.allInNamespace('${namespace}')`, 'namespace', namespace);
    return new MeshClient(namespace, undefined, undefined);
  }

  private static ofPods(path: string, namespace: string, serviceAccount: string | undefined, podLabels: Record<string, string>): MeshClient {
    if (serviceAccount === undefined) {
      fail(path, 'a client without its own service account runs as \'default\', shared by every such pod of namespace '
        + `'${namespace}'; set serviceAccount on the workload so it can be authorized alone`);
    }
    return MeshClient.serviceAccount(serviceAccount, namespace, podLabels);
  }

  private constructor(
    /** The client's namespace. */
    public readonly namespace: string,
    /** The client's service account; undefined for a whole namespace. */
    public readonly serviceAccountName?: string,
    private readonly _podLabels?: Record<string, string>,
  ) {}

  /** Labels of the client pods, for NetworkPolicies; undefined means every pod of the namespace. */
  public get podLabels(): Record<string, string> | undefined {
    return this._podLabels ? { ...this._podLabels } : undefined;
  }

  /** The mTLS principal Istio authorizes, or undefined for a namespace client. */
  public principal(trustDomain: string): string | undefined {
    return this.serviceAccountName === undefined ? undefined : `${trustDomain}/ns/${this.namespace}/sa/${this.serviceAccountName}`;
  }

  /** A short description, for messages: `sa app/orders` or `namespace app`. */
  public toString(): string {
    return this.serviceAccountName === undefined ? `namespace ${this.namespace}` : `sa ${this.namespace}/${this.serviceAccountName}`;
  }
}

function check(where: string, what: string, value: string): void {
  const problem = rfc1123LabelProblem(value);
  if (problem) {
    fail(where, `${what} '${value}' is not valid: it ${problem}; use a ${what} such as '${suggestName(value)}'`);
  }
}
