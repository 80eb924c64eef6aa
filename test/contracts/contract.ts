/**
 * An engine contract: what a pinned image reads, requires, writes and advertises, taken from the image's own scripts
 * (and the engine's sources), each fact with its upstream source. `contracts.test.ts` holds every preset to its
 * contract: no env var the image does not read (dead or misspelled settings), every required one set, every path
 * the image writes writable under the read-only root filesystem, every advertised address a pod FQDN on the
 * headless Service.
 *
 * Contracts are data, one file per preset: `test/contracts/<preset id>.contract.ts`, exporting `CONTRACT`.
 */
export interface EngineContract {
  /** The preset's id in `test/support/presets.ts` (PRESETS). */
  readonly preset: string;
  /** The pinned image the facts are about: the preset's default image (or, without one, the image the docs recommend). */
  readonly image: string;
  /** Where the facts come from, by key: upstream repository + path + tag or commit, or a URL. */
  readonly sources: Readonly<Record<string, Source>>;
  /** Each container of the pod the preset writes (main, extra and init containers), by name. */
  readonly containers: ReadonlyArray<ContainerContract>;
  /** How peers find each other, in a sentence. */
  readonly discovery: Fact;
  /** What the contract could not confirm from sources (also stated on the preset's docs page). */
  readonly unconfirmed?: ReadonlyArray<string>;
}

/** A source of facts. */
export type Source =
  | { readonly repo: string; readonly path: string; readonly ref: string }
  | { readonly url: string };

/** A fact in our own words, and the key of its source in `EngineContract.sources`. */
export interface Fact {
  readonly note: string;
  readonly source: string;
}

/** The contract of one container of the pod. */
export interface ContainerContract {
  /** The container name, as the preset writes it. */
  readonly name: string;
  /** Env vars the image reads (its env script, entrypoint, setup and run scripts, the engine's launcher). */
  readonly reads: Readonly<Record<string, Fact>>;
  /** Env vars the image refuses to start without, given the preset's configuration. */
  readonly requires?: ReadonlyArray<string>;
  /**
   * Env vars the preset sets that the image does not read but the preset's own scripts, probes or other env values do
   * (e.g. `POD_NAME` for `$(POD_NAME)`, a ConfigMap start script's variables). The test checks each is referenced in
   * the container's command or args, a probe or lifecycle command, another env value, or a ConfigMap the pod mounts.
   */
  readonly ownVars?: Readonly<Record<string, string>>;
  /**
   * Absolute paths the image writes at start (files or directories), after symlinks are resolved. `persistent` marks
   * data that must outlive the pod: the innermost writable mount holding it must be a volume claim, not an emptyDir.
   */
  readonly writes: ReadonlyArray<{ readonly path: string; readonly persistent?: boolean } & Fact>;
  /**
   * Env vars that carry this pod's advertised address (`host`: the pod FQDN, possibly with a scheme, a prefix such as
   * `rabbit@` or a port) or the peers' addresses (`peers`: every listed host a pod FQDN on the headless Service).
   */
  readonly advertises?: ReadonlyArray<{
    readonly env: string;
    readonly kind: 'host' | 'peers';
    /** Set only with a preset option (e.g. announcing hostnames): checked where set, and it must be set in some variant. */
    readonly optional?: boolean;
  } & Fact>;
}
