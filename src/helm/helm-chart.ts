import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { DeclaredValue, HelmBuildContext } from './build-context';
import { chartYaml, helpersTpl, notesTxt, valuesSchema, valuesYaml } from './internal/chart-files';
import { BuildInput, joinDocuments, synthesise, Synthesis } from './internal/synthesis';
import { Choice, evaluate, SentinelText, serialize, templateLines, TemplateNode, variantsTemplate } from './internal/template-text';
import { declaredValue, Dimension, InputBuilder, leafProblem, Substitution, TextOf, ValueLeaf, valuesKey, workloadValues } from './internal/values-model';
import { HelmResourcePreset } from './resource-preset';

/**
 * Builds the app a `HelmChart` ships. Implement it in any jsii language: `buildApp()` creates the app's charts in `scope`
 * (an `App`), taking the namespace and values of your own from `context`.
 */
export interface IHelmChartBuilder {
  /**
   * Creates the app's charts in `scope`: `new PatroniChart(scope, 'patroni', { namespace: context.namespace })`.
   * Called several times while the chart is written: build the same objects every time.
   */
  buildApp(scope: Construct, context: HelmBuildContext): void;
}

/**
 * What a `HelmChart` offers for one workload (a `MeshAwareDatabase`, or a `HeadlessStatefulService` of its own).
 */
export interface HelmWorkloadOptions {
  /** The workload's name (the StatefulSet's). */
  readonly name: string;

  /**
   * Its key in `values.yaml`.
   * @default - the name in camelCase (`search-cache` → `searchCache`)
   */
  readonly valuesKey?: string;

  /**
   * The numbers of pods the chart allows (the workload's own is always allowed).
   * @default - the chart's `replicaChoices`
   */
  readonly replicaChoices?: number[];

  /**
   * The resource presets the chart offers, besides `default` (the app's own resources).
   * @default - the chart's `resourcePresets`
   */
  readonly resourcePresets?: HelmResourcePreset[];

  /**
   * Whether the workload's settings are values at all; false keeps them as the app builds them.
   * @default true
   */
  readonly values?: boolean;
}

/**
 * Properties of a `HelmChart`.
 */
export interface HelmChartProps {
  /** The chart name (`Chart.yaml` `name`): lowercase letters, digits and '-'. */
  readonly name: string;

  /** The chart version, SemVer 2 (`Chart.yaml` `version`). */
  readonly version: string;

  /** The version of the app the chart deploys (`Chart.yaml` `appVersion`), e.g. the database image's. */
  readonly appVersion: string;

  /** Builds the app. */
  readonly builder: IHelmChartBuilder;

  /**
   * A one-line description (`Chart.yaml` `description`).
   * @default - the chart name and 'built with cdk8s-stateful-mesh'
   */
  readonly description?: string;

  /**
   * The Kubernetes versions the chart supports (`Chart.yaml` `kubeVersion`), e.g. '>=1.29.0-0'.
   * @default - none
   */
  readonly kubeVersion?: string;

  /**
   * The numbers of pods allowed for every workload (each workload's own number is always allowed too). A number the
   * workload refuses (an engine's quorum rule) is left out, unless a workload's `replicaChoices` names it.
   * @default [1, 3, 5]
   */
  readonly replicaChoices?: number[];

  /**
   * The resource presets offered for every workload, besides `default` (its own resources). A preset an engine refuses
   * (a memory limit below its minimum) is left out for that workload.
   * @default HelmResourcePreset.bitnamiPresets()
   */
  readonly resourcePresets?: HelmResourcePreset[];

  /**
   * Options per workload.
   * @default - every workload with the chart's choices
   */
  readonly workloads?: HelmWorkloadOptions[];

  /**
   * The most builds of the app one object may need: an object that depends on several values (a StatefulSet on its
   * replicas, resources and storage class) is built with every combination of them.
   * @default 512
   */
  readonly maxCombinations?: number;
}

/**
 * A release of a `HelmChart`: the namespace and values of `helm install -n <namespace> -f <values>`.
 */
export interface HelmReleaseOptions {
  /** The release namespace. */
  readonly namespace: string;

  /**
   * Values, as in a values file (merged over the chart's defaults).
   * @default - the defaults
   */
  readonly values?: { [key: string]: any };
}

