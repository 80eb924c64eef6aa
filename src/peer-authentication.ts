import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from './imports/security.istio.io';
import { MeshModeKind } from './mesh-mode';
import { IMeshWorkload } from './mesh-workload';
import { resolveName, resolveNamespace } from './private/identity';
import { checkWorkloadPort, policySelector } from './private/istio';
import { recordMeshConstruct } from './private/mesh-facts';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail } from './private/validation';

/**
 * The mTLS mode a server accepts.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export enum MtlsMode {
  /** Only mTLS. Right when every peer and client is in the mesh. */
  STRICT = 'STRICT',
  /** mTLS and plaintext. */
  PERMISSIVE = 'PERMISSIVE',
  /** Plaintext only. Not supported in ambient mode. Clients do not see it: pair it with a DestinationRule `DISABLE`. */
  DISABLE = 'DISABLE',
  /** Inherit from the namespace or mesh policy. */
  UNSET = 'UNSET',
}

/**
 * The mTLS mode of one container port.
 */
export interface PortMtls {
  /** The container port (not the Service port). */
  readonly port: number;
  /** Its mode. */
  readonly mode: MtlsMode;
}

/**
 * Properties of a `PeerAuthentication`.
 */
export interface PeerAuthenticationProps {
  /**
   * The pods it applies to; port-level modes are checked against their container ports.
   * @default - `selectorLabels`, else the whole namespace
   */
  readonly workload?: IMeshWorkload;

  /**
   * Labels of the pods it applies to, when they are not an `IMeshWorkload`.
   * @default - `workload`, else the whole namespace
   */
  readonly selectorLabels?: Record<string, string>;

  /**
   * The workload-level mode.
   * @default MtlsMode.STRICT
   */
  readonly mode?: MtlsMode;

  /**
   * Port-level modes, keyed by container port. Requires a selector.
   * @default - none
   */
  readonly portLevelMtls?: PortMtls[];

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

/**
 * An Istio PeerAuthentication (`security.istio.io/v1`): the mTLS mode the selected pods accept.
 *
 * Refuses what Istio would reject or silently ignore: port-level modes without a selector or on ports the pods do
 * not declare, `DISABLE` for ambient pods, `STRICT` for pods outside the mesh.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export class PeerAuthentication extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The workload-level mode. */
  public readonly mode: MtlsMode;
  /** The selected labels, undefined for a namespace-wide policy. */
  public readonly selectorLabels?: Record<string, string>;
  /** The L1 object, also reachable as `node.defaultChild` (its id is `Resource`). */
  protected readonly apiObject: istio.PeerAuthentication;

  private readonly workload?: IMeshWorkload;
  private readonly _portLevelMtls: PortMtls[] = [];

  public constructor(scope: Construct, id: string, props: PeerAuthenticationProps = {}) {
    super(scope, id);
    recordMeshConstruct(this);
    watchSynthesis(this);
    this.workload = props.workload;
    this.name = resolveName(this, 'PeerAuthentication name', props.name ?? props.workload?.name, id);
    this.namespace = resolveNamespace(this, this, props.namespace ?? props.workload?.namespace);
    this.selectorLabels = policySelector(this, props.workload, props.selectorLabels);
    this.mode = props.mode ?? MtlsMode.STRICT;
    this.checkMode(this.mode, 'workload-level');
    for (const port of props.portLevelMtls ?? []) {
      this.addPortMtls(port.port, port.mode);
    }

    this.apiObject = new istio.PeerAuthentication(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
  }

  /** The port-level modes (a copy). */
  public get portLevelMtls(): PortMtls[] {
    return this._portLevelMtls.map(p => ({ ...p }));
  }

  /**
   * Sets the mode of one container port. Clients cannot see a port-level `DISABLE` or `PERMISSIVE`: pair it with a
   * port-level DestinationRule `DISABLE` (istio#39439), as `MeshPolicy` does.
   */
  public addPortMtls(port: number, mode: MtlsMode): void {
    checkNotSynthesised(this, `port ${port} ${mode}`, 'addPortMtls()');
    if (this.selectorLabels === undefined) {
      fail(this, `port-level mTLS (port ${port}) requires a selector, which a namespace-wide PeerAuthentication has not; set workload or selectorLabels`);
    }
    checkWorkloadPort(this, this.workload, port, 'port-level mTLS');
    if (this._portLevelMtls.some(p => p.port === port)) {
      fail(this, `port-level mTLS for port ${port} is already set; set each port once`);
    }
    this.checkMode(mode, `port ${port}`);
    this._portLevelMtls.push({ port, mode });
  }

  private checkMode(mode: MtlsMode, where: string): void {
    const kind = this.workload?.meshMode?.kind;
    if (kind === MeshModeKind.AMBIENT && mode === MtlsMode.DISABLE) {
      fail(this, `${where} mode DISABLE is not supported for ambient pods ('${this.workload!.name}'); use PERMISSIVE, or run the pods outside the mesh`);
    }
    if (kind === MeshModeKind.OUTSIDE && mode === MtlsMode.STRICT) {
      fail(this, `${where} mode STRICT for '${this.workload!.name}', whose pods are outside the mesh: no proxy enforces it and it misleads readers; `
        + 'do not write a STRICT PeerAuthentication for them');
    }
  }

  private renderSpec(): istio.PeerAuthenticationSpec {
    const ports = [...this._portLevelMtls].sort((a, b) => a.port - b.port);
    return {
      selector: this.selectorLabels ? { matchLabels: this.selectorLabels } : undefined,
      mtls: { mode: this.mode as string as istio.PeerAuthenticationSpecMtlsMode },
      portLevelMtls: ports.length === 0 ? undefined
        : Object.fromEntries(ports.map(p => [String(p.port), { mode: p.mode as string as istio.PeerAuthenticationSpecPortLevelMtlsMode }])),
    };
  }
}
