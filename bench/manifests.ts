/**
 * Generated manifests for the lint benches (bench/lint.ts, bench/parsers.ts): realistic stateful workloads, deterministic.
 */
import { stringify } from 'yaml';

/** The objects of workload `i`: a StatefulSet, its headless and client Services, a DestinationRule, a PeerAuthentication, an AuthorizationPolicy. */
export function workload(i: number): any[] {
  const ns = `team-${Math.floor(i / 10)}`;
  const name = `db-${i}`;
  const labels = { 'app.kubernetes.io/name': name };
  const port = i % 20 === 0 ? { name: undefined, port: 5432 } : { name: 'tcp-postgresql', port: 5432, appProtocol: 'tcp' };
  const objects: any[] = [];
  if (i % 10 === 0) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
  }
  objects.push(
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: ns, labels },
      spec: {
        serviceName: `${name}-headless`,
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsUser: 999, runAsNonRoot: true, fsGroup: 999 },
            containers: [{
              name: 'postgres',
              image: 'docker.io/library/postgres:16.4',
              ports: [{ containerPort: 5432, name: 'tcp-postgresql' }, { containerPort: 8008, name: 'http-patroni' }],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: `$(POD_NAME).${name}-headless.${ns}.svc.cluster.local:5432` },
                { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: `$(POD_NAME).${name}-headless.${ns}.svc.cluster.local:8008` },
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
              ],
              readinessProbe: { httpGet: { path: '/readiness', port: 8008 }, periodSeconds: 10 },
              resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
            }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-headless`, namespace: ns, labels },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: labels,
        ports: [{ ...port, targetPort: 5432, protocol: 'TCP' }, { name: 'http-patroni', port: 8008, targetPort: 8008, appProtocol: 'http' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: { selector: labels, ports: [{ name: 'tcp-postgresql', port: 5432, targetPort: 'tcp-postgresql', appProtocol: 'tcp' }] },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace: ns },
      spec: { host: `${name}.${ns}.svc.cluster.local`, trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' }, tls: { mode: 'ISTIO_MUTUAL' } } },
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace: ns },
      spec: { selector: { matchLabels: labels }, mtls: { mode: 'STRICT' } },
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace: ns },
      spec: { selector: { matchLabels: labels }, rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/app`] } }], to: [{ operation: { ports: ['5432'] } }] }] },
    },
  );
  return objects;
}

/** `n` objects of realistic workloads (a Namespace per ten; one workload in twenty with an unnamed port, so rules report). */
export function generate(n: number): any[] {
  const objects: any[] = [];
  for (let i = 0; objects.length < n; i++) {
    objects.push(...workload(i));
  }
  return objects.slice(0, n);
}


/** The objects as one YAML stream (`---` between documents), as `helm template` writes it. */
export function yamlStream(objects: ReadonlyArray<any>): string {
  return objects.map(o => stringify(o)).join('---\n');
}
