import {
  authorizationPolicy, client, database, deployment, destinationRule, edgeOf, edgesOf, gateway, namespace, networkPolicy, peerAuthentication, Query,
  service, statefulSet,
} from './support';
import { Inventory } from '../../../src/analysis/inventory';
import { EdgeExpectation, EdgeIntent, TrafficVerdict } from '../../../src/analysis/traffic/edge';
import { ModelEdge, ModelFacts, TrafficModel } from '../../../src/analysis/traffic/model';

const { ALLOWED_MTLS: MTLS, ALLOWED_PLAINTEXT: PLAINTEXT, DENIED } = TrafficVerdict;

/** One case of the traffic model: manifests, an edge, and the outcome Istio and Kubernetes give it. */
interface Case {
  readonly name: string;
  /** The Istio or Kubernetes docs section or source file the expected outcome follows. */
  readonly cite: string;
  readonly manifests: any[];
  readonly query: Query;
  /** Part of the address that picks one addressing (`db-headless`, `db.db.svc`, `pod IP`). */
  readonly address?: string;
  readonly verdict: TrafficVerdict;
  /** The object that decides, as `Kind namespace/name`, or a part of the reason. */
  readonly decidedBy?: string | RegExp;
  readonly reason?: RegExp;
  readonly options?: { ambientEnabled?: boolean; trustDomain?: string; meshConfig?: any };
}

const DB = { namespace: 'db', name: 'db' };
const strict = (ns = 'db') => peerAuthentication('db', ns, { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' } });
const allowOrders = (ports?: string[]) => authorizationPolicy('db', 'db', {
  selector: { matchLabels: { app: 'db' } },
  rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], ...ports ? { to: [{ operation: { ports } }] } : {} }],
});
const orders = (mesh: 'sidecar' | 'ambient' | 'none' = 'sidecar', extra: Record<string, any> = {}) => deployment('orders', 'shop', { mesh, ...extra });
const fromOrders = client('shop', 'orders');

