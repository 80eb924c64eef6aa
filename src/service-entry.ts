import { Construct } from 'constructs';
import * as istio from './imports/networking.istio.io';
import { MeshPort, MeshPortOptions } from './mesh-port';
import { IMeshService } from './mesh-service';
import { resolveName, resolveNamespace } from './private/identity';
import { AUTOALLOCATE_LABEL, DEFAULT_CLUSTER_DOMAIN } from './private/istio-constants';
import { recordMeshConstruct } from './private/mesh-facts';
import { resolveMeshPort } from './private/ports';
import { fail } from './private/validation';

/** Whether the service runs in the mesh. */
export enum ServiceEntryLocation {
  /** Outside the mesh (an external or managed database): traffic leaves without Istio mTLS. */
  MESH_EXTERNAL = 'MESH_EXTERNAL',
  /** Part of the mesh (workloads with proxies, e.g. VMs). */
  MESH_INTERNAL = 'MESH_INTERNAL',
}

/** How the endpoints of the hosts are found. */
export enum ServiceEntryResolution {
  /** Resolve the hosts (or endpoints) by DNS, one connection-level choice of IP. */
  DNS = 'DNS',
  /** Resolve by DNS, use one address at a time (for names behind many IPs). */
  DNS_ROUND_ROBIN = 'DNS_ROUND_ROBIN',
  /** Fixed endpoint IPs. */
  STATIC = 'STATIC',
  /** No resolution: traffic goes to the destination IP the client chose. */
  NONE = 'NONE',
}

/**
 * Properties of a `ServiceEntry`.
 */
export interface ServiceEntryProps {
  /** The hosts clients use, e.g. `orders-db.example.com` (a bare `*` is refused). */
  readonly hosts: string[];

  /** The ports; every one gets a protocol (TCP unless said otherwise) and an Istio-safe name. */
  readonly ports: MeshPortOptions[];

  /**
   * Where the service runs.
   * @default ServiceEntryLocation.MESH_EXTERNAL
   */
  readonly location?: ServiceEntryLocation;

  /**
   * How endpoints are found.
   * @default ServiceEntryResolution.DNS
   */
  readonly resolution?: ServiceEntryResolution;

  /**
   * Virtual IPs or CIDRs for the hosts. TCP traffic is matched by destination IP, so a TCP port needs an address:
   * without one, the entry relies on Istio's IP auto-allocation (on by default since Istio 1.25; the controller
   * writes the address into the entry's status) and is labelled `networking.istio.io/enable-autoallocate-ip: "true"`
   * to say so. Resolution NONE is never auto-allocated, so it needs addresses for TCP ports (IST0134).
   *
   * @default - none: auto-allocated
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/#address-auto-allocation
   */
  readonly addresses?: string[];

  /**
   * Endpoint addresses (IPs for STATIC, host names for DNS).
   * @default - the hosts themselves (DNS)
   */
  readonly endpoints?: string[];

  /**
   * Namespaces the entry is visible to.
   * @default - every namespace
   */
  readonly exportTo?: string[];

  /**
   * The object name.
   * @default - the construct id, lowercased
   */
  readonly name?: string;

  /**
   * The namespace.
   * @default - the chart's, else 'default'
   */
  readonly namespace?: string;
}

/**
 * An Istio ServiceEntry (`networking.istio.io/v1`) for a database outside the cluster or the mesh: every port has a
 * protocol, and TCP ports have addresses or explicitly rely on IP auto-allocation.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
export class ServiceEntry extends Construct implements IMeshService {
  public readonly name: string;
  public readonly namespace: string;
  public readonly clusterDomain: string;
  /** The first host: what a DestinationRule for this entry names. */
  public readonly fqdn: string;
  public readonly headless = false;
  /** The hosts (a copy). */
  public readonly hosts: string[];
  /** True when TCP ports rely on Istio's IP auto-allocation. */
  public readonly autoAllocatesAddresses: boolean;
  /** The L1 object, also reachable as `node.defaultChild` (its id is `Resource`). */
  protected readonly apiObject: istio.ServiceEntry;

  private readonly _ports: MeshPort[] = [];

  public constructor(scope: Construct, id: string, props: ServiceEntryProps) {
    super(scope, id);
    recordMeshConstruct(this);
    this.name = resolveName(this, 'ServiceEntry name', props.name, id);
    this.namespace = resolveNamespace(this, this, props.namespace);
    this.clusterDomain = DEFAULT_CLUSTER_DOMAIN;
    if (props.hosts.length === 0) {
      fail(this, 'hosts is empty; list the names clients use to reach the service');
    }
    for (const host of props.hosts) {
      if (host === '*' || !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host)) {
        fail(this, `host '${host}' is not a lowercase DNS name (a bare '*' is not allowed); use the name clients connect to`);
      }
    }
    this.hosts = [...props.hosts];
    this.fqdn = props.hosts[0];
    if (props.ports.length === 0) {
      fail(this, 'ports is empty; declare every port clients use, with its protocol');
    }
    for (const port of props.ports) {
      this._ports.push(resolveMeshPort(this, port, this._ports));
    }

    const resolution = props.resolution ?? ServiceEntryResolution.DNS;
    const addresses = props.addresses ?? [];
    const endpoints = props.endpoints ?? [];
    const tcpPorts = this._ports.filter(p => !p.protocol.layer7);
    if (resolution === ServiceEntryResolution.NONE && addresses.length === 0 && tcpPorts.length > 0) {
      fail(this, `TCP port ${tcpPorts[0].port} needs an address: with resolution NONE Istio allocates none and matches TCP by destination IP (IST0134); `
        + 'set addresses, or use resolution DNS');
    }
    if (addresses.some(a => a.includes('/')) && resolution !== ServiceEntryResolution.NONE && resolution !== ServiceEntryResolution.STATIC) {
      fail(this, `CIDR addresses (${addresses.join(', ')}) need resolution NONE or STATIC; Istio's schema refuses them with ${resolution}`);
    }
    if (resolution === ServiceEntryResolution.STATIC && endpoints.length === 0) {
      fail(this, 'resolution STATIC needs endpoints (the IPs to send traffic to)');
    }
    if (resolution === ServiceEntryResolution.NONE && endpoints.length > 0) {
      fail(this, 'resolution NONE cannot have endpoints; use STATIC or DNS');
    }
    if (resolution === ServiceEntryResolution.DNS_ROUND_ROBIN && endpoints.length > 1) {
      fail(this, 'resolution DNS_ROUND_ROBIN takes at most one endpoint; use DNS for several');
    }
    this.autoAllocatesAddresses = addresses.length === 0 && tcpPorts.length > 0;

    this.apiObject = new istio.ServiceEntry(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: this.autoAllocatesAddresses ? { [AUTOALLOCATE_LABEL]: 'true' } : undefined,
      },
      spec: {
        hosts: this.hosts,
        addresses: addresses.length > 0 ? [...addresses] : undefined,
        ports: this._ports.map(p => ({ name: p.name, number: p.port, protocol: p.protocol.istioProtocol.toUpperCase() })),
        location: (props.location ?? ServiceEntryLocation.MESH_EXTERNAL) as string as istio.ServiceEntrySpecLocation,
        resolution: resolution as string as istio.ServiceEntrySpecResolution,
        endpoints: endpoints.length > 0 ? endpoints.map(address => ({ address })) : undefined,
        exportTo: props.exportTo,
      },
    });
  }

  /** The declared ports (a copy). */
  public get meshPorts(): MeshPort[] {
    return this._ports.map(p => ({ ...p }));
  }
}
