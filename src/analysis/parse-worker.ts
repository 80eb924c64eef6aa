// A worker of parseManifestsInParallel(): parses its share of the documents and posts the objects, or the first error.
import { parentPort, workerData } from 'worker_threads';
import { DocumentText, InputError, parseDocuments, WorkerResult } from './load';

const { file, documents } = workerData as { readonly file: string; readonly documents: DocumentText[] };
let result: WorkerResult;
try {
  result = { objects: parseDocuments(file, documents) };
} catch (e) {
  if (!(e instanceof InputError)) {
    throw e;
  }
  result = { error: e.message };
}
parentPort!.postMessage(result);
