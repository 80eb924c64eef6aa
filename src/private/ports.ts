import { IConstruct } from 'constructs';
import { AppProtocol } from '../app-protocol';
import { MeshPort, MeshPortOptions } from '../mesh-port';
import { fail, portNameProblem, portNumberProblem } from './validation';

/**
 * Resolves a port declaration into a named port, refusing what Istio or Kubernetes would not accept:
 * reserved or invalid numbers, names that are not IANA service names, names whose prefix means another
 * protocol to Istio, and numbers or names already declared in `existing`.
 */
export function resolveMeshPort(scope: IConstruct, options: MeshPortOptions, existing: ReadonlyArray<MeshPort>): MeshPort {
  const protocol = options.protocol ?? AppProtocol.TCP;
  const port = options.port;
  const numberProblem = portNumberProblem(port);
  if (numberProblem) {
    fail(scope, `port ${port} ${numberProblem}; choose another port`);
  }

  const name = portName(scope, options.name, protocol, port);
  const problem = portNameProblem(name);
  if (problem) {
    fail(scope, `port name '${name}' (port ${port}) ${problem}; give a shorter purpose, e.g. name: '${protocol.portNamePrefix}-${port}'`);
  }

  const sameNumber = existing.find(p => p.port === port);
  if (sameNumber) {
    fail(scope, `port ${port} is already declared as '${sameNumber.name}'; declare each port once`);
  }
  const sameName = existing.find(p => p.name === name);
  if (sameName) {
    fail(scope, `port name '${name}' is already used by port ${sameName.port}; port names must be unique, choose another name for port ${port}`);
  }
  return { port, name, protocol };
}

function portName(scope: IConstruct, name: string | undefined, protocol: AppProtocol, port: number): string {
  const prefix = protocol.portNamePrefix;
  if (name === undefined) {
    return `${prefix}-${port}`;
  }
  if (name !== name.toLowerCase()) {
    fail(scope, `port name '${name}' (port ${port}) has uppercase letters; Kubernetes port names are lowercase, use '${name.toLowerCase()}'`);
  }
  const readAs = AppProtocol.fromPortName(name);
  if (readAs === undefined) {
    // a bare purpose: prefix it so Istio reads the protocol from the name too
    return `${prefix}-${name}`;
  }
  if (readAs.portNamePrefix !== prefix) {
    const purpose = name.slice(readAs.portNamePrefix.length).replace(/^-/, '') || readAs.portNamePrefix;
    fail(scope, `port name '${name}' (port ${port}) reads as protocol ${readAs.istioProtocol} to Istio, but the port's protocol is ${protocol.istioProtocol}; `
      + `name it '${prefix}-${purpose}' or set protocol: AppProtocol.${constantName(readAs)}`);
  }
  return name;
}

function constantName(protocol: AppProtocol): string {
  return protocol.portNamePrefix.toUpperCase().replace(/-/g, '_');
}
