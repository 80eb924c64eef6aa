/**
 * The objects of an analysis' input, read generically: identity, metadata and small readers for untyped JSON.
 */

/** One object of the input, with the metadata every rule reads. */
export interface K8sObject {
  /** Position in the analysed list. */
  readonly index: number;
  readonly apiVersion: string;
  /** The API group: '' for core (`v1`). */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** The namespace as written; undefined when the object has none. */
  readonly writtenNamespace?: string;
  /** The namespace the object lands in: as written, else the default namespace. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly body: any;
  /** `<Kind> <namespace>/<name>`, or `<Kind> <name>` when no namespace is written. */
  readonly origin: string;
}


export function toObject(body: any, index: number, defaultNamespace: string): K8sObject | undefined {
  if (!isObject(body) || typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') {
    return undefined;
  }
  const metadata = isObject(body.metadata) ? body.metadata : {};
  const name = String(metadata.name ?? metadata.generateName ?? '');
  const writtenNamespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  const apiVersion: string = body.apiVersion;
  return {
    index,
    apiVersion,
    group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '',
    kind: body.kind,
    name,
    writtenNamespace,
    namespace: writtenNamespace ?? defaultNamespace,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    body,
    origin: `${body.kind} ${writtenNamespace ? `${writtenNamespace}/` : ''}${name}`,
  };
}

/** A port number from a number or a numeric string; undefined for names and garbage. */
export function toPortNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

export function stringMap(value: unknown): Record<string, string> {
  if (isObject(value) && Object.values(value).every(v => typeof v === 'string')) {
    return value as Record<string, string>; // read only, like the rest of the object: no copy
  }
  const out: Record<string, string> = {};
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && v !== undefined) {
        out[k] = String(v);
      }
    }
  }
  return out;
}

/** The words of a container's `command` and `args`, in that order (strings; other values and fields ignored). */
export function commandWords(container: any): string[] {
  return [container?.command, container?.args].flatMap(a => asArray(a).map(String));
}

/** `a.b.c` of an object; undefined when a step is missing. */
export function dig(value: any, path: string): any {
  let current = value;
  for (const step of path.split('.')) {
    if (!isObject(current)) {
      return undefined;
    }
    current = current[step];
  }
  return current;
}
