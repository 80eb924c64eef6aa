// A worker of parseManifestsInParallel(): parses its share of the documents and posts the result, or the error.
import { parentPort, workerData } from 'worker_threads';
import { DocumentText, parseDocuments, withoutTexts, WorkerResult } from './load';

const { file, documents } = workerData as { readonly file: string; readonly documents: DocumentText[] };
let result: WorkerResult;
try {
  result = { parsed: withoutTexts(parseDocuments(file, documents)) };
} catch (e) {
  result = { error: e instanceof Error ? e.message : String(e) };
}
parentPort!.postMessage(result);
