import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppProtocol, MeshService } from '../src';
import { chart, only, synth } from './support/manifests';

describe('MeshService', () => {
  test('defaults', () => {
    const c = chart();
    new MeshService(c, 'Api', { ports: [{ port: 8080, protocol: AppProtocol.HTTP, name: 'api' }] });
    expect(synth(c)).toMatchSnapshot();
  });

  test('every port is named <protocol>-<purpose>, carries appProtocol and targets the container port by name', () => {
    const c = chart();
    const svc = new MeshService(c, 'Db', {
      ports: [
        { port: 5432, name: 'postgresql' },
        { port: 8008, protocol: AppProtocol.HTTP, name: 'http-patroni' },
        { port: 9187 },
        { port: 53, protocol: AppProtocol.UDP, name: 'dns' },
      ],
    });
    const spec = only(synth(c), 'Service', 'db').spec;
    expect(spec.ports).toEqual([
      { name: 'tcp-postgresql', port: 5432, targetPort: 'tcp-postgresql', protocol: 'TCP', appProtocol: 'tcp' },
      { name: 'http-patroni', port: 8008, targetPort: 'http-patroni', protocol: 'TCP', appProtocol: 'http' },
      { name: 'tcp-9187', port: 9187, targetPort: 'tcp-9187', protocol: 'TCP', appProtocol: 'tcp' },
      { name: 'udp-dns', port: 53, targetPort: 'udp-dns', protocol: 'UDP', appProtocol: 'udp' },
    ]);
    expect(svc.fqdn).toBe('db.ns.svc.cluster.local');
    expect(svc.headless).toBe(false);
    expect(spec.clusterIP).toBeUndefined();
    expect(spec.publishNotReadyAddresses).toBeUndefined();
  });

  test('a headless Service has clusterIP None and publishes not-ready addresses unless told otherwise', () => {
    const c = chart();
    new MeshService(c, 'Peers', { headless: true, ports: [{ port: 7000 }] });
    new MeshService(c, 'Quiet', { headless: true, publishNotReadyAddresses: false, ports: [{ port: 7000 }] });
    const manifests = synth(c);
    expect(only(manifests, 'Service', 'peers').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(only(manifests, 'Service', 'quiet').spec.publishNotReadyAddresses).toBeUndefined();
  });

  test('cdk8s-plus bind() lands as a named, declared port', () => {
    const c = chart();
    const svc = new MeshService(c, 'Dns');
    svc.bind(5353, { protocol: kplus.Protocol.UDP, name: 'mdns' });
    svc.bind(8080);
    expect(svc.meshPorts.map(p => p.name)).toEqual(['udp-mdns', 'tcp-8080']);
    expect(svc.ports.map(p => p.port)).toEqual([5353, 8080]);
    expect(only(synth(c), 'Service').spec.ports.map((p: any) => p.appProtocol)).toEqual(['udp', 'tcp']);
  });

  test('without a selector the Service selects nothing (its endpoints are managed elsewhere)', () => {
    const c = chart();
    new MeshService(c, 'Leader', { ports: [{ port: 5432, name: 'postgresql' }] });
    expect(only(synth(c), 'Service').spec.selector).toBeUndefined();
  });

  test('selects pods by their labels', () => {
    const c = chart();
    const pods = kplus.Pods.select(c, 'Pods', { labels: { app: 'db', role: 'replica' } });
    const svc = new MeshService(c, 'Replicas', { selector: pods, ports: [{ port: 5432 }] });
    expect(svc.selectorLabels).toEqual({ app: 'db', role: 'replica' });
    expect(only(synth(c), 'Service').spec.selector).toEqual({ app: 'db', role: 'replica' });
  });

  test('name and namespace come from the props, then from the chart; the FQDN follows', () => {
    const c = chart('shop');
    const svc = new MeshService(c, 'Orders', { name: 'orders-db', clusterDomain: 'corp.internal', ports: [{ port: 5432 }] });
    expect(svc.fqdn).toBe('orders-db.shop.svc.corp.internal');
    expect(only(synth(c), 'Service').metadata).toMatchObject({ name: 'orders-db', namespace: 'shop' });
  });

  test('the namespace is "default", written explicitly, when neither the props nor the chart set one', () => {
    const c = chart(null);
    const svc = new MeshService(c, 'Api', { ports: [{ port: 80, protocol: AppProtocol.HTTP }] });
    expect(svc.fqdn).toBe('api.default.svc.cluster.local');
    expect(only(synth(c), 'Service').metadata.namespace).toBe('default');
  });

  test('fromAttributes describes a Service managed elsewhere', () => {
    const c = chart();
    const svc = MeshService.fromAttributes(c, 'Ext', { name: 'cassandra', namespace: 'data', headless: true, ports: [{ port: 9042, name: 'cql' }] });
    expect(svc.fqdn).toBe('cassandra.data.svc.cluster.local');
    expect(svc.meshPorts).toEqual([{ port: 9042, name: 'tcp-cql', protocol: AppProtocol.TCP }]);
    expect(synth(c)).toEqual([]);
    // the old name of the factory stays, deprecated
    expect(MeshService.fromServiceAttributes(c, 'Old', { name: 'cassandra', namespace: 'data' }).fqdn).toBe(svc.fqdn);
  });

  describe('fails when', () => {
    test('it declares no ports (at synth)', () => {
      const c = chart();
      new MeshService(c, 'Empty');
      expect(() => synth(c)).toThrow(/test\/Empty\] Service 'empty' declares no ports; .*addPort/);
    });

    test('the name is not an RFC 1035 label', () => {
      expect(() => new MeshService(chart(), 'Api', { name: '9lives' })).toThrow(/test\/Api: Service name '9lives' is not valid: it .*start with a letter.*set a name such as/);
      expect(() => new MeshService(chart(), 'My_Api')).toThrow(/test\/My_Api: Service name 'my_api' \(from the construct id 'My_Api'\) is not valid.*'my-api'/);
      expect(() => new MeshService(chart(), 'Api', { name: 'a'.repeat(64) })).toThrow(/is 64 characters long \(at most 63\)/);
    });

    test('the namespace is invalid', () => {
      expect(() => new MeshService(chart(), 'Api', { namespace: 'Prod_EU' })).toThrow(/test\/Api: namespace 'Prod_EU' is not valid: .*'prod-eu'/);
    });

    test('the cluster domain is invalid', () => {
      expect(() => new MeshService(chart(), 'Api', { clusterDomain: 'cluster..local' })).toThrow(/test\/Api: cluster domain 'cluster..local' has a label '' that is empty; .*'cluster.local'/);
    });

    test('another Service of the app has the same name in the same namespace', () => {
      const app = Testing.app();
      new MeshService(new Chart(app, 'one', { namespace: 'shop' }), 'Api', { ports: [{ port: 8080 }] });
      expect(() => new MeshService(new Chart(app, 'two', { namespace: 'shop' }), 'Api', { ports: [{ port: 8080 }] }))
        .toThrow(/^two\/Api: Service 'api' in namespace 'shop' is already written by one\/Api: .*give one of them another name \(or another namespace\)$/);
      expect(() => new MeshService(new Chart(app, 'three', { namespace: 'web' }), 'Api', { ports: [{ port: 8080 }] })).not.toThrow();
    });

    test('a port or selector is added after app.synth() wrote the manifests', () => {
      const app = Testing.app();
      const c = new Chart(app, 'test', { namespace: 'shop' });
      const svc = new MeshService(c, 'Api', { ports: [{ port: 8080 }] });
      app.synth();
      expect(() => svc.addPort({ port: 9090 })).toThrow(/^test\/Api: addPort\(\) adds port 9090 after app.synth\(\) wrote the manifests/);
      expect(() => svc.bind(9091)).toThrow(/^test\/Api: addPort\(\) adds port 9091 after app.synth\(\)/);
      expect(() => svc.selectLabel('app', 'api')).toThrow(/^test\/Api: selectLabel\(\) adds selector label app=api after app.synth\(\)/);
      expect(() => svc.select(kplus.Pods.select(c, 'Pods', { labels: { app: 'api' } }))).toThrow(/^test\/Api: select\(\) adds a selector after app.synth\(\)/);
    });

    test('bind() asks for a targetPort other than the port', () => {
      const svc = new MeshService(chart(), 'Api');
      expect(() => svc.bind(80, { targetPort: 8080 })).toThrow(/test\/Api: targetPort 8080 differs from port 80; .*: bind\(8080\) and listen on 8080, or drop targetPort$/);
    });
  });
});
