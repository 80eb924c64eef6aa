import { IConstruct } from 'constructs';
import { serviceFqdn } from './identity';
import { fail } from './validation';

/** The environment variable that carries the pod's own name (downward API `metadata.name`). */
export const POD_NAME_VAR = 'POD_NAME';

const PLACEHOLDERS = ['ordinal', 'id', 'pod', 'host'];

/**
 * Stable DNS identities of the pods of a StatefulSet behind a headless Service:
 * `<sts>-<ordinal>.<headless>.<namespace>.svc.<clusterDomain>`.
 */
export class PodIdentity {
  public readonly headlessServiceFqdn: string;

  constructor(
    private readonly scope: IConstruct,
    public readonly statefulSetName: string,
    public readonly headlessServiceName: string,
    public readonly namespace: string,
    public readonly clusterDomain: string,
    private readonly replicas: () => number,
  ) {
    this.headlessServiceFqdn = serviceFqdn(headlessServiceName, namespace, clusterDomain);
    if (this.headlessServiceFqdn.length > 253 - (statefulSetName.length + 12)) {
      fail(scope, `pod DNS names '${statefulSetName}-<ordinal>.${this.headlessServiceFqdn}' would exceed 253 characters; shorten the names or the namespace`);
    }
  }

  /** The pod's own FQDN, written with `$(POD_NAME)` for env values. */
  public get selfFqdn(): string {
    return `$(${POD_NAME_VAR}).${this.headlessServiceFqdn}`;
  }

  public podName(ordinal: number): string {
    this.checkOrdinal(ordinal);
    return `${this.statefulSetName}-${ordinal}`;
  }

  public podFqdn(ordinal: number): string {
    return `${this.podName(ordinal)}.${this.headlessServiceFqdn}`;
  }

  /**
   * One entry per pod (the first `count`), from a template with the placeholders `{ordinal}`, `{id}` (ordinal + 1),
   * `{pod}` (pod name) and `{host}` (pod FQDN), joined by `separator`.
   */
  public peerList(template: string, separator: string, count?: number): string {
    const replicas = this.replicas();
    const n = count ?? replicas;
    if (!Number.isInteger(n) || n < 1 || n > replicas) {
      fail(this.scope, `peer list count ${n} is not between 1 and the ${replicas} replicas; list at most every pod`);
    }
    const used = [...template.matchAll(/\{([^{}]*)\}/g)].map(m => m[1]);
    const unknown = used.filter(p => !PLACEHOLDERS.includes(p));
    if (unknown.length > 0) {
      fail(this.scope, `peer list template '${template}' has unknown placeholder(s) ${unknown.map(u => `{${u}}`).join(', ')}; use {ordinal}, {id}, {pod} or {host}`);
    }
    if (used.length === 0) {
      fail(this.scope, `peer list template '${template}' has no placeholder, so every entry would be the same; use {ordinal}, {id}, {pod} or {host}`);
    }
    const entries: string[] = [];
    for (let i = 0; i < n; i++) {
      entries.push(template
        .replace(/\{ordinal\}/g, String(i))
        .replace(/\{id\}/g, String(i + 1))
        .replace(/\{pod\}/g, this.podName(i))
        .replace(/\{host\}/g, this.podFqdn(i)));
    }
    return entries.join(separator);
  }

  private checkOrdinal(ordinal: number): void {
    const replicas = this.replicas();
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= replicas) {
      fail(this.scope, `ordinal ${ordinal} is out of range: '${this.statefulSetName}' has ${replicas} replica(s), ordinals 0 to ${replicas - 1}`);
    }
  }
}
