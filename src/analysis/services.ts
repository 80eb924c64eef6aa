import { BINARY_PROTOCOL_PORTS, engineOf } from './engine-ports';
import { Severity } from './finding';
import { Inventory, ServiceInfo, ServicePortInfo, Workload } from './inventory';
import { isIstioControlPlane, isIstioManaged } from './mesh-state';
import { K8sObject } from './objects';
import { describeDeclaration, istioProtocol, sendOnlyListenPorts, serverFirstProtocol, suggestPortName } from './protocol';
import { defineRule, quoteList, Rule } from './rule';
import { ISTIO_RESERVED_PORTS } from '../private/istio-constants';
import { portNumberProblem } from '../private/validation';

/** Namespaces `istioctl analyze` never reports on (inject.IgnoredNamespaces). */
const SYSTEM_NAMESPACES: ReadonlyArray<string> = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

/** Services whose port names Istio itself decides, or that live where upstream does not look. */
function skipPortNames(service: ServiceInfo): boolean {
  const o = service.object;
  return SYSTEM_NAMESPACES.includes(o.namespace) || isIstioControlPlane(o) || isIstioManaged(o);
}

function portPath(port: ServicePortInfo): string {
  return `spec.ports[${port.index}]`;
}

function selectorText(selector: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

export const HEADLESS_WITHOUT_PORTS = defineRule({
  code: 'SM101',
  severity: Severity.ERROR,
  title: 'headless Service without ports',
  description: 'A headless Service that selects pods must declare every port they listen on: Istio matches pod-IP traffic '
    + 'only on declared ports; the rest goes out as passthrough, without mTLS, telemetry or policy.',
  check(inv, report) {
    for (const service of inv.services) {
      if (!service.headless || service.ports.length > 0 || !service.selector || Object.keys(service.selector).length === 0) {
        continue;
      }
      const listening = [...new Set(inv.selectedBy(service).flatMap(w => w.ports.map(p => p.port)))].sort((a, b) => a - b);
      const example = listening.length > 0
        ? `declare ${quoteList(listening)} as spec.ports, e.g. { name: 'tcp-${listening[0]}', port: ${listening[0]}, appProtocol: tcp }`
        : 'declare every port the pods listen on as spec.ports, e.g. { name: \'tcp-5432\', port: 5432, appProtocol: tcp }';
      report(service.object, `headless Service selects pods (${selectorText(service.selector)}) but declares no ports, so Istio sends `
        + `pod-IP traffic to them as passthrough without mTLS; ${example}`, 'spec.ports');
    }
  },
});

export const PORT_WITHOUT_PROTOCOL = defineRule({
  code: 'SM102',
  // istioctl rates IST0118 as Info (istio/istio pkg/config/analysis/msg/messages.yaml): sniffing works for client-first
  // protocols; SM104 is the error for the server-first ones
  severity: Severity.INFO,
  istioCode: 'IST0118',
  title: 'port without Istio protocol',
  description: 'A Service port needs an Istio protocol, from `appProtocol` (which wins) or a `<protocol>[-<suffix>]` name; '
    + 'otherwise Istio sniffs it. System namespaces, the Istio control plane and Istio-managed gateways are skipped, as upstream does.',
  check(inv, report) {
    for (const service of inv.services) {
      if (service.type === 'ExternalName' || skipPortNames(service)) {
        continue;
      }
      const serverFirst = serverFirstPorts(inv, service);
      for (const port of service.ports) {
        if (istioProtocol(port) !== undefined || serverFirst(port) !== undefined) {
          continue;
        }
        const fix = port.appProtocol !== undefined
          ? `appProtocol '${port.appProtocol}' is not a protocol Istio knows and wins over the name; set appProtocol: tcp (or http, grpc, ...)`
          : `name it '${suggestPortName(port, 'tcp')}' or set appProtocol: tcp (or http, grpc, ... for what it carries)`;
        report(service.object, `port ${port.port} has no Istio protocol (${describeDeclaration(port)}), so Istio sniffs it; ${fix}`, portPath(port));
      }
    }
  },
});

export const EXTERNAL_NAME_PORT = defineRule({
  code: 'SM103',
  severity: Severity.WARNING,
  istioCode: 'IST0150',
  title: 'ExternalName Service port without a usable protocol',
  description: 'Ports of an ExternalName Service named `tcp`, or without an Istio protocol, may not be forwarded by the proxy; '
    + 'name them by what they carry (`tls-`, `https-`, `http-`).',
  check(inv, report) {
    for (const service of inv.services) {
      if (service.type !== 'ExternalName' || skipPortNames(service)) {
        continue;
      }
      for (const port of service.ports) {
        if (istioProtocol(port) !== undefined && port.name !== 'tcp') {
          continue;
        }
        report(service.object, `port ${port.port} of an ExternalName Service has ${describeDeclaration(port)}: the proxy may not forward `
          + `it to '${service.object.body.spec?.externalName ?? ''}'; name it by what it carries, e.g. 'tls-${port.port}' or 'https-${port.port}', `
          + 'or use a ServiceEntry with addresses for plain TCP', portPath(port));
      }
    }
  },
});

/** The server-first protocol of a Service's port: by its number or name, or a send-only listener of the selected pods. */
function serverFirstPorts(inv: Inventory, service: ServiceInfo): (port: ServicePortInfo) => string | undefined {
  // per Service, once for SM102 and SM104
  const cache = inv.derived('serverFirstPorts', () => new Map<ServiceInfo, (port: ServicePortInfo) => string | undefined>());
  const known = cache.get(service);
  if (known) {
    return known;
  }
  const sendOnly = new Map<number, string>();
  let galera = false;
  for (const workload of inv.selectedBy(service)) {
    for (const ref of workload.containers.filter(c => !c.init)) {
      sendOnlyListenPorts(ref.container).forEach(p => sendOnly.set(p, `a send-only listener of container '${ref.container.name}'`));
      galera = galera || engineOf(ref.container)?.engine.startsWith('Galera') === true;
    }
  }
  const lookup = (port: ServicePortInfo) => serverFirstProtocol(port, galera) ?? sendOnly.get(typeof port.targetPort === 'number' ? port.targetPort : port.port);
  cache.set(service, lookup);
  return lookup;
}

export const SERVER_FIRST_SNIFFED = defineRule({
  code: 'SM104',
  severity: Severity.ERROR,
  istioCode: 'IST0118',
  title: 'server-first port left to sniffing',
  description: 'Protocol sniffing (and PERMISSIVE mTLS detection) waits for the client to speak first; a server-first protocol '
    + '(MySQL, Galera IST, rsync SST, NATS, SMTP, ...) on a port without an explicit protocol stalls until timeout. Recognised by '
    + 'port number or name, and by the pods: a container that listens only to send (`ncat -l --send-only`, `socat -u ... '
    + 'TCP-LISTEN:<port>`). Declare it TCP.',
  check(inv, report) {
    for (const service of inv.services) {
      if (service.type === 'ExternalName' || skipPortNames(service)) {
        continue;
      }
      const serverFirstOf = serverFirstPorts(inv, service);
      for (const port of service.ports) {
        const serverFirst = serverFirstOf(port);
        if (serverFirst === undefined || istioProtocol(port) !== undefined) {
          continue;
        }
        report(service.object, `port ${port.port} (${describeDeclaration(port)}) carries ${serverFirst}, where the server speaks first, `
          + `but has no Istio protocol: sniffing waits for client bytes and connections stall; name it '${suggestPortName(port, 'tcp')}' `
          + 'or set appProtocol: tcp', portPath(port));
      }
    }
  },
});

export const RESERVED_PORT = defineRule({
  code: 'SM105',
  severity: Severity.ERROR,
  title: 'application port in Istio\'s reserved set',
  description: `Ports ${ISTIO_RESERVED_PORTS.join(', ')} belong to the Istio proxy and ztunnel; an application listening on one `
    + 'collides with them. Istio\'s own objects (label `istio`, `release: istio`, `gateway.istio.io/managed`, the root namespace) are skipped.',
  check(inv, report) {
    const skip = (o: K8sObject) => isIstioControlPlane(o) || isIstioManaged(o) || o.namespace === inv.rootNamespace;
    for (const service of inv.services) {
      if (skip(service.object)) {
        continue;
      }
      for (const port of service.ports) {
        for (const [what, value] of [['port', port.port], ['targetPort', port.targetPort]] as const) {
          if (typeof value === 'number' && ISTIO_RESERVED_PORTS.includes(value) && !(what === 'targetPort' && value === port.port)) {
            report(service.object, `${what} ${value} ${portNumberProblem(value)}; choose another port`, portPath(port));
          }
        }
      }
    }
    for (const workload of inv.workloads) {
      if (skip(workload.object)) {
        continue;
      }
      for (const ref of workload.containers) {
        if (ref.container.name === 'istio-proxy') {
          continue;
        }
        (Array.isArray(ref.container.ports) ? ref.container.ports : []).forEach((port: any, i: number) => {
          const n = port?.containerPort;
          if (typeof n === 'number' && ISTIO_RESERVED_PORTS.includes(n)) {
            report(workload.object, `container '${ref.container.name}' port ${n} ${portNumberProblem(n)}; move the application to another port`,
              `${ref.path}.ports[${i}]`);
          }
        });
      }
    }
  },
});

export const TARGET_PORT_NOT_DECLARED = defineRule({
  code: 'SM106',
  severity: Severity.ERROR,
  title: 'Service targetPort not a container port',
  description: 'A named targetPort resolves only through a container port of that name: when no container of the selected pods '
    + 'declares it, the port gets no endpoints (Kubernetes EndpointSlice controller). A numeric targetPort is not checked: '
    + 'containerPort declarations are informational (Kubernetes API reference, Container.ports), so a port the pods do not '
    + 'declare proves nothing.',
  check(inv, report) {
    for (const service of inv.services) {
      if (service.type === 'ExternalName') {
        continue;
      }
      const workloads = inv.selectedBy(service);
      for (const port of service.ports) {
        if (typeof port.targetPort !== 'string') {
          continue;
        }
        const missing = workloads.filter(w => !w.ports.some(p => p.name === port.targetPort));
        if (missing.length === 0) {
          continue;
        }
        const declared = (w: Workload) => w.ports.length === 0 ? 'none' : w.ports.map(p => p.name ? `${p.port} '${p.name}'` : String(p.port)).join(', ');
        const where = missing.map(w => `${w.object.kind} '${w.object.name}' (declared: ${declared(w)})`).join('; ');
        report(service.object, `port ${port.port} targets '${port.targetPort}', which is not a container port of ${where}; `
          + `name the container port '${port.targetPort}' or set targetPort to a declared container port`, portPath(port));
      }
    }
  },
});

/** The Services associated with an in-mesh workload, for the IST0116/IST0137 checks. */
function meshServices(inv: Inventory, workload: Workload): ReadonlyArray<ServiceInfo> {
  if (workload.mesh === 'none' || isIstioManaged(workload.object)) {
    return [];
  }
  return inv.servicesOf(workload);
}

export const PORT_PROTOCOL_CONFLICT = defineRule({
  code: 'SM107',
  severity: Severity.WARNING,
  istioCode: 'IST0116',
  title: 'same port, different protocols on one workload',
  description: 'Services that select the same pods (a StatefulSet, Deployment, ...) must not use one port number with different '
    + 'protocols (the Kubernetes `protocol`, or the Istio protocol from name/appProtocol): the pods get one inbound listener per port.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      const byPort = new Map<number, Array<{ readonly service: string; readonly l4: string; readonly istio: string }>>();
      for (const service of meshServices(inv, workload)) {
        for (const port of service.ports) {
          const entries = byPort.get(port.port) ?? [];
          entries.push({ service: service.object.name, l4: port.protocol, istio: istioProtocol(port)?.istioProtocol ?? 'sniffed' });
          byPort.set(port.port, entries);
        }
      }
      for (const [port, entries] of [...byPort].sort((a, b) => a[0] - b[0])) {
        const l4 = [...new Set(entries.map(e => e.l4))].sort();
        const istio = [...new Set(entries.map(e => e.istio))].sort();
        if (l4.length < 2 && istio.length < 2) {
          continue;
        }
        const services = [...new Set(entries.map(e => e.service))].sort();
        const protocols = l4.length > 1 ? l4.join(', ') : istio.join(', ');
        report(workload.object, `pods are selected by Services ${quoteList(services)}, which use port ${port} with different protocols `
          + `(${protocols}); the pods get one listener per port: declare port ${port} with the same protocol (and name prefix) in every Service`);
      }
    }
  },
});

