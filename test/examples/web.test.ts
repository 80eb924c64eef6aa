import { App } from 'cdk8s';
import { WebChart } from '../../examples/web';
import { expectEveryPortDeclaredAndNamed, expectPodAddressesResolve } from '../support/assertions';
import { only, synth } from '../support/manifests';

describe('example: web', () => {
  const chart = new WebChart(new App(), 'web');
  const manifests = synth(chart);
  const sts = only(manifests, 'StatefulSet', 'web');
  const pod = sts.spec.template.spec;

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('three nginx pods reachable as web-<i>.web-headless.web.svc.cluster.local on port 80', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.serviceName).toBe('web-headless');
    expect(chart.web.peerFqdns()).toEqual([0, 1, 2].map(i => `web-${i}.web-headless.web.svc.cluster.local`));
    expect(chart.web.connectAddress(0, 80)).toBe('web-0.web-headless.web.svc.cluster.local:80');
    expect(only(manifests, 'Service', 'web-headless').spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      ports: [{ name: 'http-web', port: 80, targetPort: 'http-web', appProtocol: 'http', protocol: 'TCP' }],
    });
    expectEveryPortDeclaredAndNamed(manifests);
  });

  test('each pod writes its own stable name into its own volume', () => {
    expect(sts.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['www']);
    const hello = pod.initContainers[0];
    expect(hello.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'SELF_HOST', value: '$(POD_NAME).web-headless.web.svc.cluster.local' },
    ]);
    expect(hello.volumeMounts).toEqual([{ name: 'www', mountPath: '/www' }]);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'www', mountPath: '/usr/share/nginx/html' });
    expectPodAddressesResolve(manifests);
  });

  test('nginx runs unprivileged on port 80, with a read-only root filesystem and a pinned image', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }] });
    for (const container of [...pod.initContainers, ...pod.containers]) {
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(container.image).toMatch(/:[0-9][^:]*$/);
    }
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('the namespace has sidecar injection on, and is not itself namespaced', () => {
    const ns = only(manifests, 'Namespace', 'web');
    expect(ns.metadata).toEqual({ name: 'web', labels: { 'istio-injection': 'enabled' } });
  });
});
