export { MeshAnalyzer, SUPPRESS_ANNOTATION } from './analyzer';
export { Severity } from './finding';
export type { AnalyzeOptions, Finding, RuleDescription, Suppression } from './finding';
export { MeshAnalysis } from './synth';
export type { MeshAnalysisOptions } from './synth';
export { AddressResolution, EdgeExpectation, EdgeIntent, MeshTraffic, TrafficVerdict } from './traffic';
export type { TrafficEdge, TrafficOptions } from './traffic';
