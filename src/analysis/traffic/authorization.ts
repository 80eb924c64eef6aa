import { SelectorIndex } from './selector-index';
import { DEFAULT_TRUST_DOMAIN, WAYPOINT_GATEWAY_CLASS } from '../../private/istio-constants';
import { Inventory, Workload } from '../inventory';
import { asArray, isObject, K8sObject, stringMap } from '../objects';

/**
 * Where a policy is enforced, which decides what it can see:
 * - `sidecar-tcp` / `sidecar-http`: the destination's sidecar, on a port it treats as TCP or as HTTP;
 * - `ztunnel`: the destination's ztunnel (ambient), L4 only;
 * - `waypoint`: a waypoint proxy (`targetRefs` policies), L7.
 */
export type Enforcer = 'sidecar-tcp' | 'sidecar-http' | 'ztunnel' | 'waypoint';

/** What a policy can match about one connection. */
export interface Connection {
  /** The peer's principal; only with mTLS or HBONE (istio/api `authorization_policy.proto`: "This field requires mTLS enabled"). */
  readonly principal?: string;
  /** The peer's namespace, likewise. */
  readonly namespace?: string;
  /** The source IP when the model knows it (istio-cni's link-local address for ambient kubelet probes). */
  readonly sourceIp?: string;
  /** The destination (container) port. */
  readonly port: number;
  /**
   * The mesh's trust domain, then its aliases (`meshConfig.trustDomainAliases`), for the principal rewriting Envoy does.
   * @default - the principals of the policies are matched as written
   */
  readonly trustDomains?: ReadonlyArray<string>;
}

/** The outcome of authorization for one connection. */
export interface AuthorizationResult {
  readonly allowed: boolean;
  /** The policy that decided: the matching DENY, the matching ALLOW, or (denied) the first ALLOW policy that applies. */
  readonly decidedBy?: K8sObject;
  /** Why, in a clause: `no rule of its admits plaintext connections (principals need mTLS)`. */
  readonly reason: string;
}

/** An AuthorizationPolicy, read. */
interface Policy {
  readonly object: K8sObject;
  readonly action: string;
  readonly selector?: Readonly<Record<string, string>>;
  readonly targetRefs: ReadonlyArray<{ readonly group: string; readonly kind: string; readonly name: string }>;
  readonly rules: ReadonlyArray<any>;
}

/** The scope under which root-namespace policies are indexed: they select pods of every namespace. */
const ROOT_SCOPE = '\u0000root';

/** Source fields that match only HTTP requests; they cannot be checked on a TCP connection. */
const L7_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
/** Operation fields that match only HTTP requests. */
const L7_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
/** Source fields that need the peer's mTLS identity. */
const IDENTITY_FIELDS = ['principals', 'namespaces', 'serviceAccounts'];
/** `when` keys that a connection carries (istio/istio 1.30.3 `pilot/pkg/serviceregistry/ambient/authorization.go`, `l4WhenAttributes`). */
const L4_WHEN_KEYS = ['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port'];

/**
 * AuthorizationPolicies indexed by namespace, evaluated the way Istio does (istio/api 1.30.3
 * `security/v1beta1/authorization_policy.proto`, "CUSTOM, DENY, ALLOW"): a matching DENY denies; with no ALLOW
 * policy the connection is allowed; with ALLOW policies one of them must match.
 *
 * - Which policies apply: those of the root namespace and of the workload's namespace, namespace-wide or with a
 *   selector the pod labels satisfy (a root-namespace selector matches in every namespace); `targetRef(s)` policies
 *   are ignored by sidecars and ztunnel and apply only at waypoints (istio/istio 1.30.3
 *   `pilot/pkg/model/authorization.go`, `pilot/pkg/model/policyattachment.go`: "if targetRef is specified, ignore the
 *   policy altogether").
 * - Rules: `spec: {}` denies everything; a rule's `from`, `to`, `when` are ANDed, list entries ORed, fields of one
 *   source or operation ANDed (`authorization_policy.proto`).
 * - Identity fields (`principals`, `namespaces`, `serviceAccounts` and their `not` forms) need mTLS: on a plaintext
 *   connection the peer has no principal, so they never match (and their `not` forms always do).
 * - HTTP-only fields: on a sidecar TCP port an ALLOW rule using one never matches and a DENY rule ignores it, which
 *   widens it (istio/istio 1.30.3 `pilot/pkg/security/authz/model/model.go`); in ztunnel an ALLOW rule with one is
 *   removed, and a DENY clause left with only HTTP parts never matches (`ambient/authorization.go` `handleRule`;
 *   istio/ztunnel 1.30.3 `src/rbac.rs`, "empty clause"; istio/istio#61126); ztunnel also drops CUSTOM and AUDIT
 *   policies. A waypoint or an HTTP port evaluates them per request: the model counts such a rule as matching some
 *   requests (ALLOW) or not the connection as a whole (DENY), and says so.
 */
