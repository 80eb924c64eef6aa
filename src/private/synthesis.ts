import { IConstruct } from 'constructs';
import { fail } from './validation';

/**
 * Whether the app has written its manifests, so that a change made afterwards fails instead of being lost.
 *
 * `app.synth()` writes the manifests once; a port, client or Service added after it is in the constructs but in no
 * file. The constructs watch their app when they are created (`watchSynthesis`: `synth()` of that App instance marks it
 * once it has written the files) and refuse mutations on a marked app (`checkNotSynthesised`). `Testing.synth()`,
 * `chart.toJson()` and `app.synthYaml()` return the manifests to the caller, who can render again: they do not mark.
 *
 * The jsii runtimes (Python, Java, Go, .NET) call `App.synth` through its prototype, past the instance's wrapper: there
 * a late mutation is not detected. Not exported from the package.
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
      const result = original.apply(root, args);
      if (!root[SYNTHESISED]) {
        Object.defineProperty(root, SYNTHESISED, { value: true, enumerable: false });
      }
      return result;
    },
  });
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
