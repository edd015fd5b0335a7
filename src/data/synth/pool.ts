// A pool of worker threads making synth samples. Jobs go to the least busy worker; results come
// back in submission order, so the output never depends on thread timing. With 0 workers the
// jobs run in the calling thread (same results, used by tests and tiny runs). A worker that stops
// for any reason fails the pool loudly (src/data/workers/pool.ts).
import { WorkerPool } from '../workers/pool.js';
import { runJob, type SynthJob, type SynthResult } from './job.js';

/** Tuning of a SynthPool. */
export interface SynthPoolOptions {
  /** A job with no answer after this long fails the pool (default DEFAULT_JOB_TIMEOUT_MS). */
  jobTimeoutMs?: number;
}

/**
 * Ordered parallel sample making.
 * @example
 * const pool = new SynthPool(2);
 * for await (const r of pool.run(jobs)) await writer.write(r.encoded.key, r.encoded.fields);
 * await pool.close();
 */
export class SynthPool {
  private readonly pool: WorkerPool<SynthJob, SynthResult> | null;

  /** Starts `threads` workers (0: run in this thread). */
  constructor(readonly threads: number, o: SynthPoolOptions = {}) {
    this.pool = threads > 0
      ? new WorkerPool({ name: 'synth', url: new URL('./worker.js', import.meta.url), size: threads, jobTimeoutMs: o.jobTimeoutMs })
      : null;
  }

  /** Runs one job on the least busy worker. */
  submit(job: SynthJob): Promise<SynthResult> {
    return this.pool ? this.pool.run(job) : runJob(job);
  }

  /** Runs every job with at most `window` in flight and yields the results in job order. */
  async *run(jobs: Iterable<SynthJob>, window = Math.max(4, 4 * this.threads)): AsyncGenerator<SynthResult> {
    const queue: Promise<SynthResult>[] = [];
    const it = jobs[Symbol.iterator]();
    const refill = (): void => {
      while (queue.length < window) {
        const n = it.next();
        if (n.done) return;
        const p = this.submit(n.value);
        p.catch(() => undefined); // surfaced in order below; avoids an unhandled rejection meanwhile
        queue.push(p);
      }
    };
    refill();
    while (queue.length > 0) {
      const r = await queue.shift()!;
      refill();
      yield r;
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
