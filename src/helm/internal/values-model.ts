import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ClaimOverride, WorkloadOverride } from '../../private/helm-overrides';
import { DEFAULT_VALUE_PATTERN, DeclaredValue } from '../build-context';
import { DEFAULT_PRESET_NAME, HelmResourcePreset } from '../resource-preset';
import { BuildInput, FoundWorkload } from './synthesis';
import { Choice } from './template-text';

/**
 * The chart's values: each leaf of `values.yaml`, and what it does to a build of the app. A leaf is either a
 * *substitution* (a string the app writes verbatim: the build gets a placeholder, and the template the value's
 * expression) or a *dimension* (a few allowed values: the app is built with each, and the template chooses). Not exported
 * from the package.
 */

/** One leaf of `values.yaml`. */
export interface ValueLeaf {
  readonly path: string[];
  readonly defaultValue: string | number;
  /** The comment above it, one line per entry. */
  readonly comment: string[];
  /** Its JSON schema. */
  readonly schema: Record<string, unknown>;
}

/** The settings of one workload while a build's input is put together. */
interface MutableOverride {
  replicas?: number;
  image?: string;
  resources?: kplus.ContainerResources;
  readonly claims: Map<string, ClaimOverride>;
}

/** A build's input under construction. */
export class InputBuilder {
  private readonly overrides = new Map<string, MutableOverride>();
  private readonly values = new Map<string, string>();

  constructor(private readonly namespace: string) {}

  public workload(path: string): MutableOverride {
    let found = this.overrides.get(path);
    if (!found) {
      found = { claims: new Map() };
      this.overrides.set(path, found);
    }
    return found;
  }

  public claim(path: string, claim: string, change: ClaimOverride): void {
    const claims = this.workload(path).claims;
    claims.set(claim, { ...claims.get(claim), ...change });
  }

  public value(key: string, value: string): void {
    this.values.set(key, value);
  }

  public build(): BuildInput {
    const overrides = new Map<string, WorkloadOverride>();
    for (const [path, o] of this.overrides) {
      overrides.set(path, { replicas: o.replicas, image: o.image, resources: o.resources, claims: o.claims });
    }
    return { namespace: this.namespace, overrides, values: new Map(this.values) };
  }
}

/** The text of each substitution in a build: a placeholder (set 1 or 2) or the value a user gave. */
export type TextOf = (substitution: Substitution) => string;

/** A string the app writes verbatim. */
export interface Substitution {
  readonly id: string;
  /** The leaf; undefined for the release namespace, which is no value. */
  readonly leaf?: ValueLeaf;
  /** The template action inside a longer string. */
  readonly expression: string;
  /** The template action where it is a whole YAML scalar. */
  readonly scalar: string;
  /** Puts the text into the build; undefined when a dimension's case does (a storage class is set only in one case). */
  readonly apply?: (input: InputBuilder, text: string) => void;
  /** A placeholder no app writes by itself; sets 1 and 2 differ in length and content. */
  sentinel(set: 1 | 2): string;
}

/** A value with a few allowed values. */
export interface Dimension extends Choice {
  readonly id: string;
  readonly leaf: ValueLeaf;
  /** Each case as it reads in `values.yaml`. */
  readonly labels: Array<string | number>;
  /** True when the allowed values were chosen by the library (a case the app refuses is then dropped, not an error). */
  readonly defaulted: boolean;
  apply(input: InputBuilder, caseIndex: number, text: TextOf): void;
  /** The case of a value, or undefined when it is not allowed. */
  caseOf(value: unknown): number | undefined;
  /** A template action that fails on a value outside the cases (`helm install --skip-schema-validation`). */
  validation(): string | undefined;
}

/** The template expression of a values path: `.Values.pg.persistence.size`. */
export function valuesExpression(path: string[]): string {
  return `.Values.${path.join('.')}`;
}

/** `search-cache` → `searchCache`: a values key (a Go template field name). */
export function valuesKey(name: string): string {
  const key = name.replace(/[-_.]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^a-zA-Z0-9]/g, '');
  return /^[a-z]/.test(key) ? key : `v${key}`;
}

/** The image pattern of the schema: pinned by tag (not `latest`) or by sha256 digest (RE2 and ECMAScript alike). */
export const IMAGE_PATTERN = '^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*'
  + '(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$';

