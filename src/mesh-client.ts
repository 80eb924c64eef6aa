import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { selectorLabels } from './private/kplus-internals';
import { rfc1123LabelProblem } from './private/validation';

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
    check('service account', name);
    check('namespace', namespace);
    if (name === 'default') {
      throw new Error(`MeshClient.serviceAccount('default', '${namespace}'): every pod without its own service account runs as 'default', `
        + 'so authorizing it admits them all; give the client its own ServiceAccount');
    }
    return new MeshClient(namespace, name, podLabels);
  }

  /** A cdk8s-plus workload (Deployment, StatefulSet, Job, ...): its namespace, service account and pod labels. */
  public static workload(workload: kplus.AbstractPod): MeshClient {
    const namespace = workload.metadata.namespace ?? Chart.of(workload).namespace ?? 'default';
    const serviceAccount = workload.serviceAccount?.name;
    if (serviceAccount === undefined) {
      throw new Error(`${workload.node.path}: a client without its own service account runs as 'default', shared by every such pod of namespace `
        + `'${namespace}'; set serviceAccount on the workload so it can be authorized alone`);
    }
    const labels = selectorLabels(workload);
    return MeshClient.serviceAccount(serviceAccount, namespace, labels);
  }

  /** Every workload of a namespace (authorized by namespace; the NetworkPolicy admits the whole namespace). */
  public static allInNamespace(namespace: string): MeshClient {
    check('namespace', namespace);
    return new MeshClient(namespace, undefined, undefined);
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

function check(what: string, value: string): void {
  const problem = rfc1123LabelProblem(value);
  if (problem) {
    throw new Error(`MeshClient: ${what} '${value}' is not valid: it ${problem}`);
  }
}