export class AuthorizationIndex {
  private readonly byNamespace = new Map<string, Policy[]>();
  /** Policies sidecars and ztunnel enforce (no targetRefs), by selector; root-namespace ones under ROOT_SCOPE. */
  private readonly bySelector = new SelectorIndex<Policy>();
  /** targetRefs policies by `<namespace>/<kind>/<name>` of what they are bound to. */
  private readonly byTarget = new Map<string, Policy[]>();
  /** Whether each rule uses HTTP-only fields, by rule object. */
  private readonly l7Rules = new WeakMap<object, boolean>();

  /** @param trustDomains the mesh's trust domain, then its aliases */
  constructor(private readonly inv: Inventory, private readonly trustDomains: ReadonlyArray<string> = []) {
    for (const object of inv.ofKind('AuthorizationPolicy', 'security.istio.io')) {
      const spec = isObject(object.body.spec) ? object.body.spec : {};
      const refs = [...asArray(spec.targetRefs), ...(isObject(spec.targetRef) && asArray(spec.targetRefs).length === 0 ? [spec.targetRef] : [])]
        .filter(isObject)
        .map(r => ({ group: String(r.group ?? ''), kind: String(r.kind ?? ''), name: String(r.name ?? '') }));
      const selector = isObject(spec.selector) && isObject(spec.selector.matchLabels) && Object.keys(spec.selector.matchLabels).length > 0
        ? stringMap(spec.selector.matchLabels) : undefined;
      const policy: Policy = { object, action: String(spec.action ?? 'ALLOW'), selector, targetRefs: refs, rules: asArray(spec.rules) };
      const list = this.byNamespace.get(object.namespace) ?? [];
      list.push(policy);
      this.byNamespace.set(object.namespace, list);
      if (refs.length === 0) {
        this.bySelector.add(object.namespace === inv.rootNamespace ? ROOT_SCOPE : object.namespace,
          selector ? { matchLabels: selector } : undefined, policy);
      }
      for (const ref of refs) {
        const key = `${object.namespace}/${ref.kind}/${ref.name}`;
        this.byTarget.set(key, [...this.byTarget.get(key) ?? [], policy]);
      }
    }
  }

  /** The policies a workload's sidecar or ztunnel enforces. */
  public forWorkload(workload: Workload, enforcer: Enforcer): Policy[] {
    const ns = workload.object.namespace;
    const candidates = [
      ...this.bySelector.selecting(ROOT_SCOPE, workload.podLabels),
      ...ns === this.inv.rootNamespace ? [] : this.bySelector.selecting(ns, workload.podLabels),
    ];
    return candidates.filter(p => enforcer !== 'ztunnel' || p.action === 'ALLOW' || p.action === 'DENY');
  }

  /** The policies a waypoint enforces for traffic to a Service (when service-addressed) or to the workload behind it. */
  public forWaypoint(waypointName: string, waypointNamespace: string, service?: { readonly name: string; readonly namespace: string }): Policy[] {
    const services = service
      ? (this.byTarget.get(`${service.namespace}/Service/${service.name}`) ?? []).filter(p => p.targetRefs.some(r => r.kind === 'Service'
        && r.name === service.name && (r.group === '' || r.group === 'core')))
      : [];
    return [...new Set([
      ...this.byTarget.get(`${waypointNamespace}/Gateway/${waypointName}`) ?? [],
      ...this.byTarget.get(`${this.inv.rootNamespace}/GatewayClass/${WAYPOINT_GATEWAY_CLASS}`) ?? [],
      ...services,
    ])];
  }

  /** True when some `targetRefs` policy names this Gateway. */
  public hasWaypointPolicies(waypointName: string, waypointNamespace: string): boolean {
    return (this.byTarget.get(`${waypointNamespace}/Gateway/${waypointName}`) ?? []).length > 0;
  }

