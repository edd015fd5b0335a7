// A pool of worker threads that accounts for every way a worker can stop. Jobs go to the least
// busy worker and come back by id. Any worker exit (code 0 included: a worker that returns early,
// or a compiled file rewritten under a running command), uncaught error, unreadable message or a
// job left unanswered past its timeout fails the whole pool: every pending job and every later one
// is rejected with a message naming the pool and the worker. A stage then fails loudly; nothing
// waits forever, and no event loop empties with a job still pending (busy workers are ref'd).
import { Worker } from 'node:worker_threads';
import type { PoolReply, PoolRequest } from './serve.js';

export type { PoolReply, PoolRequest } from './serve.js';

/** Settings of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Names the pool in errors ('decode', 'synth'). */
  name: string;
  /** The worker script; it must call serveJobs (./serve.ts). */
  url: URL;
  /** Worker threads (at least 1). */
  size: number;
  /** Handed to every worker as workerData. */
  workerData?: unknown;
  /** Fail the pool when a job has no answer after this many milliseconds (0: wait forever). */
  jobTimeoutMs?: number;
}

/**
 * The default job timeout: long enough for the slowest honest job, short enough that a hang ends
 * a run. The environment variable ZOOCLIP_JOB_TIMEOUT_MS overrides it for every pool.
 */
export const DEFAULT_JOB_TIMEOUT_MS = 300_000;

function defaultTimeout(): number {
  const env = process.env.ZOOCLIP_JOB_TIMEOUT_MS;
  return env && Number(env) >= 0 ? Number(env) : DEFAULT_JOB_TIMEOUT_MS;
}

/** The longest close() waits for the workers' exits (see stopWorkers). */
const STOP_WAIT_MS = 2000;

interface Slot { worker: Worker; index: number; busy: number; exited: boolean }
interface Waiting<R> { resolve: (r: R) => void; reject: (e: Error) => void; slot: Slot; cost: number; timer?: NodeJS.Timeout }

/**
 * Runs jobs on worker threads; a failed worker fails the pool (see the file comment).
 * @example
 * const pool = new WorkerPool<Job, Out>({ name: 'decode', url: new URL('./worker.js', import.meta.url), size: 2 });
 * const out = await pool.run(job);
 * await pool.close();
 */
export class WorkerPool<J, R> {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, Waiting<R>>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;
  private stopping?: Promise<void>;
  private readonly started: Promise<void>;

  constructor(private readonly o: WorkerPoolOptions) {
    if (!(Number.isInteger(o.size) && o.size >= 1)) throw new Error(`${o.name} pool: size must be a positive integer, got ${o.size}`);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < o.size; i++) ready.push(this.startWorker(i));
    this.started = Promise.all(ready).then(() => undefined);
    this.started.catch(() => undefined);
  }

  private startWorker(index: number): Promise<void> {
    const slot: Slot = { worker: new Worker(this.o.url, { workerData: this.o.workerData }), index, busy: 0, exited: false };
    this.slots.push(slot);
    const w = slot.worker;
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`${this.o.name} worker ${index} exited with code ${code} before it was ready`)));
    });
    ready.catch(() => undefined);
    w.on('message', (m: PoolReply<R> | { ready: true }) => this.answer(slot, m));
    w.on('error', (e) => this.fail(new Error(`${this.o.name} worker ${index} failed: ${e.message}`)));
    w.on('messageerror', (e) => this.fail(new Error(`${this.o.name} worker ${index} sent a message that could not be read: ${e.message}`)));
    w.on('exit', (code) => {
      slot.exited = true;
      if (!this.closing) this.fail(new Error(`${this.o.name} worker ${index} exited (code ${code}) while the pool was in use${slot.busy ? `, with ${slot.busy} job item(s) unanswered` : ''}`));
    });
    // Idle workers must not keep the process alive; busy ones must (see run/answer).
    ready.then(() => { if (slot.busy === 0) w.unref(); }, () => undefined);
    return ready;
  }

  /** Resolves once every worker has started (and rejects if one could not). */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Runs one job on the least busy worker. `cost` weighs it for that choice (e.g. the samples in a
   * chunk); `transfer` lists buffers to move rather than copy.
   */
  run(job: J, cost = 1, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((best, s) => (s.busy < best.busy ? s : best));
    const id = this.nextId++;
    if (slot.busy === 0) slot.worker.ref();
    slot.busy += cost;
    return new Promise<R>((resolve, reject) => {
      const w: Waiting<R> = { resolve, reject, slot, cost };
      const ms = this.o.jobTimeoutMs ?? defaultTimeout();
      if (ms > 0) {
        w.timer = setTimeout(() => this.fail(new Error(`${this.o.name} worker ${slot.index} gave no answer to a job in ${ms / 1000} s (hung?); the pool is stopped`)), ms);
        w.timer.unref();
      }
      this.waiting.set(id, w);
      slot.worker.postMessage({ id, job } satisfies PoolRequest<J>, transfer);
    });
  }

  private answer(slot: Slot, m: PoolReply<R> | { ready: true }): void {
    if (!('id' in m)) return;
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    clearTimeout(w.timer);
    slot.busy -= w.cost;
    if (slot.busy === 0) slot.worker.unref();
    if (m.error !== undefined) w.reject(new Error(`${this.o.name} worker ${slot.index}: ${m.error}`));
    else w.resolve(m.result as R);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.waiting.values()) { clearTimeout(w.timer); w.reject(e); }
    this.waiting.clear();
    // A failed pool takes no more work: stop the other workers too (a hung one included).
    this.closing = true;
    void this.stopWorkers();
  }

  /**
   * Terminates every worker once and waits for their exits, at most STOP_WAIT_MS. Node can deliver
   * a terminated worker's 'exit' through a callback that does not keep the event loop alive (seen
   * here: an idle, unref'd decode worker whose exit never came, while the loop had nothing else to
   * do), so a ref'd timer keeps the process alive meanwhile and bounds the wait.
   */
  private stopWorkers(): Promise<void> {
    this.stopping ??= (async () => {
      const exits = this.slots.map((s) => (s.exited ? Promise.resolve() : s.worker.terminate().then(() => undefined)));
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, STOP_WAIT_MS); });
      await Promise.race([Promise.all(exits), bound]);
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  /** Stops the workers; jobs still pending are rejected. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.failure) this.fail(new Error(`${this.o.name} pool closed`));
    await this.stopWorkers();
  }
}
