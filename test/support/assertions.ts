import { AppProtocol } from '../../src';

/**
 * Every container port of every StatefulSet is declared on its headless Service under the same name, every
 * Service port (of every Service) is named with an Istio protocol prefix that agrees with its appProtocol,
 * and every `targetPort` names a container port of the selected pods.
 */
export function expectEveryPortDeclaredAndNamed(manifests: any[]): void {
  const services = manifests.filter(m => m.kind === 'Service');
  for (const svc of services) {
    for (const port of svc.spec.ports ?? []) {
      const where = `Service ${svc.metadata.namespace}/${svc.metadata.name} port ${port.port}`;
      expect({ where, name: port.name }).toEqual({ where, name: expect.stringMatching(/^[a-z0-9-]{1,15}$/) });
      const fromName = AppProtocol.fromPortName(port.name);
      expect({ where, fromName: fromName?.istioProtocol }).toEqual({ where, fromName: expect.any(String) });
      expect({ where, appProtocol: AppProtocol.of(port.appProtocol).portNamePrefix }).toEqual({ where, appProtocol: fromName!.portNamePrefix });
    }
  }
  for (const sts of manifests.filter(m => m.kind === 'StatefulSet')) {
    const headless = services.find(s => s.metadata.name === sts.spec.serviceName && s.metadata.namespace === sts.metadata.namespace);
    expect({ sts: sts.metadata.name, headless: headless?.spec.clusterIP }).toEqual({ sts: sts.metadata.name, headless: 'None' });
    const podLabels = sts.spec.template.metadata.labels;
    const containerPorts = sts.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
    expect(containerPorts.length).toBeGreaterThan(0);
    for (const cp of containerPorts) {
      const declared = headless.spec.ports.find((p: any) => p.port === cp.containerPort);
      expect({ port: cp.containerPort, declaredAs: declared?.name }).toEqual({ port: cp.containerPort, declaredAs: cp.name });
    }
    // every Service that selects these pods targets one of their named container ports
    for (const svc of services.filter(s => selects(s.spec.selector, podLabels) && s.metadata.namespace === sts.metadata.namespace)) {
      for (const port of svc.spec.ports) {
        expect({ svc: svc.metadata.name, targetPort: port.targetPort, known: containerPorts.some((cp: any) => cp.name === port.targetPort) })
          .toEqual({ svc: svc.metadata.name, targetPort: port.targetPort, known: true });
      }
    }
  }
}

/**
 * Every env value that carries a cluster DNS name points at a headless Service of the pod's own namespace, and
 * every `$(VAR)` it uses is defined earlier in the same container.
 */
export function expectPodAddressesResolve(manifests: any[], clusterDomain = 'cluster.local'): void {
  const dnsName = new RegExp(`([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${clusterDomain.replace(/\./g, '\\.')}(?![a-z0-9.-])`, 'g');
  const headless = new Set(manifests
    .filter(m => m.kind === 'Service' && m.spec.clusterIP === 'None')
    .map(m => `${m.metadata.name}.${m.metadata.namespace}`));
  for (const sts of manifests.filter(m => m.kind === 'StatefulSet')) {
    const ns = sts.metadata.namespace;
    const pod = sts.spec.template.spec;
    for (const container of [...pod.initContainers ?? [], ...pod.containers]) {
      const defined: string[] = [];
      for (const env of container.env ?? []) {
        for (const [, svc, svcNs] of (env.value ?? '').matchAll(dnsName)) {
          const where = `${sts.metadata.name}/${container.name} ${env.name}`;
          expect({ where, namespace: svcNs, headless: headless.has(`${svc}.${svcNs}`) }).toEqual({ where, namespace: ns, headless: true });
        }
        for (const [, ref] of (env.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          expect({ env: env.name, uses: ref, definedBefore: defined.includes(ref) }).toEqual({ env: env.name, uses: ref, definedBefore: true });
        }
        defined.push(env.name);
      }
    }
  }
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * For every port of every Service whose pods are known (a StatefulSet or Deployment in the manifests), the TLS the
 * clients' DestinationRule asks for agrees with what the server accepts:
 * - pods outside the mesh (label `sidecar.istio.io/inject: "false"` and not ambient): no STRICT policy, clients DISABLE;
 * - a server-side DISABLE or PERMISSIVE (port- or workload-level): clients DISABLE on that port (istio#39439);
 * - a port excluded from the sidecar (`traffic.sidecar.istio.io/excludeInboundPorts`) is plaintext: clients DISABLE;
 * - a server-side STRICT: clients never DISABLE.
 * A Service is matched to the workload whose own selector it narrows (a Service selecting `role: replica`, a label
 * set at run time, still selects a subset of that workload's pods). Services without a selector (endpoints written by
 * someone else) cannot be checked statically and are skipped.
 * Returns the number of (Service, port) pairs checked, so tests can assert it is not zero.
 */
export function expectMtlsAgreement(manifests: any[], clusterDomain = 'cluster.local'): number {
  let checked = 0;
  const workloads = manifests.filter(m => m.kind === 'StatefulSet' || m.kind === 'Deployment');
  for (const svc of manifests.filter(m => m.kind === 'Service' && m.spec.selector)) {
    const ns = svc.metadata.namespace;
    const pods = workloads.find(w => w.metadata.namespace === ns && selects(w.spec.selector.matchLabels, svc.spec.selector));
    if (!pods) {
      continue;
    }
    const podLabels = pods.spec.template.metadata.labels;
    const bypassed = String(pods.spec.template.metadata.annotations?.['traffic.sidecar.istio.io/excludeInboundPorts'] ?? '')
      .split(',').filter(p => p !== '').map(Number);
    const outside = podLabels['sidecar.istio.io/inject'] === 'false' && podLabels['istio.io/dataplane-mode'] !== 'ambient';
    const pa = manifests.find(m => m.kind === 'PeerAuthentication' && m.metadata.namespace === ns && m.spec.selector
      && selects(m.spec.selector.matchLabels, podLabels));
    const fqdn = `${svc.metadata.name}.${ns}.svc.${clusterDomain}`;
    const dr = manifests.find(m => m.kind === 'DestinationRule' && m.spec.host === fqdn);
    for (const port of svc.spec.ports) {
      const where = `${fqdn}:${port.port}`;
      const client = dr?.spec.trafficPolicy?.portLevelSettings?.find((s: any) => s.port.number === port.port)?.tls?.mode
        ?? dr?.spec.trafficPolicy?.tls?.mode ?? 'AUTO';
      if (outside) {
        expect({ where, pa: pa?.spec.mtls?.mode, client }).toEqual({ where, pa: undefined, client: 'DISABLE' });
      } else {
        const server = bypassed.includes(port.port) ? 'BYPASSED'
          : pa?.spec.portLevelMtls?.[String(port.port)]?.mode ?? pa?.spec.mtls?.mode ?? 'UNKNOWN';
        const expected = server === 'STRICT' ? expect.not.stringMatching(/^DISABLE$/) : 'DISABLE';
        expect({ where, server, client }).toEqual({ where, server, client: expected });
      }
      checked++;
    }
  }
  return checked;
}
