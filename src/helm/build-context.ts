/**
 * Options of a value of your own in a `HelmChart`.
 */
export interface HelmValueOptions {
  /**
   * What the value is for: the comment above it in `values.yaml`, and its `description` in `values.schema.json`.
   * @default - none
   */
  readonly description?: string;

  /**
   * A regular expression the value must match (the schema's `pattern`; write it so that both Go's RE2, which Helm
   * validates with, and ECMAScript read it the same: no look-arounds, no back-references). The value is written into the
   * manifests verbatim, so keep it to characters that leave a YAML scalar plain.
   * @default '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$'
   */
  readonly pattern?: string;
}

/** The pattern of a value when none is given: characters that never change how YAML quotes the string around them. */
export const DEFAULT_VALUE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$';

/** How a value of the user's own was declared. Not exported from the package. */
export interface DeclaredValue {
  readonly key: string;
  readonly defaultValue: string;
  /** The allowed values of a choice; undefined for a free string. */
  readonly choices?: string[];
  readonly options: HelmValueOptions;
}

/** Where a context takes the values of the user's own from. Not exported from the package. */
export interface ValueSource {
  /** The namespace the app is built for. */
  readonly namespace: string;
  /** The value for a declaration (its default, a sentinel, a choice, or a value the user gave). */
  resolve(declaration: DeclaredValue): string;
}

const KEY = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/;

/**
 * What a `HelmChart` hands its builder: the namespace to build the app for (the release namespace), and values of
 * your own. Build the app from these, not from literals, and the chart follows them: a chart whose namespace comes from
 * `namespace` lands in `helm install -n <namespace>`; a literal namespace stays pinned.
 *
 * While the chart is written, the builder runs several times, with a placeholder namespace, placeholder strings and
 * each allowed choice in turn, so it must build the same objects every time (no clock, no randomness) and use a value
 * only verbatim (a `choice()` may drive anything).
 */
export class HelmBuildContext {
  /**
   * A context for a plain synthesis (`cdk8s synth` of the same app): the given namespace, and each value of your own
   * from `values` (by key) or its default.
   *
   * @param namespace the namespace to build the app for
   * @param values values of your own, by key (`'orders.image'`)
   */
  public static plain(namespace: string, values: { [key: string]: string } = {}): HelmBuildContext {
    return new HelmBuildContext({
      namespace,
      resolve: declaration => {
        const given = values[declaration.key];
        if (given === undefined) {
          return declaration.defaultValue;
        }
        if (declaration.choices && !declaration.choices.includes(given)) {
          throw new Error(`value ${declaration.key} '${given}' is not one of its choices (${declaration.choices.join(', ')}); choose one of them`);
        }
        return given;
      },
    });
  }

  /** @internal */
  public static _of(source: ValueSource): HelmBuildContext {
    return new HelmBuildContext(source);
  }

  /**
   * The namespace to build the app for: the release namespace. Pass it to the charts (`new Chart(scope, id,
   * { namespace: context.namespace })`) and every object and every name derived from it (pod FQDNs, Service hosts,
   * principals, namespace selectors) follows `helm install -n`.
   */
  public readonly namespace: string;

  private readonly declarations = new Map<string, DeclaredValue>();

  private constructor(private readonly source: ValueSource) {
    this.namespace = source.namespace;
  }

  /**
   * A string value of your own, e.g. a client's image: `values.yaml` gets the default, the schema types it, and the
   * manifests get the value wherever the app writes the string this returns. Use it verbatim (in a name, an env value,
   * an image): a value the app computes something from cannot follow the values; make that a `choice()`.
   *
   * @param key the key in `values.yaml`, dotted for nesting: `'orders.image'`
   * @param defaultValue the default
   */
  public value(key: string, defaultValue: string, options: HelmValueOptions = {}): string {
    return this.declare({ key, defaultValue, options });
  }

  /**
   * A value of your own with a few allowed strings (the schema's `enum`): the app is built with each in turn, so the
   * choice may decide anything (a size, a flag, a whole object).
   *
   * @param key the key in `values.yaml`, dotted for nesting
   * @param choices the allowed values
   * @param defaultValue the default, one of `choices`
   */
  public choice(key: string, choices: string[], defaultValue: string, options: HelmValueOptions = {}): string {
    if (choices.length === 0 || new Set(choices).size !== choices.length) {
      throw new Error(`value ${key}: choices [${choices.join(', ')}] must be distinct and at least one; list each allowed value once`);
    }
    if (!choices.includes(defaultValue)) {
      throw new Error(`value ${key}: default '${defaultValue}' is not one of its choices (${choices.join(', ')}); add it, or choose one of them`);
    }
    return this.declare({ key, defaultValue, choices: [...choices], options });
  }

  /**
   * The values the builder declared, in order.
   * @internal
   */
  public _declarations(): DeclaredValue[] {
    return [...this.declarations.values()];
  }

  private declare(declaration: DeclaredValue): string {
    if (!KEY.test(declaration.key)) {
      throw new Error(`value key '${declaration.key}' is not valid: use camelCase names starting with a lowercase letter, dotted for nesting (e.g. 'orders.image')`);
    }
    const pattern = declaration.options.pattern ?? DEFAULT_VALUE_PATTERN;
    if (declaration.choices === undefined && !new RegExp(pattern).test(declaration.defaultValue)) {
      throw new Error(`value ${declaration.key}: default '${declaration.defaultValue}' does not match its pattern ${pattern}; change one of them`);
    }
    const earlier = this.declarations.get(declaration.key);
    if (earlier && JSON.stringify(earlier) !== JSON.stringify(declaration)) {
      throw new Error(`value ${declaration.key} is declared twice, differently; declare it once and reuse what it returns`);
    }
    this.declarations.set(declaration.key, declaration);
    return this.source.resolve(declaration);
  }
}
