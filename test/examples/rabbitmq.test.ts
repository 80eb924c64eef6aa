import { App } from 'cdk8s';
import { RabbitMqChart } from '../../examples/rabbitmq';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from '../support/assertions';
import { only, synth } from '../support/manifests';

describe('example: rabbitmq', () => {
  const chart = new RabbitMqChart(new App(), 'rabbitmq');
  const manifests = synth(chart);
  const sts = only(manifests, 'StatefulSet', 'rabbitmq');
  const container = sts.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('three nodes in sidecar mode, named rabbit@<pod FQDN> with long names, POD_NAME defined first', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(env.RABBITMQ_NODE_NAME).toBe('rabbit@$(POD_NAME).rabbitmq-headless.messaging.svc.cluster.local');
    expect(env.RABBITMQ_USE_LONGNAME).toBe('true');
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('RABBITMQ_NODE_NAME'));
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(chart.rabbitmq.workload.peerFqdns()).toEqual([0, 1, 2].map(i => `rabbitmq-${i}.rabbitmq-headless.messaging.svc.cluster.local`));
    expectPodAddressesResolve(manifests);
  });

  test('epmd 4369 and the Erlang distribution 25672 are declared and named on the headless Service', () => {
    const headless = only(manifests, 'Service', 'rabbitmq-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(headless.spec.ports).toContainEqual({ name: 'tcp-epmd', port: 4369, targetPort: 'tcp-epmd', appProtocol: 'tcp', protocol: 'TCP' });
    expect(headless.spec.ports).toContainEqual({ name: 'tcp-dist', port: 25672, targetPort: 'tcp-dist', appProtocol: 'tcp', protocol: 'TCP' });
    expectEveryPortDeclaredAndNamed(manifests);
  });

  test('the publisher, with its own service account, is admitted on AMQP 5672 only', () => {
    const publisher = only(manifests, 'Deployment', 'order-publisher');
    expect(publisher.spec.template.spec.serviceAccountName).toBe('order-publisher');
    const rules = only(manifests, 'AuthorizationPolicy', 'rabbitmq').spec.rules;
    const publisherRules = rules.filter((r: any) => r.from[0].source.principals?.includes('cluster.local/ns/messaging/sa/order-publisher'));
    expect(publisherRules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/messaging/sa/order-publisher'] } }], to: [{ operation: { ports: ['5672'] } }] },
    ]);
    const podSelector = publisher.spec.template.metadata.labels;
    const selectsPublisher = (f: any) => f.podSelector && Object.entries(f.podSelector.matchLabels ?? {}).every(([k, v]) => podSelector[k] === v);
    const ingress = only(manifests, 'NetworkPolicy', 'rabbitmq').spec.ingress.filter((i: any) => i.from.some(selectsPublisher));
    // AMQP, plus HBONE (15008) which the NetworkPolicy always opens for mesh clients
    expect(ingress.flatMap((i: any) => i.ports.map((p: any) => p.port))).toEqual([5672, 15008]);
    expect(publisher.spec.template.spec.containers[0].env).toContainEqual({ name: 'AMQP_HOST', value: 'rabbitmq.messaging.svc.cluster.local' });
  });

  test('client and server agree on mTLS for every Service port', () => {
    expect(expectMtlsAgreement(manifests)).toBeGreaterThan(0);
  });

  test('credentials are only referenced: no Secret is written', () => {
    expect(manifests.filter(m => m.kind === 'Secret')).toEqual([]);
    expect(env.RABBITMQ_PASSWORD).toEqual({ secretKeyRef: { name: 'rabbitmq-credentials', key: 'rabbitmq-password' } });
    expect(env.RABBITMQ_ERL_COOKIE).toEqual({ secretKeyRef: { name: 'rabbitmq-credentials', key: 'rabbitmq-erlang-cookie' } });
  });

  test('the nodes keep their data on the claim, accept the administrator from other pods, and keep their proxy until they exit', () => {
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia' });
    expect(env.RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS).toBe('true');
    expect(sts.spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
  });

  test('the namespace has sidecar injection on', () => {
    expect(only(manifests, 'Namespace', 'messaging').metadata).toEqual({ name: 'messaging', labels: { 'istio-injection': 'enabled' } });
  });
});
