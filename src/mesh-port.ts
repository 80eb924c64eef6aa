import { AppProtocol } from './app-protocol';

/**
 * A port to declare, on the pods and on their Service.
 */
export interface MeshPortOptions {
  /**
   * The port number. On a headless Service it is also the container port: clients connect to the pod IPs.
   * Ports reserved by Istio (15000, 15001, 15002, 15004, 15006, 15008, 15020, 15021, 15053, 15090) are refused.
   */
  readonly port: number;

  /**
   * The protocol, written both as the port name prefix and as `appProtocol`.
   *
   * @default AppProtocol.TCP
   */
  readonly protocol?: AppProtocol;

  /**
   * The port name, either in full (`tcp-postgresql`) or as its purpose (`postgresql`), in which case the
   * protocol prefix is added. A name whose prefix means another protocol to Istio (`redis` on a TCP port)
   * is refused. At most 15 characters (IANA service name), lowercase.
   *
   * @default - `<protocol prefix>-<port>`, e.g. `tcp-5432`
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/#explicit-protocol-selection
   */
  readonly name?: string;
}

/**
 * A declared port, resolved: its name carries the protocol prefix.
 */
export interface MeshPort {
  /** The port number (Service port and container port). */
  readonly port: number;
  /** The port name, `<protocol prefix>-<purpose>`; also the container port name and the Service `targetPort`. */
  readonly name: string;
  /** The protocol, written as the `appProtocol` of the Service port. */
  readonly protocol: AppProtocol;
}
