/**
 * `web`: the Kubernetes StatefulSet tutorial's nginx, mesh-ready.
 *
 * Three nginx pods, each with its own volume, reachable as `web-<i>.web-headless.web.svc.cluster.local:80`.
 * nginx runs as an unprivileged user (UID 101) on port 80, allowed by the namespaced, safe sysctl
 * `net.ipv4.ip_unprivileged_port_start`; an init container writes each pod's own DNS name into its page.
 *
 *   cdk8s synth --app 'ts-node --project test/tsconfig.json examples/web.ts'
 */
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppProtocol, HeadlessStatefulService } from '../src';
import { injectedNamespace } from './support';

const NGINX_IMAGE = 'docker.io/nginxinc/nginx-unprivileged:1.27.4-alpine';
const BUSYBOX_IMAGE = 'docker.io/library/busybox:1.37.0';
const NGINX_UID = 101;

const SITE_CONF = `server {
    listen 80;
    server_name _;
    root /usr/share/nginx/html;
    location / {
        try_files $uri $uri/ =404;
    }
}
`;

export class WebChart extends Chart {
  public readonly web: HeadlessStatefulService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'web', ...props });

    injectedNamespace(this);

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
        securityContext: { user: NGINX_UID, group: NGINX_UID },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(250) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
        },
        readiness: kplus.Probe.fromHttpGet('/', { port: 80 }),
      }],
      ports: [{ port: 80, protocol: AppProtocol.HTTP, name: 'web' }],
    });

    const nginx = this.web.statefulSet.containers[0];
    const site = new kplus.ConfigMap(this, 'Site', { metadata: { name: 'web-nginx' }, data: { 'default.conf': SITE_CONF } });
    nginx.mount('/etc/nginx/conf.d', kplus.Volume.fromConfigMap(this, 'SiteVolume', site, { name: 'site' }), { readOnly: true });
    nginx.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp')); // pid and caches: the root filesystem is read-only
    this.web.addVolumeClaim('www', { mountPath: '/usr/share/nginx/html', storage: Size.gibibytes(1) });

    // each pod serves its own stable name: proof that web-<i>.web-headless resolves to the right pod
    const hello = this.web.statefulSet.addInitContainer({
      name: 'hello',
      image: BUSYBOX_IMAGE,
      securityContext: { user: NGINX_UID, group: NGINX_UID },
      command: ['sh', '-c', 'test -f /www/index.html || echo "$SELF_HOST" > /www/index.html'],
      resources: {
        cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(8), limit: Size.mebibytes(32) },
      },
    });
    this.web.mountVolumeClaim('www', hello, '/www');
    this.web.addPodHostEnv('SELF_HOST', { container: hello });
  }
}

if (require.main === module) {
  const app = new App();
  new WebChart(app, 'web');
  app.synth();
}
