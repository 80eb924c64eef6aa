import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { createSyncFn } from 'synckit';
import { fastYamlStringify } from '../../src/private/yaml';

interface SchemaFailure {
  readonly resource: string;
  readonly error: string;
}

// kubernetes-models 5.x / @kubernetes-models/istio 3.x are ESM-only: validate in a worker thread, synchronously.
const validateInWorker = createSyncFn<(manifests: unknown[]) => Promise<SchemaFailure[]>>(path.join(__dirname, 'schema-worker.mjs'));

/** Throws when any manifest fails the Kubernetes or Istio OpenAPI schema. */
export function expectSchemaValid(manifests: unknown[]): void {
  const failures = validateInWorker(JSON.parse(JSON.stringify(manifests)));
  if (failures.length > 0) {
    throw new Error(`manifests fail schema validation:\n${failures.map(f => `  ${f.resource}: ${f.error}`).join('\n')}`);
  }
}

/** Throws when the library's YAML emitter (private/yaml.ts) would not write the manifests byte for byte as cdk8s does. */
export function expectYamlAsCdk8s(manifests: unknown[]): void {
  const cdk8s = (...docs: any[]) => Yaml.stringify(...docs);
  if (fastYamlStringify(cdk8s)(...manifests) !== cdk8s(...manifests)) {
    throw new Error('the fast YAML emitter writes these manifests differently from cdk8s\' Yaml.stringify (src/private/yaml.ts)');
  }
}

/**
 * Synthesises a chart (running construct validation), validates every manifest against the schemas, and checks that the
 * synth's YAML emitter writes them as cdk8s does.
 */
export function synth(scope: Chart): any[] {
  const manifests = Testing.synth(scope);
  expectSchemaValid(manifests);
  expectYamlAsCdk8s(manifests);
  return manifests;
}

/** The single manifest of a kind (and name); fails the test when there is not exactly one. */
export function only(manifests: any[], kind: string, name?: string): any {
  const found = manifests.filter(m => m.kind === kind && (name === undefined || m.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` '${name}'` : ''}, found ${found.length}: ${manifests.map(m => `${m.kind}/${m.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}

/** Every manifest of a kind. */
export function all(manifests: any[], kind: string): any[] {
  return manifests.filter(m => m.kind === kind);
}

/** A chart in a fresh app, in namespace `ns` unless another is given (`null`: a chart without namespace). */
export function chart(namespace: string | null = 'ns'): Chart {
  return new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
}
