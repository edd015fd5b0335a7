// A local torchrun: N node processes on loopback with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR
// and MASTER_PORT set, output prefixed with [rank], and the whole job torn down when one rank fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** How a local job ended: ok, or the first rank that failed and how. */
export interface LaunchResult {
  ok: boolean;
  /** Exit code per rank (null when killed by a signal). */
  codes: (number | null)[];
  /** The first rank that exited non-zero on its own, or -1 (also when the job timed out). */
  failedRank: number;
  /**
   * Every rank that exited non-zero on its own (before being stopped), in exit order. When one rank
   * dies, its peers' collectives fail too and they may exit within the grace period: the first is the cause.
   */
  failedRanks: number[];
  /** A one-line account, naming the failed rank. */
  message: string;
}

/** Options for launchLocal. */
export interface LaunchOptions {
  /** Extra environment for every rank. */
  env?: NodeJS.ProcessEnv;
  /** Port for the c10d store; default: a free one. */
  port?: number;
  /** Where rank output goes (default: this process's stdout/stderr); `null` drops it. */
  write?: ((line: string, rank: number, stream: 'stdout' | 'stderr') => void) | null;
  /** Kills the job after this many milliseconds (default: no limit). */
  timeoutMs?: number;
  /** After the first failure, how long the others may end on their own before they are killed (default 1000 ms). */
  graceMs?: number;
  /** Node flags placed before the script. */
  nodeArgs?: string[];
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `nproc` node processes running `scriptPath args...`, each with torchrun's variables on
 * loopback. If any rank exits non-zero the others are killed (SIGTERM, then SIGKILL) and the result
 * names the failed rank. Never rejects for a failing rank: check `result.ok`.
 * @example const r = await launchLocal(2, 'dist/train.js', ['--steps', '10']); if (!r.ok) throw new Error(r.message);
 */
export async function launchLocal(nproc: number, scriptPath: string, args: string[] = [], opts: LaunchOptions = {}): Promise<LaunchResult> {
  if (!Number.isInteger(nproc) || nproc < 1) throw new Error(`launchLocal: nproc must be a positive integer, got ${nproc}`);
  const port = opts.port ?? await freePort();
  const write = opts.write === undefined
    ? (line: string, rank: number, stream: 'stdout' | 'stderr') => (stream === 'stdout' ? process.stdout : process.stderr).write(`[${rank}] ${line}\n`)
    : opts.write;
  const children: ChildProcess[] = [];
  const codes: (number | null)[] = new Array(nproc).fill(null);
  const failed: { rank: number; how: string }[] = [];
  let timedOut = false, killing = false;
  const kill = () => {
    killing = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    setTimeout(() => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); }, 3000).unref();
  };
  const exits: Promise<void>[] = [];
  for (let rank = 0; rank < nproc; rank++) {
    const env = {
      ...process.env, ...opts.env,
      RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(nproc),
      LOCAL_WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port),
    };
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), scriptPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (line) => write?.(line, rank, stream));
    }
    exits.push(new Promise<void>((resolve) => {
      child.on('error', (e) => {
        if (!killing) failed.push({ rank, how: `could not start: ${e.message}` });
        kill();
        resolve();
      });
      // 'exit' orders failures by when each process ended; 'close' also waits for its last output.
      child.on('exit', (code, signal) => {
        codes[rank] = code;
        if (code === 0 || killing) return;
        failed.push({ rank, how: code === null ? `was killed by ${signal}` : `exited with code ${code}` });
        if (failed.length === 1) setTimeout(kill, opts.graceMs ?? 1000).unref();
      });
      child.on('close', () => resolve());
    }));
  }
  const timer = opts.timeoutMs ? setTimeout(() => { timedOut = !killing; kill(); }, opts.timeoutMs) : undefined;
  await Promise.all(exits);
  if (timer) clearTimeout(timer);
  const ok = failed.length === 0 && !timedOut;
  const message = ok ? `${nproc} ranks finished`
    : failed.length ? `${failed.map((f) => `rank ${f.rank} ${f.how}`).join(', then ')}; stopped the other ranks`
      : `job timed out after ${opts.timeoutMs} ms; killed every rank`;
  return { ok, codes, failedRank: failed[0]?.rank ?? -1, failedRanks: failed.map((f) => f.rank), message };
}