  /** Policies with `targetRefs` naming a Gateway, with that Gateway's name: for the waypoint lint rules. */
  public gatewayBound(): Array<{ readonly object: K8sObject; readonly gateway: string }> {
    return [...this.byNamespace.values()].flat()
      .flatMap(p => p.targetRefs.filter(r => r.kind === 'Gateway').map(r => ({ object: p.object, gateway: r.name })));
  }

  /** Evaluates the policies for one connection. */
  public evaluate(policies: ReadonlyArray<Policy>, given: Connection, enforcer: Enforcer): AuthorizationResult {
    const connection = given.trustDomains || this.trustDomains.length === 0 ? given : { ...given, trustDomains: this.trustDomains };
    for (const policy of policies.filter(p => p.action === 'DENY')) {
      if (policy.rules.some(rule => ruleMatches(rule, connection, enforcer, 'DENY', policy.object.namespace, this.usesL7(rule)) === 'match')) {
        return { allowed: false, decidedBy: policy.object, reason: 'a DENY rule matches the connection' };
      }
    }
    const allows = policies.filter(p => p.action === 'ALLOW');
    if (allows.length === 0) {
      return { allowed: true, reason: 'no ALLOW policy applies, so Istio allows the connection' };
    }
    for (const policy of allows) {
      if (policy.rules.some(rule => ruleMatches(rule, connection, enforcer, 'ALLOW', policy.object.namespace, this.usesL7(rule)) === 'match')) {
        return { allowed: true, decidedBy: policy.object, reason: 'an ALLOW rule matches' };
      }
    }
    return { allowed: false, decidedBy: allows[0].object, reason: denialReason(allows, connection, enforcer, rule => this.usesL7(rule)) };
  }

  /** Whether a rule uses HTTP-only fields: read once per rule of this index's policies. */
  private usesL7(rule: any): boolean {
    if (!isObject(rule)) {
      return false;
    }
    let l7 = this.l7Rules.get(rule);
    if (l7 === undefined) {
      l7 = hasL7(rule);
      this.l7Rules.set(rule, l7);
    }
    return l7;
  }
}

type Match = 'match' | 'no-match' | 'never';

/** Whether one rule matches; `never` for a rule that cannot match at this enforcement point at all. */
function ruleMatches(rule: any, c: Connection, enforcer: Enforcer, action: 'ALLOW' | 'DENY', policyNamespace: string, l7: boolean): Match {
  if (!isObject(rule)) {
    return 'no-match';
  }
  if (l7 && action === 'ALLOW' && (enforcer === 'ztunnel' || enforcer === 'sidecar-tcp')) {
    return 'never';
  }
  const clauses: Array<{ readonly entries: any[] | undefined; readonly matches: (entry: any) => Match }> = [
    {
      entries: rule.from === undefined ? undefined : asArray(rule.from),
      matches: e => sourceMatches(e?.source, c, enforcer, action, policyNamespace),
    },
    { entries: rule.to === undefined ? undefined : asArray(rule.to), matches: e => operationMatches(e?.operation, c, enforcer, action) },
    { entries: rule.when === undefined ? undefined : asArray(rule.when), matches: e => conditionMatches(e, c, enforcer, action) },
  ];
  for (const clause of clauses) {
    if (clause.entries === undefined) {
      continue;
    }
    const results = clause.entries.map(clause.matches).filter(r => r !== 'never');
    if (results.length === 0) {
      return 'never'; // a clause left with no entry that can match (ztunnel's "empty clause")
    }
    if (!results.includes('match')) {
      return 'no-match';
    }
  }
  return 'match';
}

