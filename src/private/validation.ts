import { IConstruct } from 'constructs';
import { ISTIO_RESERVED_PORTS } from './istio-constants';

/** Kubernetes refuses to create pods for a StatefulSet whose name is longer (kubernetes/kubernetes#64023). */
export const MAX_STATEFUL_SET_NAME = 52;

const RFC_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Where an error happened: a construct, or the path of one not constructed yet. */
export type Where = IConstruct | string;

/** The construct path of the child `id` of `scope`, for errors raised before the child exists. */
export function childPath(scope: IConstruct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Throws an error whose message starts with the construct path, as every error of this library does. */
export function fail(where: Where, message: string): never {
  throw new Error(`${typeof where === 'string' ? where : where.node.path}: ${message}`);
}

/** Explains why `value` is not an RFC 1035 label (Service names), or returns undefined when it is one. */
export function rfc1035LabelProblem(value: string): string | undefined {
  if (value.length === 0) {
    return 'is empty';
  }
  if (value.length > 63) {
    return `is ${value.length} characters long (at most 63)`;
  }
  if (!RFC_1035_LABEL.test(value)) {
    return 'must consist of lowercase letters, digits and \'-\', start with a letter and end with a letter or digit';
  }
  return undefined;
}

/** Explains why `value` is not an RFC 1123 label (namespaces, DNS labels), or returns undefined. */
export function rfc1123LabelProblem(value: string): string | undefined {
  if (value.length === 0) {
    return 'is empty';
  }
  if (value.length > 63) {
    return `is ${value.length} characters long (at most 63)`;
  }
  if (!RFC_1123_LABEL.test(value)) {
    return 'must consist of lowercase letters, digits and \'-\', and start and end with a letter or digit';
  }
  return undefined;
}

/** Explains why `value` is not a valid Kubernetes port name (IANA_SVC_NAME, RFC 6335), or returns undefined. */
export function portNameProblem(value: string): string | undefined {
  if (value.length > 15) {
    return `is ${value.length} characters long (a port name has at most 15)`;
  }
  if (!IANA_SVC_NAME.test(value) || value.includes('--')) {
    return 'must consist of lowercase letters, digits and single \'-\', and start and end with a letter or digit';
  }
  if (!/[a-z]/.test(value)) {
    return 'must contain at least one letter';
  }
  return undefined;
}

/**
 * Explains why `name` is not an RFC 1123 subdomain (dot-separated RFC 1123 labels, at most 253 characters: the names of
 * most Kubernetes objects, ServiceAccounts among them; a cluster domain too), or returns undefined.
 */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 253) {
    return `must be 1 to 253 characters long (is ${name.length})`;
  }
  for (const label of name.split('.')) {
    const problem = rfc1123LabelProblem(label);
    if (problem) {
      return `has a label '${label}' that ${problem}`;
    }
  }
  return undefined;
}

/** Explains why `port` is not usable by an application in the mesh, or returns undefined. */
export function portNumberProblem(port: number): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return 'is not a port number (an integer from 1 to 65535)';
  }
  if (ISTIO_RESERVED_PORTS.includes(port)) {
    return `is reserved by the Istio proxy (${ISTIO_RESERVED_PORTS.join(', ')})`;
  }
  return undefined;
}

/** Explains why an image reference is not pinned (no tag, or `:latest`, and no digest), or returns undefined. */
export function unpinnedImageProblem(image: string): string | undefined {
  const digest = /@sha256:[a-f0-9]{64}$/.test(image);
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  if (digest || (tag !== undefined && tag !== '' && tag !== 'latest')) {
    return undefined;
  }
  return `is not pinned (${tag === 'latest' ? ':latest' : 'no tag'})`;
}

/**
 * The one check for pinned images, for a database's image and every container of a StatefulSet: explains why `image`
 * is refused (with the fix), or returns undefined when it is pinned.
 *
 * @param owner what runs the image, e.g. `container 'web'`; the message reads `image '<image>' of <owner> ...`
 */
export function unpinnedImageError(image: string, owner?: string): string | undefined {
  const problem = unpinnedImageProblem(image);
  if (problem === undefined) {
    return undefined;
  }
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  const repository = (tagAt < 0 ? image : image.slice(0, tagAt)).replace(/@.*$/, '');
  return `image '${image}'${owner ? ` of ${owner}` : ''} ${problem}: a restart could run another version; pin a version tag or a digest, `
    + `e.g. '${repository}:<version>' or '${repository}@sha256:<digest>'`;
}

/** Explains why `replicas` is not a number of pods (a whole number of at least 1), with the fix, or returns undefined. */
export function replicasError(replicas: number): string | undefined {
  return Number.isInteger(replicas) && replicas >= 1
    ? undefined
    : `replicas ${replicas} is not a whole number of at least 1; set replicas: 1 or more`;
}
