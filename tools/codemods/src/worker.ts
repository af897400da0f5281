import { parentPort, workerData } from 'node:worker_threads';

import { processFile } from './process-file.js';
import type { ProcessOptions } from './process-file.js';

// A worker of runImportGroups: receives batches of paths, answers with one
// message of results per batch, stops when handed an empty batch.
const options = workerData as ProcessOptions;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

port.on('message', (files: string[]) => {
  if (files.length === 0) {
    port.close();
    return;
  }
  port.postMessage(files.map((file) => processFile(file, options)));
});