/** A size cdk8s writes exactly so (`Size.asString()`): a number without leading or trailing zeros, a binary unit. */
export const SIZE_PATTERN = '^([1-9][0-9]{0,14}(\\.[0-9]{0,5}[1-9])?|0\\.[0-9]{0,5}[1-9])(Ki|Mi|Gi|Ti|Pi)$';

/** A storage class name: a DNS subdomain (RFC 1123), or empty for the cluster's default. */
export const STORAGE_CLASS_PATTERN = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$';

/** The Size of a value matching `SIZE_PATTERN`. */
export function parseSize(value: string): Size {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|Pi)$/.exec(value);
  if (!m || !new RegExp(SIZE_PATTERN).test(value)) {
    throw new Error(`size '${value}' is not a quantity in Ki, Mi, Gi, Ti or Pi without leading or trailing zeros (e.g. 20Gi)`);
  }
  const amount = Number(m[1]);
  switch (m[2]) {
    case 'Ki': return Size.kibibytes(amount);
    case 'Mi': return Size.mebibytes(amount);
    case 'Gi': return Size.gibibytes(amount);
    case 'Ti': return Size.tebibytes(amount);
    default: return Size.pebibyte(amount);
  }
}

/** `Not offered (the app refuses them): nano, micro.` */
function notOffered(names: ReadonlyArray<string | number>): string[] {
  return names.length === 0 ? [] : [`Not offered (the app refuses ${names.length === 1 ? 'it' : 'them'}): ${names.join(', ')}.`];
}