const CHART_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const NAMESPACE_SENTINEL = { 1: 'zz0namespace1zz', 2: 'yy0ns2yy' } as const;

interface Model {
  readonly substitutions: Substitution[];
  readonly dimensions: Dimension[];
  readonly blocks: Map<string, string[]>;
}

interface Generated {
  readonly files: Map<string, string>;
  readonly model: Model;
  readonly builds: number;
}

/**
 * A Helm chart of a cdk8s app, written so that `helm install -n <namespace> -f <values>` renders, byte for byte, the
 * manifests `cdk8s synth` writes for the same namespace and settings (less the release namespace's own Namespace
 * object, which Helm owns).
 *
 * The chart is found by differential synthesis: the builder's app is synthesised with placeholder strings (for the
 * namespace, images, storage sizes and classes, values of your own), which the templates replace with the values'
 * expressions, and with each allowed number of pods and resource preset of each workload, which the templates choose
 * between (`{{- if eq (int .Values.pg.replicas) 5 }}`), object by object and line by line: whatever the constructs derive
 * from them (peer lists, quorum sizes, heap sizes, per-pod FQDNs) is computed by the constructs, never re-implemented
 * in templates.
 *
 * Each `MeshAwareDatabase` and each `HeadlessStatefulService` of the app gets values for replicas, image, resources
 * (`resourcesPreset`), storage size and storage class; `HelmBuildContext.value()` and `choice()` add your own.
 *
 * @see https://github.com/cdk8s-stateful-mesh/cdk8s-stateful-mesh/blob/main/docs/helm.md
 */
export class HelmChart {
  /** The chart name. */
  public readonly name: string;
  /** The chart version. */
  public readonly version: string;
  /** The app version. */
  public readonly appVersion: string;

  private generated?: Generated;
  private readonly cache = new Map<string, Synthesis | Error>();

