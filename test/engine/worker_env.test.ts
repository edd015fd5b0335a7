// Every JS thread that loads the addon has its own handle table and checkpoint callback: a worker
// can use tensors without touching the main thread's, and its exit frees its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:net';
import { checkpoint, keep, liveTensors, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { native } from '../../src/engine/native.js';

interface WorkerReport { foreign?: string; before?: number; sum?: number[]; grad?: number[]; after?: number; error?: string }

const engineUrl = new URL('../../src/engine/index.js', import.meta.url).href;
const nativeUrl = new URL('../../src/engine/native.js', import.meta.url).href;

// Reads the main thread's handle (which the worker never made), computes, checkpoints, and exits
// with one tensor still live.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const e = await import(${JSON.stringify(engineUrl)});
  const { native } = await import(${JSON.stringify(nativeUrl)});
  const r = {};
  try { native.meta(workerData.mainHandle); r.foreign = 'readable'; } catch (err) { r.foreign = err.message; }
  r.before = e.liveTensors();
  const a = e.tensor([1, 2, 3]);
  r.sum = e.add(a, a).toArray();
  const x = e.tensor([1, 2, 3]).requiresGrad_();
  e.tidy(() => (e.checkpoint((h) => h.mul(h), x)).sum().backward());
  r.grad = x.grad.toArray();
  r.after = e.liveTensors();
  parentPort.postMessage(r);
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

// A collective on the worker's own tensor while the main thread owns the process group.
const DIST_WORKER = `
const { parentPort } = require('node:worker_threads');
import(${JSON.stringify(nativeUrl)}).then(({ native }) => {
  const h = native.fromBuffer(new Float32Array([1, 2]), [2], 6);
  try { native.distAllreduce(h, false); parentPort.postMessage({ error: 'ran' }); } catch (err) { parentPort.postMessage({ error: err.message }); }
});
`;

function runWorker<R>(code: string, workerData: unknown): Promise<R> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData });
    let report: R | undefined;
    w.on('message', (m: R) => { report = m; });
    w.on('error', reject);
    w.on('exit', (code) => (report ? resolve(report) : reject(new Error(`worker exited with code ${code} before reporting`))));
  });
}

function checkpointGrad(): number[] {
  const x = keep(tensor([3, 4]).requiresGrad_());
  tidy(() => (checkpoint((h: Tensor) => h.mul(h), x) as Tensor).sum().backward());
  const g = x.grad!.toArray();
  x.dispose();
  return g;
}

test('a worker thread gets its own tensor table and checkpoint host; the main thread keeps its own', { timeout: 300_000 }, async () => {
  const mine = keep(tensor([10, 20, 30]));
  const live = liveTensors();
  const r = await runWorker<WorkerReport>(WORKER, { mainHandle: mine.id });
  assert.equal(r.error, undefined, r.error);
  assert.match(r.foreign ?? '', /disposed or unknown/, 'a worker must not see the main thread\'s handles');
  assert.equal(r.before, 0, 'the worker starts with an empty table');
  assert.deepEqual(r.sum, [2, 4, 6]);
  assert.deepEqual(r.grad, [2, 4, 6]);
  assert.ok((r.after ?? 0) >= 2, 'the worker left tensors live for its exit to free');
  assert.equal(liveTensors(), live, 'the worker\'s tensors never counted here');
  assert.deepEqual(mine.toArray(), [10, 20, 30]);
  // The worker's import registered its own recompute callback; the main thread's still works.
  assert.deepEqual(checkpointGrad(), [6, 8]);
  mine.dispose();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('collectives from a thread other than the one that joined the process group fail with a clear error', { timeout: 120_000 }, async () => {
  native.distInit(0, 1, '127.0.0.1', await freePort(), 10_000);
  try {
    const r = await runWorker<{ error: string }>(DIST_WORKER, undefined);
    assert.match(r.error, /dist\.allreduce: the process group belongs to the thread that called initDistributed/);
    const x = tensor([1, 2]);
    native.distAllreduce(x.id, false);
    assert.deepEqual(x.toArray(), [1, 2]);
    x.dispose();
  } finally {
    native.distDestroy();
  }
});
