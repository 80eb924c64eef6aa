import { ApiObject, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AuthorizationPolicy } from './authorization-policy';
import { ConnectionPoolOptions, DestinationRule, TlsMode } from './destination-rule';
import { MeshClient } from './mesh-client';
import { MeshModeKind } from './mesh-mode';
import { IMeshService, MeshService } from './mesh-service';
import { IMeshWorkload } from './mesh-workload';
import { MtlsMode, PeerAuthentication, PortMtls } from './peer-authentication';
import { checkWorkloadPort } from './private/istio';
import { AGENT_PORT, DEFAULT_TRUST_DOMAIN, USE_WAYPOINT_LABEL, USE_WAYPOINT_NAMESPACE_LABEL } from './private/istio-constants';
import { IntendedEdgeFact, recordTraffic, TrafficFacts } from './private/mesh-facts';
import { MtlsPlan, planMtls } from './private/mtls';
import { AdmittedClient, networkPolicySpec } from './private/network-policy';
import { checkNotSynthesised, watchSynthesis } from './private/synthesis';
import { fail } from './private/validation';
import { Sidecar } from './sidecar';
import { Waypoint, WaypointTraffic } from './waypoint';

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
   * mesh. Each non-STRICT port gets a port-level DestinationRule `DISABLE`, and, because identity rules need mTLS, an
   * AuthorizationPolicy rule open to any source: the NetworkPolicy (required) decides who reaches it.
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
   * The mesh trust domain, for principals. Needed in ambient mode when the mesh's `meshConfig.trustDomain` is not
   * `cluster.local`: ztunnel matches principals as written (istio/ztunnel src/rbac.rs), where sidecars read
   * `cluster.local` as the mesh's own trust domain.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * Write the waypoint named in the workload's `MeshMode.ambient({ waypoint })` (a `Waypoint`: Gateway of class
   * `istio-waypoint`, for all traffic, in the waypoint's namespace), dedicated to this workload.
   * @default false: the waypoint is deployed separately (e.g. `istioctl waypoint apply --for all`)
   */
  readonly createWaypoint?: boolean;
}

