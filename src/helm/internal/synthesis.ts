import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { load as parseYaml } from 'js-yaml';
import { HeadlessStatefulService } from '../../headless-stateful-service';
import { MeshAwareDatabase } from '../../mesh-aware-database';
import { registerOverrides, WorkloadOverride } from '../../private/helm-overrides';
import { DeclaredValue, HelmBuildContext, ValueSource } from '../build-context';

/**
 * One synthesis of the user's app with given settings, exactly as `cdk8s synth` writes it: construct validation, then
 * one YAML file per chart. Not exported from the package.
 */

/** What the builder is asked to build. */
export interface BuildInput {
  readonly namespace: string;
  /** Settings of the workloads, by construct path. */
  readonly overrides: ReadonlyMap<string, WorkloadOverride>;
  /** Values of the user's own, by key. */
  readonly values: ReadonlyMap<string, string>;
}

/** One object of a chart file: its text as cdk8s writes it (without the `---` separator) and its identity. */
export interface SynthesisedObject {
  readonly key: string;
  readonly text: string;
  readonly manifest: any;
}

/** One chart file (`<chart>.k8s.yaml`), the release namespace's Namespace object taken out. */
export interface SynthesisedFile {
  /** The file name cdk8s writes, e.g. `patroni.k8s.yaml`. */
  readonly name: string;
  readonly objects: SynthesisedObject[];
}

/** A workload of the app whose settings can be values. */
export interface FoundWorkload {
  readonly kind: 'MeshAwareDatabase' | 'HeadlessStatefulService';
  /** The construct path of the construct that takes replicas, image and resources. */
  readonly path: string;
  /** The construct path of the `HeadlessStatefulService` that takes the volume claims. */
  readonly claimsPath: string;
  readonly name: string;
  readonly namespace: string;
  readonly description: string;
}

/** The result of one synthesis. */
export interface Synthesis {
  readonly files: SynthesisedFile[];
  readonly workloads: FoundWorkload[];
  readonly declarations: DeclaredValue[];
  /** Labels of the release namespace's Namespace objects the app wrote (taken out of the chart: Helm owns that namespace). */
  readonly namespaceLabels: Record<string, string>;
  /** What the synthesis printed to stderr (the synth-time analysis' warnings), line by line. */
  readonly messages: string[];
}

/** The builder, as `HelmChart` calls it. */
export type Build = (scope: Construct, context: HelmBuildContext) => void;

/**
 * Builds and synthesises the app. `resolve` answers the values of the user's own that the builder declares.
 */
export function synthesise(build: Build, input: BuildInput, resolve: ValueSource['resolve']): Synthesis {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stateful-mesh-helm-'));
  // the synth-time analysis prints its warnings; the chart prints those of the builds it keeps, once (HelmChart)
  const messages: string[] = [];
  const print = console.error;
  console.error = (...args: unknown[]) => {
    messages.push(args.map(String).join(' '));
  };
  try {
    const app = new App({ outdir });
    registerOverrides(app, input.overrides);
    const context = HelmBuildContext._of({ namespace: input.namespace, resolve });
    build(app, context);
    app.synth();
    const namespaceLabels: Record<string, string> = {};
    const files = fs.readdirSync(outdir).filter(f => f.endsWith('.k8s.yaml')).sort().map(name => {
      const objects = splitDocuments(fs.readFileSync(path.join(outdir, name), 'utf8'), name).filter(o => {
        const releaseNamespace = o.manifest.kind === 'Namespace' && o.manifest.apiVersion === 'v1' && o.manifest.metadata?.name === input.namespace;
        if (releaseNamespace) {
          Object.assign(namespaceLabels, o.manifest.metadata?.labels ?? {});
        }
        return !releaseNamespace;
      });
      return { name, objects: keyed(objects, name) };
    });
    return { files, workloads: findWorkloads(app), declarations: context._declarations(), namespaceLabels, messages };
  } finally {
    console.error = print;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The file as cdk8s writes it back from its objects: their texts joined by `---` lines. */
export function joinDocuments(objects: SynthesisedObject[]): string {
  return objects.map(o => o.text).join('---\n');
}

/**
 * The objects of a file cdk8s wrote: documents separated by `---` lines (`Yaml.stringify` joins documents with
 * `---\n`, and forces a block scalar that holds a `---` line to be indented, so a `---` at column 0 always separates).
 */
function splitDocuments(text: string, file: string): Array<{ text: string; manifest: any }> {
  const documents: string[] = [];
  let current = '';
  for (const line of text.split(/(?<=\n)/)) {
    if (line === '---\n') {
      documents.push(current);
      current = '';
    } else {
      current += line;
    }
  }
  documents.push(current);
  const objects = documents.filter(d => d.trim() !== '').map(d => ({ text: d, manifest: parseYaml(d) as any }));
  if (objects.map(o => o.text).join('---\n') !== text) {
    throw new Error(`HelmChart: ${file} does not split into documents at its '---' lines; this is a bug, please report it`);
  }
  return objects;
}

function keyed(objects: Array<{ text: string; manifest: any }>, file: string): SynthesisedObject[] {
  const seen = new Map<string, number>();
  return objects.map(o => {
    const m = o.manifest ?? {};
    const base = `${file}|${m.apiVersion}|${m.kind}|${m.metadata?.namespace ?? ''}|${m.metadata?.name ?? ''}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return { key: count === 0 ? base : `${base}#${count}`, text: o.text, manifest: o.manifest };
  });
}

/** The app's databases, and its StatefulSets that are not a database's. */
function findWorkloads(app: App): FoundWorkload[] {
  const found: FoundWorkload[] = [];
  for (const construct of app.node.findAll()) {
    if (construct instanceof MeshAwareDatabase) {
      found.push({
        kind: 'MeshAwareDatabase',
        path: construct.node.path,
        claimsPath: construct.workload.node.path,
        name: construct.name,
        namespace: construct.namespace,
        description: `the ${construct.engine.engineName} database '${construct.name}'`,
      });
    } else if (construct instanceof HeadlessStatefulService && !construct.node.scopes.some(s => s instanceof MeshAwareDatabase)) {
      found.push({
        kind: 'HeadlessStatefulService',
        path: construct.node.path,
        claimsPath: construct.node.path,
        name: construct.name,
        namespace: construct.namespace,
        description: `the StatefulSet '${construct.name}'`,
      });
    }
  }
  return found;
}