export const TARGET_PORT_CONFLICT = defineRule({
  code: 'SM108',
  severity: Severity.WARNING,
  istioCode: 'IST0137',
  title: 'same targetPort, different ports on one workload',
  description: 'Services that select the same pods and target the same container port must use the same Service port; '
    + 'named target ports are resolved through the pods\' container ports.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      const byTarget = new Map<string, Map<number, string>>();
      for (const service of meshServices(inv, workload)) {
        for (const port of service.ports) {
          const target = String(inv.targetPortOn(port, workload) ?? port.targetPort);
          const ports = byTarget.get(target) ?? new Map<number, string>();
          ports.set(port.port, service.object.name);
          byTarget.set(target, ports);
        }
      }
      for (const [target, ports] of byTarget) {
        if (ports.size < 2) {
          continue;
        }
        const numbers = [...ports.keys()].sort((a, b) => a - b);
        const services = [...new Set(ports.values())].sort();
        report(workload.object, `Services ${quoteList(services)} send targetPort ${target} of these pods through different ports `
          + `(${numbers.join(', ')}); Istio needs one Service port per target port: use port ${numbers[0]} in every Service`);
      }
    }
  },
});

export const PEER_PORTS_NOT_DECLARED = defineRule({
  code: 'SM109',
  severity: Severity.WARNING,
  title: 'headless Services do not declare the peers\' ports',
  description: 'The pods of a recognised clustered engine (Cassandra 7000, Redis Cluster bus 16379, Galera 4567/4568/4444, '
    + 'ZooKeeper 2888/3888, etcd 2380, RabbitMQ 4369/25672, Elasticsearch 9300; by image, and for Redis by cluster mode) reach '
    + 'each other on their peer ports by pod IP or per-pod name. Istio matches that traffic only on ports a headless Service '
    + 'selecting the pods declares (istio.io docs/ops/configuration/traffic-management/traffic-routing, "Headless Services"): '
    + 'on an undeclared port it leaves as passthrough without mTLS, and a STRICT PeerAuthentication rejects it, so the cluster '
    + 'cannot form. Reported when some headless Service selects the pods and declares ports, but none declares a peer port; '
    + 'pods proven outside the mesh are skipped.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      if (workload.mesh === 'none') {
        continue;
      }
      const headless = inv.servicesOf(workload).filter(s => s.headless && s.ports.length > 0);
      if (headless.length === 0) {
        continue;
      }
      const declared = new Set(headless.flatMap(s => s.ports.flatMap(p => [p.port, inv.targetPortOn(p, workload) ?? p.port])));
      for (const ref of workload.containers.filter(c => !c.init)) {
        const engine = engineOf(ref.container);
        const missing = engine?.peerPorts.filter(p => !declared.has(p.port)) ?? [];
        if (!engine || missing.length === 0) {
          continue;
        }
        const serviceName = workload.object.body.spec?.serviceName;
        const service = headless.find(s => s.object.name === serviceName) ?? headless[0];
        const ports = missing.map(p => `${p.port} (${p.purpose})`).join(', ');
        const example = missing[0];
        report(service.object, `selects the ${engine.engine} pods of ${workload.object.kind} '${workload.object.name}', which reach each other on `
          + `${ports}, but no headless Service of theirs declares ${missing.length === 1 ? 'it' : 'them'}: Istio sends that pod-IP traffic `
          + `as passthrough without mTLS, and a STRICT PeerAuthentication rejects it; add ${missing.length === 1 ? 'it' : 'them'} to spec.ports, `
          + `e.g. { name: 'tcp-peer-${example.port}', port: ${example.port}, appProtocol: tcp }`, 'spec.ports');
        break;
      }
    }
  },
});

