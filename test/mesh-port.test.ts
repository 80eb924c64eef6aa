import { AppProtocol, MeshService } from '../src';
import { chart } from './support/manifests';

// Port declaration rules, exercised through MeshService.addPort (HeadlessStatefulService shares them).
function service() {
  return new MeshService(chart(), 'Svc');
}

describe('port declarations', () => {
  test('a bare purpose gets the protocol prefix; a full name is kept', () => {
    const svc = service();
    expect(svc.addPort({ port: 5432, name: 'postgresql' }).name).toBe('tcp-postgresql');
    expect(svc.addPort({ port: 8008, protocol: AppProtocol.HTTP, name: 'http-patroni' }).name).toBe('http-patroni');
    expect(svc.addPort({ port: 9000, protocol: AppProtocol.GRPC_WEB, name: 'grpc-web' }).name).toBe('grpc-web');
    expect(svc.addPort({ port: 8443, protocol: AppProtocol.H2C, name: 'api' }).name).toBe('http2-api');
    expect(svc.addPort({ port: 3128, protocol: AppProtocol.HTTP_PROXY, name: 'proxy' }).name).toBe('http-proxy');
  });

  test('an unnamed port is named <prefix>-<number>', () => {
    expect(service().addPort({ port: 6379, protocol: AppProtocol.REDIS }).name).toBe('redis-6379');
  });

  test('the protocol defaults to TCP', () => {
    expect(service().addPort({ port: 9042, name: 'cql' }).protocol).toBe(AppProtocol.TCP);
  });

  describe('fails when', () => {
    test.each([15000, 15001, 15002, 15004, 15006, 15008, 15020, 15021, 15053, 15090])('the port %d is reserved by Istio', port => {
      expect(() => service().addPort({ port })).toThrow(new RegExp(`test/Svc: port ${port} is reserved by the Istio proxy \\(15000, .*15090\\); choose another port`));
    });

    test.each([0, -1, 65536, 80.5])('the port %d is not a port number', port => {
      expect(() => service().addPort({ port })).toThrow(new RegExp(`test/Svc: port ${port} is not a port number \\(an integer from 1 to 65535\\)`));
    });

    test('a port number is declared twice', () => {
      const svc = service();
      svc.addPort({ port: 5432, name: 'postgresql' });
      expect(() => svc.addPort({ port: 5432, name: 'pg' })).toThrow(/test\/Svc: port 5432 is already declared as 'tcp-postgresql'; declare each port once/);
    });

    test('a port name is used twice', () => {
      const svc = service();
      svc.addPort({ port: 7000, name: 'intra' });
      expect(() => svc.addPort({ port: 7001, name: 'intra' })).toThrow(/test\/Svc: port name 'tcp-intra' is already used by port 7000; .*choose another name for port 7001/);
    });

    test('the name prefix means another protocol to Istio', () => {
      expect(() => service().addPort({ port: 6379, name: 'redis' }))
        .toThrow(/test\/Svc: port name 'redis' \(port 6379\) reads as protocol Redis to Istio, but the port's protocol is TCP; name it 'tcp-redis' or set protocol: AppProtocol.REDIS/);
      expect(() => service().addPort({ port: 8080, protocol: AppProtocol.TCP, name: 'http-api' }))
        .toThrow(/'http-api' \(port 8080\) reads as protocol HTTP to Istio.*name it 'tcp-api'/);
      expect(() => service().addPort({ port: 9000, protocol: AppProtocol.GRPC, name: 'grpc-web-api' }))
        .toThrow(/reads as protocol GRPC-Web to Istio, but the port's protocol is GRPC; name it 'grpc-api'/);
    });

    test('the name is longer than 15 characters', () => {
      expect(() => service().addPort({ port: 9094, name: 'interbroker-listener' }))
        .toThrow(/test\/Svc: port name 'tcp-interbroker-listener' \(port 9094\) is 24 characters long \(a port name has at most 15\); .*'tcp-9094'/);
    });

    test('the name has uppercase letters or invalid characters', () => {
      expect(() => service().addPort({ port: 5432, name: 'PostgreSQL' })).toThrow(/port name 'PostgreSQL' \(port 5432\) has uppercase letters; .*use 'postgresql'/);
      expect(() => service().addPort({ port: 5432, name: 'pg_main' })).toThrow(/port name 'tcp-pg_main' \(port 5432\) must consist of lowercase letters, digits and single '-'/);
      expect(() => service().addPort({ port: 5432, name: 'pg--main' })).toThrow(/port name 'tcp-pg--main'.*single '-'/);
    });
  });
});
