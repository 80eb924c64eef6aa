import { ApiObject } from 'cdk8s';
import { AppProtocol, ClientTls, DestinationRule, ServiceEntry, ServiceEntryResolution } from '../src';
import { chart, only, synth } from './support/manifests';

describe('ServiceEntry', () => {
  test('the generated object is the default child (no public L1 field)', () => {
    const entry = new ServiceEntry(chart(), 'Se', { hosts: ['db.example.com'], ports: [{ port: 5432 }] });
    expect(ApiObject.of(entry.node.defaultChild!).kind).toBe('ServiceEntry');
  });

  test('defaults: an external DNS-resolved TCP database relying on IP auto-allocation, and saying so', () => {
    const c = chart();
    const se = new ServiceEntry(c, 'BillingDb', { hosts: ['db.billing.example.com'], ports: [{ port: 5432, name: 'postgresql' }] });
    const manifest = only(synth(c), 'ServiceEntry');
    expect(manifest).toMatchSnapshot();
    expect(se.autoAllocatesAddresses).toBe(true);
    expect(manifest.metadata.labels).toEqual({ 'networking.istio.io/enable-autoallocate-ip': 'true' });
    expect(manifest.spec).toEqual({
      hosts: ['db.billing.example.com'],
      ports: [{ name: 'tcp-postgresql', number: 5432, protocol: 'TCP' }],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
    });
  });

  test('every port carries a protocol; addresses remove the need for auto-allocation', () => {
    const c = chart();
    const se = new ServiceEntry(c, 'Legacy', {
      hosts: ['legacy.internal'],
      addresses: ['10.20.0.0/24'],
      resolution: ServiceEntryResolution.NONE,
      ports: [{ port: 27017, protocol: AppProtocol.MONGO, name: 'mongodb' }, { port: 8443, protocol: AppProtocol.HTTPS, name: 'api' }],
    });
    const manifest = only(synth(c), 'ServiceEntry');
    expect(se.autoAllocatesAddresses).toBe(false);
    expect(manifest.metadata.labels).toBeUndefined();
    expect(manifest.spec.ports).toEqual([
      { name: 'mongo-mongodb', number: 27017, protocol: 'MONGO' },
      { name: 'https-api', number: 8443, protocol: 'HTTPS' },
    ]);
  });

  test('is a host a DestinationRule can configure (TLS origination to the database)', () => {
    const c = chart();
    const se = new ServiceEntry(c, 'BillingDb', { hosts: ['db.billing.example.com'], ports: [{ port: 5432, name: 'postgresql' }] });
    new DestinationRule(c, 'Tls', { service: se, tls: ClientTls.simple({ caCertificates: '/etc/ssl/certs/ca-certificates.crt' }) });
    expect(only(synth(c), 'DestinationRule').spec.host).toBe('db.billing.example.com');
  });

  describe('fails when', () => {
    test('a TCP port has no address and resolution NONE (never auto-allocated, IST0134)', () => {
      expect(() => new ServiceEntry(chart(), 'Se', { hosts: ['db.example.com'], resolution: ServiceEntryResolution.NONE, ports: [{ port: 5432 }] }))
        .toThrow(/test\/Se: TCP port 5432 needs an address: with resolution NONE Istio allocates none .*\(IST0134\); set addresses, or use resolution DNS/);
    });

    test('hosts or ports are missing or invalid', () => {
      expect(() => new ServiceEntry(chart(), 'Se', { hosts: [], ports: [{ port: 5432 }] })).toThrow(/hosts is empty/);
      expect(() => new ServiceEntry(chart(), 'Se', { hosts: ['*'], ports: [{ port: 5432 }] })).toThrow(/host '\*' is not a lowercase DNS name/);
      expect(() => new ServiceEntry(chart(), 'Se', { hosts: ['db.example.com'], ports: [] })).toThrow(/ports is empty/);
      expect(() => new ServiceEntry(chart(), 'Se', { hosts: ['db.example.com'], ports: [{ port: 15001 }] })).toThrow(/port 15001 is reserved/);
    });

    test('resolution, addresses and endpoints contradict each other', () => {
      const base = { hosts: ['db.example.com'], ports: [{ port: 5432 }] };
      expect(() => new ServiceEntry(chart(), 'A', { ...base, addresses: ['10.0.0.0/8'] })).toThrow(/CIDR addresses \(10.0.0.0\/8\) need resolution NONE or STATIC/);
      expect(() => new ServiceEntry(chart(), 'B', { ...base, resolution: ServiceEntryResolution.STATIC })).toThrow(/resolution STATIC needs endpoints/);
      expect(() => new ServiceEntry(chart(), 'C', { ...base, resolution: ServiceEntryResolution.NONE, addresses: ['10.0.0.1'], endpoints: ['10.0.0.2'] }))
        .toThrow(/resolution NONE cannot have endpoints/);
      expect(() => new ServiceEntry(chart(), 'D', { ...base, resolution: ServiceEntryResolution.DNS_ROUND_ROBIN, endpoints: ['a.example.com', 'b.example.com'] }))
        .toThrow(/DNS_ROUND_ROBIN takes at most one endpoint/);
    });
  });
});
