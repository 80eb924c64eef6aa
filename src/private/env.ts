import * as kplus from 'cdk8s-plus-27';

/** An environment variable as the container spec lists it. */
export interface EnvVarLike {
  readonly name: string;
  readonly value?: string;
}

/** A `$(VAR)` reference to a variable defined later in the same list. */
export interface ForwardEnvReference {
  /** The position of the variable that holds the reference. */
  readonly index: number;
  /** The variable that holds the reference. */
  readonly variable: string;
  /** The variable it refers to, defined after it. */
  readonly referenced: string;
}

/**
 * `$(VAR)` in an env value is expanded only when VAR is defined earlier in the same container; a reference to a
 * later variable stays literal text. `$$(VAR)` is an escaped, literal `$(VAR)`.
 */
export function forwardEnvReferences(vars: ReadonlyArray<EnvVarLike>): ForwardEnvReference[] {
  const firstIndex = new Map<string, number>();
  vars.forEach((v, i) => {
    if (!firstIndex.has(v.name)) {
      firstIndex.set(v.name, i);
    }
  });
  const found: ForwardEnvReference[] = [];
  vars.forEach((v, index) => {
    if (v.value === undefined || !v.value.includes('$(')) {
      return; // no reference (most values): skip the regex
    }
    for (const match of v.value.matchAll(/(\$*)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
      if (match[1].length % 2 === 1) {
        continue;
      }
      const definedAt = firstIndex.get(match[2]);
      if (definedAt !== undefined && definedAt > index) {
        found.push({ index, variable: v.name, referenced: match[2] });
      }
    }
  });
  return found;
}

/** `$(VAR)` references to variables defined later in the container, which Kubernetes leaves as literal text. */
export function envOrderProblems(container: kplus.Container): string[] {
  const vars = Object.entries(container.env.variables).map(([name, v]) => ({ name, value: v.value }));
  return forwardEnvReferences(vars).map(({ variable, referenced }) =>
    `container '${container.name}' env ${variable} uses $(${referenced}) but ${referenced} is defined after it, so Kubernetes keeps the literal text; `
    + `define ${referenced} first`);
}
