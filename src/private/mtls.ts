import { IConstruct } from 'constructs';
import { ClientTls, PortTls, TlsMode } from '../destination-rule';
import { MeshModeKind } from '../mesh-mode';
import { IMeshWorkload } from '../mesh-workload';
import { MtlsMode, PortMtls } from '../peer-authentication';
import { fail } from './validation';

/**
 * What both ends of a connection must say about mTLS, decided in one place:
 *
 * - pods in the mesh get a PeerAuthentication (STRICT unless told otherwise); pods outside get none;
 * - clients of pods outside the mesh send plaintext (DestinationRule `DISABLE`): a client would otherwise send
 *   mTLS to a pod that cannot terminate it (the Redis story of istio#21964);
 * - a workload- or port-level DISABLE or PERMISSIVE is invisible to clients (istio#39439), so it is paired with a
 *   (port-level) DestinationRule `DISABLE`; so are inbound ports that bypass the sidecar;
 * - sidecar servers get explicit `ISTIO_MUTUAL`; ambient servers are reached over HBONE, which Istio picks on its
 *   own, so their DestinationRules set no TLS (and ambient never gets DISABLE).
 */
export interface MtlsPlan {
  /** The server-side policy, or undefined when the pods are outside the mesh. */
  readonly peerAuthentication?: { readonly mode: MtlsMode; readonly ports: PortMtls[] };
  /** TLS for every port of every Service of the workload, if any. */
  readonly clientTls?: ClientTls;
  /** Per-port TLS for the Services (plaintext ports). */
  readonly clientPortTls: PortTls[];
  /**
   * Container ports that receive plaintext: every port of a PERMISSIVE or DISABLE workload but its STRICT ports, each
   * non-STRICT port, each port that bypasses the sidecar, every port of pods outside the mesh. Identity rules (which
   * need mTLS) never match on them.
   */
  isPlaintext(port: number): boolean;
}

export function planMtls(scope: IConstruct, workload: IMeshWorkload, mode: MtlsMode | undefined, portModes: PortMtls[]): MtlsPlan {
  const meshMode = workload.meshMode;
  if (!meshMode) {
    fail(scope, `'${workload.name}' has no meshMode, so nobody knows whether its pods have a proxy and which mTLS modes agree; `
      + 'set meshMode: MeshMode.sidecar(), MeshMode.ambient() or MeshMode.outside() on the workload');
  }

  if (meshMode.kind === MeshModeKind.OUTSIDE) {
    if (mode !== undefined || portModes.length > 0) {
      fail(scope, `'${workload.name}' runs outside the mesh: there is no proxy to apply mTLS modes; remove mode and portLevelMtls`);
    }
    return { clientTls: ClientTls.disable(), clientPortTls: [], isPlaintext: () => true };
  }

  const workloadMode = mode ?? MtlsMode.STRICT;
  if (meshMode.kind === MeshModeKind.AMBIENT && [workloadMode, ...portModes.map(p => p.mode)].includes(MtlsMode.DISABLE)) {
    fail(scope, `'${workload.name}' runs in ambient mode, where PeerAuthentication DISABLE is not supported; use PERMISSIVE, or MeshMode.outside()`);
  }
  if (workloadMode === MtlsMode.UNSET) {
    fail(scope, `mode UNSET leaves '${workload.name}' to the namespace's policy, so the clients' DestinationRules cannot agree with it; choose STRICT, PERMISSIVE or DISABLE`);
  }
  for (const port of portModes) {
    if (port.mode === workloadMode || port.mode === MtlsMode.UNSET) {
      fail(scope, `port ${port.port} mode ${port.mode} repeats or inherits the workload-level mode ${workloadMode}; list only ports whose mode differs`);
    }
    if (meshMode.excludedInboundPorts.includes(port.port)) {
      fail(scope, `port ${port.port} bypasses the sidecar (excludeInboundPorts), so its PeerAuthentication mode would never apply; remove it from portLevelMtls`);
    }
  }

  const plaintextWorkload = workloadMode !== MtlsMode.STRICT;
  const clientTls = plaintextWorkload ? ClientTls.disable() : meshMode.kind === MeshModeKind.SIDECAR ? ClientTls.istioMutual() : undefined;
  const portTls = new Map<number, ClientTls>(meshMode.excludedInboundPorts.map(port => [port, ClientTls.disable()]));
  for (const port of portModes) {
    if (port.mode !== MtlsMode.STRICT) {
      portTls.set(port.port, ClientTls.disable());
    } else if (meshMode.kind === MeshModeKind.SIDECAR) {
      portTls.set(port.port, ClientTls.istioMutual()); // a STRICT port of a plaintext workload
    }
  }
  const strictPorts = new Set(portModes.filter(p => p.mode === MtlsMode.STRICT).map(p => p.port));
  return {
    peerAuthentication: { mode: workloadMode, ports: portModes.map(p => ({ ...p })) },
    clientTls,
    clientPortTls: [...portTls.entries()].sort(([a], [b]) => a - b).map(([port, tls]) => ({ port, tls })),
    isPlaintext: port => portTls.get(port)?.mode === TlsMode.DISABLE || (plaintextWorkload && !strictPorts.has(port)),
  };
}