/** Why a value does not match its leaf's schema (type, enum, pattern, not-pattern, length), or undefined. */
export function leafProblem(leaf: ValueLeaf, value: unknown): string | undefined {
  const schema = leaf.schema as { type?: string; enum?: unknown[]; pattern?: string; not?: { pattern?: string }; maxLength?: number };
  const typed = schema.type === 'integer' ? Number.isInteger(value) : typeof value === schema.type;
  if (!typed) {
    return `is not of type ${schema.type}`;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return `is not one of ${schema.enum.map(v => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      return `does not match ${schema.pattern}`;
    }
    if (schema.not?.pattern !== undefined && new RegExp(schema.not.pattern).test(value)) {
      return `matches ${schema.not.pattern}, which is refused`;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return `is longer than ${schema.maxLength} characters`;
    }
  }
  return undefined;
}

function quoted(value: string): string {
  return JSON.stringify(value);
}

/** What the chart offers for one workload. */
export interface WorkloadValues {
  readonly workload: FoundWorkload;
  readonly key: string;
  /** The allowed numbers of pods, smallest first, the workload's own among them. */
  readonly replicaChoices: number[];
  readonly replicaChoicesDefaulted: boolean;
  readonly presets: HelmResourcePreset[];
  readonly presetsDefaulted: boolean;
  /** Numbers of pods the app refuses (an engine's quorum rule), for the comments. */
  readonly refusedReplicas: number[];
  /** Names of presets the app refuses (a memory limit below its minimum), for the comments. */
  readonly refusedPresets: string[];
  /** The StatefulSet manifest of the discovery build. */
  readonly statefulSet: any;
}

/** The leaves, substitutions and dimensions of one workload. */
export function workloadValues(chartName: string, w: WorkloadValues, sentinelIndex: () => number)
  : { substitutions: Substitution[]; dimensions: Dimension[] } {
  const substitutions: Substitution[] = [];
  const dimensions: Dimension[] = [];
  const spec = w.statefulSet?.spec ?? {};
  const container = spec.template?.spec?.containers?.[0] ?? {};
  const replicas = Number(spec.replicas ?? 1);
  const where = w.workload.path;

  // replicas: every allowed count is built
  const counts = w.replicaChoices;
  const replicasPath = [w.key, 'replicas'];
  dimensions.push({
    id: replicasPath.join('.'),
    leaf: {
      path: replicasPath,
      defaultValue: replicas,
      comment: [`Pods: one of ${counts.join(', ')}. Everything derived from it (peer lists, quorum sizes, seeds) follows.`,
        ...notOffered(w.refusedReplicas)],
      schema: { type: 'integer', minimum: 1, enum: counts, description: `Pods of ${w.workload.description}` },
    },
    labels: counts,
    cases: counts.length,
    defaultCase: counts.indexOf(replicas),
    defaulted: w.replicaChoicesDefaulted,
    apply: (input, c) => {
      input.workload(where).replicas = counts[c];
    },
    condition: cases => `eq (int ${valuesExpression(replicasPath)}) ${cases.map(c => counts[c]).join(' ')}`,
    caseOf: value => (typeof value === 'number' && counts.includes(value) ? counts.indexOf(value) : undefined),
    validation: () => `has (int ${valuesExpression(replicasPath)}) (list ${counts.join(' ')})`,
  });

  // the image, written verbatim
  if (typeof container.image === 'string') {
    const imagePath = [w.key, 'image'];
    const n = sentinelIndex();
    substitutions.push({
      id: imagePath.join('.'),
      leaf: {
        path: imagePath,
        defaultValue: container.image,
        comment: ['The image, pinned by a tag or a sha256 digest (untagged and :latest images are refused).'],
        schema: { type: 'string', pattern: IMAGE_PATTERN, not: { pattern: ':latest$' }, description: `The image of ${w.workload.description}` },
      },
      sentinel: set => (set === 1 ? `helm-value.invalid/zz${n}image1zz:v1` : `sentinel.helm-value.invalid/yy${n}img2yy:t2`),
      expression: valuesExpression(imagePath),
      scalar: `include "${chartName}.scalar" ${valuesExpression(imagePath)}`,
      apply: (input, text) => {
        input.workload(where).image = text;
      },
    });
  }

  // resources: the app's own, or a preset
  const presetNames = [DEFAULT_PRESET_NAME, ...w.presets.map(p => p.name)];
  const presetPath = [w.key, 'resourcesPreset'];
  dimensions.push({
    id: presetPath.join('.'),
    leaf: {
      path: presetPath,
      defaultValue: DEFAULT_PRESET_NAME,
      comment: [
        `Container resources: "${DEFAULT_PRESET_NAME}" (the app's own: ${describeResources(container.resources)}), or a preset:`,
        ...w.presets.map(p => `  ${p.name}: ${describeResources(kubeResources(p.resources))}`),
        'Settings derived from the memory limit (heap, caches, quotas) follow it.',
        ...notOffered(w.refusedPresets),
      ],
      schema: { type: 'string', enum: presetNames, description: `Resources of the main container of ${w.workload.description}` },
    },
    labels: presetNames,
    cases: presetNames.length,
    defaultCase: 0,
    defaulted: w.presetsDefaulted,
    apply: (input, c) => {
      if (c > 0) {
        input.workload(where).resources = w.presets[c - 1].resources;
      }
    },
    condition: cases => `eq ${valuesExpression(presetPath)} ${cases.map(c => quoted(presetNames[c])).join(' ')}`,
    caseOf: value => (typeof value === 'string' && presetNames.includes(value) ? presetNames.indexOf(value) : undefined),
    validation: () => `has ${valuesExpression(presetPath)} (list ${presetNames.map(quoted).join(' ')})`,
  });

  // storage: size (verbatim) and class (set or not) of each volume claim
  const claims: any[] = spec.volumeClaimTemplates ?? [];
  for (const claim of claims) {
    const claimName: string = claim.metadata?.name;
    const base = claims.length === 1 ? [w.key, 'persistence'] : [w.key, 'persistence', valuesKey(claimName)];
    const sizePath = [...base, 'size'];
    const n = sentinelIndex();
    substitutions.push({
      id: sizePath.join('.'),
      leaf: {
        path: sizePath,
        defaultValue: String(claim.spec?.resources?.requests?.storage),
        comment: [`Storage per pod (volume claim '${claimName}'): a quantity in Ki, Mi, Gi, Ti or Pi, e.g. 20Gi.`],
        schema: { type: 'string', pattern: SIZE_PATTERN, description: `Storage per pod of ${w.workload.description}, claim '${claimName}'` },
      },
      sentinel: set => (set === 1 ? `${987650 + n}Gi` : `${41230 + n}Mi`),
      expression: valuesExpression(sizePath),
      scalar: valuesExpression(sizePath),
      apply: (input, text) => input.claim(w.workload.claimsPath, claimName, { storage: parseSize(text) }),
    });
    const classPath = [...base, 'storageClass'];
    const m = sentinelIndex();
    const storageClass: Substitution = {
      id: classPath.join('.'),
      leaf: {
        path: classPath,
        defaultValue: claim.spec?.storageClassName ?? '',
        comment: ['The storage class; "" for the cluster\'s default.'],
        schema: { type: 'string', pattern: STORAGE_CLASS_PATTERN, maxLength: 253, description: `Storage class of claim '${claimName}' of ${w.workload.description}` },
      },
      sentinel: set => (set === 1 ? `zz${m}class1zz` : `yy${m}storage2yy`),
      expression: valuesExpression(classPath),
      scalar: `include "${chartName}.scalar" ${valuesExpression(classPath)}`,
    };
    substitutions.push(storageClass);
    const isSet = claim.spec?.storageClassName !== undefined;
    dimensions.push({
      id: classPath.join('.'),
      leaf: storageClass.leaf!,
      labels: ['', 'set'],
      cases: 2,
      defaultCase: isSet ? 1 : 0,
      defaulted: false,
      apply: (input, c, text) => input.claim(w.workload.claimsPath, claimName, { storageClassName: c === 0 ? null : text(storageClass) }),
      condition: cases => (cases.length === 2 ? 'true' : cases[0] === 0 ? `not ${valuesExpression(classPath)}` : valuesExpression(classPath)),
      caseOf: value => (typeof value === 'string' ? (value === '' ? 0 : 1) : undefined),
      validation: () => undefined,
    });
  }
  return { substitutions, dimensions };
}

