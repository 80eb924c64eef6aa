// Validates Kubernetes and Istio manifests against their OpenAPI schemas.
//
// kubernetes-models 5.x and @kubernetes-models/istio 3.x (Istio 1.29 schemas, security.istio.io/v1) are ESM-only:
// this module is loaded by scripts/validate-manifests.mjs (examples) and by a worker thread in the tests.
// Every apiVersion/kind must have a schema: an object nobody can validate is an error, not a pass.

const modules = new Map();

function modulePath(apiVersion) {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  if (group.endsWith('.istio.io')) {
    return `@kubernetes-models/istio/${apiVersion}`;
  }
  if (group === 'gateway.networking.k8s.io') {
    return `@kubernetes-models/gateway-api/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

async function modelFor(apiVersion, kind) {
  const path = modulePath(apiVersion);
  if (!modules.has(path)) {
    modules.set(path, import(path).catch(() => undefined));
  }
  const mod = await modules.get(path);
  const model = mod?.[kind];
  return typeof model === 'function' && model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

function describe(manifest, index) {
  const ns = manifest?.metadata?.namespace ? `${manifest.metadata.namespace}/` : '';
  return `#${index} ${manifest?.apiVersion ?? '<no apiVersion>'} ${manifest?.kind ?? '<no kind>'} ${ns}${manifest?.metadata?.name ?? '<no name>'}`;
}

/**
 * @param {unknown[]} manifests plain JSON objects
 * @returns {Promise<{ resource: string, error: string }[]>} one entry per invalid manifest, empty when all are valid
 */
export async function validateManifests(manifests) {
  const failures = [];
  for (const [index, manifest] of manifests.entries()) {
    const resource = describe(manifest, index);
    if (!manifest || typeof manifest !== 'object' || typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string') {
      failures.push({ resource, error: 'not a Kubernetes object: apiVersion and kind are required' });
      continue;
    }
    if (!manifest.metadata?.name) {
      failures.push({ resource, error: 'metadata.name is required' });
    }
    const Model = await modelFor(manifest.apiVersion, manifest.kind);
    if (!Model) {
      failures.push({ resource, error: `no schema known for ${manifest.apiVersion} ${manifest.kind}` });
      continue;
    }
    try {
      new Model(manifest).validate();
    } catch (err) {
      failures.push({ resource, error: err.message });
    }
  }
  return failures;
}