  public constructor(private readonly props: HelmChartProps) {
    if (!CHART_NAME.test(props.name)) {
      throw new Error(`HelmChart: chart name '${props.name}' is not valid: use lowercase letters, digits and '-' (e.g. 'orders-db')`);
    }
    if (!SEMVER.test(props.version)) {
      throw new Error(`HelmChart ${props.name}: version '${props.version}' is not SemVer 2 (Helm requires it); use e.g. '0.1.0'`);
    }
    if (props.appVersion.trim() === '') {
      throw new Error(`HelmChart ${props.name}: appVersion is empty; set the version of what the chart deploys, e.g. the image tag`);
    }
    for (const n of props.replicaChoices ?? []) {
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(`HelmChart ${props.name}: replica choice ${n} is not a whole number of at least 1; list numbers of pods such as 1, 3, 5`);
      }
    }
    this.name = props.name;
    this.version = props.version;
    this.appVersion = props.appVersion;
  }

  /**
   * The chart's files, by path inside the chart directory: `Chart.yaml`, `values.yaml`, `values.schema.json`,
   * `templates/_helpers.tpl`, `templates/NOTES.txt`, and `templates/<chart>.yaml` for each cdk8s chart of the app.
   */
  public files(): { [path: string]: string } {
    return Object.fromEntries(this.generate().files);
  }

  /**
   * Writes the chart into `outdir` (the chart directory, e.g. `dist/charts/orders-db`), replacing the chart that is
   * there. Fails when `outdir` holds files but no `Chart.yaml` (it is not a chart's directory).
   */
  public synth(outdir: string): void {
    const files = this.generate().files;
    if (fs.existsSync(outdir) && fs.readdirSync(outdir).length > 0 && !fs.existsSync(path.join(outdir, 'Chart.yaml'))) {
      throw new Error(`HelmChart ${this.name}: ${outdir} holds files but no Chart.yaml, so it is not a chart's directory and is left alone; `
        + 'write the chart into an empty directory or over a chart');
    }
    fs.rmSync(outdir, { recursive: true, force: true });
    for (const [file, text] of files) {
      fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
      fs.writeFileSync(path.join(outdir, file), text);
    }
  }

  /** How many times the app was synthesised to write the chart. */
  public get builds(): number {
    return this.generate().builds;
  }

  /**
   * What the chart must render to for a release: the app synthesised directly (as `cdk8s synth` would) with the
   * release's namespace and values, by template path (`templates/<chart>.yaml`). A value the chart does not allow
   * fails, naming the allowed ones.
   */
  public manifestsFor(options: HelmReleaseOptions): { [template: string]: string } {
    const { model } = this.generate();
    const leaves = leavesOf(model);
    const values = merge(defaultsOf(leaves), options.values ?? {}, []);
    const assignment = model.dimensions.map(d => {
      const value = at(values, d.leaf.path);
      const found = d.caseOf(value);
      if (found === undefined) {
        throw new Error(`HelmChart ${this.name}: value ${d.leaf.path.join('.')} ${JSON.stringify(value)} is not allowed; allowed: `
          + `${d.labels.filter(l => l !== 'set').map(l => JSON.stringify(l)).join(', ')}${d.labels.includes('set') ? ' or any storage class name' : ''}`);
      }
      return found;
    });
    const text: TextOf = s => {
      const value = at(values, s.leaf!.path);
      const problem = leafProblem(s.leaf!, value);
      if (problem) {
        throw new Error(`HelmChart ${this.name}: value ${s.leaf!.path.join('.')} ${JSON.stringify(value)} ${problem}`);
      }
      return value as string;
    };
    const synthesis = this.synthesiseOnce(this.input(model, assignment, text, options.namespace));
    return Object.fromEntries(synthesis.files.map(f => [templatePath(f.name), joinDocuments(f.objects)]));
  }

  private input(model: Model, assignment: number[], text: TextOf, namespace: string): BuildInput {
    const builder = new InputBuilder(namespace);
    for (const s of model.substitutions) {
      s.apply?.(builder, text(s));
    }
    model.dimensions.forEach((d, i) => d.apply(builder, assignment[i], text));
    return builder.build();
  }

  private synthesiseOnce(input: BuildInput): Synthesis {
    const overrides = [...input.overrides].map(([where, o]) => [where, { ...o, claims: [...o.claims ?? []] }]);
    const key = JSON.stringify({ ...input, overrides, values: [...input.values] });
    let found = this.cache.get(key);
    if (found === undefined) {
      try {
        found = synthesise((scope, context) => this.props.builder.buildApp(scope, context), input,
          (declaration: DeclaredValue) => input.values.get(declaration.key) ?? declaration.defaultValue);
      } catch (e) {
        found = e instanceof Error ? e : new Error(String(e));
      }
      this.cache.set(key, found);
    }
    if (found instanceof Error) {
      throw found;
    }
    return found;
  }

  private generate(): Generated {
    if (this.generated) {
      return this.generated;
    }
    const name = this.name;
    const namespace: Substitution = {
      id: 'namespace',
      sentinel: set => NAMESPACE_SENTINEL[set],
      expression: '.Release.Namespace',
      scalar: `include "${name}.namespace" .`,
    };

    let discovery: Synthesis;
    try {
      discovery = this.synthesiseOnce({ namespace: NAMESPACE_SENTINEL[1], overrides: new Map(), values: new Map() });
    } catch (e) {
      throw new Error(`HelmChart ${name}: the app does not build: ${(e as Error).message}`);
    }

    // the candidate values, then those the app accepts
    const candidate = this.model(discovery, namespace, undefined);
    const reference = (model: Model) => model.dimensions.map(d => d.defaultCase);
    const textOf = (set: 1 | 2): TextOf => s => s.sentinel(set);
    const build = (model: Model, assignment: number[]) => this.synthesiseOnce(this.input(model, assignment, textOf(1), NAMESPACE_SENTINEL[1]));
    const refused = new Map<string, Set<number>>();
    candidate.dimensions.forEach((d, i) => {
      for (let c = 0; c < d.cases; c++) {
        if (c === d.defaultCase) {
          continue;
        }
        try {
          build(candidate, reference(candidate).map((r, j) => (j === i ? c : r)));
        } catch (e) {
          if (!d.defaulted) {
            throw new Error(`HelmChart ${name}: value ${d.id} ${JSON.stringify(d.labels[c])} does not build: ${(e as Error).message}`);
          }
          refused.set(d.id, new Set([...refused.get(d.id) ?? [], c]));
        }
      }
    });
    const allowed = this.model(discovery, namespace, refused);

    // the reference build, with both sets of placeholders: they must give the same templates
    let first: Synthesis;
    try {
      first = build(allowed, reference(allowed));
    } catch (e) {
      throw new Error(`HelmChart ${name}: the app does not build with placeholder values: ${(e as Error).message}`);
    }
    const second = this.synthesiseOnce(this.input(allowed, reference(allowed), textOf(2), NAMESPACE_SENTINEL[2]));
    const discoveryText = discovery.files.map(f => joinDocuments(f.objects)).join('\n');
    // the namespace's placeholder is the one the discovery build ran with
    for (const s of allowed.substitutions) {
      for (const set of [1, 2] as const) {
        if (discoveryText.includes(s.sentinel(set))) {
          throw new Error(`HelmChart ${name}: the app writes '${s.sentinel(set)}', a placeholder of the chart; rename it`);
        }
      }
    }
    checkSameTemplates(name, first, second, [namespace, ...allowed.substitutions]);

    // values that change nothing are no values: an image the app does not take, resources a StatefulSet gets elsewhere
    const firstText = first.files.map(f => joinDocuments(f.objects)).join('\n');
    const substitutions = allowed.substitutions.filter(s => !s.apply || firstText.includes(s.sentinel(1)));
    const ref = objectTexts(first);
    const singles = allowed.dimensions.map((d, i) => {
      const changed = new Set<string>();
      for (let c = 0; c < d.cases; c++) {
        if (c !== d.defaultCase) {
          const texts = objectTexts(build(allowed, reference(allowed).map((r, j) => (j === i ? c : r))));
          for (const key of new Set([...ref.keys(), ...texts.keys()])) {
            if (ref.get(key) !== texts.get(key)) {
              changed.add(key);
            }
          }
        }
      }
      return changed;
    });
    const kept = allowed.dimensions.map((_, i) => singles[i].size > 0);
    const model: Model = { substitutions, dimensions: allowed.dimensions.filter((_, i) => kept[i]), blocks: allowed.blocks };
    const dependsOn = singles.filter((_, i) => kept[i]);
    const buildFinal = (assignment: number[]) => build(model, assignment);
    const base = reference(model);
    const sentinels = sentinelTexts([namespace, ...substitutions], 1);
    // the self-check's value expressions: each renders as the placeholder the builds were made with
    const expressions = new Map<string, string>();
    for (const s of sentinels) {
      expressions.set(s.expression, s.sentinel);
      expressions.set(s.scalar, s.sentinel);
    }

    // conditions, recorded for the self-check
    const conditions = new Map<string, { dimension: number; cases: number[] }>();
    const choices: Choice[] = model.dimensions.map((d, i) => ({
      cases: d.cases,
      defaultCase: d.defaultCase,
      condition: (cases: number[]) => {
        const text = d.condition(cases);
        conditions.set(text, { dimension: i, cases });
        return text;
      },
    }));

    // every object: the values it depends on, and its text for each combination of them
    const files = new Map<string, string>();
    const built = new Map<string, number[]>();
    const record = (assignment: number[]) => {
      built.set(assignment.join(','), assignment);
      return buildFinal(assignment);
    };
    record(base);
    for (const file of first.files) {
      const order = objectOrder(file.name, model, base, dependsOn, record);
      const nodes: TemplateNode[] = [];
      order.forEach((key, position) => {
        const dims = model.dimensions.map((_, i) => i).filter(i => dependsOn[i].has(key));
        const combinations = dims.reduce((n, i) => n * model.dimensions[i].cases, 1);
        const limit = this.props.maxCombinations ?? 512;
        if (combinations > limit) {
          throw new Error(`HelmChart ${name}: ${key.split('|').slice(2).join(' ')} depends on ${dims.map(i => model.dimensions[i].id).join(', ')}: `
            + `${combinations} combinations, more than maxCombinations (${limit}); allow fewer replicaChoices or resourcePresets for it`);
        }
        const variants = combine(dims.map(i => model.dimensions[i].cases)).map(cases => {
          const assignment = base.map((b, i) => (dims.includes(i) ? cases[dims.indexOf(i)] : b));
          let synthesis: Synthesis;
          try {
            synthesis = record(assignment);
          } catch (e) {
            throw new Error(`HelmChart ${name}: the app does not build with ${dims.map((i, k) => `${model.dimensions[i].id}=${JSON.stringify(model.dimensions[i].labels[cases[k]])}`).join(', ')}: `
              + `${(e as Error).message}; allow fewer combinations (replicaChoices, resourcePresets)`);
          }
          const object = synthesis.files.find(f => f.name === file.name)?.objects.find(o => o.key === key);
          const lines = object ? [...position > 0 ? ['---\n'] : [], ...templateLines(object.text, sentinels)] : [];
          return { cases, lines };
        });
        nodes.push(...variantsTemplate(dims.map(i => choices[i]), variants));
      });
      const template = serialize(nodes);
      // self-check: the template renders every build it was made from, byte for byte
      for (const assignment of built.values()) {
        const rendered = evaluate(template, condition => {
          const c = conditions.get(condition);
          if (!c) {
            throw new Error(`HelmChart ${name}: unknown condition '${condition}'; this is a bug, please report it`);
          }
          return c.cases.includes(assignment[c.dimension]);
        }, action => expressions.get(action) ?? `{{ ${action} }}`);
        const expected = joinDocuments(buildFinal(assignment).files.find(f => f.name === file.name)?.objects ?? []);
        if (rendered !== expected) {
          throw new Error(`HelmChart ${name}: the template of ${file.name} does not render its build ${assignment.join(',')}; this is a bug, please report it`);
        }
      }
      files.set(templatePath(file.name), template);
    }

    const leaves = leavesOf(model);
    for (const leaf of leaves) {
      checkDefault(name, leaf);
    }
    const pinned = [...new Set(first.files.flatMap(f => f.objects.map(o => o.manifest?.metadata?.namespace)
      .filter((ns): ns is string => typeof ns === 'string' && ns !== NAMESPACE_SENTINEL[1])))].sort();
    const result = new Map<string, string>();
    result.set('Chart.yaml', chartYaml({
      name,
      version: this.version,
      appVersion: this.appVersion,
      kubeVersion: this.props.kubeVersion,
      description: this.props.description ?? `${name}, built with cdk8s-stateful-mesh`,
    }));
    result.set('values.yaml', valuesYaml([
      `Values of the ${name} chart. The release namespace (helm install -n <namespace>) is no value: every object and`,
      'every name derived from it (per-pod FQDNs, Service hosts, principals, namespace selectors) follows it.',
      'Names that per-pod DNS depends on and the mesh mode are no values either (docs/helm.md says why).',
    ], leaves, model.blocks));
    result.set('values.schema.json', valuesSchema(`Values of the ${name} chart`, leaves));
    result.set('templates/_helpers.tpl', helpersTpl(name, model.dimensions.flatMap(d => {
      const condition = d.validation();
      return condition ? [{ condition, message: `${d.leaf.path.join('.')} must be one of ${d.labels.join(', ')}` }] : [];
    })));
    result.set('templates/NOTES.txt', notesTxt(name, first.namespaceLabels, pinned));
    for (const [file, text] of files) {
      result.set(file, text);
    }
    // what the kept builds printed (the synth-time analysis' warnings), once, with the release namespace named so
    const printed = new Set([...this.cache.values()].flatMap(b => (b instanceof Error ? [] : b.messages)));
    for (const line of printed) {
      console.error(line.split(NAMESPACE_SENTINEL[1]).join('<release namespace>'));
    }
    this.generated = { files: result, model, builds: this.cache.size };
    return this.generated;
  }

  /** The values of the app: its workloads' and its own, `refused` cases left out. */
  private model(discovery: Synthesis, namespace: Substitution, refused: Map<string, Set<number>> | undefined): Model {
    const substitutions: Substitution[] = [];
    const dimensions: Dimension[] = [];
    const blocks = new Map<string, string[]>();
    let n = 1;
    const next = () => n++;
    const options = this.props.workloads ?? [];
    for (const o of options) {
      if (!discovery.workloads.some(w => w.name === o.name)) {
        throw new Error(`HelmChart ${this.name}: workloads names '${o.name}', which the app does not build (it builds: `
          + `${discovery.workloads.map(w => w.name).join(', ') || 'none'}); name one of them`);
      }
    }
    const keys = new Map<string, string>();
    for (const workload of discovery.workloads) {
      const option = options.find(o => o.name === workload.name);
      if (option?.values === false) {
        continue;
      }
      const key = option?.valuesKey ?? valuesKey(workload.name);
      if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) {
        throw new Error(`HelmChart ${this.name}: values key '${key}' of '${workload.name}' is not a camelCase name starting with a lowercase letter`);
      }
      if (keys.has(key)) {
        throw new Error(`HelmChart ${this.name}: workloads ${keys.get(key)} and ${workload.path} both get the values key '${key}'; `
          + `set valuesKey in workloads: [{ name: '${workload.name}', valuesKey: '...' }]`);
      }
      keys.set(key, workload.path);
      const statefulSet = discovery.files.flatMap(f => f.objects).map(o => o.manifest)
        .find(m => m?.kind === 'StatefulSet' && m.metadata?.name === workload.name && m.metadata?.namespace === workload.namespace);
      const replicaChoices = option?.replicaChoices ?? this.props.replicaChoices ?? [1, 3, 5];
      const presets = option?.resourcePresets ?? this.props.resourcePresets ?? HelmResourcePreset.bitnamiPresets();
      // a refused case is left out: replicas by their number, presets by their name (case 0 is `default`)
      const refusedReplicas = refused?.get(`${key}.replicas`) ?? new Set<number>();
      const refusedPresets = refused?.get(`${key}.resourcesPreset`) ?? new Set<number>();
      const counts = [...new Set([...replicaChoices, Number(statefulSet?.spec?.replicas ?? 1)])].sort((a, b) => a - b);
      const values = workloadValues(this.name, {
        workload,
        key,
        replicaChoices: counts.filter((_, c) => !refusedReplicas.has(c)),
        replicaChoicesDefaulted: option?.replicaChoices === undefined,
        presets: presets.filter((_, c) => !refusedPresets.has(c + 1)),
        presetsDefaulted: option?.resourcePresets === undefined,
        refusedReplicas: [...refusedReplicas].map(c => counts[c]),
        refusedPresets: [...refusedPresets].map(c => presets[c - 1].name),
        statefulSet,
      }, next);
      substitutions.push(...values.substitutions);
      dimensions.push(...values.dimensions);
      const where = workload.namespace === namespace.sentinel(1) ? 'in the release namespace' : `in namespace ${workload.namespace} (pinned)`;
      blocks.set(key, [`${key}: ${workload.description} (${workload.kind} ${workload.path}), ${where}.`]);
    }
    for (const declaration of discovery.declarations) {
      const top = declaration.key.split('.')[0];
      if (keys.has(top)) {
        throw new Error(`HelmChart ${this.name}: value ${declaration.key} collides with the values of ${keys.get(top)}; choose another key`);
      }
      if (!blocks.has(top)) {
        blocks.set(top, [`${top}: values of the app's own (HelmBuildContext.value() and choice()).`]);
      }
      const value = declaredValue(this.name, declaration, next());
      if ('sentinel' in value) {
        substitutions.push(value);
      } else {
        dimensions.push(value);
      }
    }
    return { substitutions, dimensions, blocks };
  }
}

