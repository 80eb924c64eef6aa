import { AppProtocol } from '../app-protocol';
import { ServicePortInfo } from './inventory';

/** Ports Istio assumes to be TCP when their name gives no protocol (istio/istio pkg/config/kube/conversion.go). */
export const WELL_KNOWN_TCP_PORTS: ReadonlyArray<number> = [25, 53, 3306, 27017];

/**
 * Protocols where the server speaks first: with protocol sniffing (or PERMISSIVE mTLS detection) the proxy waits for
 * client bytes that never come. Matched by port number or by a word of the port name.
 */
const SERVER_FIRST: ReadonlyArray<{ readonly protocol: string; readonly ports: ReadonlyArray<number>; readonly names: ReadonlyArray<string> }> = [
  { protocol: 'MySQL/MariaDB', ports: [3306, 3307, 4567], names: ['mysql', 'mariadb', 'galera'] },
  { protocol: 'NATS', ports: [4222, 6222], names: ['nats'] },
  { protocol: 'SMTP', ports: [25, 465, 587], names: ['smtp', 'smtps', 'submission'] },
  { protocol: 'FTP', ports: [21], names: ['ftp'] },
  { protocol: 'SSH', ports: [22], names: ['ssh', 'sftp'] },
  { protocol: 'POP3', ports: [110, 995], names: ['pop3', 'pop3s'] },
  { protocol: 'IMAP', ports: [143, 993], names: ['imap', 'imaps'] },
];

/**
 * The protocol Istio gives a Service port: UDP by the Kubernetes protocol, else `appProtocol` (which wins), else
 * the name prefix, else TCP for a few well-known ports; undefined when Istio sniffs the port.
 */
export function istioProtocol(port: ServicePortInfo): AppProtocol | undefined {
  if (port.protocol === 'UDP') {
    return AppProtocol.UDP;
  }
  const found = port.appProtocol !== undefined ? fromAppProtocol(port.appProtocol) : AppProtocol.fromPortName(port.name ?? '');
  if (found === undefined && WELL_KNOWN_TCP_PORTS.includes(port.port)) {
    return AppProtocol.TCP;
  }
  return found;
}

/** `appProtocol` as Istio reads it: a known value, else its prefix like a port name. */
function fromAppProtocol(value: string): AppProtocol | undefined {
  const known = AppProtocol.all().find(p => p.value === value.toLowerCase());
  return known ?? AppProtocol.fromPortName(value);
}

/** The server-first protocol a port looks like (by number or name), or undefined. */
export function serverFirstProtocol(port: ServicePortInfo): string | undefined {
  const words = `${port.name ?? ''}-${port.appProtocol ?? ''}`.toLowerCase().split(/[^a-z0-9]+/);
  return SERVER_FIRST.find(s => s.ports.includes(port.port) || s.names.some(n => words.includes(n)))?.protocol;
}

/** A short description of how the port is declared, for messages: `name 'pg', no appProtocol`. */
export function describeDeclaration(port: ServicePortInfo): string {
  const name = port.name === undefined ? 'no name' : `name '${port.name}'`;
  const app = port.appProtocol === undefined ? 'no appProtocol' : `appProtocol '${port.appProtocol}'`;
  return `${name}, ${app}`;
}

/** A port name with the protocol prefix, keeping the purpose: `pg` → `tcp-pg`, unnamed 5432 → `tcp-5432`. */
export function suggestPortName(port: ServicePortInfo, prefix: string): string {
  if (port.name === undefined) {
    return `${prefix}-${port.port}`;
  }
  if (AppProtocol.fromPortName(port.name)) {
    return port.name;
  }
  const candidate = `${prefix}-${port.name}`;
  return candidate.length <= 15 ? candidate : `${prefix}-${port.port}`;
}
