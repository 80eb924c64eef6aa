import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from './support/assertions';

// The example tests lean on these helpers: prove they fail on the mistakes they are meant to catch.
function statefulSet(containerPorts: any[], env: any[] = []) {
  return {
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'ns' },
    spec: {
      serviceName: 'db-headless',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', ports: containerPorts, env }] } },
    },
  };
}
function service(name: string, ports: any[], clusterIP?: string) {
  return { kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { clusterIP, selector: { app: 'db' }, ports } };
}
const GOOD_PORT = { name: 'tcp-pg', port: 5432, targetPort: 'tcp-pg', appProtocol: 'tcp' };

describe('test assertions', () => {
  test('accept a headless StatefulSet whose ports are all declared and named', () => {
    expect(() => expectEveryPortDeclaredAndNamed([service('db-headless', [GOOD_PORT], 'None'), statefulSet([{ containerPort: 5432, name: 'tcp-pg' }])])).not.toThrow();
  });

  test('reject a container port missing from the headless Service', () => {
    expect(() => expectEveryPortDeclaredAndNamed([
      service('db-headless', [GOOD_PORT], 'None'),
      statefulSet([{ containerPort: 5432, name: 'tcp-pg' }, { containerPort: 8008, name: 'http-patroni' }]),
    ])).toThrow();
  });

  test('reject a port name without an Istio protocol, or disagreeing with appProtocol', () => {
    expect(() => expectEveryPortDeclaredAndNamed([service('db', [{ ...GOOD_PORT, name: 'pg' }])])).toThrow();
    expect(() => expectEveryPortDeclaredAndNamed([service('db', [{ ...GOOD_PORT, appProtocol: 'http' }])])).toThrow();
  });

  test('reject a serviceName that is not headless, and a targetPort that names no container port', () => {
    expect(() => expectEveryPortDeclaredAndNamed([service('db-headless', [GOOD_PORT]), statefulSet([{ containerPort: 5432, name: 'tcp-pg' }])])).toThrow();
    expect(() => expectEveryPortDeclaredAndNamed([
      service('db-headless', [{ ...GOOD_PORT, targetPort: 'tcp-postgres' }], 'None'), statefulSet([{ containerPort: 5432, name: 'tcp-pg' }]),
    ])).toThrow();
  });

  test('reject an address pointing at a non-headless Service, another namespace, or using a later variable', () => {
    const headless = service('db-headless', [GOOD_PORT], 'None');
    const withEnv = (env: any[]) => [headless, service('db', [GOOD_PORT]), statefulSet([{ containerPort: 5432, name: 'tcp-pg' }], env)];
    expect(() => expectPodAddressesResolve(withEnv([{ name: 'POD_NAME' }, { name: 'A', value: '$(POD_NAME).db-headless.ns.svc.cluster.local' }]))).not.toThrow();
    expect(() => expectPodAddressesResolve(withEnv([{ name: 'A', value: 'db.ns.svc.cluster.local' }]))).toThrow();
    expect(() => expectPodAddressesResolve(withEnv([{ name: 'A', value: 'db-headless.other.svc.cluster.local' }]))).toThrow();
    expect(() => expectPodAddressesResolve(withEnv([{ name: 'A', value: '$(POD_NAME).db-headless.ns.svc.cluster.local' }, { name: 'POD_NAME' }]))).toThrow();
  });

  test('reject DestinationRules whose TLS disagrees with the server', () => {
    const pods = (labels: Record<string, string>) => ({
      ...statefulSet([{ containerPort: 5432, name: 'tcp-pg' }]),
      spec: {
        ...statefulSet([]).spec, template: { metadata: { labels: { app: 'db', ...labels } }, spec: { containers: [] } },
      },
    });
    const pa = (mode: string, portLevel?: any) => ({
      kind: 'PeerAuthentication',
      metadata: { name: 'db', namespace: 'ns' },
      spec: { selector: { matchLabels: { app: 'db' } }, mtls: { mode }, portLevelMtls: portLevel },
    });
    const dr = (tls: any, portLevelSettings?: any) => ({
      kind: 'DestinationRule', metadata: { name: 'db', namespace: 'ns' }, spec: { host: 'db.ns.svc.cluster.local', trafficPolicy: { tls, portLevelSettings } },
    });
    const svc = service('db', [GOOD_PORT]);
    expect(expectMtlsAgreement([svc, pods({}), pa('STRICT'), dr({ mode: 'ISTIO_MUTUAL' })])).toBe(1);
    expect(() => expectMtlsAgreement([svc, pods({}), pa('STRICT'), dr({ mode: 'DISABLE' })])).toThrow();
    expect(() => expectMtlsAgreement([svc, pods({}), pa('STRICT', { 5432: { mode: 'PERMISSIVE' } }), dr({ mode: 'ISTIO_MUTUAL' })])).toThrow();
    expect(expectMtlsAgreement([svc, pods({}), pa('STRICT', { 5432: { mode: 'DISABLE' } }), dr({ mode: 'ISTIO_MUTUAL' }, [{ port: { number: 5432 }, tls: { mode: 'DISABLE' } }])])).toBe(1);
    expect(() => expectMtlsAgreement([svc, pods({ 'sidecar.istio.io/inject': 'false' })])).toThrow();
    expect(() => expectMtlsAgreement([svc, pods({ 'sidecar.istio.io/inject': 'false' }), pa('STRICT'), dr({ mode: 'DISABLE' })])).toThrow();
  });
});
