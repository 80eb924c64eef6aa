import { ApiObject, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AuthorizationPolicy } from './authorization-policy';
import { ConnectionPoolOptions, DestinationRule, TlsMode } from './destination-rule';
import { MeshClient } from './mesh-client';
import { MeshModeKind } from './mesh-mode';
import { IMeshService } from './mesh-service';
import { IMeshWorkload } from './mesh-workload';
import { MtlsMode, PeerAuthentication, PortMtls } from './peer-authentication';
import { checkWorkloadPort } from './private/istio';
import { DEFAULT_TRUST_DOMAIN } from './private/istio-constants';
import { MtlsPlan, planMtls } from './private/mtls';
import { AdmittedClient, networkPolicySpec } from './private/network-policy';
import { fail } from './private/validation';
import { Sidecar } from './sidecar';

/**
 * Properties of a `MeshPolicy`.
 */
export interface MeshPolicyProps {
  /** The workload to protect; its `meshMode` decides the mTLS modes on both ends. */
  readonly workload: IMeshWorkload;

  /**
   * The workload-level mTLS mode, for pods in the mesh. Anything but STRICT makes every client send plaintext
   * (a DestinationRule `DISABLE`), because clients cannot see a server's mode (istio#39439).
   * @default MtlsMode.STRICT
   */
  readonly mode?: MtlsMode;

  /**
   * Ports whose mode differs from the workload's (container ports), e.g. a metrics port scraped from outside the
   * mesh. Each non-STRICT port gets a port-level DestinationRule `DISABLE`.
   * @default - none
   */
  readonly portLevelMtls?: PortMtls[];

  /**
   * The ports the workload's own pods use to reach each other.
   * @default - every declared port
   */
  readonly peerPorts?: number[];

  /**
   * The ports `allowFrom()` opens when it is given none.
   * @default - the ports of the client Services, else every declared port
   */
  readonly clientPorts?: number[];

  /**
   * TCP connection settings of every DestinationRule.
   * @default - keepalive after 300s every 75s, connect timeout 10s
   */
  readonly connectionPool?: ConnectionPoolOptions;

  /**
   * Write a NetworkPolicy admitting only peers and declared clients (plus HBONE 15008 and, in ambient mode, kubelet
   * probes from 169.254.7.127). NetworkPolicy is the only access control for pods outside the mesh.
   * @default true
   */
  readonly networkPolicy?: boolean;

  /**
   * Scope the pods' sidecars with a Sidecar resource (sidecar mode only).
   * @default true in sidecar mode
   */
  readonly sidecarScope?: boolean;

  /**
   * Egress hosts of the Sidecar resource.
   * @default ['./*', 'istio-system/*']
   */
  readonly egressHosts?: string[];

  /**
   * The mesh trust domain, for principals.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
}

/**
 * The mesh policy of one workload, consistent end to end:
 *
 * - `PeerAuthentication` (pods in the mesh): STRICT unless told otherwise;
 * - a `DestinationRule` for every Service of the workload (host = the Service FQDN), whose TLS agrees with the
 *   server: `ISTIO_MUTUAL` for sidecar pods, none for ambient pods (HBONE), `DISABLE` for pods outside the mesh
 *   and for every port (or workload) whose server-side mode is DISABLE or PERMISSIVE or that bypasses the sidecar;
 * - an ALLOW `AuthorizationPolicy` (pods in the mesh): the workload's own service account on the peer ports, and
 *   each client given to `allowFrom()`; everything else is denied;
 * - a `NetworkPolicy` with the same allow-list (the only access control for pods outside the mesh);
 * - a `Sidecar` resource scoping egress (sidecar mode).
 */
export class MeshPolicy extends Construct {
  /** The PeerAuthentication, for pods in the mesh. */
  public readonly peerAuthentication?: PeerAuthentication;
  /** The AuthorizationPolicy, for pods in the mesh. */
  public readonly authorizationPolicy?: AuthorizationPolicy;
  /** The NetworkPolicy, unless disabled. */
  public readonly networkPolicy?: ApiObject;
  /** The Sidecar resource, in sidecar mode. */
  public readonly sidecar?: Sidecar;
  public readonly trustDomain: string;

  private readonly workload: IMeshWorkload;
  private readonly plan: MtlsPlan;
  private readonly connectionPool: ConnectionPoolOptions;
  private readonly peerPorts: number[];
  private readonly defaultClientPorts?: number[];
  private readonly _destinationRules: DestinationRule[] = [];
  private readonly clients: AdmittedClient[] = [];

