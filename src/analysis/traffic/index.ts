export { AddressResolution, EdgeExpectation, EdgeIntent, TrafficVerdict } from './edge';
export type { TrafficEdge } from './edge';
export { MeshTraffic } from './mesh-traffic';
export type { TrafficOptions } from './model';
