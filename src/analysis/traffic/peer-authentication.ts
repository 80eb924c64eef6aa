import { Inventory, Workload } from '../inventory';
import { peerAuthentications, PeerAuthenticationInfo } from '../mtls';
import { K8sObject } from '../objects';
import { SelectorIndex } from './selector-index';

/** The mTLS mode a server applies to one port, and the PeerAuthentication that decided it. */
export interface ServerMode {
  readonly mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  /** Undefined when no PeerAuthentication applies (Istio's default, PERMISSIVE). */
  readonly decidedBy?: K8sObject;
}

/**
 * PeerAuthentications indexed by namespace, composed the way istiod does.
 *
 * - Levels: mesh (no selector, in the root namespace), namespace (no selector, elsewhere), workload (a selector, not in
 *   the root namespace: a selector policy in the root namespace is ignored). They apply in that order; `UNSET`
 *   inherits from the level above; with none at all the mode is PERMISSIVE; of several at one level the oldest wins
 *   (here: the first of the input, or the oldest `creationTimestamp`). istio/istio 1.30.3
 *   `pilot/pkg/security/authn/policy_applier.go` (`ComposePeerAuthentication`); istio/api 1.30.3
 *   `security/v1beta1/peer_authentication.proto` ("PeerAuthentication policies with workload selectors are ignored when
 *   deployed in the root namespace").
 * - `portLevelMtls` is keyed by the workload (container) port, needs a selector, and an UNSET port inherits the workload
 *   level (`policy_applier.go`, "Inherit from workload level").
 * - Ambient: ztunnel composes the same way and supports port-level modes; DISABLE is not supported and counts as "not
 *   strict" (istio/istio 1.30.3 `pilot/pkg/serviceregistry/ambient/authorization.go`; istio.io docs
 *   ambient/usage/l4-policy, "Peer authentication").
 */
export class PeerAuthenticationIndex {
  /** The oldest policy without selector of each namespace (namespace level; mesh level in the root namespace). */
  private readonly namespaceLevel = new Map<string, PeerAuthenticationInfo>();
  /** Policies with a selector, outside the root namespace, oldest first. */
  private readonly workloadLevel = new SelectorIndex<PeerAuthenticationInfo>();

  constructor(private readonly inv: Inventory) {
    const sorted = peerAuthentications(inv).sort((a, b) => created(a.object).localeCompare(created(b.object)) || a.object.index - b.object.index);
    for (const pa of sorted) {
      if (!pa.matchLabels) {
        if (!this.namespaceLevel.has(pa.object.namespace)) {
          this.namespaceLevel.set(pa.object.namespace, pa);
        }
      } else if (pa.object.namespace !== inv.rootNamespace) {
        this.workloadLevel.add(pa.object.namespace, { matchLabels: pa.matchLabels }, pa);
      }
    }
  }

  /** The effective mode of `workload`'s pods on container port `port`. */
  public modeFor(workload: Workload, port: number): ServerMode {
    const root = this.inv.rootNamespace;
    const ns = workload.object.namespace;
    let result: ServerMode = { mode: 'PERMISSIVE' };
    const apply = (pa: PeerAuthenticationInfo | undefined, mode: string | undefined) => {
      if (pa && isMode(mode)) {
        result = { mode, decidedBy: pa.object };
      }
    };
    const mesh = this.namespaceLevel.get(root);
    apply(mesh, mesh?.mode);
    if (ns !== root) {
      const namespace = this.namespaceLevel.get(ns);
      apply(namespace, namespace?.mode);
      const selected = this.workloadLevel.selecting(ns, workload.podLabels)[0];
      apply(selected, selected?.mode);
      const portLevel = selected?.ports.find(p => p.port === port);
      apply(selected, portLevel?.mode);
    }
    return result;
  }

  /**
   * The mode istiod infers for a headless Service port when no DestinationRule sets TLS: only the namespace-level
   * policy of the Service's namespace, else the mesh level (workload and port level are ignored). istio/istio 1.30.3
   * `pilot/pkg/model/push_context.go` (`BestEffortInferServiceMTLSMode`: "this function uses only mesh and namespace
   * level PeerAuthentication and ignore workload & port level policies").
   */
  public namespaceModeFor(namespace: string): ServerMode {
    const ns = this.namespaceLevel.get(namespace);
    if (ns && isMode(ns.mode) && namespace !== this.inv.rootNamespace) {
      return { mode: ns.mode, decidedBy: ns.object };
    }
    const mesh = this.namespaceLevel.get(this.inv.rootNamespace);
    return mesh && isMode(mesh.mode) ? { mode: mesh.mode, decidedBy: mesh.object } : { mode: 'PERMISSIVE' };
  }
}

function isMode(mode: string | undefined): mode is ServerMode['mode'] {
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE';
}

function created(object: K8sObject): string {
  const ts = object.body.metadata?.creationTimestamp;
  return typeof ts === 'string' ? ts : '';
}
