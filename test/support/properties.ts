import { IConstruct } from 'constructs';
import * as fc from 'fast-check';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from './assertions';
import { expectSchemaValid } from './manifests';
import { EdgeExpectation, EdgeIntent, MeshAnalyzer, MeshTraffic, TrafficEdge, TrafficVerdict } from '../../src';

/**
 * Runs per property: 200 in the test suite; `npx projen fuzz` multiplies them by 10 (PROPERTY_RUNS_FACTOR) and may
 * change the seed (PROPERTY_SEED). The seed is fixed so CI is reproducible; a failure prints it with the shrunk case.
 */
export const PROPERTY_RUNS = 200 * Number(process.env.PROPERTY_RUNS_FACTOR ?? 1);
export const PROPERTY_SEED = Number(process.env.PROPERTY_SEED ?? 20261121);

export function assertProperty<T>(property: fc.IProperty<T>, runs = PROPERTY_RUNS): void {
  fc.assert(property, { numRuns: runs, seed: PROPERTY_SEED, endOnFailure: true });
}

/** An RFC 1035 label of 1 to `max` characters: lowercase, starts with a letter, no trailing dash. */
export const dnsLabel = (max: number) =>
  fc.stringMatching(new RegExp(`^[a-z]([a-z0-9-]{0,${max - 2}}[a-z0-9])?$`)).filter(s => s.length <= max);

/** A namespace (RFC 1123 label), avoiding the system namespaces Istio and the analyzer treat specially. */
export const namespaceName = dnsLabel(20).filter(ns => !['default', 'kube-system', 'kube-public', 'istio-system'].includes(ns) && !ns.startsWith('client'));

/**
 * A client's namespace: from its own space (`client-…`), so it is never one edit away from the workload's, which the
 * library rightly refuses as a likely typo.
 */
export const clientNamespace = dnsLabel(14).map(n => `client-${n}`);

export const clusterDomain = fc.constantFrom('cluster.local', 'corp.internal', 'k8s.example.com');

/** The property every synthesised app must satisfy: schema-valid, no analyzer finding, ports declared, addresses resolvable. */
export function expectMeshCorrect(manifests: any[], domain: string, expectAgreement: boolean): void {
  expectSchemaValid(manifests);
  // no finding at all: not an error, not a warning, not even an info
  expect(MeshAnalyzer.analyze(manifests, { clusterDomain: domain }).map(f => `${f.severity} ${f.code} ${f.message}`)).toEqual([]);
  expectEveryPortDeclaredAndNamed(manifests);
  expectPodAddressesResolve(manifests, domain);
  if (expectAgreement) {
    expectMtlsAgreement(manifests, domain);
  }
}

/**
 * The traffic property (the model of src/analysis/traffic, which cites the Istio and Kubernetes rules it follows): every
 * edge the constructs intend gets exactly the outcome it must (mTLS, plaintext, or allowed), and every source nobody
 * admitted is denied. Returns the edges for case-specific assertions.
 */
export function expectTrafficAsIntended(scope: IConstruct, domain: string): TrafficEdge[] {
  const edges = MeshTraffic.ofApp(scope, { clusterDomain: domain });
  const want: Record<string, (v: TrafficVerdict) => boolean> = {
    [EdgeExpectation.MTLS]: v => v === TrafficVerdict.ALLOWED_MTLS,
    [EdgeExpectation.PLAINTEXT]: v => v === TrafficVerdict.ALLOWED_PLAINTEXT,
    [EdgeExpectation.ALLOWED]: v => v !== TrafficVerdict.DENIED,
    [EdgeExpectation.DENIED]: v => v === TrafficVerdict.DENIED,
  };
  const wrong = edges.filter(e => e.expected !== undefined && !want[e.expected](e.verdict))
    .map(e => `${e.intent} ${e.source} -> ${e.destination}:${e.port} via ${e.address}: ${e.verdict}, must be ${e.expected} (${e.reason})`);
  expect(wrong).toEqual([]);
  // every workload's pods reach each other: a StatefulSet has peer edges, and they all get through
  const peers = edges.filter(e => e.intent === EdgeIntent.PEER);
  expect(peers.length).toBeGreaterThan(0);
  expect(peers.filter(e => e.verdict === TrafficVerdict.DENIED)).toEqual([]);
  return edges;
}
