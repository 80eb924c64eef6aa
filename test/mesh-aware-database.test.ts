import { Size } from 'cdk8s';
import { DisruptionBudget, MeshAwareDatabase, MeshClient, MeshMode, MtlsMode, PostgresPatroniEngine } from '../src';
import { credentials, synthDatabase } from './support/database';
import { all, chart, only } from './support/manifests';

const IMAGE = 'registry.example.com/patroni:4.0.6';

describe('MeshAwareDatabase', () => {
  const engine = (c = chart()) => new PostgresPatroniEngine({ credentials: credentials(c) });

  test('creates the workload, its own service account, RBAC and the full mesh policy', () => {
    const c = chart('db');
    const db = new MeshAwareDatabase(c, 'Orders', { image: IMAGE, engine: engine(c) });
    const { manifests } = synthDatabase(c);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/orders', 'ConfigMap/orders-patroni', 'DestinationRule/orders', 'DestinationRule/orders-headless', 'DestinationRule/orders-repl',
      'NetworkPolicy/orders', 'PeerAuthentication/orders', 'PodDisruptionBudget/orders', 'Role/orders', 'RoleBinding/orders',
      'Service/orders', 'Service/orders-headless', 'Service/orders-repl', 'ServiceAccount/orders', 'Sidecar/orders', 'StatefulSet/orders',
    ]);
    expect(db.name).toBe('orders');
    expect(db.clientPorts).toEqual([5432]);
    expect(db.clientServices.map(s => s.name)).toEqual(['orders', 'orders-repl']);
    expect(db.headlessService.fqdn).toBe('orders-headless.db.svc.cluster.local');
  });

  test('sidecar mode by default, holding the database until the proxy is ready', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c) });
    const { sts } = synthDatabase(c);
    expect(sts.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(sts.spec.template.metadata.annotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
  });

  test('outside the mesh: plaintext DestinationRules, no PeerAuthentication, NetworkPolicy only', () => {
    const c = chart('db');
    const db = new MeshAwareDatabase(c, 'Pg', { image: IMAGE, meshMode: MeshMode.outside(), engine: engine(c) });
    db.allowFrom(MeshClient.serviceAccount('orders', 'shop'));
    const { manifests } = synthDatabase(c);
    expect(all(manifests, 'PeerAuthentication')).toEqual([]);
    expect(all(manifests, 'AuthorizationPolicy')).toEqual([]);
    expect(all(manifests, 'DestinationRule').map(d => d.spec.trafficPolicy.tls.mode)).toEqual(['DISABLE', 'DISABLE', 'DISABLE']);
    expect(only(manifests, 'NetworkPolicy').spec.ingress).toHaveLength(2);
  });

  test('sizes, storage class, replicas, resources, disruption budget and port-level mTLS pass through', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', {
      image: IMAGE,
      engine: engine(c),
      replicas: 5,
      storage: Size.gibibytes(50),
      storageClassName: 'fast-ssd',
      disruptionBudget: DisruptionBudget.minAvailable(3),
      portLevelMtls: [{ port: 8008, mode: MtlsMode.PERMISSIVE }],
    });
    const { manifests, sts } = synthDatabase(c);
    expect(sts.spec.replicas).toBe(5);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '50Gi' } } });
    expect(only(manifests, 'PodDisruptionBudget').spec.minAvailable).toBe(3);
    expect(only(manifests, 'PeerAuthentication').spec.portLevelMtls).toEqual({ 8008: { mode: 'PERMISSIVE' } });
  });

  test('an image pinned by digest is accepted', () => {
    const c = chart('db');
    new MeshAwareDatabase(c, 'Pg', { image: `registry.example.com/patroni@sha256:${'a'.repeat(64)}`, engine: engine(c) });
    expect(synthDatabase(c).container.image).toMatch(/@sha256:a{64}$/);
  });

  describe('fails when', () => {
    test('the image is not pinned', () => {
      const c = chart('db');
      expect(() => new MeshAwareDatabase(c, 'Pg', { image: 'registry.example.com/patroni:latest', engine: engine(c) }))
        .toThrow(/test\/Pg: image 'registry.example.com\/patroni:latest' is not pinned \(:latest\): .*pin a version tag or a digest/);
      expect(() => new MeshAwareDatabase(c, 'Pg2', { image: 'registry.example.com:5000/patroni', engine: engine(c) }))
        .toThrow(/image 'registry.example.com:5000\/patroni' is not pinned \(no tag\)/);
    });

    test('the replicas are not a whole number of at least 1', () => {
      const c = chart('db');
      expect(() => new MeshAwareDatabase(c, 'Pg', { image: IMAGE, engine: engine(c), replicas: 0 }))
        .toThrow(/test\/Pg: postgresql-patroni: replicas 0 is not a whole number of at least 1/);
    });
  });
});
