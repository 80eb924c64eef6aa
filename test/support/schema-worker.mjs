// Worker thread for test/support/manifests.ts: runs the ESM-only schema validation outside ts-jest's module system.
import { runAsWorker } from 'synckit';
import { validateManifests } from '../../scripts/schema.mjs';

runAsWorker(validateManifests);
