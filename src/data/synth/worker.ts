// Worker-thread entry of the synth pool: runs jobs as they arrive (several at once, so rendering
// one overlaps encoding another) and answers each with its id.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { runJob, type SynthJob } from './job.js';

// Two workers share two cores: one libvips thread per encode keeps them from oversubscribing.
sharp.concurrency(1);
sharp.cache(false);

const port = parentPort;
if (!port) throw new Error('synth worker: must run in a worker thread');
port.on('message', (msg: { id: number; job: SynthJob }) => {
  runJob(msg.job).then(
    (result) => port.postMessage({ id: msg.id, result }),
    (e: Error) => port.postMessage({ id: msg.id, error: e.stack ?? String(e) }),
  );
});
