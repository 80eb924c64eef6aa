import * as kplus from 'cdk8s-plus-27';
import { HeadlessStatefulService, MeshAwareDatabase, MeshClient, PostgresPatroniEngine } from '../src';
import { credentials } from './support/database';
import { chart } from './support/manifests';

describe('MeshClient', () => {
  test('a service account is authorized by its SPIFFE principal in the given trust domain', () => {
    const client = MeshClient.serviceAccount('orders', 'shop', { app: 'orders' });
    expect(client.principal('cluster.local')).toBe('cluster.local/ns/shop/sa/orders');
    expect(client.principal('corp.example')).toBe('corp.example/ns/shop/sa/orders');
    expect(client.podLabels).toEqual({ app: 'orders' });
    expect(client.toString()).toBe('sa shop/orders');
  });

  test('a namespace has no principal and admits all of its pods', () => {
    const client = MeshClient.allInNamespace('monitoring');
    expect(client.principal('cluster.local')).toBeUndefined();
    expect(client.podLabels).toBeUndefined();
    expect(client.toString()).toBe('namespace monitoring');
  });

  test('a cdk8s-plus workload gives its namespace, service account and pod labels', () => {
    const c = chart('shop');
    const sa = new kplus.ServiceAccount(c, 'Sa', { metadata: { name: 'orders' } });
    const deployment = new kplus.Deployment(c, 'Orders', { serviceAccount: sa, containers: [{ image: 'registry.example.com/orders:2.1.0' }] });
    const client = MeshClient.workload(deployment);
    expect(client.namespace).toBe('shop');
    expect(client.serviceAccountName).toBe('orders');
    expect(Object.keys(client.podLabels!)).toEqual(['cdk8s.io/metadata.addr']);
  });

  test('a HeadlessStatefulService of this library gives its namespace, service account and name label', () => {
    const c = chart('search');
    const sa = new kplus.ServiceAccount(c, 'Sa', { metadata: { name: 'indexer' } });
    const indexer = new HeadlessStatefulService(c, 'Indexer', {
      serviceAccount: sa,
      containers: [{ name: 'indexer', image: 'registry.example.com/indexer:3.2.0' }],
      ports: [{ port: 8080 }],
    });
    const client = MeshClient.meshWorkload(indexer);
    expect(client.toString()).toBe('sa search/indexer');
    expect(client.podLabels).toEqual({ 'app.kubernetes.io/name': 'indexer' });
  });

  test('a MeshAwareDatabase gives its own service account and pods', () => {
    const c = chart('orders');
    const db = new MeshAwareDatabase(c, 'Pg', { image: 'registry.example.com/patroni:4.0.6', engine: new PostgresPatroniEngine({ credentials: credentials(c) }) });
    const client = MeshClient.database(db);
    expect(client.principal('cluster.local')).toBe('cluster.local/ns/orders/sa/pg');
    expect(client.podLabels).toEqual({ 'app.kubernetes.io/name': 'pg' });
  });

  describe('fails when', () => {
    test('a HeadlessStatefulService has no service account of its own', () => {
      const c = chart('search');
      const indexer = new HeadlessStatefulService(c, 'Indexer', { containers: [{ image: 'registry.example.com/indexer:3.2.0' }], ports: [{ port: 8080 }] });
      expect(() => MeshClient.meshWorkload(indexer))
        .toThrow(/^test\/Indexer: a client without its own service account runs as 'default', shared by every such pod of namespace 'search'; set serviceAccount/);
    });

    test('the service account is "default", shared by every pod without one', () => {
      expect(() => MeshClient.serviceAccount('default', 'shop')).toThrow(/MeshClient.serviceAccount\('default', 'shop'\): .*give the client its own ServiceAccount/);
    });

    test('a workload has no service account of its own', () => {
      const c = chart('shop');
      const deployment = new kplus.Deployment(c, 'Orders', { containers: [{ image: 'registry.example.com/orders:2.1.0' }] });
      expect(() => MeshClient.workload(deployment)).toThrow(/test\/Orders: a client without its own service account runs as 'default'.*set serviceAccount/);
    });

    test('a name or namespace is invalid', () => {
      expect(() => MeshClient.serviceAccount('orders', 'Shop')).toThrow(/^MeshClient.serviceAccount\('orders', 'Shop'\): namespace 'Shop' is not valid/);
      expect(() => MeshClient.allInNamespace('Shop')).toThrow(/^MeshClient.allInNamespace\('Shop'\): namespace 'Shop' is not valid: .*; use a namespace such as 'shop'$/);
      expect(() => MeshClient.serviceAccount('orders_sa', 'shop'))
        .toThrow(/^MeshClient.serviceAccount\('orders_sa', 'shop'\): service account 'orders_sa' is not valid: .*; use a service account such as 'orders-sa'$/);
    });
  });
});
