import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { VolumeClaimOptions } from '../headless-stateful-service';

/**
 * The code that reaches into cdk8s-plus-27 beyond its public API, kept in one file so that a later cdk8s-plus line is a
 * one-file change (the other two places are `MeshService._toKube()` and `MeshService._replaceSelector()`, which must be
 * members of that public class):
 * - `ClaimingStatefulSet` extends the internal `_toKube()` of `StatefulSet` with `volumeClaimTemplates`;
 * - `selectorLabels()` reads a selector through the internal `LabelSelector._toKube()`.
 */

/** The labels a cdk8s-plus pod selector matches (its `matchLabels`). */
export function selectorLabels(selector: kplus.IPodSelector): Record<string, string> {
  return selector.toPodSelectorConfig().labelSelector._toKube().matchLabels ?? {};
}

/** A per-pod volume claim and the containers that mount it. */
export interface VolumeClaim {
  readonly name: string;
  readonly options: VolumeClaimOptions;
  readonly mounts: Array<{ readonly container: kplus.Container; readonly mountPath: string }>;
}

/**
 * A cdk8s-plus StatefulSet that also renders per-pod volume claims (cdk8s-plus-27 has no `volumeClaimTemplates`).
 */
export class ClaimingStatefulSet extends kplus.StatefulSet {
  constructor(scope: Construct, id: string, props: kplus.StatefulSetProps, private readonly claims: VolumeClaim[]) {
    super(scope, id, props);
    this.node.addValidation({ validate: () => this.claimProblems() });
  }

  /**
   * @internal
   */
  public _toKube(): kplus.k8s.StatefulSetSpec {
    const spec = super._toKube();
    if (this.claims.length === 0) {
      return spec;
    }
    const podSpec = spec.template.spec!;
    const withMounts = (containers: kplus.k8s.Container[] | undefined, owners: kplus.Container[]) => containers?.map((c, i) => {
      const mounts = this.claims.flatMap(claim => claim.mounts
        .filter(m => m.container === owners[i])
        .map(m => ({ name: claim.name, mountPath: m.mountPath })));
      return mounts.length === 0 ? c : { ...c, volumeMounts: [...c.volumeMounts ?? [], ...mounts] };
    });
    return {
      ...spec,
      template: {
        ...spec.template,
        spec: {
          ...podSpec,
          containers: withMounts(podSpec.containers, this.containers)!,
          initContainers: withMounts(podSpec.initContainers, this.initContainers),
        },
      },
      volumeClaimTemplates: this.claims.map(claim => ({
        metadata: { name: claim.name },
        spec: {
          accessModes: claim.options.accessModes ?? [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
          storageClassName: claim.options.storageClassName,
          resources: { requests: { storage: kplus.k8s.Quantity.fromString(claim.options.storage.asString()) } },
        },
      })),
    };
  }

  private claimProblems(): string[] {
    const volumeNames = new Set([
      ...this.volumes.map(v => v.name),
      ...[...this.initContainers, ...this.containers].flatMap(c => c.mounts.map(m => m.volume.name)),
    ]);
    return this.claims.filter(c => volumeNames.has(c.name)).map(c =>
      `volume claim '${c.name}' has the name of a pod volume; rename the claim or the volume`);
  }
}
