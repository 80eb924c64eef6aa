import { Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from './validation';
import { agreesWithCdk8s, fastYamlStringify } from './yaml';

/**
 * Whether the app has written its manifests, so that a change made afterwards fails instead of being lost.
 *
 * `app.synth()` writes the manifests once; a port, client or Service added after it is in the constructs but in no
 * file. The constructs watch their app when they are created (`watchSynthesis`: `synth()` of that App instance marks it
 * once it has written the files) and refuse mutations on a marked app (`checkNotSynthesised`). `Testing.synth()`,
 * `chart.toJson()` and `app.synthYaml()` return the manifests to the caller, who can render again: they do not mark.
 *
 * The same wrapper (and one of `synthYaml()`) serialises the manifests with `fastYamlStringify` (private/yaml.ts), which
 * writes the bytes cdk8s' `Yaml.stringify` writes in a fraction of its time: `Yaml.stringify` is swapped for it for the
 * duration of the call and restored after it.
 *
 * The jsii runtimes (Python, Java, Go, .NET) call `App.synth` through its prototype, past the instance's wrapper: there
 * a late mutation is not detected, and cdk8s serialises as usual. Not exported from the package.
 */

// Symbol.for: several copies of the library in one process (jsii bundles one per consumer) wrap the app once.
const WATCHED = Symbol.for('cdk8s-stateful-mesh.synthesis.watched');
const SYNTHESISED = Symbol.for('cdk8s-stateful-mesh.synthesis.done');

type Marks = { [WATCHED]?: boolean; [SYNTHESISED]?: boolean };

/** Makes `scope`'s app remember that its `synth()` has written the manifests. */
export function watchSynthesis(scope: IConstruct): void {
  const root = scope.node.root as unknown as Marks & { synth?: (...args: unknown[]) => unknown };
  const original = root.synth;
  if (root[WATCHED] || typeof original !== 'function') {
    return;
  }
  Object.defineProperty(root, WATCHED, { value: true, enumerable: false });
  Object.defineProperty(root, 'synth', {
    configurable: true,
    writable: true,
    value: (...args: unknown[]) => {
      const result = withFastYaml(() => original.apply(root, args));
      if (!root[SYNTHESISED]) {
        Object.defineProperty(root, SYNTHESISED, { value: true, enumerable: false });
      }
      return result;
    },
  });
  const synthYaml = (root as { synthYaml?: (...args: unknown[]) => unknown }).synthYaml;
  if (typeof synthYaml === 'function') {
    Object.defineProperty(root, 'synthYaml', {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => withFastYaml(() => synthYaml.apply(root, args)),
    });
  }
}

const FAST = Symbol.for('cdk8s-stateful-mesh.synthesis.fastYaml');

/** Runs `synthesise` with `Yaml.stringify` replaced by the faster emitter (when it agrees with cdk8s' own). */
function withFastYaml<T>(synthesise: () => T): T {
  const original = Yaml.stringify;
  if ((original as unknown as { [FAST]?: boolean })[FAST]) {
    return synthesise(); // nested: already swapped
  }
  const cdk8sStringify = (...docs: any[]) => original.apply(Yaml, docs);
  const fast = fastYamlStringify(cdk8sStringify);
  if (!agreesWithCdk8s(fast, cdk8sStringify)) {
    return synthesise();
  }
  Object.defineProperty(fast, FAST, { value: true });
  Yaml.stringify = fast;
  try {
    return synthesise();
  } finally {
    Yaml.stringify = original;
  }
}

/**
 * Fails when `scope`'s app has already written its manifests.
 *
 * @param change what the caller adds, for the message, e.g. `port 9187` or `client sa shop/orders`
 * @param method the method the user called, e.g. `addPort()`
 */
export function checkNotSynthesised(scope: IConstruct, change: string, method: string): void {
  if ((scope.node.root as unknown as Marks)[SYNTHESISED]) {
    fail(scope, `${method} adds ${change} after app.synth() wrote the manifests, so they lack it; call ${method} before app.synth()`);
  }
}
