/**
 * `web`: the Kubernetes StatefulSet tutorial's nginx, mesh-ready.
 *
 * Three nginx pods in an injected namespace, reachable as `web-<i>.web-headless.web.svc.cluster.local:80`, the port
 * declared on the headless Service as `http-web` with `appProtocol: http`. nginx runs unprivileged on port 8080 inside
 * the image; the Service and container port stay 80 thanks to the namespaced sysctl `net.ipv4.ip_unprivileged_port_start`.
 */
import { ApiObject, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol, HeadlessStatefulService } from '../src';

const NGINX_IMAGE = 'docker.io/nginxinc/nginx-unprivileged:1.27.4-alpine';
const NGINX_UID = 101;

export class WebChart extends Chart {
  public readonly web: HeadlessStatefulService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'web', ...props });

    new ApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'web', labels: { 'istio-injection': 'enabled' } },
    });

    this.web = new HeadlessStatefulService(this, 'Web', {
      name: 'web',
      replicas: 3,
      securityContext: {
        user: NGINX_UID,
        group: NGINX_UID,
        fsGroup: NGINX_UID,
        sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }],
      },
      containers: [{
        name: 'nginx',
        image: NGINX_IMAGE,
        securityContext: { user: NGINX_UID, group: NGINX_UID, readOnlyRootFilesystem: false },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(250) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
        },
      }],
      ports: [{ port: 80, protocol: AppProtocol.HTTP, name: 'web' }],
    });
    this.web.addPodHostEnv('SELF_HOST');
  }
}
