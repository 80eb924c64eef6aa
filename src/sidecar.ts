import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from './imports/networking.istio.io';
import { MeshModeKind } from './mesh-mode';
import { IMeshWorkload } from './mesh-workload';
import { resolveName, resolveNamespace } from './private/identity';
import { recordMeshConstruct } from './private/mesh-facts';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail } from './private/validation';

/** The egress hosts a `Sidecar` keeps by default: the own namespace and the Istio control plane. */
export const DEFAULT_EGRESS_HOSTS: ReadonlyArray<string> = ['./*', 'istio-system/*'];

/**
 * Properties of a `Sidecar`.
 */
export interface SidecarProps {
  /** The pods whose sidecars it configures; they must run in sidecar mode. */
  readonly workload: IMeshWorkload;

  /**
   * The hosts the pods' sidecars get configuration for, as `<namespace>/<host>` (`./*` is the own namespace,
   * `*` any namespace). Large meshes push every Service to every proxy; scoping keeps a database's proxies small.
   * Traffic to other hosts still leaves (passthrough) unless the mesh's outbound policy is REGISTRY_ONLY.
   *
   * @default ['./*', 'istio-system/*']
   */
  readonly egressHosts?: string[];

  /**
   * The object name.
   * @default - the workload name
   */
  readonly name?: string;
}

/**
 * An Istio Sidecar resource (`networking.istio.io/v1`) scoping the egress configuration of one workload's
 * sidecars. Refused for ambient pods (IST0167: a Sidecar has no effect there) and pods outside the mesh.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
export class Sidecar extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The L1 object, also reachable as `node.defaultChild` (its id is `Resource`). */
  protected readonly apiObject: istio.Sidecar;

  private readonly _egressHosts: string[] = [];

  public constructor(scope: Construct, id: string, props: SidecarProps) {
    super(scope, id);
    recordMeshConstruct(this);
    watchSynthesis(this);
    const kind = props.workload.meshMode?.kind;
    if (kind !== MeshModeKind.SIDECAR) {
      fail(this, `'${props.workload.name}' does not run in sidecar mode (${kind ?? 'mesh mode not set'}): a Sidecar resource would have no effect `
        + '(IST0167 in ambient); scope ambient traffic with a waypoint and AuthorizationPolicies instead');
    }
    this.name = resolveName(this, 'Sidecar name', props.name ?? props.workload.name, id);
    this.namespace = resolveNamespace(this, this, props.workload.namespace);
    for (const host of props.egressHosts ?? DEFAULT_EGRESS_HOSTS) {
      this.addEgressHost(host);
    }
    const selector = props.workload.selectorLabels;
    this.apiObject = new istio.Sidecar(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: Lazy.any({
        produce: (): istio.SidecarSpec => ({ workloadSelector: { labels: selector }, egress: [{ hosts: [...this._egressHosts] }] }),
      }),
    });
  }

  /** The egress hosts (a copy). */
  public get egressHosts(): string[] {
    return [...this._egressHosts];
  }

  /** Adds an egress host, `<namespace>/<host>` (e.g. `default/kubernetes.default.svc.cluster.local`). */
  public addEgressHost(host: string): void {
    checkNotSynthesised(this, `egress host '${host}'`, 'addEgressHost()');
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\.|\*|~)\/(\*|(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.test(host)) {
      fail(this, `egress host '${host}' is not '<namespace>/<host>' (namespace: a name, '.', '*' or '~'; host: a DNS name or '*'); e.g. 'db/*'`);
    }
    if (!this._egressHosts.includes(host)) {
      this._egressHosts.push(host);
    }
  }
}
