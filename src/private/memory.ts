import { SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { fail } from './validation';

/**
 * Memory-derived engine settings: heaps, caches and quotas computed from the container's memory limit, so that an
 * engine never sizes itself from the node's RAM (which a container cannot use) and a smaller limit gives smaller
 * settings. Not exported from the package.
 */

/** How an engine derives a size from the container's memory limit. */
export interface MemoryShare {
  /** What is sized, for messages: `the JVM heap (MAX_HEAP_SIZE)`. */
  readonly what: string;
  /** The share of the limit, 0 < ratio <= 1. */
  readonly ratio: number;
  /** Subtracted from the limit before the share is taken (e.g. MongoDB's 1 GiB), in MiB. */
  readonly reserveMiB?: number;
  /** The result is never above this, in MiB. */
  readonly maxMiB?: number;
  /**
   * The result is never below `min(limit × atLeast.ratio, atLeast.maxMiB)`: for formulas that take the larger of two
   * capped shares, e.g. Cassandra's `max(min(1/2 RAM, 1 GiB), min(1/4 RAM, 8 GiB))`.
   */
  readonly atLeast?: { readonly ratio: number; readonly maxMiB: number };
  /** The result is never below this, in MiB (e.g. MongoDB's 256 MB cache floor). */
  readonly minMiB?: number;
  /** The smallest memory limit the engine starts with, in MiB: below it the configuration is refused. */
  readonly minLimitMiB: number;
  /** Where the ratio and the minimum come from (a source the reader can open). */
  readonly source: string;
}

/** The memory limit of a container's resources, in MiB; undefined when it has none. */
export function memoryLimitMiB(resources: kplus.ContainerResources | undefined): number | undefined {
  const limit = resources?.memory?.limit;
  return limit === undefined ? undefined : limit.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
}

/**
 * `share` of the container's memory limit, in whole MiB. Fails, naming the engine, the limit, the minimum and the fix,
 * when the container has no memory limit or one too small for the engine to start.
 */
export function sizeFromLimit(scope: IConstruct, engine: string, resources: kplus.ContainerResources | undefined, share: MemoryShare): number {
  const limit = memoryLimitMiB(resources);
  if (limit === undefined) {
    fail(scope, `${engine}: the container has no memory limit, so ${share.what} cannot be sized from it (unsized, the engine takes its own `
      + `default or the node's memory, which the container may not have); set resources.memory.limit (at least ${formatMiB(share.minLimitMiB)})`);
  }
  if (limit < share.minLimitMiB) {
    fail(scope, `${engine}: memory limit ${formatMiB(limit)} is below the engine's minimum of ${formatMiB(share.minLimitMiB)} (${share.source}); `
      + `raise resources.memory.limit to ${formatMiB(share.minLimitMiB)} or more`);
  }
  const sized = Math.floor((limit - (share.reserveMiB ?? 0)) * share.ratio);
  const capped = share.maxMiB === undefined ? sized : Math.min(sized, share.maxMiB);
  const floor = share.atLeast === undefined ? 0 : Math.min(Math.floor(limit * share.atLeast.ratio), share.atLeast.maxMiB);
  return Math.max(share.minMiB ?? 1, capped, floor);
}

/**
 * Fails, naming the option, its value, the limit and the fix, when a size the user gave (`option`, `sizeMiB`) is
 * more than `share.ratio` of the container's memory limit (or the container has no memory limit): for options that
 * bypass `sizeFromLimit`, such as an explicit heap size.
 */
export function checkAgainstLimit(scope: IConstruct, engine: string, resources: kplus.ContainerResources | undefined, option: string,
  value: string, sizeMiB: number, share: MemoryShare): void {
  const limit = memoryLimitMiB(resources);
  if (limit === undefined) {
    fail(scope, `${engine}: ${option} '${value}' cannot be checked against the container's memory limit, which is not set; `
      + `set resources.memory.limit (at least ${formatMiB(Math.ceil(sizeMiB / share.ratio))} for this ${option})`);
  }
  const allowed = Math.floor(limit * share.ratio);
  if (sizeMiB > allowed) {
    fail(scope, `${engine}: ${option} '${value}' (${formatMiB(sizeMiB)}) is more than ${share.what} may take of the ${formatMiB(limit)} memory limit `
      + `(${Math.round(share.ratio * 100)}%, ${formatMiB(allowed)}; ${share.source}); lower ${option} to ${formatMiB(allowed)} or less, `
      + `or raise resources.memory.limit to ${formatMiB(Math.ceil(sizeMiB / share.ratio))}`);
  }
}

/** A whole number of MiB in bytes, for settings that take bytes. */
export function mibToBytes(mib: number): number {
  return mib * 1024 * 1024;
}

/** `512Mi`, `2Gi`, `1536Mi`. */
export function formatMiB(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