const CASES: Case[] = [
  // --- the client's side, sidecar ---
  {
    name: 'sidecar to sidecar through a headless Service, no DestinationRule: auto mTLS',
    cite: 'istio.io docs tasks/security/authentication/authn-policy/#auto-mutual-tls; istio/istio 1.30.3 pilot/pkg/networking/core/cluster_tls.go',
    manifests: [...database('db'), strict(), orders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'a headless Service with one pod without a sidecar: plaintext to every pod, refused by STRICT',
    cite: 'istio/istio 1.30.3 pilot/pkg/model/push_context.go BestEffortInferServiceMTLSMode ("Infer mTls disabled if any of the endpoint is with tls disabled"); istio/istio#49584',
    manifests: [...database('db'), statefulSet('db-legacy', 'db', { mesh: 'none', labels: { app: 'db' }, ports: [{ port: 5432 }] }), strict(), orders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db-headless',
    verdict: DENIED,
    decidedBy: 'PeerAuthentication db/db',
    reason: /has no sidecar/,
  },
  {
    name: 'a ClusterIP Service: auto mTLS per pod follows the server\'s port-level DISABLE',
    cite: 'istio/istio 1.30.3 pilot/pkg/xds/endpoints/mtls_checker.go (GetMutualTLSModeForPort != MTLSDisable)',
    manifests: [...database('db'), service('db', 'db', { app: 'db' }, [{ port: 5432 }]), orders(),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 5432: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db.db.svc',
    verdict: PLAINTEXT,
  },
  {
    name: 'a headless Service ignores a port-level DISABLE: the client sends mTLS the server does not terminate',
    cite: 'istio/istio 1.30.3 push_context.go ("uses only mesh and namespace level PeerAuthentication"); istio/istio#39439',
    manifests: [...database('db'), orders(),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 5432: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    reason: /does not terminate the mTLS/,
  },
  {
    name: 'the same port with a port-level DestinationRule DISABLE: plaintext, accepted',
    cite: 'istio/api 1.30.3 networking/v1alpha3/destination_rule.proto (DISABLE; portLevelSettings)',
    manifests: [...database('db'), orders(),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 5432: { mode: 'DISABLE' } } }),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'DISABLE' } }] } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: PLAINTEXT,
    decidedBy: 'DestinationRule db/db-headless',
  },
  {
    name: 'ISTIO_MUTUAL towards pods without a proxy fails',
    cite: 'istio/api 1.30.3 destination_rule.proto (ISTIO_MUTUAL); istio/istio#21964',
    manifests: [...database('db', { mesh: 'none' }), orders(),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    reason: /no proxy to terminate/,
  },
  {
    name: 'DISABLE towards a STRICT sidecar: the plaintext connection is refused',
    cite: 'istio/api 1.30.3 security/v1beta1/peer_authentication.proto (STRICT: "TLS with client cert must be presented")',
    manifests: [...database('db'), strict(), orders(),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'PeerAuthentication db/db',
  },
  {
    name: 'a DestinationRule in the client\'s namespace wins over the Service\'s',
    cite: 'istio/istio 1.30.3 pilot/pkg/model/push_context.go ("1. select destination rule from proxy config namespace")',
    manifests: [...database('db'), orders(),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } }),
      destinationRule('to-db', 'shop', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
    decidedBy: 'DestinationRule shop/to-db',
  },
  {
    name: 'a rule exported only to its own namespace does not apply to clients elsewhere',
    cite: 'istio/api 1.30.3 destination_rule.proto (exportTo: "The value \'.\' is reserved and defines an export to the same namespace")',
    manifests: [...database('db'), strict(), orders(),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', exportTo: ['.'], trafficPolicy: { tls: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'a rule in the root namespace applies when no other does',
    cite: 'istio/istio 1.30.3 push_context.go ("4. search for any exported destination rule in the config root namespace")',
    manifests: [...database('db'), strict(), orders(),
      destinationRule('mesh-db', 'istio-system', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    reason: /DestinationRule istio-system\/mesh-db sets tls.mode DISABLE/,
  },
  {
    name: 'port-level TLS is keyed by the Service port, not the target port',
    cite: 'istio/api 1.30.3 destination_rule.proto (PortTrafficPolicy.port: "a port on the destination service")',
    manifests: [statefulSet('db', 'db', { ports: [{ port: 8080 }] }), service('db', 'db', { app: 'db' }, [{ port: 80, targetPort: 8080 }]), orders(),
      destinationRule('db', 'db', { host: 'db.db.svc.cluster.local', trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' } }] } })],
    query: { to: DB, from: fromOrders, port: 8080 },
    verdict: PLAINTEXT,
    decidedBy: 'DestinationRule db/db',
  },
  {
    name: 'a port excluded from the client\'s outbound capture leaves in plaintext: a STRICT server refuses it',
    cite: 'istio/api 1.30.3 annotation/annotations.yaml (traffic.sidecar.istio.io/excludeOutboundPorts)',
    manifests: [...database('db'), strict(), orders('sidecar', { annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'PeerAuthentication db/db',
    reason: /excludeOutboundPorts/,
  },
  {
    name: 'a port no Service declares goes as passthrough, without mTLS',
    cite: 'istio.io docs ops/configuration/traffic-management/traffic-routing/#headless-services and #unmatched-traffic',
    manifests: [statefulSet('db', 'db', { ports: [{ port: 7000 }] }), strict(), orders()],
    query: { to: DB, from: fromOrders, port: 7000 },
    verdict: DENIED,
    reason: /passthrough without mTLS/,
  },
  {
    name: 'a namespace-wide DISABLE makes clients of a headless Service send plaintext, and the server accepts it',
    cite: 'istio/istio 1.30.3 pilot/pkg/model/authentication.go (namespace, then mesh mode) and push_context.go',
    manifests: [...database('db'), orders(), peerAuthentication('default', 'db', { mtls: { mode: 'DISABLE' } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: PLAINTEXT,
  },

  // --- the server's side ---
  {
    name: 'no PeerAuthentication: PERMISSIVE, a client outside the mesh gets in',
    cite: 'istio/istio 1.30.3 pilot/pkg/security/authn/policy_applier.go ("Initial outputPolicy is set to a PERMISSIVE")',
    manifests: [...database('db')],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: PLAINTEXT,
  },
  {
    name: 'a mesh-wide STRICT in the root namespace refuses plaintext',
    cite: 'istio/api 1.30.3 peer_authentication.proto (mesh-wide policy in the root namespace)',
    manifests: [...database('db'), peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: DENIED,
    decidedBy: 'PeerAuthentication istio-system/default',
  },
  {
    name: 'a workload policy overrides the namespace\'s',
    cite: 'istio/istio 1.30.3 policy_applier.go ComposePeerAuthentication (mesh, then namespace, then workload)',
    manifests: [...database('db'), peerAuthentication('default', 'db', { mtls: { mode: 'STRICT' } }),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'PERMISSIVE' } })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: PLAINTEXT,
  },
  {
    name: 'a port-level PERMISSIVE under a STRICT workload admits plaintext on that port only',
    cite: 'istio/api 1.30.3 peer_authentication.proto (portLevelMtls: "The port refers to the port of the workload")',
    manifests: [...database('db', {}, [5432, 9187]),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9187: { mode: 'PERMISSIVE' } } })],
    query: { to: DB, from: { kind: 'outside' }, port: 9187 },
    verdict: PLAINTEXT,
  },
  {
    name: '… and still refuses it on the other ports',
    cite: 'istio/api 1.30.3 peer_authentication.proto (portLevelMtls)',
    manifests: [...database('db', {}, [5432, 9187]),
      peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9187: { mode: 'PERMISSIVE' } } })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: DENIED,
    decidedBy: 'PeerAuthentication db/db',
  },
  {
    name: 'a port-level UNSET inherits the workload mode',
    cite: 'istio/istio 1.30.3 policy_applier.go ("Inherit from workload level")',
    manifests: [...database('db'), peerAuthentication('db', 'db', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 5432: { mode: 'UNSET' } } })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: DENIED,
  },
  {
    name: 'a selector PeerAuthentication in the root namespace is ignored',
    cite: 'istio/api 1.30.3 peer_authentication.proto ("PeerAuthentication policies with workload selectors are ignored when deployed in the root namespace")',
    manifests: [...database('db'), peerAuthentication('db', 'istio-system', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' } })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: PLAINTEXT,
  },
  {
    name: 'a port excluded from the server\'s inbound capture: the client\'s mTLS reaches the application, which cannot read it',
    cite: 'istio/api 1.30.3 annotation/annotations.yaml (excludeInboundPorts); istiod does not read it for client TLS (pilot/pkg has no reference)',
    manifests: [...database('db', { annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '5432' } }), strict(), orders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    reason: /bypasses the server's sidecar/,
  },
  {
    name: 'an excluded inbound port with a DestinationRule DISABLE: plaintext, no AuthorizationPolicy applies',
    cite: 'istio/api 1.30.3 annotations.yaml (excludeInboundPorts: excluded from redirection to Envoy)',
    manifests: [...database('db', { annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '5432' } }), strict(), orders(),
      authorizationPolicy('deny-all', 'db', {}),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: PLAINTEXT,
    reason: /no mTLS, no AuthorizationPolicy/,
  },

  // --- authorization ---
  {
    name: 'an ALLOW rule by principal admits its client',
    cite: 'istio/api 1.30.3 security/v1beta1/authorization_policy.proto (Source.principals)',
    manifests: [...database('db'), strict(), orders(), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'a sidecar reads a cluster.local principal as the mesh\'s own trust domain',
    cite: 'istio/istio 1.31 pilot/pkg/security/trustdomain/bundle.go ReplaceTrustDomainAliases ("cluster.local", which is a pointer to the local trust domain); pilot/pkg/security/authz/builder/builder.go (MigrateTrustDomain for every rule)',
    manifests: [...database('db'), strict(), orders(), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    options: { trustDomain: 'corp.example' },
    verdict: MTLS,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'a sidecar reads a principal of a trust domain alias as the mesh\'s own',
    cite: 'istio/istio 1.31 pilot/pkg/security/trustdomain/bundle.go (NewBundle: the trust domain, then meshConfig.trustDomainAliases)',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('db', 'db', {
      selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { principals: ['old.example/ns/shop/sa/orders'] } }] }],
    })],
    query: { to: DB, from: fromOrders, port: 5432 },
    options: { meshConfig: { trustDomain: 'corp.example', trustDomainAliases: ['old.example'] } },
    verdict: MTLS,
  },
  {
    name: 'a sidecar keeps a principal of a foreign trust domain as written: it does not match',
    cite: 'istio/istio 1.31 pilot/pkg/security/trustdomain/bundle.go ("keep the policy as it is")',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('db', 'db', {
      selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { principals: ['other.example/ns/shop/sa/orders'] } }] }],
    })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'ztunnel matches a cluster.local principal as written: under another trust domain it denies',
    cite: 'istio/ztunnel src/rbac.rs (StringMatch::matches_principal, exact on the peer\'s SPIFFE id); istio/istio 1.31 pilot/pkg/serviceregistry/ambient/authorization.go (principals passed unchanged)',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('ambient'), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    options: { trustDomain: 'corp.example' },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/db',
    reason: /corp\.example\/ns\/shop\/sa\/orders/,
  },
  {
    name: 'an ALLOW policy denies a client it does not list',
    cite: 'istio/api 1.30.3 authorization_policy.proto ("5. Deny the request")',
    manifests: [...database('db'), strict(), deployment('billing', 'shop'), allowOrders()],
    query: { to: DB, from: client('shop', 'billing'), port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'principals never match a plaintext connection',
    cite: 'istio/api 1.30.3 authorization_policy.proto (principals: "This field requires mTLS enabled")',
    manifests: [...database('db'), orders(), allowOrders(),
      destinationRule('db-headless', 'db', { host: 'db-headless.db.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    reason: /need mTLS/,
  },
  {
    name: 'a rule with ports and no source admits plaintext',
    cite: 'istio/api 1.30.3 authorization_policy.proto (Rule.from: "If not set, any source is allowed")',
    manifests: [...database('db'), authorizationPolicy('db', 'db', { selector: { matchLabels: { app: 'db' } }, rules: [{ to: [{ operation: { ports: ['5432'] } }] }] })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: PLAINTEXT,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'a matching DENY wins over a matching ALLOW',
    cite: 'istio/api 1.30.3 authorization_policy.proto ("2. If there are any DENY policies that match the request, deny the request")',
    manifests: [...database('db'), strict(), orders(), allowOrders(),
      authorizationPolicy('no-orders', 'db', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/no-orders',
  },
  {
    name: 'an ALLOW policy without rules denies everything',
    cite: 'istio/api 1.30.3 authorization_policy.proto ("It allows nothing and effectively denies all requests … spec: {}")',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('deny-all', 'db', {})],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    reason: /without rules/,
  },
  {
    name: 'an empty rule allows everything',
    cite: 'istio/api 1.30.3 authorization_policy.proto ("allows all requests … rules: - {}")',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('allow-all', 'db', { rules: [{}] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'source.namespaces admits a namespace, over mTLS',
    cite: 'istio/api 1.30.3 authorization_policy.proto (Source.namespaces)',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'a selector policy in the root namespace applies in every namespace',
    cite: 'istio/api 1.30.3 authorization_policy.proto ("If the authorization policy is in the root namespace, the selector will additionally match with workloads in all namespaces")',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('db-deny', 'istio-system', { selector: { matchLabels: { app: 'db' } } })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy istio-system/db-deny',
  },
  {
    name: 'a sidecar ignores a targetRefs policy',
    cite: 'istio/istio 1.30.3 pilot/pkg/model/policyattachment.go ("if targetRef is specified, ignore the policy altogether")',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('wp', 'db', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'DENY notPrincipals ["*"] refuses exactly the plaintext connections',
    cite: 'istio.io docs concepts/security/#dependency-on-mutual-tls; istio/api authorization_policy.proto (notPrincipals)',
    manifests: [...database('db'), authorizationPolicy('require-mtls', 'db', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/require-mtls',
  },
  {
    name: 'on a TCP port an ALLOW rule with HTTP fields never matches',
    cite: 'istio/istio 1.30.3 pilot/pkg/security/authz/model/model.go ("effectively result in a smaller allow policy")',
    manifests: [...database('db'), strict(), orders(),
      authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { methods: ['GET'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'on a TCP port a DENY rule ignores its HTTP fields, which widens it',
    cite: 'istio/api 1.30.3 authorization_policy.proto ("For a DENY rule, missing attributes are treated as matches")',
    manifests: [...database('db'), strict(), orders(),
      authorizationPolicy('no-posts', 'db', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['5432'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/no-posts',
  },
  {
    name: 'ipBlocks do not match a pod whose address the manifests do not give',
    cite: 'istio/api 1.30.3 authorization_policy.proto (ipBlocks: "populated from the source address of the IP packet")',
    manifests: [...database('db'), strict(), orders(), authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
  },

  // --- ambient ---
  {
    name: 'ambient to ambient: HBONE, mTLS',
    cite: 'istio.io docs ambient/usage/l4-policy; istio/ztunnel 1.30.3 ARCHITECTURE.md (15008 HBONE)',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('ambient')],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'outside the mesh to a STRICT ambient pod: ztunnel refuses it',
    cite: 'istio/api 1.30.3 peer_authentication.proto ("STRICT mode is useful to ensure that connections that bypass the mesh are not possible")',
    manifests: [...database('db', { mesh: 'ambient' }), strict()],
    query: { to: DB, from: { kind: 'outside' }, port: 5432 },
    verdict: DENIED,
  },
  {
    name: 'a NetworkPolicy that admits the application port but not 15008 drops ambient traffic',
    cite: 'istio.io docs ambient/usage/networkpolicy ("you will have to add an exception to that NetworkPolicy for port 15008")',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('ambient'),
      networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 5432 }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'NetworkPolicy db/db',
    reason: /15008/,
  },
  {
    name: 'kubelet probes of ambient pods come from 169.254.7.127: a NetworkPolicy must admit it',
    cite: 'istio.io docs ambient/usage/networkpolicy/#ambient-health-probes-and-kubernetes-networkpolicy',
    manifests: [statefulSet('db', 'db', { mesh: 'ambient', ports: [{ port: 5432 }], probePort: 5432 }),
      networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 15008 }] }] })],
    query: { to: DB, from: { kind: 'kubelet' }, port: 5432, intent: EdgeIntent.PROBE },
    verdict: DENIED,
    decidedBy: 'NetworkPolicy db/db',
  },
  {
    name: '… and with it, the probe bypasses ztunnel',
    cite: 'istio/istio 1.30.3 cni/pkg/iptables/iptables.go (probes from the SNAT address short-circuit past ztunnel)',
    manifests: [statefulSet('db', 'db', { mesh: 'ambient', ports: [{ port: 5432 }], probePort: 5432 }), strict(),
      networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }] })],
    query: { to: DB, from: { kind: 'kubelet' }, port: 5432, intent: EdgeIntent.PROBE },
    verdict: PLAINTEXT,
  },
  {
    name: 'through a waypoint the pods see the waypoint\'s identity: a policy admitting only the client denies it',
    cite: 'istio.io docs ambient/usage/l4-policy/#authorization-policy-attachment ("Traffic arriving at the destination ztunnel will be coming from the waypoint\'s identity")',
    manifests: [...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'waypoint' } }), gateway('waypoint', 'db', 'all'), strict(),
      orders('ambient'), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db-headless',
    verdict: DENIED,
    reason: /waypoint's identity/,
  },
  {
    name: 'admitting the waypoint at the pods and the client at the waypoint: mTLS through the waypoint',
    cite: 'istio.io docs ambient/usage/l4-policy (attachment table); istio/api authorization_policy.proto (targetRefs kind Gateway)',
    manifests: [...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'waypoint' } }), gateway('waypoint', 'db', 'all'), strict(),
      orders('ambient'),
      authorizationPolicy('db', 'db', { selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/db/sa/waypoint'] } }] }] }),
      authorizationPolicy('db-waypoint', 'db', {
        targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }] }],
      })],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db-headless',
    verdict: MTLS,
  },
  {
    name: 'the waypoint enforces its targetRefs policy with the client\'s identity',
    cite: 'istio.io docs ambient/usage/l4-policy (targetRefs: "Source identity: client pod; Enforced by: waypoint")',
    manifests: [...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'waypoint' } }), gateway('waypoint', 'db', 'all'),
      deployment('billing', 'shop', { mesh: 'ambient' }),
      authorizationPolicy('db-waypoint', 'db', {
        targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }] }],
      })],
    query: { to: DB, from: client('shop', 'billing'), port: 5432 },
    address: 'db-headless',
    verdict: DENIED,
    decidedBy: 'AuthorizationPolicy db/db-waypoint',
  },
  {
    name: 'a waypoint for service traffic only (the default): pod-IP traffic goes straight to the pods',
    cite: 'istio.io docs ambient/usage/waypoint ("By default, a waypoint will only handle service traffic")',
    manifests: [...database('db', { mesh: 'ambient', labels: { 'istio.io/use-waypoint': 'waypoint' } }), gateway('waypoint', 'db'), strict(), orders('ambient'), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db-headless',
    verdict: MTLS,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'a Service labelled for a service waypoint: its cluster IP traffic goes through the waypoint',
    cite: 'istio/api 1.30.3 label/labels.yaml (istio.io/use-waypoint on a Service); istio/istio waypoints.go fetchWaypointForService',
    manifests: [...database('db', { mesh: 'ambient' }), service('db', 'db', { app: 'db' }, [{ port: 5432 }], { labels: { 'istio.io/use-waypoint': 'waypoint' } }),
      gateway('waypoint', 'db'), strict(), orders('ambient'), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db.db.svc',
    verdict: DENIED,
    reason: /waypoint's identity/,
  },
  {
    name: 'a sidecar cannot send HBONE through a headless Service: plaintext, refused by a STRICT ambient pod',
    cite: 'istio/istio#54921 ("Sidecars cannot send HBONE to headless services handled by ztunnel")',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('sidecar')],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db-headless',
    verdict: DENIED,
    decidedBy: 'PeerAuthentication db/db',
  },
  {
    name: 'a sidecar reaches ambient pods through a ClusterIP Service over HBONE (ambient enabled)',
    cite: 'istio/istio 1.30.3 pilot/pkg/xds/endpoints/endpoint_builder.go; istio/istio#50360',
    manifests: [...database('db', { mesh: 'ambient' }), service('db', 'db', { app: 'db' }, [{ port: 5432 }]), strict(), orders('sidecar')],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db.db.svc',
    verdict: MTLS,
  },
  {
    name: 'an ambient client reaches a sidecar pod over HBONE (the ambient profile gives sidecars an HBONE listener)',
    cite: 'istio/istio 1.30.3 manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (networking.istio.io/tunnel: http)',
    manifests: [...database('db'), strict(), orders('ambient')],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: '… but without ambient in istiod ztunnel sends plaintext, which STRICT refuses',
    cite: 'istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient/workloads.go (setTunnelProtocol)',
    manifests: [...database('db'), strict(), orders('ambient')],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    options: { ambientEnabled: false },
  },
  {
    name: 'a sidecar client bypasses the waypoint: its policy does not apply, the pods see the sidecar\'s identity',
    cite: 'istio/istio 1.30.3 endpoint_builder.go findServiceWaypoint ("Currently only ingress and e/w gateway will call waypoints"); istio/istio#57729',
    manifests: [...database('db', { mesh: 'ambient' }), service('db', 'db', { app: 'db' }, [{ port: 5432 }], { labels: { 'istio.io/use-waypoint': 'waypoint' } }),
      gateway('waypoint', 'db', 'all'), strict(), orders('sidecar'), allowOrders()],
    query: { to: DB, from: fromOrders, port: 5432 },
    address: 'db.db.svc',
    verdict: MTLS,
    decidedBy: 'AuthorizationPolicy db/db',
  },
  {
    name: 'ztunnel removes an ALLOW rule with HTTP fields: nothing else admits the client',
    cite: 'istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient/authorization.go handleRule ("L7 policies never match for ALLOW"); istio.io docs ambient/usage/l4-policy',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('ambient'),
      authorizationPolicy('db', 'db', { rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { paths: ['/admin'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
  },
  {
    name: 'ztunnel never fires a DENY rule left with only HTTP fields',
    cite: 'istio/ztunnel 1.30.3 src/rbac.rs ("empty clause"); istio/istio#61126',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('ambient'),
      authorizationPolicy('no-posts', 'db', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'ztunnel drops AUDIT and CUSTOM policies',
    cite: 'istio/istio 1.30.3 ambient/authorization.go ("ztunnel does not support the %s action")',
    manifests: [...database('db', { mesh: 'ambient' }), strict(), orders('ambient'),
      authorizationPolicy('audit', 'db', { action: 'AUDIT', rules: [{}] }), authorizationPolicy('ext', 'db', { action: 'CUSTOM', rules: [{}] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },

  // --- NetworkPolicy ---
  {
    name: 'a podSelector alone selects pods of the policy\'s own namespace',
    cite: 'kubernetes.io docs concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors',
    manifests: [...database('db'), strict(), orders(),
      networkPolicy('db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'orders' } } }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'NetworkPolicy db/db',
  },
  {
    name: 'namespaceSelector and podSelector in one peer: both must match',
    cite: 'kubernetes.io docs network-policies ("A single to/from entry that specifies both namespaceSelector and podSelector selects particular Pods within particular namespaces")',
    manifests: [...database('db'), strict(), orders(), networkPolicy('db', 'db', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'orders' } } }] }],
    })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'a named port in a NetworkPolicy is the destination\'s container port of that name',
    cite: 'kubernetes.io docs reference NetworkPolicyPort.port ("a numerical or named port on a pod")',
    manifests: [...database('db'), strict(), orders(), networkPolicy('db', 'db', { podSelector: {}, ingress: [{ ports: [{ port: 'tcp-5432' }] }] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: MTLS,
  },
  {
    name: 'an egress policy of the client must admit the connection too',
    cite: 'kubernetes.io docs network-policies ("both the egress policy on the source pod and the ingress policy on the destination pod need to allow the traffic")',
    manifests: [...database('db'), strict(), orders(),
      networkPolicy('no-egress', 'shop', { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'], egress: [] })],
    query: { to: DB, from: fromOrders, port: 5432 },
    verdict: DENIED,
    decidedBy: 'NetworkPolicy shop/no-egress',
  },
  {
    name: 'the kubelet reaches sidecar pods whatever their NetworkPolicy (traffic from the local node is always allowed)',
    cite: 'kubernetes.io docs reference NetworkPolicySpec.ingress ("OR if the traffic source is the pod\'s local node"); istio/istio pkg/kube/inject/app_probe.go (probes rewritten to 15020)',
    manifests: [statefulSet('db', 'db', { ports: [{ port: 5432 }], probePort: 5432 }), strict(), networkPolicy('deny', 'db', { podSelector: {}, ingress: [] })],
    query: { to: DB, from: { kind: 'kubelet' }, port: 5432, intent: EdgeIntent.PROBE },
    verdict: PLAINTEXT,
    reason: /15020/,
  },
  {
    name: 'UDP is not proxied: plaintext, NetworkPolicy alone decides',
    cite: 'istio.io docs ops/deployment/application-requirements ("UDP is not proxied")',
    manifests: [statefulSet('db', 'db', { ports: [{ port: 5353, protocol: 'UDP' }] }), strict(), orders(),
      networkPolicy('db', 'db', { podSelector: {}, ingress: [{ ports: [{ port: 5353, protocol: 'UDP' }] }] })],
    query: { to: DB, from: fromOrders, port: 5353 },
    verdict: PLAINTEXT,
    reason: /UDP/,
  },
];

describe('traffic model: cases', () => {
  test('there are at least 40 cases, each citing its source', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const c of CASES) {
      expect({ name: c.name, cited: /(istio\.io|kubernetes\.io|istio\/|kubernetes\/)/.test(c.cite) }).toEqual({ name: c.name, cited: true });
    }
  });

  test.each(CASES.map(c => [c.name, c] as const))('%s', (_, c) => {
    const edge = edgeOf(c.manifests, c.query, c.address, c.options);
    expect({ verdict: edge.verdict, reason: edge.reason }).toEqual({ verdict: c.verdict, reason: edge.reason });
    if (typeof c.decidedBy === 'string') {
      expect(edge.decidedBy).toBe(c.decidedBy);
    } else if (c.decidedBy) {
      expect(edge.decidedBy).toMatch(c.decidedBy);
    }
    if (c.reason) {
      expect(edge.reason).toMatch(c.reason);
    }
  });
});

describe('traffic model: addresses', () => {
  test('per-pod names resolve before the pods are ready only when the headless Service publishes not-ready addresses', () => {
    // kubernetes.io docs concepts/services-networking/dns-pod-service ("the Pod needs to be ready in order to have a record
    // unless publishNotReadyAddresses=True is set on the Service")
    const publishing = edgeOf(database('db'), { to: DB, from: { kind: 'self' }, port: 5432, intent: EdgeIntent.PEER });
    expect(publishing).toMatchObject({ address: 'db-*.db-headless.db.svc.cluster.local:5432', resolution: 'always' });
    const notPublishing = edgeOf([statefulSet('db', 'db', { ports: [{ port: 5432 }] }), service('db-headless', 'db', { app: 'db' }, [{ port: 5432 }], { headless: true })],
      { to: DB, from: { kind: 'self' }, port: 5432, intent: EdgeIntent.PEER });
    expect(notPublishing.resolution).toBe('when-ready');
  });

  test('clients are evaluated through every Service that exposes the port: the headless one by pod name, ClusterIP ones by address', () => {
    const manifests = [...database('db'), service('db', 'db', { app: 'db' }, [{ port: 5432 }]), strict(), orders()];
    const addresses = ['db-*.db-headless.db.svc.cluster.local:5432', 'db.db.svc.cluster.local:5432'];
    expect(edgesOf(manifests, { to: DB, from: fromOrders, port: 5432 }).map(e => e.address)).toEqual(addresses);
  });

  test('the graph has one edge per source, destination, port and address, however often the input repeats an object', () => {
    const graph = (manifests: any[]) => new TrafficModel(new Inventory(manifests), { includeUnintended: true }).edges().map(e => e.edge);
    // a Service written twice (once ClusterIP, once headless: two files of a repository) gives one address: one edge per source
    const web = [deployment('web', 'shop', { ports: [{ port: 80 }] }), service('web', 'shop', { app: 'web' }, [{ port: 80 }]),
      service('web', 'shop', { app: 'web' }, [{ port: 80 }], { headless: true })];
    const outside = graph(web).filter(e => e.source === 'outside the mesh');
    expect(outside.map(e => e.address)).toEqual(['web.shop.svc.cluster.local:80']);
    // a StatefulSet written twice, governed by the headless Service once: a client dials two addresses (the pod names of
    // the one, the Service name of the other), two edges
    const pg = [statefulSet('pg', 'db', { ports: [{ port: 5432 }], serviceName: 'pg-hl' }), statefulSet('pg', 'db', { ports: [{ port: 5432 }], serviceName: 'other' }),
      service('pg-hl', 'db', { app: 'pg' }, [{ port: 5432 }], { headless: true })];
    const clients = graph(pg).filter(e => e.source === 'outside the mesh');
    expect(clients.map(e => e.address).sort()).toEqual(['pg-*.pg-hl.db.svc.cluster.local:5432', 'pg-hl.db.svc.cluster.local:5432']);
  });

  test('a source the manifests only name is assumed to run like the destination, and the reason says so', () => {
    const edge = edgeOf([...database('db'), strict()], { to: DB, from: client('elsewhere', 'app'), port: 5432 });
    expect(edge).toMatchObject({ verdict: MTLS, sourceMesh: 'sidecar (assumed)' });
    expect(edge.reason).toMatch(/assuming ServiceAccount elsewhere\/app runs with a sidecar/);
    // a Namespace object among the manifests proves its pods' dataplane
    const proven = edgeOf([...database('db'), strict(), namespace('elsewhere')], { to: DB, from: client('elsewhere', 'app'), port: 5432 });
    expect(proven).toMatchObject({ verdict: DENIED, sourceMesh: 'none' });
  });
});

describe('traffic model: the edges the lint rules judge', () => {
  test('fromWorkloadsOnly gives exactly the edges from the input\'s workloads, in order, with the outcomes of the whole graph', () => {
    // besides every case above: an env reference, a principal that is a workload of the input, a namespace a policy
    // only names, the strangers (includeUnintended), and the constructs' facts (intended edges of every source kind)
    const db = { kind: 'StatefulSet', namespace: 'db', name: 'db' };
    const shop = [...database('db'), service('db', 'db', { app: 'db' }, [{ port: 5432 }]), strict(), orders(),
      deployment('billing', 'shop', { env: { DATABASE_URL: 'postgresql://db.db.svc.cluster.local:5432/app' } }),
      authorizationPolicy('db', 'db', {
        selector: { matchLabels: { app: 'db' } },
        rules: [{
          from: [{
            source: { principals: ['cluster.local/ns/shop/sa/orders'] },
          }, { source: { namespaces: ['reports'] } }],
        }],
      })];
    const facts = {
      intended: [
        { intent: EdgeIntent.PEER, destination: db, source: { kind: 'self' as const }, ports: [5432], expected: EdgeExpectation.MTLS },
        { intent: EdgeIntent.PROBE, destination: db, source: { kind: 'kubelet' as const }, ports: [5432], expected: EdgeExpectation.PLAINTEXT },
        {
          intent: EdgeIntent.CLIENT,
          destination: db,
          source: { kind: 'client' as const, namespace: 'shop', serviceAccount: 'orders' },
          ports: [5432],
          expected: EdgeExpectation.MTLS,
          owner: 'app/Db',
        },
        {
          intent: EdgeIntent.CLIENT,
          destination: db,
          source: { kind: 'client' as const, namespace: 'reports' },
          ports: [5432],
          expected: EdgeExpectation.MTLS,
          owner: 'app/Db',
        },
      ],
      protected: [{ destination: db, owner: 'app/Db' }],
    };
    const inputs: Array<{ manifests: any[]; options: any; facts?: ModelFacts }> = [
      ...CASES.map(c => ({ manifests: c.manifests, options: c.options ?? {} })),
      { manifests: shop, options: {} },
      { manifests: shop, options: { includeUnintended: true } },
      { manifests: shop, options: {}, facts },
    ];
    const view = (edges: ReturnType<TrafficModel['edges']>) => edges.map(e => ({
      key: e.key,
      intent: e.intent,
      verdict: e.verdict,
      assumed: e.assumed,
      port: e.port,
      expected: e.expected,
      owner: e.owner,
      source: e.sourceWorkload?.object.name,
      destination: e.destinationWorkload?.object.name,
      clientDecidedBy: e.clientDecidedBy,
      address: e.edge.address,
      reason: e.edge.reason,
      decidedBy: e.edge.decidedBy,
    }));
    const kept = new Map<string, number>();
    const dropped = new Map<string, number>();
    const count = (to: Map<string, number>, e: ModelEdge) => {
      const k = `${e.intent}${e.expected ? ' intended' : ''}`;
      to.set(k, (to.get(k) ?? 0) + 1);
    };
    for (const { manifests, options, facts: given } of inputs) {
      const inv = new Inventory(manifests, options);
      const all = new TrafficModel(inv, options, given).edges();
      const fromWorkloads = new TrafficModel(inv, options, given).edges({ fromWorkloadsOnly: true });
      expect(view(fromWorkloads)).toEqual(view(all.filter(e => e.sourceWorkload !== undefined)));
      all.forEach(e => count(e.sourceWorkload ? kept : dropped, e));
    }
    // every kind of edge the filter keeps or drops is among the inputs: the comparison is not vacuous
    for (const k of ['peer', 'client', 'reference', 'peer intended', 'client intended']) {
      expect({ k, kept: (kept.get(k) ?? 0) > 0 }).toEqual({ k, kept: true });
    }
    for (const k of ['client', 'probe', 'unintended', 'probe intended', 'client intended', 'unintended intended']) {
      expect({ k, dropped: (dropped.get(k) ?? 0) > 0 }).toEqual({ k, dropped: true });
    }
  });
});
