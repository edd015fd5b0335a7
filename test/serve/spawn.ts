// `zooclip serve` as a child process for the serve tests: started on port 0, its URL read from its
// first line, its output kept, and stopped with a signal (resolving to the exit code).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface ServeChild { url: string; child: ChildProcess; output: () => string; stop: (signal?: NodeJS.Signals) => Promise<number | null> }

/**
 * Starts `node dist/src/cli/main.js serve --model DIR --port 0 ...extra`; rejects if it exits or says nothing within 60 s.
 * @example const s = await startServeChild(dir, ['--max-inflight', '1']); await s.stop();
 */
export function startServeChild(dir: string, extra: string[] = []): Promise<ServeChild> {
  const child = spawn(process.execPath, [join('dist', 'src', 'cli', 'main.js'), 'serve', '--model', dir, '--port', '0', '--threads', '1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start within 60 s:\n${out}`)); }, 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[1]!, child, output: () => out, stop }); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code} before listening:\n${out}`)); });
  });
}
