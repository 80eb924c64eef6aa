import { deployment, findingsOf, healthyPostgres, lint, namespace, service, statefulSet, summary } from './support';
import { Severity } from '../../src';

describe('services and ports (SM1xx)', () => {
  test('a healthy headless StatefulSet with a client Service has no findings', () => {
    expect(summary(lint(healthyPostgres()))).toEqual([]);
  });

  describe('SM101 headless Service without ports', () => {
    test('is reported for a headless Service that selects pods but declares no ports, suggesting the pods\' ports', () => {
      const [finding] = findingsOf('SM101', [
        service('pg-headless', 'db', { headless: true, selector: { app: 'pg' } }),
        statefulSet('pg', 'db', { serviceName: 'pg-headless', labels: { app: 'pg' } }),
      ]);
      expect(finding.severity).toBe(Severity.ERROR);
      expect(finding.origin).toBe('Service db/pg-headless');
      expect(finding.message).toMatch(/^Service db\/pg-headless: headless Service selects pods \(app=pg\) but declares no ports/);
      expect(finding.message).toContain('declare 5432 as spec.ports');
      expect(finding.path).toBe('spec.ports');
    });

    test('is not reported for a headless Service without selector (Patroni\'s config Service carries no traffic)', () => {
      expect(findingsOf('SM101', [service('pg-config', 'db', { headless: true })])).toEqual([]);
    });
  });

  describe('SM102 port without Istio protocol', () => {
    test('is reported per port with neither a protocol prefix nor appProtocol, with the name to use', () => {
      const findings = findingsOf('SM102', [service('pg', 'db', { ports: [{ port: 5432, name: 'pg' }, { port: 8008 }] })]);
      expect(findings.map(f => f.path)).toEqual(['spec.ports[0]', 'spec.ports[1]']);
      expect(findings[0].istioCode).toBe('IST0118');
      expect(findings[0].message).toBe('Service db/pg: port 5432 has no Istio protocol (name \'pg\', no appProtocol), so Istio sniffs it; '
        + 'name it \'tcp-pg\' or set appProtocol: tcp (or http, grpc, ... for what it carries)');
      expect(findings[1].message).toContain('name it \'tcp-8008\'');
    });

    test('reports an appProtocol Istio does not know, since it wins over a good name', () => {
      const [finding] = findingsOf('SM102', [service('pg', 'db', { ports: [{ port: 5432, name: 'tcp-pg', appProtocol: 'postgresql' }] })]);
      expect(finding.message).toContain('appProtocol \'postgresql\' is not a protocol Istio knows and wins over the name; set appProtocol: tcp');
    });

    test('accepts name prefixes, appProtocol values (also kubernetes.io/h2c), UDP and the ports Istio assumes TCP', () => {
      expect(findingsOf('SM102', [service('ok', 'db', {
        ports: [
          { port: 1, name: 'tcp-a' }, { port: 2, name: 'grpc-web-b' }, { port: 3, name: 'HTTP2' }, { port: 4, appProtocol: 'kubernetes.io/h2c' },
          { port: 5, name: 'x', appProtocol: 'tcp' }, { port: 6, protocol: 'UDP' }, { port: 53 }, { port: 27017 },
        ],
      })])).toEqual([]);
    });

    test('skips system namespaces, the Istio control plane and Istio-managed gateways, as istioctl analyze does', () => {
      expect(findingsOf('SM102', [
        service('a', 'kube-system', { ports: [{ port: 1 }] }),
        service('b', 'istio-system', { labels: { istio: 'pilot' }, ports: [{ port: 1 }] }),
        service('c', 'istio-system', { labels: { release: 'istio' }, ports: [{ port: 1 }] }),
        service('d', 'ambient', { labels: { 'gateway.istio.io/managed': 'istio.io-mesh-controller' }, ports: [{ port: 15008, name: 'mesh', appProtocol: 'hbone' }] }),
      ])).toEqual([]);
    });
  });

  describe('SM103 ExternalName Service port', () => {
    test('is reported for unnamed, unknown-prefix and plain `tcp` port names instead of SM102', () => {
      const manifests = [
        service('a', 'x', { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 443, name: 'nginx' }] }),
        service('b', 'x', { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 443 }] }),
        service('c', 'x', { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 443, name: 'tcp' }] }),
      ];
      expect(summary(lint(manifests))).toEqual(['SM103 Service x/a', 'SM103 Service x/b', 'SM103 Service x/c']);
      expect(lint(manifests)[0].message).toContain('name it by what it carries, e.g. \'tls-443\' or \'https-443\'');
    });

    test('accepts a port named by its protocol', () => {
      expect(lint([service('a', 'x', { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 443, name: 'https' }] })])).toEqual([]);
    });
  });

  describe('SM104 server-first port left to sniffing', () => {
    test('is reported (as an error, with IST0118) for a sniffed port that looks like a server-first protocol', () => {
      const findings = lint([service('nats', 'mq', { ports: [{ port: 4222, name: 'client' }, { port: 3307, name: 'mariadb' }] })]);
      expect(summary(findings)).toEqual(['SM104 Service mq/nats', 'SM104 Service mq/nats']);
      expect(findings[0].severity).toBe(Severity.ERROR);
      expect(findings[0].istioCode).toBe('IST0118');
      expect(findings[0].message).toContain('port 4222 (name \'client\', no appProtocol) carries NATS, where the server speaks first');
      expect(findings[0].message).toContain('name it \'tcp-client\' or set appProtocol: tcp');
      expect(findings[1].message).toContain('carries MySQL/MariaDB');
    });

    test('is not reported once the port is declared TCP, nor for MySQL\'s 3306, which Istio assumes TCP', () => {
      expect(lint([service('db', 'x', { ports: [{ port: 4222, name: 'tcp-client' }, { port: 3306 }] })])).toEqual([]);
    });
  });

  describe('SM105 reserved port', () => {
    test('is reported for Service ports, target ports and container ports in Istio\'s reserved set', () => {
      const findings = lint([
        service('app', 'x', { selector: { app: 'app' }, ports: [{ port: 15006, name: 'tcp-a' }, { port: 80, name: 'http', targetPort: 15021 }] }),
        deployment('app', 'x', { containers: [{ name: 'app', ports: [{ containerPort: 15021 }] }] }),
      ]).filter(f => f.code === 'SM105');
      expect(findings.map(f => [f.origin, f.path])).toEqual([
        ['Service x/app', 'spec.ports[0]'], ['Service x/app', 'spec.ports[1]'], ['Deployment x/app', 'spec.template.spec.containers[0].ports[0]'],
      ]);
      expect(findings[0].message).toContain('port 15006 is reserved by the Istio proxy (15000, 15001');
      expect(findings[2].message).toContain('container \'app\' port 15021 is reserved by the Istio proxy');
      expect(findings[2].message).toContain('move the application to another port');
    });

    test('leaves Istio\'s own objects alone', () => {
      expect(findingsOf('SM105', [
        service('istio-ingressgateway', 'istio-ingress', { labels: { istio: 'ingressgateway' }, ports: [{ port: 15021, name: 'status-port' }] }),
        service('istiod', 'istio-system', { ports: [{ port: 15012, name: 'grpc-xds' }, { port: 15021, name: 'tcp-status' }] }),
      ])).toEqual([]);
    });
  });

  describe('SM106 targetPort not a container port', () => {
    test('is reported for a named targetPort that no container declares', () => {
      const [finding] = findingsOf('SM106', [
        service('pg', 'db', { selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg', targetPort: 'tcp-postgres' }] }),
        statefulSet('pg', 'db', { serviceName: 'pg', labels: { app: 'pg' } }),
      ]);
      expect(finding.origin).toBe('Service db/pg');
      expect(finding.message).toBe('Service db/pg: port 5432 targets \'tcp-postgres\', which is not a container port of StatefulSet \'pg\' '
        + '(declared: 5432 \'tcp-pg\'); name the container port \'tcp-postgres\' or set targetPort to a declared container port');
    });

    test('is reported for a numeric targetPort only when the pods declare their ports', () => {
      const manifests = (declared: boolean) => [
        service('api', 'x', { selector: { app: 'api' }, ports: [{ port: 80, name: 'http', targetPort: 8081 }] }),
        deployment('api', 'x', { containers: [{ name: 'api', ports: declared ? [{ containerPort: 8080 }] : undefined }] }),
      ];
      expect(summary(findingsOf('SM106', manifests(true)))).toEqual(['SM106 Service x/api']);
      expect(findingsOf('SM106', manifests(false))).toEqual([]);
    });

    test('uses the port number when targetPort is not written', () => {
      expect(findingsOf('SM106', [
        service('api', 'x', { selector: { app: 'api' }, ports: [{ port: 8080, name: 'http' }] }),
        deployment('api', 'x', { containers: [{ name: 'api', ports: [{ containerPort: 8080 }] }] }),
      ])).toEqual([]);
    });
  });

  describe('SM107 same port, different protocols (IST0116, extended to StatefulSets)', () => {
    test('is reported on a StatefulSet whose Services use one port with different Istio protocols', () => {
      const findings = findingsOf('SM107', [
        namespace('db', { 'istio-injection': 'enabled' }),
        service('pg-headless', 'db', { headless: true, selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg' }] }),
        service('pg', 'db', { selector: { app: 'pg' }, ports: [{ port: 5432, name: 'http-pg' }] }),
        statefulSet('pg', 'db', { serviceName: 'pg-headless', labels: { app: 'pg' } }),
      ]);
      expect(summary(findings)).toEqual(['SM107 StatefulSet db/pg']);
      expect(findings[0].istioCode).toBe('IST0116');
      expect(findings[0].message).toContain('Services \'pg\' and \'pg-headless\', which use port 5432 with different protocols (HTTP, TCP)');
    });

    test('is not reported for workloads proven outside the mesh', () => {
      expect(findingsOf('SM107', [
        service('a', 'x', { selector: { app: 'api' }, ports: [{ port: 80, name: 'tcp' }] }),
        service('b', 'x', { selector: { app: 'api' }, ports: [{ port: 80, name: 'http' }] }),
        deployment('api', 'x', { podAnnotations: { 'sidecar.istio.io/inject': 'false' } }),
      ])).toEqual([]);
    });
  });

  describe('SM108 same targetPort, different ports (IST0137)', () => {
    test('resolves named target ports through the container ports', () => {
      const findings = findingsOf('SM108', [
        service('pg-headless', 'db', { headless: true, selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg', targetPort: 'tcp-pg' }] }),
        service('pg', 'db', { selector: { app: 'pg' }, ports: [{ port: 15432, name: 'tcp-pg', targetPort: 5432 }] }),
        statefulSet('pg', 'db', { serviceName: 'pg-headless', labels: { app: 'pg' } }),
      ]);
      expect(summary(findings)).toEqual(['SM108 StatefulSet db/pg']);
      expect(findings[0].message).toContain('send targetPort 5432 of these pods through different ports (5432, 15432)');
      expect(findings[0].message).toContain('use port 5432 in every Service');
    });

    test('is not reported for Services in another namespace', () => {
      expect(findingsOf('SM108', [
        service('a', 'x', { selector: { app: 'api' }, ports: [{ port: 80, name: 'http', targetPort: 8080 }] }),
        service('b', 'y', { selector: { app: 'api' }, ports: [{ port: 81, name: 'http', targetPort: 8080 }] }),
        deployment('api', 'x'),
      ])).toEqual([]);
    });
  });
});
