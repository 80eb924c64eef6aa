import { App } from 'cdk8s';
import { KafkaChart } from '../../examples/kafka';
import { expectEveryPortDeclaredAndNamed, expectMtlsAgreement, expectPodAddressesResolve } from '../support/assertions';
import { all, only, synth } from '../support/manifests';

describe('example: kafka', () => {
  const chart = new KafkaChart(new App(), 'kafka');
  const manifests = synth(chart);
  const sts = only(manifests, 'StatefulSet', 'kafka');
  const container = sts.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const fqdn = (i: number) => `kafka-${i}.kafka-headless.streaming.svc.cluster.local`;

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('each pod advertises its own FQDN, written with $(POD_NAME) defined before it', () => {
    expect(env.KAFKA_CFG_ADVERTISED_LISTENERS)
      .toBe('CLIENT://$(POD_NAME).kafka-headless.streaming.svc.cluster.local:9092,INTERNAL://$(POD_NAME).kafka-headless.streaming.svc.cluster.local:9094');
    const names = container.env.map((e: any) => e.name);
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('KAFKA_CFG_ADVERTISED_LISTENERS'));
    expectPodAddressesResolve(manifests);
  });

  test('the static controller quorum names every pod by ordinal and FQDN on 9093', () => {
    expect(env.KAFKA_CFG_CONTROLLER_QUORUM_VOTERS).toBe(`0@${fqdn(0)}:9093,1@${fqdn(1)}:9093,2@${fqdn(2)}:9093`);
    // the pinned image's scripts do not read KAFKA_KRAFT_VERSION (bitnami/kafka/4.0 libkafka.sh): not set
    expect(env.KAFKA_KRAFT_VERSION).toBeUndefined();
    expect(env.KAFKA_CFG_NODE_ID).toEqual({ fieldRef: { fieldPath: 'metadata.labels[\'apps.kubernetes.io/pod-index\']' } });
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
  });

  test('client, controller and inter-broker ports declared on the headless Service and named', () => {
    expect(only(manifests, 'Service', 'kafka-headless').spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['tcp-client', 9092], ['tcp-controller', 9093], ['tcp-interbroker', 9094],
    ]);
    expect(only(manifests, 'Service', 'kafka').spec.ports.map((p: any) => p.port)).toEqual([9092]);
    expectEveryPortDeclaredAndNamed(manifests);
  });

  test('the producer bootstraps through the client Service and is the only client admitted, on 9092', () => {
    const producerEnv = only(manifests, 'Deployment', 'order-events').spec.template.spec.containers[0].env;
    expect(producerEnv).toContainEqual({ name: 'KAFKA_BOOTSTRAP_SERVERS', value: 'kafka.streaming.svc.cluster.local:9092' });
    expect(producerEnv).toContainEqual({ name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka-credentials', key: 'client-passwords' } } });
    expect(env.KAFKA_CLIENT_USERS).toBe('order-events');
    expect(only(manifests, 'AuthorizationPolicy', 'kafka').spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/streaming/sa/order-events'] } }], to: [{ operation: { ports: ['9092'] } }],
    });
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  test('mTLS: STRICT on the brokers, ISTIO_MUTUAL from every client', () => {
    expect(only(manifests, 'PeerAuthentication', 'kafka').spec.mtls).toEqual({ mode: 'STRICT' });
    expect(expectMtlsAgreement(manifests)).toBeGreaterThan(0);
  });
});
