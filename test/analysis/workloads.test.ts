import { deployment, findingsOf, healthyPostgres, namespace, service, statefulSet, summary } from './support';
import { Severity } from '../../src';

const POD_NAME = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

function pgWithEnv(env: any[], serviceName = 'pg-headless'): any {
  return statefulSet('pg', 'db', { serviceName, labels: { app: 'pg' }, containers: [{ name: 'pg', ports: [{ containerPort: 5432, name: 'tcp-pg' }], env }] });
}

describe('workloads (SM2xx)', () => {
  describe('SM201 UID 1337', () => {
    test('is reported once per workload, naming the pod security context and each container that run as the proxy UID', () => {
      const sts = statefulSet('pg', 'db', { containers: [{ name: 'pg', runAsUser: 1337 }], podSpec: { securityContext: { runAsUser: 1337 } } });
      const [finding] = findingsOf('SM201', [sts]);
      expect(finding.istioCode).toBe('IST0144');
      expect(finding.severity).toBe(Severity.ERROR);
      expect(finding.message).toBe('StatefulSet db/pg: the pod security context and container \'pg\' set runAsUser 1337, the UID of the Istio proxy, '
        + 'so the traffic bypasses the sidecar; run the application as another UID');
      expect(finding.path).toBe('spec.template.spec.securityContext.runAsUser');
    });

    test('skips Istio\'s own containers, the control plane, and pods proven outside the mesh', () => {
      expect(findingsOf('SM201', [
        statefulSet('a', 'x', { containers: [{ name: 'app' }, { name: 'istio-proxy', runAsUser: 1337 }] }),
        { ...deployment('istiod', 'istio-system', { containers: [{ name: 'discovery', runAsUser: 1337 }] }), metadata: { name: 'istiod', namespace: 'istio-system', labels: { istio: 'pilot' } } },
        deployment('legacy', 'x', { podAnnotations: { 'sidecar.istio.io/inject': 'false' }, containers: [{ name: 'app', runAsUser: 1337 }] }),
      ])).toEqual([]);
    });
  });

  describe('StatefulSet serviceName (SM202, SM203, SM204)', () => {
    /** A container that advertises `$(POD_NAME).<service>...`: the pods rely on their DNS names. */
    const advertising = (svc: string) => [{
      name: 'pg',
      ports: [{ containerPort: 5432, name: 'tcp-pg' }],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'CONNECT_ADDRESS', value: `$(POD_NAME).${svc}.db.svc.cluster.local:5432` },
      ],
    }];

    test('SM202 reports a StatefulSet without serviceName whose pods rely on their names, suggesting <name>-headless', () => {
      const [finding] = findingsOf('SM202', [statefulSet('pg', 'db', { containers: advertising('pg-headless') })]);
      expect(finding.severity).toBe(Severity.WARNING);
      expect(finding.message).toContain('has no spec.serviceName, so its pods get no stable DNS names, yet container \'pg\' builds an address on the pod name');
      expect(finding.message).toContain('\'pg-headless\'');
    });

    test('SM202 takes a clustered engine, or another workload naming a pod, as evidence; and leaves storage-only StatefulSets alone', () => {
      const cassandra = statefulSet('cassandra', 'db', { containers: [{ name: 'cassandra' }] });
      cassandra.spec.template.spec.containers[0].image = 'cassandra:5.0';
      const client = deployment('app', 'db', { containers: [{ name: 'app', env: [{ name: 'DB', value: 'pg-0.pg.db.svc.cluster.local' }] }] });
      expect(findingsOf('SM202', [cassandra, statefulSet('pg', 'db'), client]).map(f => f.message.split(', yet ')[1].split(';')[0])).toEqual([
        'container \'cassandra\' runs Cassandra, whose members reach each other by address',
        'Deployment \'app\' env DB names its pods (\'pg-0.pg.db.svc.cluster.local\')',
      ]);
      expect(findingsOf('SM202', [statefulSet('controller', 'db')])).toEqual([]);
    });

    test('SM203 reports a serviceName that names a ClusterIP Service', () => {
      const [finding] = findingsOf('SM203', [
        service('pg', 'db', { selector: { app: 'pg' }, ports: [{ port: 5432, name: 'tcp-pg' }] }),
        statefulSet('pg', 'db', { serviceName: 'pg', labels: { app: 'pg' }, containers: advertising('pg') }),
      ]);
      expect(finding.message).toContain('spec.serviceName \'pg\' names a Service that is not headless (clusterIP: unset)');
      expect(finding.message).toContain('point serviceName at a headless Service (clusterIP: None)');
    });

    test('SM204 reports a headless Service that does not select the StatefulSet\'s pods', () => {
      const [finding] = findingsOf('SM204', [
        service('pg-headless', 'db', { headless: true, selector: { app: 'postgres' }, ports: [{ port: 5432, name: 'tcp-pg' }] }),
        statefulSet('pg', 'db', { serviceName: 'pg-headless', labels: { app: 'pg' }, containers: advertising('pg-headless') }),
      ]);
      expect(finding.message).toContain('whose selector (app=postgres) does not match the pod labels (app=pg)');
    });

    test('stay quiet when the Service is not among the manifests', () => {
      const manifests = [statefulSet('pg', 'db', { serviceName: 'pg-headless' })];
      expect(findingsOf('SM203', manifests)).toEqual([]);
      expect(findingsOf('SM204', manifests)).toEqual([]);
    });
  });

  describe('SM205 and SM206 names', () => {
    test('SM205 reports a StatefulSet name longer than 52 characters', () => {
      const name = 'a'.repeat(53);
      const [finding] = findingsOf('SM205', [statefulSet(name, 'db', { serviceName: 'h' })]);
      expect(finding.message).toContain(`name '${name}' is 53 characters long; Kubernetes creates no pods for a StatefulSet name longer than 52`);
      expect(findingsOf('SM205', [statefulSet('a'.repeat(52), 'db', { serviceName: 'h' })])).toEqual([]);
    });

    test('SM206 reports a pod DNS name longer than 253 characters (possible with a long cluster domain)', () => {
      const manifests = [statefulSet('s'.repeat(52), 'n'.repeat(63), { serviceName: 'h'.repeat(63), replicas: 100 })];
      const [finding] = findingsOf('SM206', manifests, { clusterDomain: `${'c'.repeat(60)}.local` });
      expect(finding.message).toMatch(/pod DNS name 's{52}-99\.h{63}\.n{63}\.svc\.c{60}\.local' is 254 characters long/);
      expect(findingsOf('SM206', manifests)).toEqual([]);
    });

    test('SM206 reports a Pod whose host name under a subdomain is longer than 63 characters', () => {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { hostname: 'h'.repeat(64), subdomain: 's', containers: [] } };
      expect(summary(findingsOf('SM206', [pod]))).toEqual(['SM206 Pod x/p']);
    });
  });

  describe('SM207 env used before it is defined', () => {
    test('is reported for $(VAR) referring to a later variable, naming both and the fix', () => {
      const [finding] = findingsOf('SM207', [pgWithEnv([{ name: 'ADDR', value: '$(POD_NAME).pg-headless.db.svc.cluster.local' }, POD_NAME])]);
      expect(finding.message).toBe('StatefulSet db/pg: container \'pg\' env ADDR uses $(POD_NAME) but POD_NAME is defined after it, '
        + 'so Kubernetes keeps the literal text \'$(POD_NAME)\'; define POD_NAME first');
      expect(finding.path).toBe('spec.template.spec.containers[0].env[0]');
    });

    test('ignores escaped $$(VAR) and variables defined before', () => {
      expect(findingsOf('SM207', [pgWithEnv([POD_NAME, { name: 'A', value: '$(POD_NAME) $$(LATER)' }, { name: 'LATER', value: 'x' }])])).toEqual([]);
    });
  });

  describe('SM208 per-pod address naming the wrong Service', () => {
    test('is reported when $(POD_NAME) is put under a Service that is not the StatefulSet\'s serviceName, with the corrected address', () => {
      const [finding] = findingsOf('SM208', [pgWithEnv([POD_NAME, { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: '$(POD_NAME).pg.db.svc.cluster.local:5432' }])]);
      expect(finding.message).toContain('\'$(POD_NAME).pg.db.svc\' names Service \'pg\' in namespace \'db\', but the pods\' DNS names live under '
        + 'the headless Service \'pg-headless\' in \'db\' (spec.serviceName); use \'$(POD_NAME).pg-headless.db.svc.cluster.local\'');
    });

    test('is reported for a short form in another namespace than the pods\'', () => {
      expect(summary(findingsOf('SM208', [namespace('other'), pgWithEnv([POD_NAME, { name: 'A', value: 'http://$(POD_NAME).pg-headless.other:8008' }])])))
        .toEqual(['SM208 StatefulSet db/pg']);
    });

    test('is reported for a literal pod name under a ClusterIP Service', () => {
      const findings = findingsOf('SM208', [
        service('redis', 'cache', { selector: { app: 'redis' }, ports: [{ port: 6379, name: 'tcp-redis' }] }),
        deployment('client', 'cache', { containers: [{ name: 'c', env: [{ name: 'REDIS_MASTER_HOST', value: 'redis-0.redis.cache.svc.cluster.local' }] }] }),
      ]);
      expect(findings[0].message).toContain('names Service \'redis\' in \'cache\', which is not headless, so \'redis-0\' does not resolve under it');
    });

    test('is reported for $(POD_NAME) addresses of a Deployment, whose pods have no DNS names', () => {
      const [finding] = findingsOf('SM208', [deployment('api', 'x', { containers: [{ name: 'api', env: [POD_NAME, { name: 'SELF', value: '$(POD_NAME).api.x.svc' }] }] })]);
      expect(finding.message).toContain('but pods of Deployment \'api\' have none');
    });

    test('accepts the right address, peer lists of literal pod names, and external names', () => {
      expect(findingsOf('SM208', [
        ...healthyPostgres(),
        deployment('client', 'db', {
          containers: [{
            name: 'c',
            env: [POD_NAME,
              { name: 'SEEDS', value: 'pg-0.pg-headless.db.svc.cluster.local:5432,pg-1.pg-headless.db.svc.cluster.local:5432' },
              { name: 'PUBLIC', value: '$(POD_NAME).example.com' }],
          }],
        }),
      ])).toEqual([]);
    });
  });

  describe('SM209 StatefulSet advertising pod IPs', () => {
    const patroni = (env: any[]) => statefulSet('pg', 'db', { serviceName: 'pg-headless', containers: [{ name: 'patroni', env }] });
    const POD_IP = { name: 'PATRONI_KUBERNETES_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } };

    test('is reported for a connect address built from the pod IP (Patroni\'s own example), and for a pod IP advertised directly', () => {
      const findings = findingsOf('SM209', [
        patroni([POD_IP, { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: '$(PATRONI_KUBERNETES_POD_IP):5432' }]),
        statefulSet('cassandra', 'db', {
          serviceName: 'cassandra-headless',
          containers: [{ name: 'cassandra', env: [{ name: 'CASSANDRA_BROADCAST_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
        }),
      ]);
      expect(findings.map(f => [f.name, f.path, f.severity])).toEqual([
        ['pg', 'spec.template.spec.containers[0].env[1]', Severity.WARNING],
        ['cassandra', 'spec.template.spec.containers[0].env[0]', Severity.WARNING],
      ]);
      expect(findings[0].message).toContain('env PATRONI_POSTGRESQL_CONNECT_ADDRESS = \'$(PATRONI_KUBERNETES_POD_IP):5432\' is built from the pod IP');
      expect(findings[0].message).toContain('advertise the stable name instead: \'$(POD_NAME).pg-headless.db.svc.cluster.local\'');
      expect(findings[1].message).toContain('env CASSANDRA_BROADCAST_ADDRESS is the pod IP (fieldRef status.podIP)');
    });

    test('is reported for Patroni\'s own image without a connect address: its entrypoint advertises the pod IP', () => {
      const sts = patroni([POD_IP, { name: 'PATRONI_KUBERNETES_USE_ENDPOINTS', value: 'true' }]);
      sts.spec.template.spec.containers[0].image = 'patroni';
      const [finding] = findingsOf('SM209', [sts]);
      expect(finding.message).toContain('runs Patroni\'s image without PATRONI_POSTGRESQL_CONNECT_ADDRESS, so its entrypoint advertises the pod IP');
    });

    test('is not reported for a pod IP read for another purpose, for stable names, nor for Deployments', () => {
      expect(findingsOf('SM209', [
        patroni([POD_IP, { name: 'PATRONI_KUBERNETES_USE_ENDPOINTS', value: 'true' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: '$(POD_NAME).pg-headless.db.svc.cluster.local:5432' }]),
        deployment('api', 'db', { containers: [{ name: 'api', env: [{ name: 'ADVERTISED_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] }),
      ])).toEqual([]);
    });
  });

  describe('SM210 init container needing the network before a classic sidecar is up', () => {
    const withInit = (init: any, labels: Record<string, string> = { 'app': 'api', 'sidecar.istio.io/inject': 'true' }, annotations?: Record<string, string>) => {
      const d = deployment('api', 'x', { labels, podAnnotations: annotations });
      d.spec.template.spec.initContainers = [{ name: 'wait-for-db', image: 'postgres:16.4', ...init }];
      return d;
    };
    const WAIT = { command: ['sh', '-c', 'until pg_isready -h pg.db.svc.cluster.local; do sleep 2; done'] };

    test('is reported for an init container that connects out in a sidecar-injected pod', () => {
      const [finding] = findingsOf('SM210', [withInit(WAIT)]);
      expect(finding.path).toBe('spec.template.spec.initContainers[0]');
      expect(finding.severity).toBe(Severity.WARNING);
      expect(finding.message).toContain('init container \'wait-for-db\' connects out (pg_isready) while its traffic is already redirected');
      expect(finding.message).toContain('sidecar.istio.io/nativeSidecar: "true"');
      expect(findingsOf('SM210', [withInit({ args: ['wget', '-qO-', 'http://config/'] })])).toHaveLength(1);
      expect(findingsOf('SM210', [withInit({ command: ['bash', '-c', 'echo > /dev/tcp/db/5432'] })])).toHaveLength(1);
    });

    test('is not reported with a native sidecar, UID 1337, excluded outbound traffic, outside the mesh, or for local work', () => {
      expect(findingsOf('SM210', [
        withInit(WAIT, undefined, { 'sidecar.istio.io/nativeSidecar': 'true' }),
        withInit({ ...WAIT, securityContext: { runAsUser: 1337 } }),
        withInit(WAIT, undefined, { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' }),
        withInit(WAIT, { 'app': 'api', 'sidecar.istio.io/inject': 'false' }),
        withInit({ command: ['sh', '-c', 'chown -R 999 /data && nc -l 9000'] }),
      ])).toEqual([]);
    });
  });
});
