import { IConstruct } from 'constructs';
import { MeshMode } from './mesh-mode';
import { MeshPort } from './mesh-port';
import { IMeshService } from './mesh-service';

/**
 * A set of pods the mesh policy applies to: how to select them, how they join the mesh, their identity,
 * their ports and the Services in front of them. `HeadlessStatefulService` is one.
 */
export interface IMeshWorkload extends IConstruct {
  /** The workload name. */
  readonly name: string;
  /** The namespace of the pods. */
  readonly namespace: string;
  /** Labels that select exactly these pods (a copy). */
  readonly selectorLabels: Record<string, string>;
  /** How the pods join the mesh; undefined when the namespace decides (then no policy can rely on it). */
  readonly meshMode?: MeshMode;
  /** The pods' service account: their mTLS identity. */
  readonly serviceAccountName?: string;
  /** The declared ports (a copy). */
  readonly ports: MeshPort[];
  /** The Services in front of the pods (headless first), a copy. */
  readonly services: IMeshService[];
}
