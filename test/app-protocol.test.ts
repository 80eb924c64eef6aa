import { AppProtocol } from '../src';

describe('AppProtocol', () => {
  test('covers every protocol Istio accepts, by appProtocol value', () => {
    expect(AppProtocol.all().map(p => p.value)).toEqual([
      'tcp', 'udp', 'http', 'http2', 'http_proxy', 'grpc', 'grpc-web', 'https', 'tls', 'mongo', 'redis', 'mysql',
      'kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss',
    ]);
  });

  test('each port name prefix reads back, in Istio, as the protocol itself', () => {
    for (const protocol of AppProtocol.all()) {
      const readAs = AppProtocol.fromPortName(`${protocol.portNamePrefix}-x`);
      expect({ protocol: protocol.value, istio: readAs?.istioProtocol }).toEqual({
        protocol: protocol.value,
        // http_proxy cannot be a port name (no underscore): its appProtocol decides, the name reads HTTP
        istio: protocol === AppProtocol.HTTP_PROXY ? 'HTTP' : protocol.istioProtocol,
      });
    }
  });

  test('reads port names the way Istio does', () => {
    expect(AppProtocol.fromPortName('grpc-web-api')).toBe(AppProtocol.GRPC_WEB);
    expect(AppProtocol.fromPortName('grpc-api')).toBe(AppProtocol.GRPC);
    expect(AppProtocol.fromPortName('HTTP2-api')).toBe(AppProtocol.HTTP2);
    expect(AppProtocol.fromPortName('redis')).toBe(AppProtocol.REDIS);
    expect(AppProtocol.fromPortName('postgresql')).toBeUndefined();
    expect(AppProtocol.fromPortName('web')).toBeUndefined();
  });

  test('maps the Kubernetes standard app protocols to what Istio makes of them', () => {
    expect(AppProtocol.H2C.istioProtocol).toBe('HTTP2');
    expect(AppProtocol.WS.istioProtocol).toBe('HTTP');
    expect(AppProtocol.WSS.istioProtocol).toBe('HTTPS');
    expect(AppProtocol.WSS.tlsEndToEnd).toBe(true);
  });

  test('marks the protocols Envoy parses, and those that carry TLS end to end', () => {
    expect(AppProtocol.all().filter(p => p.layer7).map(p => p.value)).toEqual(['http', 'http2', 'http_proxy', 'grpc', 'grpc-web', 'kubernetes.io/h2c', 'kubernetes.io/ws']);
    expect(AppProtocol.all().filter(p => p.tlsEndToEnd).map(p => p.value)).toEqual(['https', 'tls', 'kubernetes.io/wss']);
  });

  test('of() parses an appProtocol value, case-insensitively', () => {
    expect(AppProtocol.of('TCP')).toBe(AppProtocol.TCP);
    expect(AppProtocol.of('kubernetes.io/h2c')).toBe(AppProtocol.H2C);
  });

  test('fails when of() is given a protocol Istio does not recognise', () => {
    expect(() => AppProtocol.of('postgres')).toThrow(/app protocol 'postgres' is not one Istio recognises; use one of tcp, udp/);
  });

  test('only UDP uses the UDP transport', () => {
    expect(AppProtocol.all().filter(p => p.transport === 'UDP')).toEqual([AppProtocol.UDP]);
  });
});
