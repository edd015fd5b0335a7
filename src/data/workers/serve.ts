// The worker side of a WorkerPool: answer each job with its id, a result or an error message.
// Imports nothing but worker_threads, so a worker loads only what its handler needs.
import { parentPort } from 'node:worker_threads';

/** A job as a pool sends it. */
export interface PoolRequest<J> { id: number; job: J }
/** A worker's answer: the job's id with its result, or the error it threw. */
export interface PoolReply<R> { id: number; result?: R; error?: string }

/** The fault-injection modes of ZOOCLIP_FAULT_INJECT (tests of the pools and of every stage that uses one). */
export type WorkerFault = 'exit0' | 'crash' | 'hang';

/**
 * Test hook: `ZOOCLIP_FAULT_INJECT=<pool>:<exit0|crash|hang>[:<jobs>]` makes this pool's workers
 * misbehave after answering <jobs> jobs (default 0): exit cleanly, throw an uncaught error, or
 * never answer. Read once per worker; unset in normal use.
 */
function injectedFault(pool: string): { mode: WorkerFault; after: number } | undefined {
  const [name, mode, after] = (process.env.ZOOCLIP_FAULT_INJECT ?? '').split(':');
  if (name !== pool || !['exit0', 'crash', 'hang'].includes(mode ?? '')) return undefined;
  return { mode: mode as WorkerFault, after: Number(after ?? 0) || 0 };
}

function misbehave(mode: WorkerFault): void {
  if (mode === 'exit0') process.exit(0);
  if (mode === 'crash') setImmediate(() => { throw new Error('injected worker crash (ZOOCLIP_FAULT_INJECT)'); });
}

/**
 * Serves a WorkerPool from inside a worker thread: runs `handle` on every job (an async handler
 * may run several at once), posts the result (moving the buffers `transfer` lists), and reports a
 * thrown error as the job's error. Posts a ready message first. `pool` names the pool for the
 * fault-injection hook (see injectedFault).
 * @example serveJobs('synth', (job: SynthJob) => runJob(job));
 */
export function serveJobs<J, R>(pool: string, handle: (job: J) => R | Promise<R>, transfer: (r: R) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs: must run in a worker thread');
  const fault = injectedFault(pool);
  let answered = 0;
  port.on('message', (m: PoolRequest<J>) => {
    if (fault && answered >= fault.after) { misbehave(fault.mode); return; }
    answered++;
    Promise.resolve()
      .then(() => handle(m.job))
      .then(
        (result) => port.postMessage({ id: m.id, result } satisfies PoolReply<R>, transfer(result)),
        (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies PoolReply<R>),
      );
  });
  port.postMessage({ ready: true });
}
