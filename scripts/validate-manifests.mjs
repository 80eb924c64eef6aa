#!/usr/bin/env node
// Usage: node scripts/validate-manifests.mjs <file.yaml|dir> ...
// Validates every document of every .yaml/.yml/.json file (recursively for folders) against the Kubernetes and
// Istio schemas; prints each invalid object and exits 1 when any is invalid, 2 when nothing was found to validate.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateManifests } from './schema.mjs';

function files(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path).sort().flatMap(entry => files(join(path, entry)));
  }
  return /\.(ya?ml|json)$/.test(path) ? [path] : [];
}

const inputs = process.argv.slice(2).flatMap(files).filter(f => !f.includes('/helm/'));
let count = 0;
let failed = 0;
for (const file of inputs) {
  const docs = parseAllDocuments(readFileSync(file, 'utf-8')).map(d => d.toJSON()).filter(d => d != null);
  count += docs.length;
  for (const { resource, error } of await validateManifests(docs)) {
    failed++;
    console.error(`${file} ${resource}: ${error}`);
  }
}
if (count === 0) {
  console.error(`validate: no manifests found in ${process.argv.slice(2).join(' ') || '(no arguments)'}`);
  process.exit(2);
}
console.log(`validate: ${count - failed}/${count} manifests in ${inputs.length} files pass the Kubernetes and Istio schemas`);
process.exit(failed > 0 ? 1 : 0);