/** `patroni.k8s.yaml` → `templates/patroni.yaml`. */
function templatePath(file: string): string {
  return `templates/${file.replace(/\.k8s\.yaml$/, '')}.yaml`;
}

/** Each object's text, by key. */
function objectTexts(synthesis: Synthesis): Map<string, string> {
  return new Map(synthesis.files.flatMap(f => f.objects.map(o => [o.key, o.text] as const)));
}

/** Every combination of case indices. */
function combine(sizes: number[]): number[][] {
  return sizes.reduce<number[][]>((all, size) => all.flatMap(prefix => Array.from({ length: size }, (_, c) => [...prefix, c])), [[]]);
}

/**
 * The objects of a file in every build with one value changed, in the reference build's order (an object that only some
 * builds write goes after the object it follows there).
 */
function objectOrder(file: string, model: Model, base: number[], dependsOn: Array<Set<string>>, build: (a: number[]) => Synthesis): string[] {
  const order = build(base).files.find(f => f.name === file)!.objects.map(o => o.key);
  model.dimensions.forEach((d, i) => {
    if (dependsOn[i].size === 0) {
      return;
    }
    for (let c = 0; c < d.cases; c++) {
      const keys = build(base.map((b, j) => (j === i ? c : b))).files.find(f => f.name === file)?.objects.map(o => o.key) ?? [];
      keys.forEach((key, k) => {
        if (!order.includes(key)) {
          order.splice(k === 0 ? 0 : order.indexOf(keys[k - 1]) + 1, 0, key);
        }
      });
    }
  });
  return order;
}

