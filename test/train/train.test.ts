// A few training steps on a tiny synthetic world: the loss falls, checkpoints hold what resuming
// needs, non-finite steps are skipped and counted, and too many in a row stop the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runTrain } from '../../src/stages/train/run.js';
import { readMetrics } from '../../src/training/metrics.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { tinyConfig, tinyWorld } from './world.js';

const quiet = { log: () => {} };
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('training lowers the loss, writes metrics, checkpoints and a zero-shot result', async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-run-'));
  const cfg = tinyConfig(w, out, 40, ['checkpoint.every=20', 'data.accum=2', 'ema.decay=0.9']);
  const r = await runTrain(cfg, { hooks: quiet });
  const m = readMetrics(join(out, 'metrics.jsonl'));
  assert.equal(m.length, 40);
  const losses = m.map((x) => x.loss.total!);
  assert.ok(mean(losses.slice(-8)) < mean(losses.slice(0, 8)) - 0.2, `loss ${mean(losses.slice(0, 8))} -> ${mean(losses.slice(-8))}`);
  for (const x of m) {
    assert.ok(x.lr > 0 && x.logitScale >= 1 && x.logitScale <= 100 && x.imagesPerSec > 0 && x.stepMs > 0 && x.rssMB > 0);
    assert.ok(Math.abs(x.temperature * x.logitScale - 1) < 1e-9);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')), cfg);
  const ckpts = readdirSync(join(out, 'checkpoints')).sort();
  assert.deepEqual(ckpts, ['step-000020', 'step-000040']);
  const dir = join(out, 'checkpoints', 'step-000040');
  assert.deepEqual(readdirSync(dir).sort(), ['ema.safetensors', 'model.safetensors', 'optimizer.safetensors', 'rng.safetensors', 'state.json']);
  const st = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  assert.equal(st.step, 40);
  assert.deepEqual(st.scheduler, { kind: 'warmup-cosine', step: 40 });
  assert.equal(st.loader.version, 1);
  assert.equal(st.loader.consumed % 8, 0);
  assert.deepEqual(st.config, cfg);
  assert.equal(st.reason, 'final');
  using model = new SafetensorsReader(join(dir, 'model.safetensors'));
  assert.ok(model.keys().includes('logit_scale') && model.keys().includes('visual.conv1.weight'));
  using rng = new SafetensorsReader(join(dir, 'rng.safetensors'));
  assert.deepEqual(rng.keys(), ['cpu']);
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.equal(res.steps, 40);
  for (const task of ['shape', 'colour', 'count']) {
    assert.equal(res.zeroShot[task].images, 32);
    assert.ok(res.zeroShot[task].top1 >= 0 && res.zeroShot[task].top1 <= 1 && res.zeroShot[task].chance > 0);
  }
  assert.equal(r.zeroShot!.shape!.images, 32);
});

test('non-finite steps are skipped and counted; too many in a row stop the run after saving', async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-nan-'));
  const r = await runTrain(tinyConfig(w, out, 8, ['checkpoint.every=0', 'eval.zeroShot=false']), { hooks: { ...quiet, corruptLoss: (s) => s === 2 || s === 3 } });
  assert.equal(r.skipped, 2);
  const m = readMetrics(join(out, 'metrics.jsonl'));
  assert.deepEqual(m.map((x) => x.skipped), [0, 0, 1, 2, 2, 2, 2, 2]);
  assert.ok(m.filter((x) => !x.skipped || x.step > 4).every((x) => Number.isFinite(x.loss.total)));

  const out2 = mkdtempSync(join(tmpdir(), 'zc-nan2-'));
  const lines: string[] = [];
  await assert.rejects(runTrain(tinyConfig(w, out2, 20, ['checkpoint.every=0', 'guard.maxBadSteps=3', 'eval.zeroShot=false']),
    { hooks: { log: (s) => lines.push(s), corruptLoss: (s) => s >= 4 } }), /3 non-finite steps in a row \(guard.maxBadSteps 3\); stopped at step 7, last good weights saved in .*step-000007/);
  const st = JSON.parse(readFileSync(join(out2, 'checkpoints', 'step-000007', 'state.json'), 'utf8'));
  assert.equal(st.reason, 'non-finite');
  assert.equal(st.skipped, 3);
  assert.ok(lines.some((l) => /step 4: non-finite loss or gradients, skipped \(1 in a row, 1 in all\)/.test(l)));
  assert.ok(!existsSync(join(out2, 'result.json')));
});
