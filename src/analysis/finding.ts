/**
 * How serious a finding is. Errors fail a synth and, by default, the `lint` command.
 */
export enum Severity {
  /** Traffic breaks, or the object does nothing of what it says. */
  ERROR = 'error',
  /** Likely wrong or ineffective; worth a look. */
  WARNING = 'warning',
  /** Deprecated or stylistic. */
  INFO = 'info',
}

/**
 * One problem the mesh analyzer found in one object.
 */
export interface Finding {
  /** The rule code, e.g. `SM102`. */
  readonly code: string;
  /** The rule's severity. */
  readonly severity: Severity;
  /**
   * One line naming the resource, the bad value and the fix, e.g.
   * `Service db/pg-headless: port 5432 has no Istio protocol (...); name it 'tcp-pg' or set appProtocol: tcp`.
   */
  readonly message: string;
  /** The kind of the object the finding is about. */
  readonly kind: string;
  /**
   * The namespace written on the object.
   * @default - the object has no namespace (cluster-scoped, or left to the one applying it)
   */
  readonly namespace?: string;
  /** The object's name. */
  readonly name: string;
  /** `<Kind> <namespace>/<name>`, or `<Kind> <name>` without namespace: the origin format of `istioctl analyze`. */
  readonly origin: string;
  /** The position of the object in the analysed list (0-based), to map the finding back to a file or construct. */
  readonly objectIndex: number;
  /**
   * The code of the `istioctl analyze` message this finding reproduces.
   * @default - no upstream analyzer reports it
   */
  readonly istioCode?: string;
  /**
   * Where in the object, e.g. `spec.ports[0]`.
   * @default - the object as a whole
   */
  readonly path?: string;
  /**
   * The path of the construct that produced the object, when the analysis ran at synth.
   * @default - not from a synth
   */
  readonly constructPath?: string;
  /**
   * Why the finding is suppressed; a suppressed finding neither fails a synth nor counts towards `--fail-on`.
   * @default - not suppressed
   */
  readonly suppressedReason?: string;
}

/**
 * What a rule checks.
 */
export interface RuleDescription {
  /** The stable code, e.g. `SM102`. */
  readonly code: string;
  /** The severity of its findings. */
  readonly severity: Severity;
  /** A short title, e.g. `port without Istio protocol`. */
  readonly title: string;
  /** What it checks and why, in a sentence or two. */
  readonly description: string;
  /**
   * The `istioctl analyze` message it reproduces.
   * @default - none
   */
  readonly istioCode?: string;
}

/**
 * A decision to accept the findings of one rule about one object (or all objects), with its reason.
 */
export interface Suppression {
  /** The rule code. */
  readonly code: string;
  /** Why the finding is acceptable; required and shown in reports. */
  readonly reason: string;
  /**
   * The kind of the object.
   * @default - any kind
   */
  readonly kind?: string;
  /**
   * The namespace of the object (as written on it, or the default namespace when it has none).
   * @default - any namespace
   */
  readonly namespace?: string;
  /**
   * The name of the object.
   * @default - any name
   */
  readonly name?: string;
}

/**
 * Options of an analysis.
 */
export interface AnalyzeOptions {
  /**
   * The mesh configuration (the `mesh` key of the `istio` ConfigMap, as an object): `rootNamespace`,
   * `defaultConfig.proxyMetadata` (DNS capture and auto-allocation) are read.
   *
   * @default - taken from an `istio` ConfigMap in `istio-system` among the manifests, else Istio's defaults
   */
  readonly meshConfig?: any;

  /**
   * Assume sidecar injection is enabled in namespaces whose Namespace object is not among the manifests.
   * Without it, such pods are of unknown mesh state, and rules that need "pods without a sidecar" stay quiet.
   *
   * @default false
   */
  readonly assumeInjection?: boolean;

  /**
   * The namespace of objects that have none (where `kubectl apply` would put them).
   * @default 'default'
   */
  readonly defaultNamespace?: string;

  /**
   * The cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * Hosts (FQDNs) of Services or ServiceEntries declared outside the analysed manifests, e.g. by another team or
   * chart: references to them are not reported as dangling.
   *
   * @default - none
   */
  readonly externalHosts?: string[];

  /**
   * The manifests are part of what the cluster runs (a repository, a chart, a folder per concern), not all of it: a
   * reference to an object that is not among them (a DestinationRule host) is reported only with evidence of a mistake,
   * such as a near-miss name. The `lint` command sets it unless `--complete` is given.
   *
   * @default false - the input is everything the references can point to (as at synth, where imported Services are `externalHosts`)
   */
  readonly partialInput?: boolean;

  /**
   * Findings to suppress, each with its reason. Objects can also carry the annotation
   * `lint.cdk8s-stateful-mesh.dev/suppress` (`SM102: reason` entries, separated by `;` or new lines).
   *
   * @default - none
   */
  readonly suppressions?: Suppression[];
}
