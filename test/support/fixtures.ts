import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppProtocol, HeadlessStatefulService, MeshMode } from '../../src';

/** A three-pod database `db` with its own service account, ports 5432 (tcp), 8008 (http), 9187 (http metrics). */
/** `meshMode: null` leaves the mesh mode unset (the namespace decides). */
export function database(scope: Chart, meshMode: MeshMode | null = MeshMode.sidecar(), clientService = true): HeadlessStatefulService {
  const db = new HeadlessStatefulService(scope, 'Db', {
    replicas: 3,
    meshMode: meshMode ?? undefined,
    serviceAccount: new kplus.ServiceAccount(scope, 'DbAccount', { metadata: { name: 'db' } }),
    containers: [{ name: 'db', image: 'registry.example.com/db:1.2.3' }],
    ports: [
      { port: 5432, name: 'postgresql' },
      { port: 8008, protocol: AppProtocol.HTTP, name: 'patroni' },
      { port: 9187, protocol: AppProtocol.HTTP, name: 'metrics' },
    ],
  });
  if (clientService) {
    db.addClientService('Client', { ports: [5432] });
  }
  return db;
}
