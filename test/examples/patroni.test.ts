import { App } from 'cdk8s';
import { parse } from 'yaml';
import { PatroniChart } from '../../examples/patroni';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from '../support/assertions';
import { all, only, synth } from '../support/manifests';

describe('example: patroni', () => {
  const chart = new PatroniChart(new App(), 'patroni');
  const manifests = synth(chart);
  const sts = only(manifests, 'StatefulSet', 'pg');
  const container = sts.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const orders = only(manifests, 'Deployment', 'orders');

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('three Postgres pods advertise their pod FQDN on 5432 and 8008, after POD_NAME is defined', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(env.PATRONI_POSTGRESQL_CONNECT_ADDRESS).toBe('$(POD_NAME).pg-headless.db.svc.cluster.local:5432');
    expect(env.PATRONI_RESTAPI_CONNECT_ADDRESS).toBe('$(POD_NAME).pg-headless.db.svc.cluster.local:8008');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('PATRONI_POSTGRESQL_CONNECT_ADDRESS'));
    expectPodAddressesResolve(manifests);
  });

  test('every port is declared on the headless Service and named', () => {
    expect(only(manifests, 'Service', 'pg-headless').spec.ports.map((p: any) => [p.name, p.port, p.appProtocol]))
      .toEqual([['tcp-postgresql', 5432, 'tcp'], ['http-patroni', 8008, 'http']]);
    expectEveryPortDeclaredAndNamed(manifests);
  });

  test('the leader Service has no selector and the port name Patroni writes into its endpoints', () => {
    const leader = only(manifests, 'Service', 'pg');
    expect(leader.spec.selector).toBeUndefined();
    expect(JSON.parse(env.PATRONI_KUBERNETES_PORTS)).toEqual([{ name: leader.spec.ports[0].name, port: 5432 }]);
    expect(only(manifests, 'Service', 'pg-repl').spec.selector).toEqual({ 'app.kubernetes.io/name': 'pg', 'role': 'replica' });
  });

  test('mTLS modes agree end to end: STRICT on the pods, ISTIO_MUTUAL in every DestinationRule', () => {
    expect(only(manifests, 'PeerAuthentication', 'pg').spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'pg' } }, mtls: { mode: 'STRICT' } });
    const rules = all(manifests, 'DestinationRule');
    expect(rules.map(r => [r.spec.host, r.spec.trafficPolicy.tls.mode])).toEqual([
      ['pg-headless.db.svc.cluster.local', 'ISTIO_MUTUAL'],
      ['pg.db.svc.cluster.local', 'ISTIO_MUTUAL'],
      ['pg-repl.db.svc.cluster.local', 'ISTIO_MUTUAL'],
    ]);
    expect(expectMtlsAgreement(manifests)).toBe(3); // pg-headless 5432 and 8008, pg-repl 5432 (the leader Service has no selector)
  });

  test('only the declared client is admitted: peers on every port, orders on 5432, nothing else', () => {
    expect(only(manifests, 'AuthorizationPolicy', 'pg').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/db/sa/pg'] } }], to: [{ operation: { ports: ['5432', '8008'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { ports: ['5432'] } }] },
    ]);
    const ingress = only(manifests, 'NetworkPolicy', 'pg').spec.ingress;
    expect(ingress).toHaveLength(2);
    expect(ingress[1].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
      podSelector: { matchLabels: orders.spec.selector.matchLabels },
    }]);
    expect(ingress[1].ports.map((p: any) => p.port)).toEqual([5432, 15008]);
  });

  test('the client reaches the leader and the replicas by their Service names', () => {
    const clientEnv = Object.fromEntries(orders.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(clientEnv).toMatchObject({ DATABASE_HOST: 'pg.db.svc.cluster.local', DATABASE_READ_HOST: 'pg-repl.db.svc.cluster.local' });
    expect(orders.spec.template.spec.serviceAccountName).toBe('orders');
  });

  test('Patroni runs on its ConfigMap file with address-agnostic SCRAM pg_hba, and keeps its proxy until it exits', () => {
    expect(container.image).toBe('registry.example.com/patroni:4.0.6-pg17');
    expect(container.command).toEqual(['patroni', '/etc/patroni/patroni.yml']);
    const config = parse(only(manifests, 'ConfigMap', 'pg-patroni').data['patroni.yml']);
    expect(config.postgresql.pg_hba).toContain('host replication standby 0.0.0.0/0 scram-sha-256');
    expect(config.postgresql.parameters.shared_buffers).toBe('512MB');
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(300);
  });

  test('Patroni gets least-privilege RBAC and a token; passwords only by Secret reference', () => {
    expect(only(manifests, 'Role', 'pg').rules.map((r: any) => r.resources[0])).toEqual(['configmaps', 'endpoints', 'pods', 'services']);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(env.PATRONI_SUPERUSER_PASSWORD).toEqual({ secretKeyRef: { name: 'pg-credentials', key: 'superuser-password' } });
    expect(all(manifests, 'Secret')).toEqual([]);
  });
});
