/**
 * How many pods voluntary disruptions (node drains, upgrades) may take down at once.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
 */
export class DisruptionBudget {
  /** At most `pods` pods may be unavailable. */
  public static maxUnavailable(pods: number): DisruptionBudget {
    return new DisruptionBudget(pods, undefined);
  }

  /** At least `pods` pods must stay available; must be fewer than the replicas, or no node could ever be drained. */
  public static minAvailable(pods: number): DisruptionBudget {
    return new DisruptionBudget(undefined, pods);
  }

  /** No PodDisruptionBudget. */
  public static none(): DisruptionBudget {
    return new DisruptionBudget(undefined, undefined);
  }

  private constructor(
    /** The `maxUnavailable` pods, if set. */
    public readonly maxUnavailablePods?: number,
    /** The `minAvailable` pods, if set. */
    public readonly minAvailablePods?: number,
  ) {}
}
