// A pool of worker threads making synth samples. Jobs go to the least busy worker; results come
// back in submission order, so the output never depends on thread timing. With 0 workers the
// jobs run in the calling thread (same results, used by tests and tiny runs).
import { Worker } from 'node:worker_threads';
import { runJob, type SynthJob, type SynthResult } from './job.js';

interface Pending { resolve: (r: SynthResult) => void; reject: (e: Error) => void; worker: number }

/**
 * Ordered parallel sample making.
 * @example
 * const pool = new SynthPool(2);
 * for await (const r of pool.run(jobs)) await writer.write(r.encoded.key, r.encoded.fields);
 * await pool.close();
 */
export class SynthPool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** Starts `threads` workers (0: run in this thread). */
  constructor(readonly threads: number) {
    for (let w = 0; w < threads; w++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url));
      worker.on('message', (m: { id: number; result?: SynthResult; error?: string }) => this.settle(w, m));
      worker.on('error', (e) => this.failWorker(w, e));
      worker.on('exit', (code) => { if (code !== 0) this.failWorker(w, new Error(`synth worker ${w} exited with code ${code}`)); });
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  private settle(w: number, m: { id: number; result?: SynthResult; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.busy[w]!--;
    if (m.result) p.resolve(m.result);
    else p.reject(new Error(`synth worker ${w}: ${m.error}`));
  }

  private failWorker(w: number, e: Error): void {
    for (const [id, p] of this.pending) if (p.worker === w) { this.pending.delete(id); p.reject(e); }
  }

  /** Runs one job on the least busy worker. */
  submit(job: SynthJob): Promise<SynthResult> {
    if (this.workers.length === 0) return runJob(job);
    let w = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[w]!) w = i;
    const id = this.nextId++;
    this.busy[w]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      this.workers[w]!.postMessage({ id, job });
    });
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
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
