// Resuming after SIGKILL: the CLI run is killed after its first checkpoint, resumed with
// `--resume latest`, and its per-step losses equal an uninterrupted run's exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readMetrics } from '../../src/training/metrics.js';
import { tinySets, tinyWorld } from './world.js';

const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const setArgs = (sets: string[]): string[] => sets.flatMap((s) => ['--set', s]);

test('a run killed with SIGKILL resumes to exactly the losses of an uninterrupted run', async () => {
  const w = await tinyWorld();
  const steps = 60, extra = ['checkpoint.every=10', 'data.accum=2', 'eval.zeroShot=false'];
  const full = mkdtempSync(join(tmpdir(), 'zc-full-'));
  const a = spawnSync('node', [cli, 'train', ...setArgs([...tinySets(w, full, steps), ...extra])], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);

  const cut = mkdtempSync(join(tmpdir(), 'zc-cut-'));
  const args = setArgs([...tinySets(w, cut, steps), ...extra]);
  const child = spawn('node', [cli, 'train', ...args], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
  const first = join(cut, 'checkpoints', 'step-000010', 'state.json');
  while (!existsSync(first) && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'the run finished before it could be killed');
  const before = readMetrics(join(cut, 'metrics.jsonl'));
  assert.ok(before.length < steps, `killed after ${before.length} steps`);

  const b = spawnSync('node', [cli, 'train', '--resume', 'latest', '--set', `run.out=${cut}`], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /resumed from .*step-0000\d0 at step \d+/);
  const want = readMetrics(join(full, 'metrics.jsonl')).map((m) => [m.step, m.loss.total, m.lr, m.logitScale]);
  const got = readMetrics(join(cut, 'metrics.jsonl')).map((m) => [m.step, m.loss.total, m.lr, m.logitScale]);
  assert.equal(want.length, steps);
  assert.deepEqual(got, want);
});
