// A pool of decode worker threads (or none: decoding inline on the calling thread). Tasks go in
// chunks to the least busy worker, one message per chunk each way (a message and a thread wake-up
// per small image cost more than decoding it); answers come back as transferred arrays.
import { Worker } from 'node:worker_threads';
import { type SampleResult, type SampleTask, type TransformConfig, transformSample } from './transform.js';

interface Slot {
  worker: Worker;
  busy: number;
}

/** A chunk of tasks for a worker, with the pool's id for the answer. */
export interface WorkerRequest {
  id: number;
  tasks: SampleTask[];
}

/** A worker's answer: one result per task, in order. */
export interface WorkerReply {
  id: number;
  results: SampleResult[];
}

/** The encoded bytes of a task's fields, for postMessage's transfer list (they are copies: see Pipeline). */
function taskBuffers(tasks: SampleTask[]): ArrayBuffer[] {
  return tasks.flatMap((t) => Object.values(t.fields).map((f) => f.buffer as ArrayBuffer));
}

/**
 * Runs transformSample on `size` worker threads (size 0: inline, synchronously).
 * @example const pool = new DecodePool(2, cfg); const [r] = await pool.run([task]); await pool.close();
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { resolve: (r: SampleResult[]) => void; reject: (e: Error) => void; slot: Slot; n: number }>();
  private nextId = 0;
  private failure: Error | null = null;
  private readonly started: Promise<void>;

  constructor(readonly size: number, private readonly cfg: TransformConfig) {
    const url = new URL('./worker.js', import.meta.url);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: new Worker(url, { workerData: cfg }), busy: 0 };
      // A worker keeps the process alive while it starts and while it has tasks, not when idle.
      // (Adding a 'message' listener refs the worker again, so unref only after the listeners.)
      ready.push(new Promise((resolve, reject) => {
        slot.worker.once('message', () => {
          if (slot.busy === 0) slot.worker.unref();
          resolve();
        });
        slot.worker.once('error', reject);
      }));
      slot.worker.on('message', (m: Partial<WorkerReply>) => this.answer(m));
      slot.worker.on('error', (e) => this.fail(new Error(`decode worker ${i} failed: ${e.message}`)));
      slot.worker.on('exit', (code) => { if (code !== 0) this.fail(new Error(`decode worker ${i} exited with code ${code}`)); });
      this.slots.push(slot);
    }
    this.started = Promise.all(ready).then(() => undefined);
    this.started.catch(() => undefined);
  }

  /** Resolves once every worker has loaded the addon. */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Decodes and augments a chunk of samples; results in task order. The tasks' field buffers are
   * transferred to the worker (detached here).
   */
  run(tasks: SampleTask[]): Promise<SampleResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.size === 0) return Promise.resolve(tasks.map((t) => transformSample(t, this.cfg)));
    const slot = this.slots.reduce((best, s) => (s.busy < best.busy ? s : best));
    const id = this.nextId++;
    if (slot.busy === 0) slot.worker.ref();
    slot.busy += tasks.length;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, slot, n: tasks.length });
      slot.worker.postMessage({ id, tasks } satisfies WorkerRequest, taskBuffers(tasks));
    });
  }

  private answer(m: Partial<WorkerReply>): void {
    if (m.id === undefined) return;
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    w.slot.busy -= w.n;
    if (w.slot.busy === 0) w.slot.worker.unref();
    w.resolve(m.results!);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** Stops the workers; pending tasks are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('decode pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