/** The two reference builds, with placeholder sets 1 and 2, must give the same templates: a value is used verbatim only. */
function checkSameTemplates(name: string, first: Synthesis, second: Synthesis, substitutions: Substitution[]): void {
  const lines = (synthesis: Synthesis, set: 1 | 2) => {
    const sentinels = sentinelTexts(substitutions, set);
    return synthesis.files.map(f => ({ name: f.name, objects: f.objects.map(o => templateLines(o.text, sentinels)) }));
  };
  const a = lines(first, 1);
  const b = lines(second, 2);
  a.forEach((file, i) => {
    file.objects.forEach((object, k) => {
      const other = b[i]?.objects[k];
      const differs = other === undefined ? 0 : object.findIndex((l, j) => l !== other[j]);
      if (other === undefined || differs >= 0 || object.length !== other.length) {
        const line = differs >= 0 ? object[differs] : object[other?.length ?? 0] ?? '';
        throw new Error(`HelmChart ${name}: ${file.name}, object ${k + 1}: a value is not used verbatim (the app computes something from the namespace, `
          + `an image, a size or a value of its own), at: ${line.trim()}; make it a choice (HelmBuildContext.choice()) or no value`);
      }
    });
  });
}

/** The placeholders of one set, each with the template actions that replace it. */
function sentinelTexts(substitutions: readonly Substitution[], set: 1 | 2): SentinelText[] {
  return substitutions.map(s => ({ sentinel: s.sentinel(set), expression: s.expression, scalar: s.scalar }));
}

