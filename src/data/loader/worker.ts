// Entry point of a decode worker thread: receives chunks of sample tasks, answers each chunk with
// one message whose arrays are transferred. Loads only the addon's pure image functions (never
// the engine or tensor handles).
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './pool.js';
import { type TransformConfig, transferables, transformSample } from './transform.js';

const cfg = workerData as TransformConfig;
const port = parentPort!;

port.on('message', (req: WorkerRequest) => {
  const results = req.tasks.map((t) => transformSample(t, cfg));
  port.postMessage({ id: req.id, results } satisfies WorkerReply, results.flatMap(transferables));
});
port.postMessage({ ready: true });
