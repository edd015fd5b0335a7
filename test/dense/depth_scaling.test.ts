// Depth target scaling: a probe on 1% of the labels predicts inside the log range of its training
// depths, so it cannot diverge to absurd depths (the demo once scored an RMSE of ~1e4 m), and it
// stays within 2x of the predict-the-mean baseline even with a bad seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, noGrad, randn, setNumThreads, tensor, tidy, zeros } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { DepthHead } from '../../src/models/heads/depth.js';
import { checkHeadSpec, defaultHeadSpec, readDenseSet, scaledHeadSpec } from '../../src/dense/index.js';
import { depthLogRange } from '../../src/tasks/index.js';
import { nestedSubsets, runDenseProbes } from '../../src/eval/probe/index.js';
import { denseWorld, shardsOf } from './world.js';

setNumThreads(1);

test('DepthHead with a log range: even huge features give depths inside [exp(lo), exp(hi)]', { timeout: 30_000 }, () => {
  manualSeed(0);
  const info = [{ channels: 8, reduction: 8 }];
  const head = new DepthHead(info as never, { channels: 4, logRange: [0, Math.log(20)] });
  const unbounded = new DepthHead(info as never, { channels: 4, activation: 'exp' });
  head.eval(); unbounded.eval();
  const [lo, hi, wild] = tidy(() => {
    const x = randn([2, 8, 4, 4]).mul(1e4);
    const d = noGrad(() => head.forward([x], [32, 32]));
    const a = d.toArray(), u = noGrad(() => unbounded.forward([x], [32, 32])).toArray();
    return [Math.min(...a), Math.max(...a), Math.max(...u)];
  });
  assert.ok(lo >= 1 - 1e-5 && hi <= 20 + 1e-4, `depth in [1, 20], got [${lo}, ${hi}]`);
  assert.ok(!(wild < 1e6), `the unbounded exp head does explode on such input (max ${wild}): the case the range guards`);
  assert.throws(() => new DepthHead(info as never, { logRange: [1, 1] }), /logRange must be two finite numbers/);
  head.dispose(); unbounded.dispose();
});

test('depthLogRange: the log range of the present samples\' valid depths, widened by ln 2', { timeout: 30_000 }, () => {
  const before = liveTensors();
  const r = tidy(() => depthLogRange(tensor([[[2, 0], [8, 4]], [[100, 100], [100, 100]]]), tensor([true, false])));
  assert.equal(liveTensors(), before, 'no tensor leaks');
  assert.ok(Math.abs(r[0] - Math.log(1)) < 1e-6 && Math.abs(r[1] - Math.log(16)) < 1e-5, `[${r}]: 2 m / 2 .. 8 m x 2; invalid 0 and absent samples ignored`);
  assert.throws(() => tidy(() => depthLogRange(zeros([2, 2, 2]), tensor([true, true]))), /no valid depth \(> 0\) among the 2 labelled samples/);
  assert.equal(checkHeadSpec({ ...defaultHeadSpec('depth', 7), depthLogRange: [0, 3] }, 'x').depthLogRange![1], 3);
  assert.throws(() => checkHeadSpec({ ...defaultHeadSpec('depth', 7), depthLogRange: [3, 0] }, 'expert.json: head'), /expert.json: head.depthLogRange/);
});

test('a 1%-label depth probe with a bad seed stays finite and within 2x of the predict-the-mean RMSE', { timeout: 120_000 }, async () => {
  const w = await denseWorld();
  manualSeed(0);
  const clip = createModel(w.model);
  const seed = 7;  // the worst of seeds 0-9 here without target scaling (RMSE 1.64x the baseline)
  const train = await readDenseSet(shardsOf(w.world, 'probe-train'), { imageSize: 32, tasks: ['depth'] });
  const test = await readDenseSet(shardsOf(w.world, 'probe-test'), { imageSize: 32, tasks: ['depth'] });
  const idx = nestedSubsets(train.n, [0.01], seed)[0]!;
  const spec = scaledHeadSpec(defaultHeadSpec('depth', 7), train, idx);
  const trainDepths = idx.flatMap((i) => Array.from(train.depth!.data() as Float32Array).slice(i * 32 * 32, (i + 1) * 32 * 32)).filter((d) => d > 0);
  const mean = trainDepths.reduce((a, b) => a + b, 0) / trainDepths.length;
  const testDepths = Array.from(test.depth!.data() as Float32Array).filter((d) => d > 0);
  const baseline = Math.sqrt(testDepths.reduce((a, d) => a + (d - mean) ** 2, 0) / testDepths.length);
  train.dispose(); test.dispose();
  assert.ok(Math.exp(spec.depthLogRange![0]) <= Math.min(...trainDepths) && Math.exp(spec.depthLogRange![1]) >= Math.max(...trainDepths));
  const r = await runDenseProbes({ encoder: clip, data: w.world, tasks: ['depth'], fractions: [0.01], seeds: [seed], steps: 80, batch: 16, lr: 3e-3, samples: 0, log: () => {} });
  const rmse = r.tasks.depth!.fractions[0]!.runs[0]!.metrics.rmse!;
  assert.ok(Number.isFinite(rmse) && rmse < 2 * baseline, `1% depth probe RMSE ${rmse} vs predict-the-mean ${baseline}`);
  clip.dispose();
});
