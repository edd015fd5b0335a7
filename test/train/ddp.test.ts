// `zooclip train --nproc 2` on the tiny world: the per-step losses of 2 ranks (each half of the
// global batch, features gathered, gradients averaged) equal those of 1 process fed the union of the
// two ranks' samples, rank 0 alone writes, and a failing rank stops the job with its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cat } from '../../src/engine/index.js';
import type { Batch } from '../../src/data/loader/index.js';
import { runTrain, type TrainLoader } from '../../src/stages/train/run.js';
import { trainLoader } from '../../src/stages/train/data.js';
import { readMetrics } from '../../src/training/metrics.js';
import { tinyConfig, tinySets, tinyWorld } from './world.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const MORE = ['checkpoint.every=0', 'run.threads=1', 'data.workers=1'];

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ZOOCLIP_DIST_TIMEOUT_MS: '20000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One process's loader yielding, per micro-batch, rank 0's then rank 1's batch of a 2-rank split (the gathered order). */
function unionOfRanks(...a: Parameters<typeof trainLoader>): TrainLoader {
  const [cfg, imageSize, tok] = a;
  const parts = [0, 1].map((rank) => trainLoader(cfg, imageSize, tok, undefined, { rank, worldSize: 2 }));
  return {
    state: () => parts[0]!.state(),
    close: async () => { await Promise.all(parts.map((p) => p.close())); },
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      const its = parts.map((p) => p[Symbol.asyncIterator]());
      for (;;) {
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.some((r) => r.done)) return;
        const bs = rs.map((r) => r.value as Batch);
        const images = cat(bs.map((b) => b.images)), tokens = cat(bs.map((b) => b.tokens!));
        const dispose = (): void => { images.dispose(); tokens.dispose(); for (const b of bs) b.dispose(); };
        yield { images, tokens, captions: bs.flatMap((b) => b.captions), captionIndex: bs.flatMap((b) => b.captionIndex), keys: bs.flatMap((b) => b.keys), dispose, [Symbol.dispose]: dispose };
      }
    },
  };
}

test('--nproc 2: the losses of 1 process on the union of both ranks\' samples, one writer', async (t) => {
  const w = await tinyWorld();
  const outDdp = mkdtempSync(join(tmpdir(), 'zc-ddp2-')), outRef = mkdtempSync(join(tmpdir(), 'zc-ddp1-'));
  const sets = [...tinySets(w, outDdp, 5), ...MORE];
  const r = await cli(['train', '--nproc', '2', ...sets.flatMap((s) => ['--set', s])]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  await runTrain(tinyConfig(w, outRef, 5, [...MORE, 'eval.zeroShot=false']), { hooks: { log: () => {}, loader: unionOfRanks } });
  const two = readMetrics(join(outDdp, 'metrics.jsonl')), one = readMetrics(join(outRef, 'metrics.jsonl'));
  assert.deepEqual(two.map((m) => m.step), [1, 2, 3, 4, 5]);
  let worst = 0;
  for (const [i, m] of two.entries()) {
    for (const k of ['total', 'contrastive']) {
      worst = Math.max(worst, Math.abs(m.loss[k]! - one[i]!.loss[k]!));
      assert.ok(Math.abs(m.loss[k]! - one[i]!.loss[k]!) < 1e-4, `step ${m.step} ${k}: ${m.loss[k]} (2 ranks) vs ${one[i]!.loss[k]} (1 process)`);
    }
    assert.ok(Math.abs(m.logitScale - one[i]!.logitScale) < 1e-4);
  }
  t.diagnostic(`max |loss(2 ranks) - loss(1 process)| over 5 steps: ${worst.toExponential(2)}; losses ${two.map((m) => m.loss.total!.toFixed(5)).join(' ')}`);
  assert.ok(two[4]!.loss.total !== two[0]!.loss.total, 'the model trained');
  // Rank 0 alone wrote: one metrics file with one line per step, one final checkpoint, result.json with the evaluation.
  assert.deepEqual(readdirSync(outDdp).sort(), ['checkpoints', 'metrics.jsonl', 'result.json', 'run.json']);
  assert.deepEqual(readdirSync(join(outDdp, 'checkpoints')), ['step-000005']);
  const st = JSON.parse(readFileSync(join(outDdp, 'checkpoints', 'step-000005', 'state.json'), 'utf8'));
  assert.deepEqual([st.loader.rank, st.loader.worldSize], [0, 2]);
  const res = JSON.parse(readFileSync(join(outDdp, 'result.json'), 'utf8'));
  assert.equal(res.steps, 5);
  assert.equal(res.zeroShot.shape.images, 32);
  assert.equal((r.stdout.match(/^done: 5 steps/mg) ?? []).length, 1, r.stdout);
  assert.ok(!/\[rank 1\].*(step \d|done:)/.test(r.stderr), r.stderr);
});

test('--nproc 2: a rank that fails ends the job with an error naming it', async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-ddpf-'));
  const sets = [...tinySets(w, out, 5), ...MORE, 'data.split=missing'];
  const r = await cli(['train', '--nproc=2', ...sets.flatMap((s) => ['--set', s])]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /zooclip: train with 2 processes failed: rank [01] exited with code 1/);
  assert.match(r.stderr, /\[rank [01]\] zooclip: rank [01] of 2: train: no data folder/);
  assert.ok(!existsSync(join(out, 'result.json')));
});

test('--nproc 2 resumes: after losing everything past a checkpoint, the rerun gives the same losses', async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-ddpr-'));
  const sets = [...tinySets(w, out, 6), 'run.threads=1', 'data.workers=1', 'checkpoint.every=3', 'checkpoint.keep=0', 'eval.zeroShot=false'];
  const args = ['train', '--nproc', '2', ...sets.flatMap((s) => ['--set', s])];
  const first = await cli(args);
  assert.equal(first.code, 0, first.stderr);
  const whole = readMetrics(join(out, 'metrics.jsonl'));
  // As if the job died after the step-3 checkpoint: drop what came after it.
  rmSync(join(out, 'checkpoints', 'step-000006'), { recursive: true });
  rmSync(join(out, 'result.json'));
  const again = await cli([...args, '--resume', 'latest']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /resumed from .*step-000003 at step 3/);
  const resumed = readMetrics(join(out, 'metrics.jsonl'));
  assert.deepEqual(resumed.map((m) => m.step), [1, 2, 3, 4, 5, 6]);
  for (let i = 3; i < 6; i++) {
    assert.ok(Math.abs(resumed[i]!.loss.total! - whole[i]!.loss.total!) < 1e-6, `step ${i + 1}: ${resumed[i]!.loss.total} resumed vs ${whole[i]!.loss.total}`);
  }
});
