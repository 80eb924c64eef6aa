import { deployment, findingsOf, namespace, summary } from './support';

function authorizationPolicy(name: string, ns: string, spec: Record<string, unknown> = {}): any {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

describe('AuthorizationPolicies (SM502, IST0127)', () => {
  test('reports a selector that matches no pod template of its namespace, with the labels', () => {
    const [finding] = findingsOf('SM502', [deployment('api', 'x'), authorizationPolicy('p', 'x', { selector: { matchLabels: { app: 'apj' } } })]);
    expect(finding.istioCode).toBe('IST0127');
    expect(finding.message).toBe('AuthorizationPolicy x/p: selector (app=apj) matches no pod in namespace \'x\' among the manifests, '
      + 'so the policy applies to nothing; use the labels of the pod template it is meant for');
  });

  test('matches pod templates of any workload kind, in the namespace only, and mesh-wide in the root namespace', () => {
    const manifests = [
      deployment('api', 'x'),
      authorizationPolicy('ok', 'x', { selector: { matchLabels: { app: 'api' } } }),
      authorizationPolicy('wrong-ns', 'y', { selector: { matchLabels: { app: 'api' } } }),
      authorizationPolicy('mesh', 'istio-system', { selector: { matchLabels: { app: 'api' } } }),
      authorizationPolicy('mesh-default', 'istio-system'),
    ];
    expect(summary(findingsOf('SM502', manifests))).toEqual(['SM502 AuthorizationPolicy y/wrong-ns']);
  });

  test('reports a namespace-wide policy in a namespace without pods in the mesh', () => {
    const manifests = [namespace('off'), deployment('api', 'off'), authorizationPolicy('all', 'off'), authorizationPolicy('all', 'empty')];
    expect(summary(findingsOf('SM502', manifests))).toEqual(['SM502 AuthorizationPolicy off/all', 'SM502 AuthorizationPolicy empty/all']);
  });

  test('skips policies attached to a Service or Gateway with targetRef(s)', () => {
    expect(findingsOf('SM502', [authorizationPolicy('w', 'x', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }] })])).toEqual([]);
  });

  test('on a partial input (the lint command), reports only a policy whose pods are in another namespace', () => {
    const partial = { partialInput: true };
    // a policy in its own file, its Deployment elsewhere: nothing proves it wrong
    expect(findingsOf('SM502', [authorizationPolicy('own-file', 'x', { selector: { matchLabels: { app: 'api' } } }), authorizationPolicy('all', 'empty')], partial)).toEqual([]);
    const [finding] = findingsOf('SM502', [deployment('api', 'x'), authorizationPolicy('wrong-ns', 'y', { selector: { matchLabels: { app: 'api' } } })], partial);
    expect(finding.message).toContain('the pods it selects are in namespace \'x\': move the policy there');
    // mesh-wide policies, and objects whose namespace a kustomize overlay will set, are not judged
    const noNamespace = authorizationPolicy('base', 'y', { selector: { matchLabels: { app: 'api' } } });
    delete noNamespace.metadata.namespace;
    expect(findingsOf('SM502', [deployment('api', 'x'), noNamespace, authorizationPolicy('mesh', 'istio-system', { selector: { matchLabels: { app: 'gw' } } })], partial)).toEqual([]);
  });
});
