/**
 * Pod anti-affinity between the pods of the StatefulSet.
 */
export enum PodAntiAffinity {
  /** Prefer to place pods on different nodes (`kubernetes.io/hostname`), but schedule them anyway. */
  PREFERRED = 'preferred',
  /** Never place two pods on the same node: with fewer nodes than replicas, some pods stay pending. */
  REQUIRED = 'required',
  /** No anti-affinity. */
  NONE = 'none',
}