  public constructor(scope: Construct, id: string, props: MeshPolicyProps) {
    super(scope, id);
    this.workload = props.workload;
    this.trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.plan = planMtls(this, this.workload, props.mode, props.portLevelMtls ?? []);
    this.connectionPool = props.connectionPool ?? {};
    const declared = this.workload.ports.map(p => p.port);
    this.peerPorts = this.checkedPorts(props.peerPorts ?? declared, 'peer');
    this.defaultClientPorts = props.clientPorts ? this.checkedPorts(props.clientPorts, 'client') : undefined;
    const kind = this.workload.meshMode!.kind;

    if (this.plan.peerAuthentication) {
      this.peerAuthentication = new PeerAuthentication(this, 'PeerAuthentication', {
        workload: this.workload,
        mode: this.plan.peerAuthentication.mode,
        portLevelMtls: this.plan.peerAuthentication.ports,
      });
    }
    for (const service of this.workload.services) {
      this.addService(service);
    }

    if (kind !== MeshModeKind.OUTSIDE) {
      const sa = this.workload.serviceAccountName;
      if (sa === undefined || sa === 'default') {
        fail(this, `'${this.workload.name}' has no service account of its own, so its peers cannot be told apart from any other pod; `
          + 'give the StatefulSet a dedicated ServiceAccount (statefulSet serviceAccount)');
      }
      this.authorizationPolicy = new AuthorizationPolicy(this, 'AuthorizationPolicy', { workload: this.workload, trustDomain: this.trustDomain });
      this.authorizationPolicy.allow([MeshClient.serviceAccount(sa, this.workload.namespace)], this.peerPorts);
    }
    if (props.networkPolicy ?? true) {
      this.networkPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { name: this.workload.name, namespace: this.workload.namespace },
        spec: Lazy.any({ produce: () => networkPolicySpec(this.workload, this.peerPorts, this.clients) }),
      });
    }
    if (kind === MeshModeKind.SIDECAR && (props.sidecarScope ?? true)) {
      this.sidecar = new Sidecar(this, 'Sidecar', { workload: this.workload, egressHosts: props.egressHosts });
    }
    this.node.addValidation({ validate: () => this.missingRules() });
  }

  /** The DestinationRules, one per Service of the workload (a copy of the list). */
  public get destinationRules(): DestinationRule[] {
    return [...this._destinationRules];
  }

  /**
   * Admits a client: an AuthorizationPolicy rule by mTLS principal or namespace (pods in the mesh) and a
   * NetworkPolicy ingress rule (which also admits HBONE, port 15008, for pods in the mesh).
   *
   * @param client a service account, workload or namespace, in any namespace
   * @param ports container ports the client may reach
   * @default ports - the `clientPorts`, else the ports of the client Services, else every declared port
   */
  public allowFrom(client: MeshClient, ports?: number[]): void {
    const allowed = ports ? this.checkedPorts(ports, 'client') : this.clientPorts();
    this.clients.push({ client, ports: allowed });
    this.authorizationPolicy?.allow([client], allowed);
  }

  /**
   * Adds a DestinationRule for a Service of the workload created after this policy (e.g. a client Service added
   * later), with the same TLS as the others. Synthesis fails while a Service of the workload has none.
   */
  public addService(service: IMeshService): DestinationRule {
    if (this._destinationRules.some(rule => rule.host === service.fqdn)) {
      fail(this, `Service '${service.name}' already has a DestinationRule; add each Service once`);
    }
    const rule = new DestinationRule(this, `${service.name}-rule`, {
      service,
      tls: this.plan.clientTls,
      portTls: this.plan.clientPortTls.filter(p => service.meshPorts.some(sp => sp.port === p.port)),
      connectionPool: {
        connectTimeout: Duration.seconds(10),
        keepaliveTime: Duration.seconds(300),
        keepaliveInterval: Duration.seconds(75),
        ...this.connectionPool,
      },
    });
    this._destinationRules.push(rule);
    return rule;
  }

  /** The TLS mode clients use towards the workload, or undefined when Istio picks it (ambient, HBONE). */
  public get clientTlsMode(): TlsMode | undefined {
    return this.plan.clientTls?.mode;
  }

  private clientPorts(): number[] {
    if (this.defaultClientPorts) {
      return [...this.defaultClientPorts];
    }
    const headless = new Set(this.workload.services.filter(s => s.headless).map(s => s.name));
    const fromClientServices = this.workload.services.filter(s => !headless.has(s.name)).flatMap(s => s.meshPorts.map(p => p.port));
    const ports = fromClientServices.length > 0 ? fromClientServices : this.workload.ports.map(p => p.port);
    return [...new Set(ports)].sort((a, b) => a - b);
  }

  private checkedPorts(ports: number[], what: string): number[] {
    if (ports.length === 0) {
      fail(this, `${what} ports are empty; list the container ports ${what}s use`);
    }
    for (const port of ports) {
      checkWorkloadPort(this, this.workload, port, what);
    }
    return [...new Set(ports)].sort((a, b) => a - b);
  }

  private missingRules(): string[] {
    return this.workload.services
      .filter(service => !this._destinationRules.some(rule => rule.host === service.fqdn))
      .map(service => `Service '${service.name}' of '${this.workload.name}' has no DestinationRule (it was added after the MeshPolicy), so its clients' `
        + 'TLS may not agree with the server; call addService() on the MeshPolicy for it');
  }
}
