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
      // istioctl analyze rates IST0118 Info (istio/istio pkg/config/analysis/msg/messages.yaml): sniffing works for client-first protocols
      expect(findings[0].severity).toBe(Severity.INFO);
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

    test('knows Galera IST (4568) and rsync SST (4444), whose listeners speak first', () => {
      const findings = findingsOf('SM104', [service('galera', 'db', { ports: [{ port: 4568, name: 'ist' }, { port: 4444, name: 'sst' }, { port: 4567, name: 'gcomm' }] })]);
      expect(findings.map(f => f.message.match(/carries ([^,]+),/)?.[1])).toEqual(['Galera IST', 'rsync (Galera SST)', 'Galera group communication']);
    });

    test('knows listeners that only send: ncat -l --send-only and socat -u ... TCP-LISTEN', () => {
      const backup = (command: string[]) => [
        service('backup', 'db', { selector: { app: 'backup' }, ports: [{ port: 9999, name: 'stream', targetPort: 7777 }] }),
        deployment('backup', 'db', { labels: { app: 'backup' }, containers: [{ name: 'send' }] }),
      ].map((o, i) => (i === 1 ? { ...o, spec: { ...o.spec, template: { ...o.spec.template, spec: { containers: [{ name: 'send', image: 'x:1', command }] } } } } : o));
      for (const command of [['sh', '-c', 'ncat -l 7777 --send-only < /backup/dump'], ['socat', '-u', 'FILE:/backup/dump', 'TCP-LISTEN:7777,reuseaddr']]) {
        const [finding] = findingsOf('SM104', backup(command));
        expect(finding.message).toContain('carries a send-only listener of container \'send\', where the server speaks first');
        expect(findingsOf('SM102', backup(command))).toEqual([]); // one finding per port

      }
      // a listener that receives (socat -u TCP-LISTEN:... FILE:...) is client-first
      expect(findingsOf('SM104', backup(['socat', '-u', 'TCP-LISTEN:7777', 'FILE:/restore']))).toEqual([]);
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

    test('is not reported for a numeric targetPort the pods do not declare: containerPort declarations are informational', () => {
      expect(findingsOf('SM106', [
        service('api', 'x', { selector: { app: 'api' }, ports: [{ port: 80, name: 'http', targetPort: 8081 }] }),
        deployment('api', 'x', { containers: [{ name: 'api', ports: [{ containerPort: 8080 }] }] }),
      ])).toEqual([]);
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

  describe('SM109 headless Services without the peers\' ports', () => {
    const cassandra = (ports: Array<{ port: number; name: string }>, extra: Record<string, unknown> = {}) => [
      service('cassandra-headless', 'db', { headless: true, selector: { app: 'cassandra' }, ports }),
      statefulSet('cassandra', 'db', {
        serviceName: 'cassandra-headless',
        labels: { app: 'cassandra' },
        containers: [{ name: 'cassandra', ports: [{ containerPort: 9042, name: 'cql' }] }],
        ...extra,
      }),
    ].map(o => (o.kind === 'StatefulSet' ? withImage(o, 'docker.io/bitnami/cassandra:5.0.4') : o));

    test('is reported for a Cassandra headless Service that declares CQL but not the inter-node port 7000', () => {
      const [finding, ...more] = findingsOf('SM109', cassandra([{ port: 9042, name: 'tcp-cql' }]));
      expect(more).toEqual([]);
      expect(finding.origin).toBe('Service db/cassandra-headless');
      expect(finding.severity).toBe(Severity.WARNING);
      expect(finding.message).toContain('selects the Cassandra pods of StatefulSet \'cassandra\', which reach each other on 7000 (inter-node (storage_port))');
      expect(finding.message).toContain('e.g. { name: \'tcp-peer-7000\', port: 7000, appProtocol: tcp }');
    });

    test('is not reported once a headless Service selecting the pods declares the peer port, nor without any declared port (SM101)', () => {
      expect(findingsOf('SM109', cassandra([{ port: 9042, name: 'tcp-cql' }, { port: 7000, name: 'tcp-intra' }]))).toEqual([]);
      expect(findingsOf('SM109', cassandra([]))).toEqual([]);
    });

    test('knows Redis Cluster only in cluster mode, Galera, ZooKeeper and RabbitMQ by image', () => {
      const one = (name: string, image: string, ports: number[], env: any[] = []) => [
        service(`${name}-headless`, 'db', { headless: true, selector: { app: name }, ports: ports.map(p => ({ port: p, name: `tcp-${p}` })) }),
        withImage(statefulSet(name, 'db', { serviceName: `${name}-headless`, labels: { app: name }, containers: [{ name, env }] }), image),
      ];
      const missing = (manifests: any[]) => findingsOf('SM109', manifests).map(f => f.message.match(/on (.*), but/)?.[1]);
      expect(missing(one('redis', 'bitnami/redis-cluster:7.4.2', [6379]))).toEqual(['16379 (cluster bus (client port + 10000))']);
      expect(missing(one('redis', 'redis:7.4.2', [6379], [{ name: 'REDIS_ARGS', value: '--cluster-enabled yes' }]))).toHaveLength(1);
      expect(missing(one('redis', 'redis:7.4.2', [6379]))).toEqual([]); // replication, no cluster bus
      expect(missing(one('galera', 'bitnami/mariadb-galera:11.4', [3306, 4567]))).toEqual(['4568 (incremental state transfer (IST)), 4444 (state snapshot transfer (SST))']);
      expect(missing(one('zk', 'zookeeper:3.9.3', [2181]))).toEqual(['2888 (follower to leader), 3888 (leader election)']);
      expect(missing(one('rabbit', 'rabbitmq:4.0-management', [5672, 4369, 25672]))).toEqual([]);
    });

    test('skips pods proven outside the mesh', () => {
      expect(findingsOf('SM109', [namespace('db'), ...cassandra([{ port: 9042, name: 'tcp-cql' }])])).toEqual([]);
    });
  });

  describe('SM110 HTTP or gRPC declared on a binary database port', () => {
    test('is reported as an error for a PostgreSQL port named http and an SQL port named grpc, with the name to use', () => {
      const findings = findingsOf('SM110', [
        service('pg', 'db', { selector: { app: 'pg' }, ports: [{ port: 5432, name: 'http-postgres' }] }),
        service('mysql', 'db', { ports: [{ port: 3306, name: 'grpc-sql' }] }),
        service('redis', 'db', { ports: [{ port: 6379, name: 'redis-main', appProtocol: 'http' }] }),
      ]);
      expect(findings.map(f => [f.name, f.severity])).toEqual([['pg', Severity.ERROR], ['mysql', Severity.ERROR], ['redis', Severity.ERROR]]);
      expect(findings[0].message).toContain('port 5432 (name \'http-postgres\', no appProtocol) is declared HTTP, but it is the PostgreSQL port');
      expect(findings[0].message).toContain('name it \'tcp-postgres\' and set appProtocol: tcp');
      expect(findings[1].message).toContain('is declared GRPC, but it is the MySQL/MariaDB port');
    });

    test('is reported through the target port and the pods\' image', () => {
      const manifests = [
        service('db', 'x', { selector: { app: 'db' }, ports: [{ port: 80, name: 'http', targetPort: 5432 }] }),
        withImage(deployment('db', 'x', { containers: [{ name: 'db' }] }), 'postgres:16.4'),
      ];
      expect(summary(findingsOf('SM110', manifests))).toEqual(['SM110 Service x/db']);
    });

    test('is not reported for TCP declarations, for HTTP on other ports, nor without a word naming the engine', () => {
      expect(findingsOf('SM110', [
        service('a', 'x', { ports: [{ port: 5432, name: 'tcp-postgres' }, { port: 8008, name: 'http-patroni' }] }),
        service('api', 'x', { ports: [{ port: 5432, name: 'http' }] }), // an HTTP API on 5432: nothing says PostgreSQL
      ])).toEqual([]);
    });
  });
});

/** The workload with its containers' image set. */
function withImage(workload: any, image: string): any {
  workload.spec.template.spec.containers.forEach((c: any) => { c.image = image; });
  return workload;
}