function sourceMatches(source: any, c: Connection, enforcer: Enforcer, action: 'ALLOW' | 'DENY', policyNamespace: string): Match {
  if (!isObject(source)) {
    return 'match';
  }
  const l4 = Object.keys(source).filter(k => !L7_SOURCE_FIELDS.includes(k));
  if (l4.length === 0) {
    return l7Match(enforcer, action);
  }
  const checks: boolean[] = [];
  const list = (k: string) => asArray(source[k]).map(String);
  if (source.principals !== undefined) {
    checks.push(c.principal !== undefined && list('principals').some(p => principalMatch(p, c, enforcer)));
  }
  if (source.notPrincipals !== undefined) {
    checks.push(!(c.principal !== undefined && list('notPrincipals').some(p => principalMatch(p, c, enforcer))));
  }
  if (source.namespaces !== undefined) {
    checks.push(c.namespace !== undefined && list('namespaces').some(p => stringMatch(p, c.namespace!)));
  }
  if (source.notNamespaces !== undefined) {
    checks.push(!(c.namespace !== undefined && list('notNamespaces').some(p => stringMatch(p, c.namespace!))));
  }
  if (source.serviceAccounts !== undefined) {
    checks.push(c.principal !== undefined && list('serviceAccounts').some(sa => principalHasAccount(c.principal!, sa, policyNamespace)));
  }
  if (source.notServiceAccounts !== undefined) {
    checks.push(!(c.principal !== undefined && list('notServiceAccounts').some(sa => principalHasAccount(c.principal!, sa, policyNamespace))));
  }
  if (source.ipBlocks !== undefined) {
    checks.push(c.sourceIp !== undefined && list('ipBlocks').some(cidr => inCidr(c.sourceIp!, cidr)));
  }
  if (source.notIpBlocks !== undefined) {
    checks.push(!(c.sourceIp !== undefined && list('notIpBlocks').some(cidr => inCidr(c.sourceIp!, cidr))));
  }
  return checks.every(Boolean) ? 'match' : 'no-match';
}

function operationMatches(operation: any, c: Connection, enforcer: Enforcer, action: 'ALLOW' | 'DENY'): Match {
  if (!isObject(operation)) {
    return 'match';
  }
  const l4 = Object.keys(operation).filter(k => !L7_OPERATION_FIELDS.includes(k));
  if (l4.length === 0) {
    return l7Match(enforcer, action);
  }
  const port = String(c.port);
  if (operation.ports !== undefined && !asArray(operation.ports).map(String).includes(port)) {
    return 'no-match';
  }
  if (operation.notPorts !== undefined && asArray(operation.notPorts).map(String).includes(port)) {
    return 'no-match';
  }
  return 'match';
}

function conditionMatches(condition: any, c: Connection, enforcer: Enforcer, action: 'ALLOW' | 'DENY'): Match {
  if (!isObject(condition) || typeof condition.key !== 'string') {
    return 'match';
  }
  if (!L4_WHEN_KEYS.includes(condition.key)) {
    return l7Match(enforcer, action);
  }
  const actual = {
    'source.ip': c.sourceIp,
    'source.namespace': c.namespace,
    'source.principal': c.principal,
    'destination.port': String(c.port),
    'destination.ip': undefined,
  }[condition.key as 'source.ip'];
  if (condition.key === 'destination.ip') {
    return 'match'; // the model does not know pod IPs: a destination.ip condition is taken to hold
  }
  const values = asArray(condition.values).map(String);
  const notValues = asArray(condition.notValues).map(String);
  const test = (v: string) => actual !== undefined && (condition.key === 'source.ip' ? inCidr(actual, v)
    : condition.key === 'source.principal' ? principalMatch(v, c, enforcer) : stringMatch(v, actual));
  if (condition.values !== undefined && !values.some(test)) {
    return 'no-match';
  }
  if (condition.notValues !== undefined && notValues.some(test)) {
    return 'no-match';
  }
  return 'match';
}

/** An HTTP-only part, as an enforcement point sees it on a connection. */
function l7Match(enforcer: Enforcer, action: 'ALLOW' | 'DENY'): Match {
  if (enforcer === 'ztunnel') {
    return 'never';
  }
  if (enforcer === 'sidecar-tcp') {
    return action === 'DENY' ? 'match' : 'never';
  }
  // a waypoint or an HTTP port: some requests match; an ALLOW lets the connection through, a DENY refuses only requests
  return action === 'ALLOW' ? 'match' : 'no-match';
}

function hasL7(rule: any): boolean {
  const sources = asArray(rule.from).map(f => f?.source).filter(isObject);
  const operations = asArray(rule.to).map(t => t?.operation).filter(isObject);
  return sources.some(s => L7_SOURCE_FIELDS.some(k => s[k] !== undefined))
    || operations.some(o => L7_OPERATION_FIELDS.some(k => o[k] !== undefined))
    || asArray(rule.when).some(w => isObject(w) && typeof w.key === 'string' && !L4_WHEN_KEYS.includes(w.key));
}

