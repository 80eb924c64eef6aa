import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppProtocol, ClientServiceRole, DisruptionBudget, HeadlessStatefulService, HeadlessStatefulServiceProps, MeshService, PodAntiAffinity } from '../src';
import { all, chart, only, synth } from './support/manifests';

const IMAGE = 'registry.example.com/db:1.2.3';

function db(props: HeadlessStatefulServiceProps = {}, c = chart()) {
  return new HeadlessStatefulService(c, 'Db', {
    containers: [{ name: 'db', image: IMAGE }],
    ports: [{ port: 5432, name: 'postgresql' }],
    ...props,
  });
}

function env(manifests: any[], container = 0): Array<{ name: string; value?: string; valueFrom?: any }> {
  return only(manifests, 'StatefulSet').spec.template.spec.containers[container].env;
}

describe('HeadlessStatefulService', () => {
  test('defaults', () => {
    const c = chart();
    db({}, c);
    expect(synth(c)).toMatchSnapshot();
  });

  describe('headless Service', () => {
    test('is headless, named <name>-headless, the StatefulSet serviceName, and selects exactly its pods', () => {
      const c = chart();
      const hss = db({ replicas: 3 }, c);
      const manifests = synth(c);
      const svc = only(manifests, 'Service', 'db-headless');
      const sts = only(manifests, 'StatefulSet', 'db');

      expect(svc.spec.clusterIP).toBe('None');
      expect(sts.spec.serviceName).toBe('db-headless');
      expect(hss.headlessServiceName).toBe('db-headless');
      // the Service and the StatefulSet select the same labels, and the pod template carries them
      expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'db' });
      expect(sts.spec.selector.matchLabels).toEqual(svc.spec.selector);
      expect(sts.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    });

    test('its name can be set', () => {
      const c = chart();
      const hss = db({ headlessServiceName: 'db-peers' }, c);
      expect(only(synth(c), 'StatefulSet').spec.serviceName).toBe('db-peers');
      expect(hss.podFqdn(0)).toBe('db-0.db-peers.ns.svc.cluster.local');
    });

    test('publishes not-ready addresses by default, so peers resolve each other at bootstrap', () => {
      const c = chart();
      db({}, c);
      expect(only(synth(c), 'Service', 'db-headless').spec.publishNotReadyAddresses).toBe(true);
    });

    test('publishNotReadyAddresses can be turned off', () => {
      const c = chart();
      db({ publishNotReadyAddresses: false }, c);
      expect(only(synth(c), 'Service', 'db-headless').spec.publishNotReadyAddresses).toBeUndefined();
    });
  });

  describe('ports', () => {
    test('every port is declared on the Service, named, with appProtocol, targeting a named container port', () => {
      const c = chart();
      db({ ports: [{ port: 5432, name: 'postgresql' }, { port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' }] }, c);
      const manifests = synth(c);
      const servicePorts = only(manifests, 'Service', 'db-headless').spec.ports;
      const containerPorts = only(manifests, 'StatefulSet').spec.template.spec.containers[0].ports;

      expect(servicePorts).toEqual([
        { name: 'tcp-postgresql', port: 5432, targetPort: 'tcp-postgresql', protocol: 'TCP', appProtocol: 'tcp' },
        { name: 'http-patroni', port: 8008, targetPort: 'http-patroni', protocol: 'TCP', appProtocol: 'http' },
      ]);
      expect(containerPorts).toEqual([
        { containerPort: 5432, name: 'tcp-postgresql', protocol: 'TCP' },
        { containerPort: 8008, name: 'http-patroni', protocol: 'TCP' },
      ]);
      for (const port of servicePorts) {
        expect(containerPorts).toContainEqual(expect.objectContaining({ name: port.targetPort, containerPort: port.port }));
      }
    });

    test('a port added after construction still lands on the container, the headless Service and client Services', () => {
      const c = chart();
      const hss = db({}, c);
      const client = hss.addClientService('Client');
      const metrics = hss.addPort({ port: 9187, protocol: AppProtocol.HTTP, name: 'metrics' });
      expect(metrics).toEqual({ port: 9187, name: 'http-metrics', protocol: AppProtocol.HTTP });

      const manifests = synth(c);
      expect(only(manifests, 'Service', 'db-headless').spec.ports.map((p: any) => p.name)).toEqual(['tcp-postgresql', 'http-metrics']);
      expect(only(manifests, 'Service', 'db').spec.ports.map((p: any) => p.name)).toEqual(['tcp-postgresql', 'http-metrics']);
      expect(only(manifests, 'StatefulSet').spec.template.spec.containers[0].ports.map((p: any) => p.name)).toEqual(['tcp-postgresql', 'http-metrics']);
      expect(client.meshPorts.map(p => p.port)).toEqual([5432, 9187]);
    });

    test('a port goes to the container it names', () => {
      const c = chart();
      const hss = db({}, c);
      const exporter = hss.statefulSet.addContainer({ name: 'exporter', image: 'registry.example.com/exporter:0.15.0' });
      hss.addPort({ port: 9187, protocol: AppProtocol.HTTP, name: 'metrics', container: exporter });
      const containers = only(synth(c), 'StatefulSet').spec.template.spec.containers;
      expect(containers[0].ports.map((p: any) => p.containerPort)).toEqual([5432]);
      expect(containers[1].ports).toEqual([{ containerPort: 9187, name: 'http-metrics', protocol: 'TCP' }]);
    });

    test('a container port the user already declared with the same name is adopted, not duplicated', () => {
      const c = chart();
      new HeadlessStatefulService(c, 'Db', {
        containers: [{ name: 'db', image: IMAGE, ports: [{ number: 5432, name: 'tcp-postgresql' }] }],
        ports: [{ port: 5432, name: 'postgresql' }],
      });
      expect(only(synth(c), 'StatefulSet').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 5432, name: 'tcp-postgresql' }]);
    });
  });

  describe('per-pod identity', () => {
    test('pod names, FQDNs, addresses and peers follow <name>-<i>.<headless>.<ns>.svc.<clusterDomain>', () => {
      const hss = db({ replicas: 3 }, chart('data'));
      expect(hss.namespace).toBe('data');
      expect(hss.clusterDomain).toBe('cluster.local');
      expect(hss.headlessServiceFqdn).toBe('db-headless.data.svc.cluster.local');
      expect(hss.podName(2)).toBe('db-2');
      expect(hss.podFqdn(1)).toBe('db-1.db-headless.data.svc.cluster.local');
      expect(hss.connectAddress(0, 5432)).toBe('db-0.db-headless.data.svc.cluster.local:5432');
      expect(hss.peerFqdns()).toEqual([
        'db-0.db-headless.data.svc.cluster.local',
        'db-1.db-headless.data.svc.cluster.local',
        'db-2.db-headless.data.svc.cluster.local',
      ]);
      expect(hss.selfFqdn).toBe('$(POD_NAME).db-headless.data.svc.cluster.local');
    });

    test('namespace, cluster domain and name come from the props when given', () => {
      const c = chart('ignored');
      const hss = db({ name: 'orders', namespace: 'shop', clusterDomain: 'corp.internal' }, c);
      expect(hss.podFqdn(0)).toBe('orders-0.orders-headless.shop.svc.corp.internal');
      const manifests = synth(c);
      for (const m of manifests) {
        expect(m.metadata.namespace).toBe('shop');
      }
    });

    test('peer lists are built from a template, for each engine\'s own format', () => {
      const hss = db({ replicas: 3 }, chart('data'));
      expect(hss.peerList('{host}:2888:3888::{id}', { separator: ' ' })).toBe(
        'db-0.db-headless.data.svc.cluster.local:2888:3888::1 db-1.db-headless.data.svc.cluster.local:2888:3888::2 db-2.db-headless.data.svc.cluster.local:2888:3888::3');
      expect(hss.peerList('{pod}=http://{host}:2380')).toBe(
        'db-0=http://db-0.db-headless.data.svc.cluster.local:2380,db-1=http://db-1.db-headless.data.svc.cluster.local:2380,db-2=http://db-2.db-headless.data.svc.cluster.local:2380');
      expect(hss.peerList('{ordinal}@{host}:9093')).toBe(
        '0@db-0.db-headless.data.svc.cluster.local:9093,1@db-1.db-headless.data.svc.cluster.local:9093,2@db-2.db-headless.data.svc.cluster.local:9093');
      expect(hss.peerList('{host}', { count: 2 })).toBe('db-0.db-headless.data.svc.cluster.local,db-1.db-headless.data.svc.cluster.local');
    });

    test('fromAttributes computes the same identities for a StatefulSet created elsewhere', () => {
      const c = chart();
      const remote = HeadlessStatefulService.fromAttributes(c, 'Remote', { name: 'cassandra', namespace: 'data', replicas: 3, ports: [{ port: 9042, name: 'cql' }] });
      expect(remote.podFqdn(2)).toBe('cassandra-2.cassandra-headless.data.svc.cluster.local');
      expect(remote.connectAddress(1, 9042)).toBe('cassandra-1.cassandra-headless.data.svc.cluster.local:9042');
      expect(remote.peerList('{host}', { count: 2 })).toBe('cassandra-0.cassandra-headless.data.svc.cluster.local,cassandra-1.cassandra-headless.data.svc.cluster.local');
      expect(() => remote.connectAddress(0, 7000)).toThrow(/test\/Remote: port 7000 is not one of the declared ports of 'cassandra' \(9042\); use one of them, or add the port to the attributes' ports$/);
    });
  });

  describe('connect-address env', () => {
    test('Patroni style: POD_NAME from metadata.name comes first, once, then the addresses that use it', () => {
      const c = chart('db');
      const hss = db({ name: 'pg', ports: [{ port: 5432, name: 'postgresql' }, { port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' }] }, c);
      hss.addPodAddressEnv('PATRONI_POSTGRESQL_CONNECT_ADDRESS', 5432);
      hss.addPodAddressEnv('PATRONI_RESTAPI_CONNECT_ADDRESS', 8008);
      expect(env(synth(c))).toEqual([
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: '$(POD_NAME).pg-headless.db.svc.cluster.local:5432' },
        { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: '$(POD_NAME).pg-headless.db.svc.cluster.local:8008' },
      ]);
    });

    test('URL, bare host and peer list forms', () => {
      const c = chart('kv');
      const hss = new HeadlessStatefulService(c, 'Etcd', {
        replicas: 3,
        containers: [{ name: 'etcd', image: 'registry.example.com/etcd:3.5.17' }],
        ports: [{ port: 2379, name: 'client' }, { port: 2380, name: 'peer' }],
      });
      expect(hss.addPodUrlEnv('ETCD_ADVERTISE_CLIENT_URLS', 'http', 2379)).toBe('http://$(POD_NAME).etcd-headless.kv.svc.cluster.local:2379');
      hss.addPodHostEnv('MY_HOST');
      hss.addPeerListEnv('ETCD_INITIAL_CLUSTER', '{pod}=http://{host}:2380');
      expect(env(synth(c))).toEqual([
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'ETCD_ADVERTISE_CLIENT_URLS', value: 'http://$(POD_NAME).etcd-headless.kv.svc.cluster.local:2379' },
        { name: 'MY_HOST', value: '$(POD_NAME).etcd-headless.kv.svc.cluster.local' },
        {
          name: 'ETCD_INITIAL_CLUSTER',
          value: 'etcd-0=http://etcd-0.etcd-headless.kv.svc.cluster.local:2380,etcd-1=http://etcd-1.etcd-headless.kv.svc.cluster.local:2380,etcd-2=http://etcd-2.etcd-headless.kv.svc.cluster.local:2380',
        },
      ]);
    });

    test('a POD_NAME the user already defined from metadata.name is reused, keeping its place', () => {
      const c = chart();
      const hss = db({
        containers: [{
          name: 'db',
          image: IMAGE,
          envVariables: { POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME), LOG_LEVEL: kplus.EnvValue.fromValue('info') },
        }],
      }, c);
      hss.addPodHostEnv('ADVERTISED_HOST');
      expect(env(synth(c)).map(e => e.name)).toEqual(['POD_NAME', 'LOG_LEVEL', 'ADVERTISED_HOST']);
    });

    test('the variables go to the chosen container', () => {
      const c = chart();
      const hss = db({}, c);
      const sidecar = hss.statefulSet.addContainer({ name: 'agent', image: 'registry.example.com/agent:2.0.1' });
      hss.addPodHostEnv('NODE_HOST', { container: sidecar });
      const containers = only(synth(c), 'StatefulSet').spec.template.spec.containers;
      expect(containers[0].env).toBeUndefined();
      expect(containers[1].env.map((e: any) => e.name)).toEqual(['POD_NAME', 'NODE_HOST']);
    });
  });

  describe('per-pod volumes', () => {
    test('a volume claim becomes a volumeClaimTemplates entry mounted into the container', () => {
      const c = chart();
      const hss = db({}, c);
      hss.addVolumeClaim('data', { mountPath: '/var/lib/db', storage: Size.gibibytes(8), storageClassName: 'fast' });
      const sts = only(synth(c), 'StatefulSet');
      expect(sts.spec.volumeClaimTemplates).toEqual([{
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '8Gi' } } },
      }]);
      expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/db' }]);
      expect(sts.spec.template.spec.volumes).toBeUndefined();
    });

    test('claims sit beside the container\'s other mounts, in the container they name', () => {
      const c = chart();
      const hss = db({}, c);
      const agent = hss.statefulSet.addContainer({ name: 'agent', image: 'registry.example.com/agent:2.0.1' });
      hss.statefulSet.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(c, 'Tmp', 'tmp'));
      hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(1) });
      hss.addVolumeClaim('wal', { mountPath: '/wal', storage: Size.mebibytes(512), container: agent, accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD] });
      const sts = only(synth(c), 'StatefulSet');
      expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'data', mountPath: '/data' }]);
      expect(sts.spec.template.spec.containers[1].volumeMounts).toEqual([{ name: 'wal', mountPath: '/wal' }]);
      expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.accessModes, t.spec.resources.requests.storage]))
        .toEqual([['data', ['ReadWriteOnce'], '1Gi'], ['wal', ['ReadWriteOncePod'], '512Mi']]);
    });

    test('a volume claim can be mounted into more containers, init containers included', () => {
      const c = chart();
      const hss = db({}, c);
      const init = hss.statefulSet.addInitContainer({ name: 'prepare', image: 'registry.example.com/tools:1.0.0' });
      hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(1) });
      hss.mountVolumeClaim('data', init, '/seed');
      hss.addPodHostEnv('SELF', { container: init });
      const pod = only(synth(c), 'StatefulSet').spec.template.spec;
      expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/seed' }]);
      expect(pod.initContainers[0].env.map((e: any) => e.name)).toEqual(['POD_NAME', 'SELF']);
      expect(pod.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    });
  });

  describe('disruption budget and anti-affinity', () => {
    test('a PodDisruptionBudget with maxUnavailable 1 and soft anti-affinity on the hostname by default', () => {
      const c = chart();
      db({ replicas: 3 }, c);
      const manifests = synth(c);
      expect(only(manifests, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } });
      expect(only(manifests, 'StatefulSet').spec.template.spec.affinity).toEqual({
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 1,
            podAffinityTerm: { labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } }, topologyKey: 'kubernetes.io/hostname' },
          }],
        },
      });
    });

    test('minAvailable, required anti-affinity, and opting out of both', () => {
      let c = chart();
      db({ replicas: 3, disruptionBudget: DisruptionBudget.minAvailable(2), podAntiAffinity: PodAntiAffinity.REQUIRED }, c);
      let manifests = synth(c);
      expect(only(manifests, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
      const antiAffinity = only(manifests, 'StatefulSet').spec.template.spec.affinity.podAntiAffinity;
      expect(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
        { labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } }, topologyKey: 'kubernetes.io/hostname' },
      ]);

      c = chart();
      const hss = db({ disruptionBudget: DisruptionBudget.none(), podAntiAffinity: PodAntiAffinity.NONE }, c);
      manifests = synth(c);
      expect(all(manifests, 'PodDisruptionBudget')).toEqual([]);
      expect(hss.podDisruptionBudget).toBeUndefined();
      expect(only(manifests, 'StatefulSet').spec.template.spec.affinity).toBeUndefined();
    });
  });

  describe('client Services', () => {
    test('a ClusterIP Service named after the StatefulSet, selecting its pods, with every port by default', () => {
      const c = chart();
      const hss = db({}, c);
      const client = hss.addClientService('Client');
      const svc = only(synth(c), 'Service', 'db');
      expect(client.fqdn).toBe('db.ns.svc.cluster.local');
      expect(svc.spec.clusterIP).toBeUndefined();
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'db' });
      expect(svc.spec.ports).toEqual([{ name: 'tcp-postgresql', port: 5432, targetPort: 'tcp-postgresql', protocol: 'TCP', appProtocol: 'tcp' }]);
      expect(hss.clientServices).toEqual([client]);
    });

    test('a subset of ports, extra selector labels, or no selector at all', () => {
      const c = chart();
      const hss = db({ ports: [{ port: 5432, name: 'postgresql' }, { port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' }] }, c);
      hss.addClientService('Leader', { name: 'db-leader', ports: [5432], selectPods: false });
      hss.addClientService('Replicas', { name: 'db-replicas', ports: [5432], selectorLabels: { role: 'replica' } });
      hss.addPort({ port: 9187, protocol: AppProtocol.HTTP, name: 'metrics' });
      const manifests = synth(c);
      const leader = only(manifests, 'Service', 'db-leader');
      const replicas = only(manifests, 'Service', 'db-replicas');
      expect(leader.spec.selector).toBeUndefined();
      expect(leader.spec.ports.map((p: any) => p.port)).toEqual([5432]);
      expect(replicas.spec.selector).toEqual({ 'app.kubernetes.io/name': 'db', 'role': 'replica' });
      expect(replicas.spec.ports.map((p: any) => p.port)).toEqual([5432]);
    });

    test('are found by role: given, or implied by the ids Primary, Leader and Replicas', () => {
      const hss = db();
      const members = hss.addClientService('Client', { ports: [5432] });
      expect(hss.findClientService(ClientServiceRole.MEMBERS)).toBe(members);
      expect(hss.findClientService(ClientServiceRole.PRIMARY)).toBeUndefined();
      const leader = hss.addClientService('Leader', { name: 'db-leader', ports: [5432], selectPods: false });
      const readers = hss.addClientService('Readers', { name: 'db-readers', ports: [5432], role: ClientServiceRole.REPLICAS });
      expect(hss.findClientService(ClientServiceRole.PRIMARY)).toBe(leader);
      expect(hss.findClientService(ClientServiceRole.REPLICAS)).toBe(readers);

      const other = db({}, chart());
      const writer = other.addClientService('Replicas', { ports: [5432], role: ClientServiceRole.PRIMARY });
      expect(other.findClientService(ClientServiceRole.PRIMARY)).toBe(writer);
      expect(other.findClientService(ClientServiceRole.REPLICAS)).toBeUndefined();
    });
  });

  describe('one object per name', () => {
    test('StatefulSets of one name in different namespaces, or different names in one namespace, are separate objects', () => {
      const app = Testing.app();
      db({ namespace: 'a' }, new Chart(app, 'one'));
      db({ namespace: 'b' }, new Chart(app, 'two'));
      db({ namespace: 'a', name: 'db2' }, new Chart(app, 'three'));
      expect(app.synthYaml()).toContain('name: db2');
    });

    test('a second StatefulSet of the same name in the same namespace is refused, in any chart of the app', () => {
      const app = Testing.app();
      db({}, new Chart(app, 'one', { namespace: 'ns' }));
      expect(() => db({}, new Chart(app, 'two', { namespace: 'ns' })))
        .toThrow(/^two\/Db: StatefulSet 'db' in namespace 'ns' is already written by one\/Db: two objects with one name in one namespace are one object in the cluster, the second overwriting the first; give one of them another name \(or another namespace\)$/);
    });

    test('a headless or client Service whose name another Service of the app already has is refused', () => {
      const c = chart();
      db({}, c);
      new MeshService(c, 'Other', { name: 'shared', ports: [{ port: 80 }] });
      expect(() => new HeadlessStatefulService(c, 'Db2', { containers: [{ name: 'db', image: IMAGE }], headlessServiceName: 'db-headless' }))
        .toThrow(/^test\/Db2: Service 'db-headless' in namespace 'ns' is already written by test\/Db: .*give one of them another headlessServiceName/);
      const second = new HeadlessStatefulService(c, 'Second', { containers: [{ name: 'db', image: IMAGE }], ports: [{ port: 5432 }] });
      expect(() => second.addClientService('Client', { name: 'shared' }))
        .toThrow(/test\/Second: Service 'shared' in namespace 'ns' is already written by test\/Other: .*give one of them another client Service name/);
    });
  });

  describe('after app.synth()', () => {
    test('adding a port, env, volume or client Service fails: the manifests are written', () => {
      const app = Testing.app();
      const hss = db({}, new Chart(app, 'test', { namespace: 'ns' }));
      app.synth();
      expect(() => hss.addPort({ port: 8008 }))
        .toThrow(/^test\/Db: addPort\(\) adds port 8008 after app.synth\(\) wrote the manifests, so they lack it; call addPort\(\) before app.synth\(\)$/);
      expect(() => hss.addClientService('Client')).toThrow(/test\/Db: addClientService\(\) adds client Service 'Client' after app.synth\(\)/);
      expect(() => hss.addPodHostEnv('HOST')).toThrow(/addPodHostEnv\(\) adds env HOST after app.synth\(\)/);
      expect(() => hss.addPeerListEnv('PEERS', '{host}')).toThrow(/addPeerListEnv\(\) adds env PEERS after app.synth\(\)/);
      expect(() => hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(1) })).toThrow(/addVolumeClaim\(\) adds volume claim 'data' after app.synth\(\)/);
      expect(() => hss.headlessService.addPort({ port: 9000 })).toThrow(/^test\/Db\/HeadlessService: addPort\(\) adds port 9000 after app.synth\(\)/);
    });

    test('rendering without writing (Testing.synth, synthYaml) leaves the constructs open to changes', () => {
      const c = chart();
      const hss = db({}, c);
      Testing.synth(c);
      hss.addPort({ port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' });
      expect(only(synth(c), 'Service', 'db-headless').spec.ports.map((p: any) => p.port)).toEqual([5432, 8008]);
    });
  });

  test('secure by default: non-root, read-only root filesystem, no privilege escalation, no service account token', () => {
    const c = chart();
    db({}, c);
    const pod = only(synth(c), 'StatefulSet').spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false,
    });
  });

  describe('fails when', () => {
    test('a container image is not pinned, as for a MeshAwareDatabase (one check)', () => {
      expect(() => db({ containers: [{ name: 'web', image: 'docker.io/library/nginx' }] }))
        .toThrow(/^test\/Db: image 'docker.io\/library\/nginx' of container 'web' is not pinned \(no tag\): a restart could run another version; pin a version tag or a digest, e.g. 'docker.io\/library\/nginx:<version>' or 'docker.io\/library\/nginx@sha256:<digest>'$/);
      expect(() => db({ containers: [{ image: 'registry.example.com:5000/web:latest' }] }))
        .toThrow(/test\/Db: image 'registry.example.com:5000\/web:latest' of container 'main' is not pinned \(:latest\).*'registry.example.com:5000\/web:<version>'/);
      expect(() => db({ containers: [{ name: 'db', image: `registry.example.com/db@sha256:${'a'.repeat(64)}` }] })).not.toThrow();
    });

    test('a container added later runs an unpinned image (at synth)', () => {
      const c = chart();
      db({}, c).statefulSet.addInitContainer({ name: 'init', image: 'busybox:latest' });
      expect(() => Testing.synth(c)).toThrow(/\[test\/Db\] image 'busybox:latest' of container 'init' is not pinned \(:latest\)/);
    });

    test('the name is not an RFC 1035 label', () => {
      expect(() => db({ name: 'Orders' })).toThrow(/test\/Db: StatefulSet name 'Orders' is not valid: it must consist of lowercase letters.*'orders'/);
      expect(() => db({ name: '1db' })).toThrow(/test\/Db: StatefulSet name '1db' is not valid/);
      expect(() => db({ headlessServiceName: 'db.headless' })).toThrow(/test\/Db: headless Service name 'db.headless' is not valid/);
    });

    test('the StatefulSet name is longer than 52 characters', () => {
      const name = 'a'.repeat(53);
      expect(() => db({ name })).toThrow(new RegExp(`test/Db: StatefulSet name '${name}' is 53 characters long; Kubernetes creates no pods .*longer than 52 .*kubernetes/kubernetes#64023\\); shorten the name`));
    });

    test('a pod DNS label would exceed 63 characters', () => {
      expect(() => db({ name: 'a'.repeat(52), replicas: 100000000000 })).toThrow(/test\/Db: pod name 'a{52}-99999999999' is longer than 63 characters/);
    });

    test('the replicas are not a whole number of at least 1', () => {
      expect(() => db({ replicas: 0 })).toThrow(/test\/Db: replicas 0 is not a whole number of at least 1; set replicas: 1 or more/);
      expect(() => db({ replicas: 2.5 })).toThrow(/replicas 2.5/);
    });

    test('a port is reserved by Istio', () => {
      expect(() => db({ ports: [{ port: 15006 }] })).toThrow(/test\/Db: port 15006 is reserved by the Istio proxy/);
    });

    test('a port number or name is duplicated', () => {
      expect(() => db({ ports: [{ port: 5432 }, { port: 5432, name: 'again' }] })).toThrow(/port 5432 is already declared as 'tcp-5432'/);
      expect(() => db({ ports: [{ port: 5432, name: 'pg' }, { port: 5433, name: 'pg' }] })).toThrow(/port name 'tcp-pg' is already used by port 5432/);
    });

    test('a port name contradicts its protocol', () => {
      expect(() => db({ ports: [{ port: 6379, protocol: AppProtocol.TCP, name: 'redis-main' }] })).toThrow(/reads as protocol Redis to Istio, but the port's protocol is TCP/);
    });

    test('a container runs as UID 1337, the Istio proxy\'s', () => {
      expect(() => db({ containers: [{ name: 'db', image: IMAGE, securityContext: { user: 1337 } }] }))
        .toThrow(/test\/Db: container 'db' set runAsUser 1337, the UID of the Istio proxy: its traffic would bypass the sidecar \(IST0144\); run as another UID/);
      expect(() => db({ securityContext: { user: 1337 } })).toThrow(/test\/Db: the pod security context set runAsUser 1337/);
    });

    test('a container running as UID 1337 is added later (at synth)', () => {
      const c = chart();
      const hss = db({}, c);
      hss.statefulSet.addContainer({ name: 'late', image: IMAGE, securityContext: { user: 1337 } });
      expect(() => synth(c)).toThrow(/container 'late' set runAsUser 1337/);
    });

    test('no port is declared (at synth)', () => {
      const c = chart();
      new HeadlessStatefulService(c, 'Db', { containers: [{ name: 'db', image: IMAGE }] });
      expect(() => synth(c)).toThrow(/\[test\/Db\] 'db' declares no ports: .*passthrough without mTLS; declare them with addPort/);
    });

    test('a container listens on a port that is not declared (at synth)', () => {
      const c = chart();
      const hss = db({}, c);
      hss.statefulSet.addContainer({ name: 'exporter', image: IMAGE, portNumber: 9187 });
      expect(() => synth(c)).toThrow(/container 'exporter' listens on port 9187, which is not declared on the headless Service 'db-headless': .*addPort\(\{ port: 9187/);
    });

    test('a container already declares the port under another name or none', () => {
      expect(() => new HeadlessStatefulService(chart(), 'Db', {
        containers: [{ name: 'db', image: IMAGE, portNumber: 5432 }],
        ports: [{ port: 5432, name: 'postgresql' }],
      })).toThrow(/test\/Db: container 'db' already declares port 5432 without a name; remove it from the container \(ports\/portNumber\)/);
    });

    test('a port is declared before any container exists', () => {
      expect(() => new HeadlessStatefulService(chart(), 'Db', { ports: [{ port: 5432 }] }))
        .toThrow(/test\/Db: port 5432: the StatefulSet has no container yet; pass containers in the props or call statefulSet.addContainer\(\) first/);
    });

    test('an env variable uses $(VAR) before VAR is defined (at synth)', () => {
      const c = chart();
      db({
        containers: [{
          name: 'db',
          image: IMAGE,
          envVariables: {
            ADVERTISE: kplus.EnvValue.fromValue('$(POD_NAME).db-headless'),
            LITERAL: kplus.EnvValue.fromValue('$$(POD_NAME) stays literal'),
            POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          },
        }],
      }, c);
      expect(() => synth(c)).toThrow(/container 'db' env ADVERTISE uses \$\(POD_NAME\) but POD_NAME is defined after it, so Kubernetes keeps the literal text; define POD_NAME first/);
      expect(() => synth(c)).not.toThrow(/env LITERAL/);
    });

    test('an address names an undeclared port', () => {
      const hss = db();
      expect(() => hss.addPodAddressEnv('ADDR', 5433)).toThrow(/test\/Db: ADDR: port 5433 is not declared on 'db-headless' \(declared: 5432\); declare it with addPort\(\{ port: 5433 \}\)/);
      expect(() => hss.connectAddress(0, 5433)).toThrow(/connect address: port 5433 is not declared/);
    });

    test('an ordinal is out of range', () => {
      const hss = db({ replicas: 3 });
      expect(() => hss.podFqdn(3)).toThrow(/test\/Db: ordinal 3 is out of range: 'db' has 3 replica\(s\), ordinals 0 to 2/);
      expect(() => hss.podName(-1)).toThrow(/ordinal -1 is out of range/);
    });

    test('a peer list template has an unknown placeholder, none at all, or a count beyond the replicas', () => {
      const hss = db({ replicas: 3 });
      expect(() => hss.peerList('{hostname}:2888')).toThrow(/test\/Db: peer list template '\{hostname\}:2888' has unknown placeholder\(s\) \{hostname\}; use \{ordinal\}, \{id\}, \{pod\} or \{host\}/);
      expect(() => hss.peerList('seed')).toThrow(/template 'seed' has no placeholder/);
      expect(() => hss.peerList('{host}', { count: 4 })).toThrow(/peer list count 4 is not between 1 and the 3 replicas/);
    });

    test('POD_NAME is already defined as something else', () => {
      const hss = db({ containers: [{ name: 'db', image: IMAGE, envVariables: { POD_NAME: kplus.EnvValue.fromValue('db-0') } }] });
      expect(() => hss.addPodHostEnv('HOST')).toThrow(/test\/Db: container 'db' defines POD_NAME as something other than the pod name \(metadata.name\)/);
    });

    test('an env variable is defined twice, or has an invalid name', () => {
      const hss = db();
      hss.addPodHostEnv('HOST');
      expect(() => hss.addPodHostEnv('HOST')).toThrow(/test\/Db: container 'db' already defines HOST; define it once/);
      expect(() => hss.addPodHostEnv('MY-HOST')).toThrow(/env variable name 'MY-HOST' is not a C identifier/);
      expect(() => hss.addPodUrlEnv('URL', 'HTTP', 5432)).toThrow(/URL scheme 'HTTP' for URL is not a scheme/);
    });

    test('a container of another workload is named', () => {
      const c = chart();
      const hss = db({}, c);
      const other = new kplus.Deployment(c, 'Other', { containers: [{ name: 'x', image: IMAGE }] });
      expect(() => hss.addPodHostEnv('HOST', { container: other.containers[0] })).toThrow(/env HOST: container 'x' is not a container of this StatefulSet/);
    });

    test('the disruption budget would block every drain', () => {
      expect(() => db({ replicas: 3, disruptionBudget: DisruptionBudget.minAvailable(3) }))
        .toThrow(/test\/Db: disruption budget minAvailable 3 must be a whole number below the 3 replica\(s\), or no pod could ever be evicted.*DisruptionBudget.maxUnavailable\(1\)/);
      expect(() => db({ disruptionBudget: DisruptionBudget.maxUnavailable(0) })).toThrow(/maxUnavailable 0 must be a whole number of at least 1 \(0 blocks every node drain\)/);
    });

    test('a volume claim is invalid', () => {
      const hss = db();
      expect(() => hss.addVolumeClaim('Data', { mountPath: '/data', storage: Size.gibibytes(1) })).toThrow(/test\/Db: volume claim name 'Data' is not valid/);
      expect(() => hss.addVolumeClaim('data', { mountPath: 'data', storage: Size.gibibytes(1) })).toThrow(/volume claim 'data' mount path 'data' is not absolute; use e.g. '\/data'/);
      expect(() => hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.mebibytes(0) })).toThrow(/volume claim 'data' requests 0Mi; request more than zero/);
      hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(1) });
      expect(() => hss.addVolumeClaim('data', { mountPath: '/other', storage: Size.gibibytes(1) })).toThrow(/volume claim 'data' is already declared/);
    });

    test('a volume claim mount names an undeclared claim, a relative path, or a container twice', () => {
      const hss = db();
      const container = hss.statefulSet.containers[0];
      expect(() => hss.mountVolumeClaim('data', container, '/data')).toThrow(/test\/Db: volume claim 'data' is not declared \(declared: none\); declare it with addVolumeClaim\(\) first/);
      hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(1) });
      expect(() => hss.mountVolumeClaim('data', container, '/other')).toThrow(/volume claim 'data' is already mounted into container 'db'/);
      expect(() => hss.mountVolumeClaim('data', container, 'rel')).toThrow(/mount path 'rel' is not absolute/);
    });

    test('a port is declared on an init container', () => {
      const hss = db();
      const init = hss.statefulSet.addInitContainer({ name: 'prepare', image: IMAGE });
      expect(() => hss.addPort({ port: 9000, container: init })).toThrow(/port 9000: container 'prepare' is not a container of this StatefulSet; pass one of statefulSet.containers \(ports belong to long-running containers\)/);
    });

    test('a volume claim has the name of a pod volume (at synth)', () => {
      const c = chart();
      const hss = db({}, c);
      hss.statefulSet.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(c, 'Tmp', 'data'));
      hss.addVolumeClaim('data', { mountPath: '/data', storage: Size.gibibytes(1) });
      expect(() => synth(c)).toThrow(/volume claim 'data' has the name of a pod volume/);
    });

    test('a second client Service has no name, or a taken one', () => {
      const hss = db();
      hss.addClientService('Client');
      expect(() => hss.addClientService('Read')).toThrow(/test\/Db: client Service 'Read' needs a name: 'db' is taken by the first client Service; pass name: 'db-read'/);
      expect(() => hss.addClientService('Peers', { name: 'db-headless' })).toThrow(/client Service name 'db-headless' is already used/);
    });

    test('a client Service exposes an undeclared port, or selector labels without selecting pods', () => {
      const hss = db();
      expect(() => hss.addClientService('Client', { ports: [6432] })).toThrow(/client Service 'db': port 6432 is not declared on 'db-headless'/);
      expect(() => hss.addClientService('Client', { selectPods: false, selectorLabels: { role: 'x' } })).toThrow(/has selectorLabels but selectPods: false/);
    });
  });
});
