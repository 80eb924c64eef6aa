import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from './imports/security.istio.io';
import { MeshClient } from './mesh-client';
import { MeshModeKind } from './mesh-mode';
import { IMeshWorkload } from './mesh-workload';
import { resolveName, resolveNamespace } from './private/identity';
import { checkWorkloadPort, policySelector } from './private/istio';
import { DEFAULT_TRUST_DOMAIN } from './private/istio-constants';
import { recordMeshConstruct } from './private/mesh-facts';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail } from './private/validation';

/**
 * Properties of an `AuthorizationPolicy`.
 */
export interface AuthorizationPolicyProps {
  /**
   * The pods it protects.
   * @default - `selectorLabels`, else every pod of the namespace
   */
  readonly workload?: IMeshWorkload;

  /**
   * Labels of the pods it protects, when they are not an `IMeshWorkload`.
   * @default - `workload`, else every pod of the namespace
   */
  readonly selectorLabels?: Record<string, string>;

  /**
   * Bind the policy to this waypoint (a Gateway of class `istio-waypoint` in the policy's namespace) with `targetRefs`
   * instead of a selector: the waypoint enforces it, with the clients' identities, on the traffic it relays (istio/api
   * `security/v1beta1/authorization_policy.proto`: "Waypoint proxies are required to use this field for policies to
   * apply; `selector` policies will be ignored"). `workload` then only checks the ports.
   * @default - enforced by the pods' sidecars or ztunnel (selector)
   */
  readonly waypoint?: string;

  /**
   * The mesh trust domain, the first part of principals (`<trustDomain>/ns/<ns>/sa/<sa>`). It is not the cluster
   * DNS domain, although both default to `cluster.local`.
   *
   * Sidecars and waypoints read a `cluster.local` principal as the mesh's own trust domain (istio/istio
   * pilot/pkg/security/trustdomain/bundle.go `ReplaceTrustDomainAliases`), but ztunnel matches principals as written
   * (istio/ztunnel src/rbac.rs): in ambient mode, set it to the mesh's `meshConfig.trustDomain`.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * The object name.
   * @default - the workload name, else the construct id lowercased
   */
  readonly name?: string;

  /**
   * The namespace.
   * @default - the workload's, else the chart's, else 'default'
   */
  readonly namespace?: string;
}

interface Rule {
  /** Empty: any source (plaintext included). */
  readonly clients: MeshClient[];
  readonly ports: number[];
}

/**
 * An Istio ALLOW AuthorizationPolicy (`security.istio.io/v1`): an allow-list of clients, by mTLS identity
 * (service account principal) or namespace, per port. Once it exists, everything it does not allow is denied.
 *
 * Works in sidecar and ambient mode (L4 rules, enforced by ztunnel); refused for pods outside the mesh, where
 * nothing would enforce it.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export class AuthorizationPolicy extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly trustDomain: string;
  /** The selected labels, undefined for a namespace-wide or waypoint-bound policy. */
  public readonly selectorLabels?: Record<string, string>;
  /** The waypoint the policy is bound to, if any. */
  public readonly waypoint?: string;
  /** The L1 object, also reachable as `node.defaultChild` (its id is `Resource`). */
  protected readonly apiObject: istio.AuthorizationPolicy;

  private readonly workload?: IMeshWorkload;
  private readonly rules: Rule[] = [];

  public constructor(scope: Construct, id: string, props: AuthorizationPolicyProps = {}) {
    super(scope, id);
    recordMeshConstruct(this);
    watchSynthesis(this);
    this.workload = props.workload;
    this.name = resolveName(this, 'AuthorizationPolicy name', props.name ?? props.workload?.name, id);
    this.namespace = resolveNamespace(this, this, props.namespace ?? props.workload?.namespace);
    this.waypoint = props.waypoint;
    if (this.waypoint !== undefined && props.selectorLabels !== undefined) {
      fail(this, `waypoint '${this.waypoint}' and selectorLabels are both set; a waypoint-bound policy has no selector (Istio refuses both), drop one`);
    }
    this.selectorLabels = this.waypoint === undefined ? policySelector(this, props.workload, props.selectorLabels) : undefined;
    this.trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(this.trustDomain)) {
      fail(this, `trust domain '${this.trustDomain}' is not a DNS-like name; use the mesh's trust domain (meshConfig.trustDomain), usually 'cluster.local'`);
    }
    if (this.waypoint !== undefined && this.workload !== undefined && this.workload.meshMode?.kind !== MeshModeKind.AMBIENT) {
      fail(this, `waypoint '${this.waypoint}' only relays ambient traffic, but '${this.workload.name}' does not run in ambient mode; drop waypoint`);
    }
    if (this.workload?.meshMode?.kind === MeshModeKind.OUTSIDE) {
      fail(this, `'${this.workload.name}' runs outside the mesh: no proxy would enforce an AuthorizationPolicy; restrict access with a NetworkPolicy`);
    }

    this.apiObject = new istio.AuthorizationPolicy(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    this.node.addValidation({
      validate: () => this.rules.length === 0
        ? [`AuthorizationPolicy '${this.name}' has no rules: an ALLOW policy without rules denies every request to its pods; add rules with allow()`]
        : [],
    });
  }

  /**
   * Allows these clients, on these ports.
   *
   * @param clients who may connect
   * @param ports the container ports they may reach; empty for every port
   */
  public allow(clients: MeshClient[], ports: number[] = []): void {
    checkNotSynthesised(this, `a rule for ${clients.map(String).join(', ') || 'no client'}`, 'allow()');
    if (clients.length === 0) {
      fail(this, 'allow() needs at least one client; an empty source list would allow nobody and make the rule meaningless');
    }
    for (const port of ports) {
      checkWorkloadPort(this, this.workload, port, 'allowed');
    }
    this.rules.push({ clients: [...clients], ports: [...new Set(ports)].sort((a, b) => a - b) });
  }

  /**
   * Allows any source on these ports, with or without an identity: for ports that receive plaintext (PERMISSIVE or
   * DISABLE, or clients outside the mesh), where identity rules never match. Restrict who reaches them with a
   * NetworkPolicy.
   *
   * @param ports the container ports
   */
  public allowAnySource(ports: number[]): void {
    checkNotSynthesised(this, `a rule for any source on port ${ports.join(', ')}`, 'allowAnySource()');
    if (ports.length === 0) {
      fail(this, 'allowAnySource() needs at least one port; a rule open to anyone on every port would make the policy meaningless');
    }
    for (const port of ports) {
      checkWorkloadPort(this, this.workload, port, 'allowed');
    }
    this.rules.push({ clients: [], ports: [...new Set(ports)].sort((a, b) => a - b) });
  }

  private renderSpec(): istio.AuthorizationPolicySpec {
    return {
      selector: this.selectorLabels ? { matchLabels: this.selectorLabels } : undefined,
      targetRefs: this.waypoint !== undefined ? [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: this.waypoint }] : undefined,
      action: istio.AuthorizationPolicySpecAction.ALLOW,
      rules: this.rules.map(rule => {
        const principals = unique(rule.clients.map(c => c.principal(this.trustDomain)).filter((p): p is string => p !== undefined));
        const namespaces = unique(rule.clients.filter(c => c.serviceAccountName === undefined).map(c => c.namespace));
        return {
          from: rule.clients.length === 0 ? undefined : [
            ...principals.length > 0 ? [{ source: { principals } }] : [],
            ...namespaces.length > 0 ? [{ source: { namespaces } }] : [],
          ],
          to: rule.ports.length > 0 ? [{ operation: { ports: rule.ports.map(String) } }] : undefined,
        };
      }),
    };
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
