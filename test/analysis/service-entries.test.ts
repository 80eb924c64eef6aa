import { findingsOf, summary } from './support';

function serviceEntry(name: string, spec: Record<string, unknown>, status?: unknown): any {
  return { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'db' }, spec: { hosts: ['pg.example.com'], ...spec }, status };
}

describe('ServiceEntries (SM501, IST0134)', () => {
  test('reports each TCP or protocol-less port of a ServiceEntry without addresses, case-insensitively', () => {
    const findings = findingsOf('SM501', [serviceEntry('rds', { ports: [{ number: 5432, name: 'pg', protocol: 'tcp' }, { number: 6432 }, { number: 443, name: 'https', protocol: 'HTTPS' }] })]);
    expect(findings.map(f => f.path)).toEqual(['spec.ports[0]', 'spec.ports[1]']);
    expect(findings[0].istioCode).toBe('IST0134');
    expect(findings[0].message).toBe('ServiceEntry db/rds: port 5432 (protocol tcp) has no address: plain TCP to \'pg.example.com\' carries no host name, '
      + 'so Istio can only match it by address; set spec.addresses, declare protocol TLS when it is TLS (matched by SNI), '
      + 'or enable ISTIO_META_DNS_CAPTURE with ISTIO_META_DNS_AUTO_ALLOCATE');
  });

  test('accepts addresses, allocated status addresses, and a mesh config with DNS capture and auto-allocation', () => {
    const bare = serviceEntry('rds', { ports: [{ number: 5432, protocol: 'TCP' }] });
    expect(findingsOf('SM501', [serviceEntry('a', { addresses: ['10.0.0.1'], ports: [{ number: 5432, protocol: 'TCP' }] })])).toEqual([]);
    expect(findingsOf('SM501', [serviceEntry('b', { ports: [{ number: 5432, protocol: 'TCP' }] }, { addresses: [{ value: '240.240.0.1' }] })])).toEqual([]);
    const capture = (extra: Record<string, string>) => ({ defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true', ...extra } } });
    expect(findingsOf('SM501', [bare], { meshConfig: capture({ ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }) })).toEqual([]);
    expect(findingsOf('SM501', [bare], { meshConfig: capture({ PILOT_ENABLE_IP_AUTOALLOCATE: 'true' }) })).toEqual([]);
    expect(summary(findingsOf('SM501', [bare], { meshConfig: capture({}) }))).toEqual(['SM501 ServiceEntry db/rds']);
  });

  test('reads the mesh config from the istio ConfigMap among the manifests', () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh: 'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n    ISTIO_META_DNS_AUTO_ALLOCATE: "true"\n' },
    };
    expect(findingsOf('SM501', [configMap, serviceEntry('rds', { ports: [{ number: 5432, protocol: 'TCP' }] })])).toEqual([]);
  });
});
