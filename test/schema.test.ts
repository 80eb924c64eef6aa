import { expectSchemaValid } from './support/manifests';

// The schema validation is what makes "every manifest validates" mean something: prove it rejects bad objects.
describe('schema validation helper', () => {
  test('accepts a valid Service and a valid v1 PeerAuthentication', () => {
    expect(() => expectSchemaValid([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, name: 'http-web' }] } },
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'pa' }, spec: { mtls: { mode: 'STRICT' } } },
    ])).not.toThrow();
  });

  test('fails when a field has the wrong type', () => {
    expect(() => expectSchemaValid([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'eighty' }] } },
    ])).toThrow(/#0 v1 Service s: .*port must be integer/);
  });

  test('fails when an Istio enum has an unknown value', () => {
    expect(() => expectSchemaValid([
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'pa' }, spec: { mtls: { mode: 'STRICTER' } } },
    ])).toThrow(/PeerAuthentication pa: .*mode must be equal to one of the allowed values/);
  });

  test('fails when no schema is known for the kind', () => {
    expect(() => expectSchemaValid([
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    ])).toThrow(/no schema known for example.com\/v1 Widget/);
  });

  test('fails when a manifest has no name', () => {
    expect(() => expectSchemaValid([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }])).toThrow(/metadata.name is required/);
  });
});
