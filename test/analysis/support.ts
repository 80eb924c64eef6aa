import { AnalyzeOptions, Finding, MeshAnalyzer } from '../../src';

/** Analyses and returns only the findings that are not suppressed. */
export function lint(manifests: any[], options?: AnalyzeOptions): Finding[] {
  return MeshAnalyzer.analyze(manifests, options).filter(f => f.suppressedReason === undefined);
}

/** The findings of one rule. */
export function findingsOf(code: string, manifests: any[], options?: AnalyzeOptions): Finding[] {
  return lint(manifests, options).filter(f => f.code === code);
}

/** `<code> <origin>` of each finding, for compact assertions. */
export function summary(findings: Finding[]): string[] {
  return findings.map(f => `${f.code} ${f.origin}`);
}

export function namespace(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export interface PortSpec {
  readonly port: number;
  readonly name?: string;
  readonly targetPort?: number | string;
  readonly protocol?: string;
  readonly appProtocol?: string;
}

export function service(name: string, ns: string, spec: {
  readonly selector?: Record<string, string>;
  readonly ports?: PortSpec[];
  readonly headless?: boolean;
  readonly type?: string;
  readonly externalName?: string;
  readonly labels?: Record<string, string>;
} = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: spec.labels },
    spec: {
      type: spec.type,
      externalName: spec.externalName,
      clusterIP: spec.headless ? 'None' : undefined,
      selector: spec.selector,
      ports: spec.ports,
    },
  };
}

export interface ContainerSpec {
  readonly name: string;
  readonly ports?: Array<{ containerPort: number; name?: string; protocol?: string }>;
  readonly env?: any[];
  readonly runAsUser?: number;
}

function podSpec(containers: ContainerSpec[], extra: Record<string, unknown> = {}): any {
  return {
    ...extra,
    containers: containers.map(c => ({
      name: c.name,
      image: 'registry.example.com/app:1.0.0',
      ports: c.ports,
      env: c.env,
      securityContext: c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : undefined,
    })),
  };
}

export function statefulSet(name: string, ns: string, spec: {
  readonly serviceName?: string;
  readonly labels?: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
  readonly containers?: ContainerSpec[];
  readonly replicas?: number;
  readonly podSpec?: Record<string, unknown>;
} = {}): any {
  const labels = spec.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ns },
    spec: {
      serviceName: spec.serviceName,
      replicas: spec.replicas ?? 3,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: spec.podAnnotations },
        spec: podSpec(spec.containers ?? [{ name: 'app', ports: [{ containerPort: 5432, name: 'tcp-pg' }] }], spec.podSpec),
      },
    },
  };
}

export function deployment(name: string, ns: string, spec: {
  readonly labels?: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
  readonly containers?: ContainerSpec[];
  readonly podSpec?: Record<string, unknown>;
} = {}): any {
  const labels = spec.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: spec.podAnnotations },
        spec: podSpec(spec.containers ?? [{ name: 'app', ports: [{ containerPort: 8080, name: 'http-api' }] }], spec.podSpec),
      },
    },
  };
}

export function destinationRule(name: string, ns: string, host: string, spec: Record<string, unknown> = {}): any {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host, ...spec } };
}

export function peerAuthentication(name: string, ns: string, spec: Record<string, unknown>): any {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}

/**
 * A healthy stateful set in an injected namespace: headless Service `pg-headless` (tcp-pg 5432) and client
 * Service `pg`, both selecting `app: pg`.
 */
export function healthyPostgres(ns = 'db'): any[] {
  return [
    namespace(ns, { 'istio-injection': 'enabled' }),
    service('pg-headless', ns, { headless: true, selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg', targetPort: 'tcp-pg', appProtocol: 'tcp' }] }),
    service('pg', ns, { selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg', targetPort: 'tcp-pg', appProtocol: 'tcp' }] }),
    statefulSet('pg', ns, {
      serviceName: 'pg-headless',
      labels: { app: 'pg' },
      containers: [{
        name: 'pg',
        ports: [{ containerPort: 5432, name: 'tcp-pg' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'CONNECT_ADDRESS', value: `$(POD_NAME).pg-headless.${ns}.svc.cluster.local:5432` },
        ],
      }],
    }),
  ];
}