/**
 * The mesh policy of one workload, consistent end to end:
 *
 * - `PeerAuthentication` (pods in the mesh): STRICT unless told otherwise;
 * - a `DestinationRule` for every Service of the workload (host = the Service FQDN), whose TLS agrees with the
 *   server: `ISTIO_MUTUAL` for sidecar pods, none for ambient pods (HBONE), `DISABLE` for pods outside the mesh
 *   and for every port (or workload) whose server-side mode is DISABLE or PERMISSIVE or that bypasses the sidecar;
 * - an ALLOW `AuthorizationPolicy` (pods in the mesh): the workload's own service account on the peer ports, and
 *   each client given to `allowFrom()`; everything else is denied. Ports that receive plaintext (PERMISSIVE, DISABLE,
 *   bypassing the sidecar) cannot be admitted by identity, which needs mTLS: they get a rule open to any source, and
 *   the NetworkPolicy alone decides who reaches them;
 * - a `NetworkPolicy` with the same allow-list (the only access control for pods outside the mesh);
 * - a `Sidecar` resource scoping egress (sidecar mode);
 * - with an ambient waypoint: the workload's policy admits the waypoint's identity (it relays traffic as itself),
 *   the allow-list is also bound to the waypoint (`targetRefs`), the NetworkPolicy admits the waypoint's pods on
 *   15008, and the Services are labelled to use it.
 *
 * It records what must get through (peers, clients, probes, scrapers) and what must not; synthesis evaluates both with
 * the traffic model and fails, naming the edge and the object that blocks it, when they do not hold.
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
  /** The AuthorizationPolicy bound to the workload's waypoint (ambient mode with a waypoint). */
  public readonly waypointPolicy?: AuthorizationPolicy;
  /** The waypoint written for the workload (`createWaypoint`). */
  public readonly waypoint?: Waypoint;
  public readonly trustDomain: string;

  private readonly workload: IMeshWorkload;
  private readonly plan: MtlsPlan;
  private readonly connectionPool: ConnectionPoolOptions;
  private readonly peerPorts: number[];
  private readonly defaultClientPorts?: number[];
  private readonly _destinationRules: DestinationRule[] = [];
  private readonly clients: AdmittedClient[] = [];
  private readonly scrapers: Array<{ readonly scraper: MeshClient; readonly port?: number }> = [];
  private readonly hasNetworkPolicy: boolean;
  private readonly waypointRef?: { readonly name: string; readonly namespace: string; readonly serviceAccount: string };

  public constructor(scope: Construct, id: string, props: MeshPolicyProps) {
    super(scope, id);
    watchSynthesis(this);
    this.workload = props.workload;
    this.trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.plan = planMtls(this, this.workload, props.mode, props.portLevelMtls ?? []);
    this.connectionPool = props.connectionPool ?? {};
    const declared = this.workload.ports.map(p => p.port);
    this.peerPorts = this.checkedPorts(props.peerPorts ?? declared, 'peer');
    this.defaultClientPorts = props.clientPorts ? this.checkedPorts(props.clientPorts, 'client') : undefined;
    const meshMode = this.workload.meshMode!;
    const kind = meshMode.kind;
    this.hasNetworkPolicy = props.networkPolicy ?? true;
    this.checkPlaintextPorts(declared);
    this.checkOutboundExclusions();
    this.waypointRef = this.resolveWaypoint(props.createWaypoint ?? false);
    if (this.waypointRef && props.createWaypoint) {
      this.waypoint = new Waypoint(this, 'Waypoint', { ...this.waypointRef, trafficType: WaypointTraffic.ALL });
    }

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
      const peers = MeshClient.serviceAccount(sa, this.workload.namespace);
      this.authorizationPolicy = new AuthorizationPolicy(this, 'AuthorizationPolicy', { workload: this.workload, trustDomain: this.trustDomain });
      this.authorizationPolicy.allow([peers], this.peerPorts);
      // identity rules never match plaintext: those ports are open to any source here, and the NetworkPolicy decides
      const plaintext = declared.filter(port => this.plan.isPlaintext(port) && !meshMode.excludedInboundPorts.includes(port));
      if (plaintext.length > 0) {
        this.authorizationPolicy.allowAnySource(plaintext);
      }
      if (this.waypointRef) {
        // relayed traffic reaches the pods with the waypoint's identity; the allow-list itself is bound to the waypoint
        this.authorizationPolicy.allow([MeshClient.serviceAccount(this.waypointRef.serviceAccount, this.waypointRef.namespace)], declared);
        this.waypointPolicy = new AuthorizationPolicy(this, 'WaypointPolicy', {
          workload: this.workload,
          waypoint: this.waypointRef.name,
          name: `${this.workload.name}-waypoint`,
          namespace: this.waypointRef.namespace,
          trustDomain: this.trustDomain,
        });
        // clients reach a waypoint over HBONE, always with an identity: no rule open to any source there (plaintext
        // clients, outside the mesh or sidecars through a headless Service, bypass the waypoint)
        this.waypointPolicy.allow([peers], this.peerPorts);
      }
    }
    if (this.hasNetworkPolicy) {
      this.networkPolicy = new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { name: this.workload.name, namespace: this.workload.namespace },
        spec: Lazy.any({
          produce: () => networkPolicySpec(this.workload, this.peerPorts, this.clients, {
            waypoint: this.waypointRef,
            agentScrapers: this.scrapers.filter(s => s.port === undefined).map(s => s.scraper),
          }),
        }),
      });
    }
    if (kind === MeshModeKind.SIDECAR && (props.sidecarScope ?? true)) {
      this.sidecar = new Sidecar(this, 'Sidecar', { workload: this.workload, egressHosts: props.egressHosts });
    }
    this.node.addValidation({ validate: () => this.missingRules() });
    recordTraffic(this, () => this.trafficFacts());
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
    checkNotSynthesised(this, `client ${client}`, 'allowFrom()');
    const allowed = ports ? this.checkedPorts(ports, 'client') : this.clientPorts();
    this.clients.push({ client, ports: allowed });
    this.authorizationPolicy?.allow([client], allowed);
    this.waypointPolicy?.allow([client], allowed);
  }

  /**
   * Admits a metrics scraper (e.g. Prometheus).
   *
   * - Sidecar mode, without `port`: the scraper reaches the sidecar agent on 15020, which serves the merged metrics
   *   (`/stats/prometheus`: the proxy's and, with `prometheus.io/port`/`path` pod annotations, the application's).
   *   The injector points the pod's `prometheus.io/*` annotations there, and no PeerAuthentication or
   *   AuthorizationPolicy applies to it (the agent port is outside Envoy's inbound capture): the NetworkPolicy admits
   *   the scraper on 15020, in plaintext (istio.io docs ops/integrations/prometheus, "Option 1: Metrics merging").
   * - With `port` (ambient mode, pods outside the mesh, or scraping the application directly): like `allowFrom()` on
   *   that port. A scraper outside the mesh sends plaintext: make the port PERMISSIVE (`portLevelMtls`) in the mesh.
   *
   * @param scraper who scrapes
   * @param port the application's metrics container port
   * @default port - the sidecar agent (15020) in sidecar mode; required in other modes
   */
  public allowScraper(scraper: MeshClient, port?: number): void {
    checkNotSynthesised(this, `scraper ${scraper}`, 'allowScraper()');
    if (port === undefined && this.workload.meshMode!.kind !== MeshModeKind.SIDECAR) {
      fail(this, `allowScraper(${scraper}) needs the metrics port: '${this.workload.name}' runs ${this.workload.meshMode!.kind === MeshModeKind.AMBIENT
        ? 'in ambient mode' : 'outside the mesh'}, without a sidecar agent that serves merged metrics on 15020; pass the application's metrics port`);
    }
    if (port !== undefined) {
      this.allowFrom(scraper, [port]);
    }
    this.scrapers.push({ scraper, port });
  }

  /**
   * Adds a DestinationRule for a Service of the workload created after this policy (e.g. a client Service added
   * later), with the same TLS as the others. Synthesis fails while a Service of the workload has none.
   */
  public addService(service: IMeshService): DestinationRule {
    checkNotSynthesised(this, `Service '${service.name}'`, 'addService()');
    if (this._destinationRules.some(rule => rule.host === service.fqdn)) {
      fail(this, `Service '${service.name}' already has a DestinationRule; add each Service once`);
    }
    if (this.waypointRef) {
      labelForWaypoint(service, this.waypointRef.name, this.waypointRef.namespace, this.workload.namespace);
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

  /** Plaintext ports have no identity to authorize: without the NetworkPolicy nothing would restrict who reaches them. */
  private checkPlaintextPorts(declared: number[]): void {
    const plaintext = declared.filter(port => this.plan.isPlaintext(port));
    if (!this.hasNetworkPolicy && plaintext.length > 0) {
      const where = this.workload.meshMode!.kind === MeshModeKind.OUTSIDE ? `'${this.workload.name}' runs outside the mesh, so every port is plaintext`
        : `port ${plaintext.join(', ')} of '${this.workload.name}' receives plaintext, where identity rules never match`;
      fail(this, `networkPolicy: false leaves no allow-list: ${where}, and the NetworkPolicy is what restricts who reaches it; `
        + 'keep networkPolicy: true, or make the port STRICT');
    }
  }

  /**
   * A port the workload's own peers use, excluded from the sidecar's outbound capture, leaves in plaintext: a STRICT peer
   * refuses it (istio/api `annotation/annotations.yaml`, `traffic.sidecar.istio.io/excludeOutboundPorts`).
   */
  private checkOutboundExclusions(): void {
    const meshMode = this.workload.meshMode!;
    if (meshMode.kind !== MeshModeKind.SIDECAR) {
      return;
    }
    for (const port of meshMode.excludedOutboundPorts.filter(p => this.peerPorts.includes(p) && !this.plan.isPlaintext(p))) {
      fail(this, `excludeOutboundPorts ${port} is a peer port of '${this.workload.name}': peers would send plaintext to a STRICT peer, which refuses it; `
        + `remove ${port} from excludeOutboundPorts, or make the port plaintext on the server too (portLevelMtls PERMISSIVE, or excludeInboundPorts)`);
    }
  }

  /** The waypoint of an ambient workload (checked against writing its Gateway when asked to). */
  private resolveWaypoint(create: boolean): { name: string; namespace: string; serviceAccount: string } | undefined {
    const meshMode = this.workload.meshMode!;
    const name = meshMode.waypoint;
    if (name === undefined) {
      if (create) {
        fail(this, `createWaypoint is set, but '${this.workload.name}' names no waypoint; use meshMode: MeshMode.ambient({ waypoint: '${this.workload.name}-waypoint' })`);
      }
      return undefined;
    }
    const namespace = meshMode.waypointNamespaceFor(this.workload.namespace)!;
    const serviceAccount = meshMode.waypointServiceAccount!;
    if (create) {
      if (serviceAccount !== name) {
        fail(this, `waypointServiceAccount '${serviceAccount}' cannot be the identity of a written waypoint: Istio runs a waypoint as the service account `
          + `of its Gateway's name ('${name}'); drop waypointServiceAccount, or createWaypoint`);
      }
    }
    return { name, namespace, serviceAccount };
  }

  /** What must get through and what must not, for the traffic model at synthesis. */
  private trafficFacts(): TrafficFacts {
    const meshMode = this.workload.meshMode!;
    const owner = this.node.path;
    const destination = { kind: 'StatefulSet', namespace: this.workload.namespace, name: this.workload.name };
    const udp = new Set(this.workload.ports.filter(p => p.protocol.transport === 'UDP').map(p => p.port));
    const expected = (port: number): 'mtls' | 'plaintext' | 'allowed' => meshMode.kind === MeshModeKind.OUTSIDE || udp.has(port)
      ? 'plaintext'
      : this.plan.isPlaintext(port) ? (meshMode.kind === MeshModeKind.AMBIENT ? 'allowed' : 'plaintext') : 'mtls';
    const byExpectation = (intent: IntendedEdgeFact['intent'], source: IntendedEdgeFact['source'], ports: number[]): IntendedEdgeFact[] => {
      const groups = new Map<string, number[]>();
      for (const port of ports) {
        groups.set(expected(port), [...groups.get(expected(port)) ?? [], port]);
      }
      return [...groups.entries()].map(([e, p]) => ({ intent, destination, source, ports: p, expected: e as IntendedEdgeFact['expected'], owner }));
    };
    const clientSource = (client: MeshClient): IntendedEdgeFact['source'] =>
      ({ kind: 'client', namespace: client.namespace, serviceAccount: client.serviceAccountName, podLabels: client.podLabels });
    const intended: IntendedEdgeFact[] = [
      ...byExpectation('peer', { kind: 'self' }, this.peerPorts),
      ...this.clients.flatMap(({ client, ports }) => byExpectation('client', clientSource(client), ports)),
      { intent: 'probe', destination, source: { kind: 'kubelet' }, ports: [], expected: 'plaintext', owner },
      ...this.scrapers.filter(s => s.port === undefined).map(({ scraper }): IntendedEdgeFact =>
        ({ intent: 'scraper', destination, source: clientSource(scraper), ports: [AGENT_PORT], expected: 'plaintext', owner })),
    ];
    const isProtected = meshMode.kind !== MeshModeKind.OUTSIDE || this.hasNetworkPolicy;
    return {
      intended,
      protected: isProtected ? [{ destination, owner }] : [],
      waypoints: this.waypointRef ? [{ ...this.waypointRef, trafficType: this.waypoint ? WaypointTraffic.ALL : undefined }] : [],
    };
  }

  private missingRules(): string[] {
    return this.workload.services
      .filter(service => !this._destinationRules.some(rule => rule.host === service.fqdn))
      .map(service => `Service '${service.name}' of '${this.workload.name}' has no DestinationRule (it was added after the MeshPolicy), so its clients' `
        + 'TLS may not agree with the server; call addService() on the MeshPolicy for it');
  }
}

/**
 * Labels a Service of the workload to use the waypoint, so traffic to its cluster IP goes through it too (istio/api
 * `label/labels.yaml`, `istio.io/use-waypoint`; the pods carry the label for pod-IP traffic).
 */
function labelForWaypoint(service: IMeshService, name: string, namespace: string, workloadNamespace: string): void {
  if (service instanceof MeshService) {
    service.metadata.addLabel(USE_WAYPOINT_LABEL, name);
    if (namespace !== workloadNamespace) {
      service.metadata.addLabel(USE_WAYPOINT_NAMESPACE_LABEL, namespace);
    }
  }
}