/** Words of engines whose ports carry a binary protocol, to corroborate a port number. */
const BINARY_ENGINE_WORDS = /postgres|pgsql|patroni|mysql|maria|galera|percona|redis|valkey|sentinel|mongo|cassandra|scylla|cql|kafka|zookeeper|zk|rabbit|amqp|memcache|elastic|opensearch|oracle|mssql|sqlserver|erlang|epmd/;

export const PROTOCOL_CONTRADICTS_PORT = defineRule({
  code: 'SM110',
  severity: Severity.ERROR,
  title: 'port declared HTTP or gRPC carries a binary database protocol',
  description: 'A port named `http-`/`http2-`/`grpc-` (or with such an `appProtocol`) makes Envoy parse its bytes as HTTP '
    + '(istio.io docs/ops/configuration/traffic-management/protocol-selection); PostgreSQL, MySQL, Redis, MongoDB, Cassandra, Kafka, '
    + 'ZooKeeper, AMQP and other binary protocols then fail at the first byte. Reported when the port (or its target) is the engine\'s '
    + 'registered port and the declaration or the selected pods name the engine (port name, appProtocol, container port name or image).',
  check(inv, report) {
    for (const service of inv.services) {
      if (service.type === 'ExternalName' || skipPortNames(service)) {
        continue;
      }
      const workloads = inv.selectedBy(service);
      for (const port of service.ports) {
        const protocol = istioProtocol(port)?.istioProtocol;
        if (protocol === undefined || !['HTTP', 'HTTP2', 'GRPC', 'GRPC-Web'].includes(protocol)) {
          continue;
        }
        const numbers = workloads.length > 0 ? workloads.map(w => inv.targetPortOn(port, w) ?? port.port) : [typeof port.targetPort === 'number' ? port.targetPort : port.port];
        const carried = [port.port, ...numbers].map(n => BINARY_PROTOCOL_PORTS.get(n)).find(e => e !== undefined);
        if (carried === undefined) {
          continue;
        }
        const words = [port.name, port.appProtocol, service.object.name,
          ...workloads.flatMap(w => [...w.ports.map(p => p.name), ...w.containers.filter(c => !c.init).map(c => String(c.container.image ?? ''))])]
          .filter((w): w is string => typeof w === 'string').join(' ').toLowerCase();
        if (!BINARY_ENGINE_WORDS.test(words)) {
          continue;
        }
        report(service.object, `port ${port.port} (${describeDeclaration(port)}) is declared ${protocol}, but it is the ${carried} port: Envoy parses `
          + `the ${carried} bytes as HTTP and the connection fails; name it '${suggestPortName({ ...port, name: port.name?.replace(/^(https?|http2|grpc(-web)?)(-|$)/, '') || undefined }, 'tcp')}' `
          + 'and set appProtocol: tcp', portPath(port));
      }
    }
  },
});

export const SERVICE_RULES: ReadonlyArray<Rule> = [
  HEADLESS_WITHOUT_PORTS, PORT_WITHOUT_PROTOCOL, EXTERNAL_NAME_PORT, SERVER_FIRST_SNIFFED, RESERVED_PORT,
  TARGET_PORT_NOT_DECLARED, PORT_PROTOCOL_CONFLICT, TARGET_PORT_CONFLICT, PEER_PORTS_NOT_DECLARED, PROTOCOL_CONTRADICTS_PORT,
];
