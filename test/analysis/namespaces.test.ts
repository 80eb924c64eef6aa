import { deployment, findingsOf, namespace, summary } from './support';
import { editDistance } from '../../src/analysis/namespaces';

function authorizationPolicy(name: string, ns: string, from: any[]): any {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec: { rules: [{ from }] } };
}

function networkPolicy(name: string, ns: string, clientNamespace: string): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': clientNamespace } } }] }] },
  };
}

describe('namespace typos in policies (SM504)', () => {
  test('reports a source namespace one letter swap away from a namespace the input uses, with the guess', () => {
    const [finding] = findingsOf('SM504', [namespace('orders'), deployment('db', 'shop'), authorizationPolicy('db', 'shop', [{ source: { namespaces: ['ordres'] } }])]);
    expect(finding.message).toBe("AuthorizationPolicy shop/db: admits clients of namespace 'ordres', which no object of the input uses; did you mean 'orders'? "
      + 'Fix the namespace (of the MeshClient, for policies this library writes)');
    expect(finding.path).toBe('spec.rules[0].from[0].source.namespaces');
  });

  test('reads the namespace of principals and of NetworkPolicy namespace selectors', () => {
    const manifests = [
      deployment('web', 'frontend'),
      authorizationPolicy('db', 'shop', [{ source: { principals: ['cluster.local/ns/frontnd/sa/web'] } }]),
      networkPolicy('db', 'shop', 'fronted'),
    ];
    expect(summary(findingsOf('SM504', manifests))).toEqual(['SM504 AuthorizationPolicy shop/db', 'SM504 NetworkPolicy shop/db']);
  });

  test('stays quiet for known namespaces, unknown ones near none, short names and digit-only differences', () => {
    const manifests = [
      deployment('db', 'shop'), deployment('api', 'app-v1'), deployment('x', 'ops'),
      authorizationPolicy('db', 'shop', [{ source: { namespaces: ['shop', 'monitoring', 'app-v2', 'opz'] } }]),
    ];
    expect(findingsOf('SM504', manifests)).toEqual([]);
  });

  test('edit distance counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('orders', 'ordres')).toBe(1);
    expect(editDistance('orders', 'order')).toBe(1);
    expect(editDistance('orders', 'odrers')).toBe(1);
    expect(editDistance('orders', 'billing')).toBeGreaterThan(1);
  });
});
