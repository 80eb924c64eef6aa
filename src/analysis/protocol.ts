import { AppProtocol } from '../app-protocol';
import { ServicePortInfo } from './inventory';
import { commandWords } from './objects';

/** Ports Istio assumes to be TCP when their name gives no protocol (istio/istio pkg/config/kube/conversion.go). */
export const WELL_KNOWN_TCP_PORTS: ReadonlyArray<number> = [25, 53, 3306, 27017];

/**
 * Protocols where the server speaks first: with protocol sniffing (or PERMISSIVE mTLS detection) the proxy waits for
 * client bytes that never come. Matched by port number or by a word of the port name.
 */
const SERVER_FIRST: ReadonlyArray<{
  readonly protocol: string;
  readonly ports: ReadonlyArray<number>;
  readonly names: ReadonlyArray<string>;
  /** Ports other software also uses (Selenium on 4444): the number counts only with a name word or a Galera image. */
  readonly shared?: boolean;
}> = [
  { protocol: 'MySQL/MariaDB', ports: [3306, 3307], names: ['mysql', 'mariadb'] },
  // Galera group communication: listed as server-first since the first version of this list, not confirmed from the source
  { protocol: 'Galera group communication', ports: [4567], names: ['galera', 'gcomm', 'wsrep'], shared: true },
  // Galera's incremental state transfer: the joiner listens and sends its handshake first; the donor connects and waits
  // for it (codership/galera galera/src/ist.cpp, Sender::send() starts with recv_handshake())
  { protocol: 'Galera IST', ports: [4568], names: ['ist', 'incremental'], shared: true },
  // rsync daemon (Galera's default SST method listens on 4444): the server greets with '@RSYNCD: <version>' (rsync rsyncd.conf(5))
  { protocol: 'rsync (Galera SST)', ports: [4444], names: ['rsync', 'sst', 'snapshot'], shared: true },
  { protocol: 'rsync', ports: [873], names: ['rsync'] },
  { protocol: 'VNC', ports: [5900], names: ['vnc', 'rfb'] },
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

/**
 * The ports a container listens on only to send (`ncat -l --send-only`, `socat -u <source> TCP-LISTEN:<port>`): the
 * server speaks first, like a backup stream handed to whoever connects.
 */
export function sendOnlyListenPorts(container: any): number[] {
  const words = commandWords(container).join(' ');
  const ports: number[] = [];
  for (const command of words.split(/[;&|]|\bthen\b|\bdo\b/)) {
    if (/\b(n?cat|nc|netcat)\b/.test(command) && /--send-only\b/.test(command) && /(^|\s)(-l|--listen|-[a-z]*l[a-z]*)(\s|$)/.test(command)) {
      const port = /(?:-p|--port|-l[a-z]*p?)\s+(\d{1,5})\b/.exec(command) ?? /\s(\d{1,5})(?:\s|$)/.exec(command);
      if (port) {
        ports.push(Number(port[1]));
      }
    }
    const socat = /\bsocat\b.*\s-u\s+\S+\s+TCP[46]?-LISTEN:(\d{1,5})/i.exec(command);
    if (socat) {
      ports.push(Number(socat[1]));
    }
  }
  return ports;
}

/**
 * The server-first protocol a port looks like (by number or name), or undefined. `galera` says the selected pods run
 * Galera, which makes its ports count by number alone.
 */
export function serverFirstProtocol(port: ServicePortInfo, galera = false): string | undefined {
  const words = `${port.name ?? ''}-${port.appProtocol ?? ''}`.toLowerCase().split(/[^a-z0-9]+/);
  const named = (s: typeof SERVER_FIRST[number]) => s.names.some(n => words.includes(n));
  return SERVER_FIRST.find(s => named(s) || (s.ports.includes(port.port) && (!s.shared || galera || words.includes('galera'))))?.protocol;
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