/** Istio's string match: exact, `*` (any non-empty), `prefix*` or `*suffix`. */
export function stringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') {
    return value !== '';
  }
  if (pattern.endsWith('*')) {
    return value.startsWith(pattern.slice(0, -1));
  }
  if (pattern.startsWith('*')) {
    return value.endsWith(pattern.slice(1));
  }
  return pattern === value;
}

/**
 * Whether a policy's principal matches the connection's, as the enforcement point reads it.
 *
 * Envoy (a sidecar or a waypoint) rewrites every source principal of a rule before matching
 * (istio/istio pilot/pkg/security/authz/builder/builder.go calls `MigrateTrustDomain` for every rule;
 * pilot/pkg/security/trustdomain/bundle.go `ReplaceTrustDomainAliases`, 1.31): a principal whose trust domain is the
 * mesh's, one of its aliases, or `cluster.local` — "a pointer to the local trust domain and its aliases" — stands for
 * the same account in each of them; `*` and other trust domains stay as written. So `cluster.local/ns/a/sa/b` admits
 * `a/b` under any trust domain. ztunnel matches the principal as written (istio/ztunnel src/rbac.rs
 * `matches_principal`; istio/istio pilot/pkg/serviceregistry/ambient/authorization.go passes principals unchanged).
 */
function principalMatch(pattern: string, c: Connection, enforcer: Enforcer): boolean {
  const principal = c.principal!;
  const parts = pattern.split('/');
  const trustDomains = c.trustDomains ?? [];
  if (enforcer === 'ztunnel' || parts.length !== 5 || parts[0] === '*' || trustDomains.length === 0
    || !(parts[0] === DEFAULT_TRUST_DOMAIN || trustDomains.some(td => stringMatch(parts[0], td)))) {
    return stringMatch(pattern, principal);
  }
  return trustDomains.some(td => stringMatch(stringMatch(parts[0], td) && parts[0].startsWith('*') ? pattern : [td, ...parts.slice(1)].join('/'), principal));
}

/** `serviceAccounts` entries: `<namespace>/<name>`, or `<name>` in the policy's namespace. */
function principalHasAccount(principal: string, account: string, policyNamespace: string): boolean {
  const [ns, sa] = account.includes('/') ? account.split('/', 2) : [policyNamespace, account];
  return principal.endsWith(`/ns/${ns}/sa/${sa}`);
}

/** IPv4 CIDR membership (a bare address is a /32). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.includes('/') ? cidr.split('/') : [cidr, '32'];
  const toNumber = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^\d+\.\d+\.\d+\.\d+$/.test(base)) {
    return false;
  }
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return false;
  }
  const block = 2 ** (32 - prefix);
  return Math.floor(toNumber(ip) / block) === Math.floor(toNumber(base) / block);
}

/** Why no ALLOW rule matched: the most useful clause for a reader. */
function denialReason(policies: ReadonlyArray<Policy>, c: Connection, enforcer: Enforcer, usesL7: (rule: any) => boolean): string {
  // a rule that is not an object (`rules: [null]`, which the API server refuses) matches nothing and explains nothing
  const rules = policies.flatMap(p => p.rules.filter(isObject).map(rule => ({ rule, ns: p.object.namespace })));
  if (rules.length === 0) {
    return policies.some(p => p.rules.length > 0) ? 'no ALLOW rule is an object (the API server refuses such a policy), so none can match'
      : 'an ALLOW policy without rules denies every connection';
  }
  if (c.principal === undefined && rules.some(({ rule }) => asArray(rule.from).some(f => IDENTITY_FIELDS.some(k => f?.source?.[k] !== undefined)))) {
    return 'the connection is plaintext, and its ALLOW rules admit by principal or namespace, which need mTLS (a plaintext peer has no identity)';
  }
  if (rules.every(({ rule }) => usesL7(rule)) && (enforcer === 'ztunnel' || enforcer === 'sidecar-tcp')) {
    return `every ALLOW rule uses HTTP fields, which ${enforcer === 'ztunnel' ? 'ztunnel cannot check (L4 only)' : 'a TCP port cannot carry'}, so none can match`;
  }
  const portListed = rules.some(({ rule }) => asArray(rule.to).length === 0
    || asArray(rule.to).some(t => asArray(t?.operation?.ports).map(String).includes(String(c.port))));
  if (!portListed) {
    return `no ALLOW rule lists port ${c.port}`;
  }
  const who = c.principal ?? 'a peer without identity';
  return `no ALLOW rule admits ${who} on port ${c.port}`;
}