function leavesOf(model: Model): ValueLeaf[] {
  const leaves: ValueLeaf[] = [];
  const seen = new Set<string>();
  for (const leaf of [...model.dimensions.map(d => d.leaf), ...model.substitutions.map(s => s.leaf).filter((l): l is ValueLeaf => l !== undefined)]) {
    const id = leaf.path.join('.');
    if (!seen.has(id)) {
      seen.add(id);
      leaves.push(leaf);
    }
  }
  // values.yaml lists each workload's values in one order: replicas, image, resources, persistence
  const rank = (leaf: ValueLeaf) => ['replicas', 'image', 'resourcesPreset', 'persistence'].indexOf(leaf.path[1]) * 10
    + ['size', 'storageClass'].indexOf(leaf.path[leaf.path.length - 1]);
  const firstAt = new Map<string, number>();
  leaves.forEach((l, i) => firstAt.set(l.path[0], Math.min(firstAt.get(l.path[0]) ?? i, i)));
  return leaves.map((leaf, i) => ({ leaf, i })).sort((x, y) => firstAt.get(x.leaf.path[0])! - firstAt.get(y.leaf.path[0])!
    || rank(x.leaf) - rank(y.leaf) || x.i - y.i).map(x => x.leaf);
}

function checkDefault(name: string, leaf: ValueLeaf): void {
  const problem = leafProblem(leaf, leaf.defaultValue);
  if (problem) {
    throw new Error(`HelmChart ${name}: the app's ${leaf.path.join('.')} ${JSON.stringify(leaf.defaultValue)} is not a value the chart's schema accepts: `
      + `it ${problem}; set it in the app to one that is (e.g. an image pinned by tag, a size such as 20Gi)`);
  }
}

function defaultsOf(leaves: ValueLeaf[]): Record<string, any> {
  const values: Record<string, any> = {};
  for (const leaf of leaves) {
    let node = values;
    leaf.path.slice(0, -1).forEach(segment => {
      node[segment] = node[segment] ?? {};
      node = node[segment];
    });
    node[leaf.path[leaf.path.length - 1]] = leaf.defaultValue;
  }
  return values;
}

/** Values merged as Helm merges a values file over the defaults: tables recursively, anything else replaced. */
function merge(defaults: Record<string, any>, given: Record<string, any>, where: string[]): Record<string, any> {
  const result: Record<string, any> = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults) && key !== 'global') {
      throw new Error(`value ${[...where, key].join('.')} is not a value of the chart (its values: ${Object.keys(defaults).join(', ')})`);
    }
    const isTable = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    result[key] = isTable(value) && isTable(defaults[key]) ? merge(defaults[key], value, [...where, key]) : value;
  }
  return result;
}

function at(values: Record<string, any>, valuePath: string[]): unknown {
  return valuePath.reduce<any>((node, segment) => (node === undefined || node === null ? undefined : node[segment]), values);
}
