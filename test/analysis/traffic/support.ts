import { Inventory } from '../../../src/analysis/inventory';
import { EdgeExpectation, EdgeIntent, TrafficEdge } from '../../../src/analysis/traffic/edge';
import { IntendedSource, TrafficModel, TrafficOptions } from '../../../src/analysis/traffic/model';

/** How a pod template joins the mesh, written as Istio reads it. */
export type Mesh = 'sidecar' | 'ambient' | 'none' | 'unknown';

const MESH_LABELS: Record<Mesh, Record<string, string>> = {
  sidecar: { 'sidecar.istio.io/inject': 'true' },
  ambient: { 'istio.io/dataplane-mode': 'ambient' },
  none: { 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' },
  // no label: the namespace decides, and without its Namespace object the input does not prove it
  unknown: {},
};

export interface PortSpec {
  readonly port: number;
  readonly name?: string;
  readonly protocol?: string;
}

export interface WorkloadSpec {
  readonly mesh?: Mesh;
  readonly ports?: PortSpec[];
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly env?: Record<string, string>;
  readonly probePort?: number;
  /** `spec.serviceName` (StatefulSet). */
  readonly serviceName?: string;
}

function template(name: string, spec: WorkloadSpec): any {
  return {
    metadata: { labels: { app: name, ...MESH_LABELS[spec.mesh ?? 'sidecar'], ...spec.labels }, annotations: spec.annotations },
    spec: {
      serviceAccountName: spec.serviceAccount ?? name,
      containers: [{
        name: 'main',
        image: 'registry.example.com/app:1.0.0',
        ports: (spec.ports ?? []).map(p => ({ containerPort: p.port, name: p.name, protocol: p.protocol })),
        env: Object.entries(spec.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
        readinessProbe: spec.probePort ? { tcpSocket: { port: spec.probePort } } : undefined,
      }],
    },
  };
}

export function statefulSet(name: string, ns: string, spec: WorkloadSpec = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ns },
    spec: { serviceName: spec.serviceName ?? `${name}-headless`, selector: { matchLabels: { app: name } }, template: template(name, spec) },
  };
}

export function deployment(name: string, ns: string, spec: WorkloadSpec = {}): any {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { selector: { matchLabels: { app: name } }, template: template(name, spec) } };
}

export function namespace(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function service(name: string, ns: string, selector: Record<string, string>,
  ports: Array<{ port: number; targetPort?: number | string; name?: string; protocol?: string }>,
  extra: { headless?: boolean; publishNotReadyAddresses?: boolean; labels?: Record<string, string> } = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: extra.labels },
    spec: {
      clusterIP: extra.headless ? 'None' : undefined,
      publishNotReadyAddresses: extra.publishNotReadyAddresses,
      selector,
      ports: ports.map(p => ({ name: p.name ?? `tcp-${p.port}`, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol })),
    },
  };
}

/** A StatefulSet `db` in `ns` with its headless Service `db-headless`, both on the given ports. */
export function database(ns: string, spec: WorkloadSpec = {}, ports: number[] = [5432]): any[] {
  return [
    statefulSet('db', ns, { ports: ports.map(port => ({ port, name: `tcp-${port}` })), ...spec }),
    service('db-headless', ns, { app: 'db' }, ports.map(port => ({ port })), { headless: true, publishNotReadyAddresses: true }),
  ];
}

function istio(kind: string, group: string, name: string, ns: string, spec: any): any {
  return { apiVersion: `${group}/v1`, kind, metadata: { name, namespace: ns }, spec };
}

export const peerAuthentication = (name: string, ns: string, spec: any) => istio('PeerAuthentication', 'security.istio.io', name, ns, spec);
export const authorizationPolicy = (name: string, ns: string, spec: any) => istio('AuthorizationPolicy', 'security.istio.io', name, ns, spec);
export const destinationRule = (name: string, ns: string, spec: any) => istio('DestinationRule', 'networking.istio.io', name, ns, spec);

export function networkPolicy(name: string, ns: string, spec: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function gateway(name: string, ns: string, waypointFor?: string): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns, labels: waypointFor ? { 'istio.io/waypoint-for': waypointFor } : undefined },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

/** An edge query: a source towards a destination's container port. */
export interface Query {
  readonly to: { readonly kind?: string; readonly namespace: string; readonly name: string };
  readonly from: IntendedSource;
  readonly port: number;
  readonly intent?: EdgeIntent;
}

/** Every addressing of one edge (headless, each ClusterIP Service, or the pod IP), evaluated. */
export function edgesOf(manifests: any[], query: Query, options: TrafficOptions = {}): TrafficEdge[] {
  const model = new TrafficModel(new Inventory(manifests, options), options, {
    intended: [{
      intent: query.intent ?? EdgeIntent.CLIENT,
      destination: { kind: query.to.kind ?? 'StatefulSet', namespace: query.to.namespace, name: query.to.name },
      source: query.from,
      ports: [query.port],
      expected: EdgeExpectation.ALLOWED,
    }],
  });
  const edges = model.intendedEdges().map(e => e.edge);
  if (edges.length === 0) {
    throw new Error(`no edge for ${JSON.stringify(query)}: is the destination among the manifests?`);
  }
  return edges;
}

/** The one edge of a query whose address contains `address` (default: the first). */
export function edgeOf(manifests: any[], query: Query, address?: string, options?: TrafficOptions): TrafficEdge {
  const edges = edgesOf(manifests, query, options);
  const edge = address === undefined ? edges[0] : edges.find(e => e.address.includes(address));
  if (!edge) {
    throw new Error(`no edge through '${address}' among ${edges.map(e => e.address).join(', ')}`);
  }
  return edge;
}

export const client = (ns: string, serviceAccount?: string, dataplane?: Exclude<Mesh, 'unknown'>): IntendedSource =>
  ({ kind: 'client', namespace: ns, serviceAccount, dataplane });
