// A pool of decode worker threads (or none: decoding inline on the calling thread). Tasks go in
// chunks to the least busy worker, one message per chunk each way (a message and a thread wake-up
// per small image cost more than decoding it); answers come back as transferred arrays. A worker
// that stops for any reason fails the pool loudly (src/data/workers/pool.ts).
import { WorkerPool } from '../workers/pool.js';
import { type SampleResult, type SampleTask, type TransformConfig, transformSample } from './transform.js';

/** The encoded bytes of a task's fields, for postMessage's transfer list (they are copies: see Pipeline). */
function taskBuffers(tasks: SampleTask[]): ArrayBuffer[] {
  return tasks.flatMap((t) => Object.values(t.fields).map((f) => f.buffer as ArrayBuffer));
}

/** Tuning of a DecodePool. */
export interface DecodePoolOptions {
  /** A chunk with no answer after this long fails the pool (default DEFAULT_JOB_TIMEOUT_MS). */
  jobTimeoutMs?: number;
}

/**
 * Runs transformSample on `size` worker threads (size 0: inline, synchronously).
 * @example const pool = new DecodePool(2, cfg); const [r] = await pool.run([task]); await pool.close();
 */
export class DecodePool {
  private readonly pool: WorkerPool<SampleTask[], SampleResult[]> | null;

  constructor(readonly size: number, private readonly cfg: TransformConfig, o: DecodePoolOptions = {}) {
    this.pool = size > 0
      ? new WorkerPool({ name: 'decode', url: new URL('./worker.js', import.meta.url), size, workerData: cfg, jobTimeoutMs: o.jobTimeoutMs })
      : null;
  }

  /** Resolves once every worker has loaded the addon. */
  ready(): Promise<void> {
    return this.pool ? this.pool.ready() : Promise.resolve();
  }

  /**
   * Decodes and augments a chunk of samples; results in task order. The tasks' field buffers are
   * transferred to the worker (detached here).
   */
  run(tasks: SampleTask[]): Promise<SampleResult[]> {
    if (!this.pool) return Promise.resolve(tasks.map((t) => transformSample(t, this.cfg)));
    return this.pool.run(tasks, tasks.length, taskBuffers(tasks));
  }

  /** Stops the workers; pending tasks are rejected. */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
