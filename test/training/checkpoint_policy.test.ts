// The pieces every stage shares around the loop's saves: state.json fields in a fixed order, a
// policy that writes only finite weights and keeps the newest, and --resume restoring weights,
// optimizer and the generator state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed, noGrad, randn } from '../../src/engine/index.js';
import { Linear } from '../../src/nn/layers.js';
import { AdamW } from '../../src/optim/adamw.js';
import { checkpointPolicy, readStageState, resumeCheckpoint, stageState } from '../../src/training/checkpoint.js';

const LOADER = { version: 1 as const, rank: 0, worldSize: 1, epoch: 0, consumed: 16, seed: 0 };

test('stageState: the shared fields, a stage\'s own counters, then reason and config', { timeout: 10_000 }, () => {
  const s = stageState('final', { step: 3, skipped: 1 }, LOADER, { lr: 1 }, { badInARow: 0, samples: 48 });
  assert.deepEqual(Object.keys(s), ['step', 'scheduler', 'loader', 'skipped', 'badInARow', 'samples', 'reason', 'config']);
  assert.deepEqual(s.scheduler, { kind: 'warmup-cosine', step: 3 });
  assert.deepEqual(Object.keys(stageState('periodic', { step: 3, skipped: 1 }, LOADER, {})), ['step', 'scheduler', 'loader', 'skipped', 'reason', 'config']);
});

test('checkpointPolicy keeps the newest, refuses non-finite weights; resumeCheckpoint restores them and the generator', { timeout: 30_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'zc-policy-')), dir = join(out, 'checkpoints');
  manualSeed(0);
  const model = new Linear(3, 2), opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const counters = (step: number): { step: number; skipped: number; badInARow: number; samples: number } => ({ step, skipped: 0, badInARow: 0, samples: step * 4 });
  const p = checkpointPolicy(dir, { model, opt, ema: null }, { every: 2, keep: 2 }, (reason, c) => stageState(reason, c, LOADER, { tag: 'x' }));
  assert.equal(p.every, 2);
  for (const step of [2, 4, 6]) assert.deepEqual(p.save('periodic', counters(step)), { at: join(dir, `step-00000${step}`) });
  assert.deepEqual(readdirSync(dir).sort(), ['step-000004', 'step-000006']);
  const weights = model.weight.toArray();
  const draw = randn([4]).toArray();
  noGrad(() => model.bias!.fill_(NaN));
  assert.deepEqual(p.save('final', counters(7)), { bad: "model.safetensors 'bias'" });
  assert.match(p.newest(), /the newest \(finite\) checkpoint is .*step-000006$/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'step-000006', 'state.json'), 'utf8')).reason, 'periodic');
  const lines: string[] = [];
  const s = resumeCheckpoint('latest', out, { model, opt, ema: null }, 'cpu', readStageState, (l) => lines.push(l), ', here');
  assert.equal(s.step, 6);
  assert.deepEqual(lines, [`resumed from ${join(dir, 'step-000006')} at step 6, here`]);
  assert.deepEqual(model.weight.toArray(), weights);
  assert.ok(Number.isFinite(model.bias!.toArray()[0]));
  assert.deepEqual(randn([4]).toArray(), draw, 'the generator continues from the save');
  opt.dispose();
  model.dispose();
});