/** The substitution or dimension of a value of the user's own. */
export function declaredValue(chartName: string, declaration: DeclaredValue, n: number): Substitution | Dimension {
  const path = declaration.key.split('.');
  const pattern = declaration.options.pattern ?? DEFAULT_VALUE_PATTERN;
  const comment = declaration.options.description ? [declaration.options.description] : [];
  if (declaration.choices) {
    const choices = declaration.choices;
    return {
      id: declaration.key,
      leaf: {
        path,
        defaultValue: declaration.defaultValue,
        comment: [...comment, `One of: ${choices.join(', ')}.`],
        schema: { type: 'string', enum: choices, ...declaration.options.description ? { description: declaration.options.description } : {} },
      },
      labels: choices,
      cases: choices.length,
      defaultCase: choices.indexOf(declaration.defaultValue),
      defaulted: false,
      apply: (input: InputBuilder, c: number) => input.value(declaration.key, choices[c]),
      condition: cases => `eq ${valuesExpression(path)} ${cases.map(c => quoted(choices[c])).join(' ')}`,
      caseOf: value => (typeof value === 'string' && choices.includes(value) ? choices.indexOf(value) : undefined),
      validation: () => `has ${valuesExpression(path)} (list ${choices.map(quoted).join(' ')})`,
    };
  }
  return {
    id: declaration.key,
    leaf: {
      path,
      defaultValue: declaration.defaultValue,
      comment,
      schema: { type: 'string', pattern, ...declaration.options.description ? { description: declaration.options.description } : {} },
    },
    sentinel: set => (set === 1 ? `zz${n}value1zz` : `yy${n}userval2yy`),
    expression: valuesExpression(path),
    scalar: `include "${chartName}.scalar" ${valuesExpression(path)}`,
    apply: (input: InputBuilder, text: string) => input.value(declaration.key, text),
  };
}

/** Container resources as the manifest writes them (what the preset makes of them). */
function kubeResources(resources: kplus.ContainerResources): any {
  const cpu = resources.cpu;
  const memory = resources.memory;
  return {
    requests: { cpu: cpu?.request?.amount, memory: memory?.request?.asString() },
    limits: { cpu: cpu?.limit?.amount, memory: memory?.limit?.asString() },
  };
}

/** `requests 100m CPU, 128Mi memory; limits 150m CPU, 192Mi memory`. */
function describeResources(resources: any): string {
  if (!resources || (!resources.requests && !resources.limits)) {
    return 'none set';
  }
  const side = (name: string, r: any) => (r ? `${name} ${[r.cpu !== undefined ? `${r.cpu} CPU` : undefined, r.memory ? `${r.memory} memory` : undefined]
    .filter(x => x).join(', ')}` : undefined);
  return [side('requests', resources.requests), side('limits', resources.limits)].filter(x => x).join('; ');
}
