import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { unpinnedImageError } from './validation';
import { IEngineTarget } from '../database-engine';

/**
 * Shared knowledge about Bitnami images, used by the presets that run them (not exported from the package).
 *
 * - Bitnami images run as UID 1001 (Dockerfile `USER 1001`); the charts set `runAsUser`/`runAsGroup`/`fsGroup` 1001.
 * - From 2025-08-28 the versioned tags left `docker.io/bitnami/*` for `docker.io/bitnamilegacy/*`, which gets no
 *   updates (bitnami/containers#83267, bitnami/charts#35164, bitnami/charts PR #36559).
 */
export const BITNAMI_UID = 1001;

/** The pod security context every Bitnami preset uses. */
export const BITNAMI_POD_SECURITY: kplus.PodSecurityContextProps = { user: BITNAMI_UID, group: BITNAMI_UID, fsGroup: BITNAMI_UID };

/** The container security context every Bitnami container uses (cdk8s-plus adds non-root, read-only root fs, no escalation). */
export const BITNAMI_CONTAINER_SECURITY: kplus.ContainerSecurityContextProps = { user: BITNAMI_UID, group: BITNAMI_UID };

/** The Kubernetes >= 1.28 pod label carrying a StatefulSet pod's ordinal (downward API). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** Timings of a probe, in seconds. */
export interface ProbeTimings {
  readonly initialDelay: number;
  readonly period: number;
  readonly timeout: number;
  readonly failureThreshold: number;
}

/** An exec probe running `script` with `sh -c` inside the container (so it sees the container's environment). */
export function shellProbe(script: string, timings: ProbeTimings): kplus.Probe {
  return kplus.Probe.fromCommand(['sh', '-c', script], probeOptions(timings));
}

/** A TCP probe on a port. */
export function tcpProbe(port: number, timings: ProbeTimings): kplus.Probe {
  return kplus.Probe.fromTcpSocket({ port, ...probeOptions(timings) });
}

function probeOptions(timings: ProbeTimings): kplus.ProbeOptions {
  return {
    initialDelaySeconds: Duration.seconds(timings.initialDelay),
    periodSeconds: Duration.seconds(timings.period),
    timeoutSeconds: Duration.seconds(timings.timeout),
    failureThreshold: timings.failureThreshold,
  };
}

/**
 * The command that runs `prelude` (shell lines that export per-pod values) and then hands over to the image's own
 * entrypoint, e.g. `/opt/bitnami/scripts/kafka/entrypoint.sh /opt/bitnami/scripts/kafka/run.sh`.
 */
export function wrapEntrypoint(prelude: string, entrypoint: string): string[] {
  return ['/bin/bash', '-ec', `${prelude}\nexec ${entrypoint}`];
}

/**
 * Refuses an image reference that is not pinned (no tag, `:latest`), for images a preset takes as an option.
 */
export function checkPinnedImage(owner: string, option: string, image: string): void {
  const problem = unpinnedImageError(image, `option ${option}`);
  if (problem) {
    throw new Error(`${owner}: ${problem}`);
  }
}

/**
 * Copies directories the image ships (e.g. `/opt/bitnami/kafka/config`) into the writable scratch sub-paths that the
 * database mounts over them, with an init container running the same image: with a read-only root filesystem those
 * directories must be writable, and an empty mount would hide the files the image's setup script starts from.
 * Each path must be one of the engine's `writablePaths` (already mounted on the main container).
 */
export function seedWritablePaths(target: IEngineTarget, paths: string[]): kplus.Container {
  const mounts = target.container.mounts;
  const seed = target.workload.statefulSet.addInitContainer({
    name: 'seed-writable-dirs',
    image: target.container.image,
    securityContext: BITNAMI_CONTAINER_SECURITY,
    command: ['/bin/sh', '-ec', paths.map(p => `cp -a ${p}/. /seed${p}/`).join('\n')],
    resources: {
      cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(200) },
      memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) },
    },
  });
  for (const path of paths) {
    const mount = mounts.find(m => m.path === path);
    if (!mount) {
      throw new Error(`seedWritablePaths: '${path}' is not a writable path of container '${target.container.name}'; add it to writablePaths`);
    }
    seed.mount(`/seed${path}`, mount.volume, { subPath: mount.subPath });
  }
  return seed;
}
