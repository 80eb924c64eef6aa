import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';

/**
 * The one hook between the workloads and `HelmChart`: while the chart is written (and when it synthesises the app with
 * given values), `HelmChart` builds the user's app several times, each time with other settings for the workloads it
 * exposes as values. It registers those settings here, for the app's root, by construct path; `MeshAwareDatabase` and
 * `HeadlessStatefulService` read them where they read their props, so every derived value (peer lists, quorum sizes,
 * heap sizes) is computed from them exactly as from props. An app that is not built by `HelmChart` has no settings:
 * the constructs read their props. Not exported from the package.
 */

/** The storage of one volume claim, as a Helm value sets it. */
export interface ClaimOverride {
  /** The size per pod. */
  readonly storage?: Size;
  /** The storage class; `null` for none (the cluster's default), even when the props name one. */
  readonly storageClassName?: string | null;
}

/** Settings of one workload (a `MeshAwareDatabase`, or a `HeadlessStatefulService`), replacing its props. */
export interface WorkloadOverride {
  /** The number of pods. */
  readonly replicas?: number;
  /** The image of the main container (a database's, or a StatefulSet's first container given in its props). */
  readonly image?: string;
  /** The resources of the main container. */
  readonly resources?: kplus.ContainerResources;
  /** Volume claims, by claim name. */
  readonly claims?: ReadonlyMap<string, ClaimOverride>;
}

const overridesByRoot = new WeakMap<IConstruct, ReadonlyMap<string, WorkloadOverride>>();

/** Registers the settings of an app's workloads, by construct path, before the app is built. */
export function registerOverrides(root: IConstruct, overrides: ReadonlyMap<string, WorkloadOverride>): void {
  overridesByRoot.set(root, overrides);
}

/** The settings `HelmChart` gives this workload, or undefined (the props decide). */
export function workloadOverride(scope: IConstruct): WorkloadOverride | undefined {
  return overridesByRoot.get(scope.node.root)?.get(scope.node.path);
}

/** The options of a volume claim with the settings `HelmChart` gives it, if any. */
export function claimOptions<T extends { readonly storage: Size; readonly storageClassName?: string }>(scope: IConstruct, name: string,
  options: T): T {
  const claim = workloadOverride(scope)?.claims?.get(name);
  if (claim === undefined) {
    return options;
  }
  return {
    ...options,
    storage: claim.storage ?? options.storage,
    storageClassName: claim.storageClassName === undefined ? options.storageClassName : claim.storageClassName ?? undefined,
  };
}

/** The containers of a StatefulSet's props, the first with the image and resources `HelmChart` gives it, if any. */
export function containerProps(scope: IConstruct, containers: kplus.ContainerProps[] | undefined): kplus.ContainerProps[] | undefined {
  const override = workloadOverride(scope);
  if (!containers || containers.length === 0 || (override?.image === undefined && override?.resources === undefined)) {
    return containers;
  }
  const [first, ...rest] = containers;
  return [{ ...first, image: override.image ?? first.image, resources: override.resources ?? first.resources }, ...rest];
}
