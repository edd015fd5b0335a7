// Dense experts train on every task (loss falls), a short seg expert beats the constant
// predictor's mIoU, and batch orders are seeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, setNumThreads } from '../../src/engine/index.js';
import { getModelConfig } from '../../src/models/config.js';
import { ConfusionMatrix } from '../../src/tasks/metrics.js';
import { batchOrder, defaultHeadSpec, DenseModel, evaluateOnSet, fitOnSet, readDenseSet, towerFromConfig, type DenseTaskName } from '../../src/dense/index.js';
import { SEG_CLASSES } from '../../src/data/synth/world.js';
import { denseWorld, shardsOf } from './world.js';

setNumThreads(1);
const K = SEG_CLASSES.length;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('batchOrder: seeded, equal-size batches that cover every index once per pass', () => {
  const a = batchOrder([0, 1, 2, 3, 4, 5], 3, 7), b = batchOrder([0, 1, 2, 3, 4, 5], 3, 7), c = batchOrder([0, 1, 2, 3, 4, 5], 3, 8);
  const pa = [...a(), ...a()], pb = [...b(), ...b()], pc = [...c(), ...c()];
  assert.deepEqual(pa, pb);
  assert.notDeepEqual(pa, pc);
  assert.deepEqual([...pa].sort(), [0, 1, 2, 3, 4, 5]);
  assert.equal(a().length, 3);
});

test('an expert of each task trains from scratch: its loss falls', async () => {
  const w = await denseWorld();
  const cfg = getModelConfig(w.model);
  const set = await readDenseSet(shardsOf(w.world, 'zoo'), { imageSize: 32, tasks: ['seg', 'depth', 'normals', 'det'] });
  const before = liveTensors();
  try {
    for (const task of ['seg', 'depth', 'normals', 'det'] as DenseTaskName[]) {
      manualSeed(0);
      const model = new DenseModel(towerFromConfig(cfg), { ...defaultHeadSpec(task, K), channels: 32 });
      const r = fitOnSet(model, set, [...Array(set.n).keys()], { mode: 'expert', steps: 40, batch: 16, lr: 2e-3, seed: 0, device: 'cpu' });
      model.dispose();
      assert.equal(liveTensors(), before, `${task}: no tensor left behind`);
      const first = mean(r.losses.slice(0, 5)), last = mean(r.losses.slice(-5));
      assert.ok(last < 0.8 * first, `${task}: loss ${first.toFixed(4)} -> ${last.toFixed(4)}`);
      assert.equal(r.skipped, 0);
    }
  } finally {
    set.dispose();
  }
});

test('a short seg expert beats the constant predictor on probe-test mIoU', async () => {
  const w = await denseWorld();
  const train = await readDenseSet(shardsOf(w.world, 'zoo'), { imageSize: 32, tasks: ['seg'] });
  const testSet = await readDenseSet(shardsOf(w.world, 'probe-test'), { imageSize: 32, tasks: ['seg'] });
  try {
    // The constant predictor: every pixel the most frequent training class.
    const counts = new Array<number>(K).fill(0);
    for (const v of train.seg!.data() as Uint8Array) if (v < K) counts[v]!++;
    const top = counts.indexOf(Math.max(...counts));
    const cm = new ConfusionMatrix(K), gt = testSet.seg!.data() as Uint8Array;
    cm.add(new Uint8Array(gt.length).fill(top), gt);
    const constant = cm.scores().miou;
    manualSeed(0);
    const model = new DenseModel(towerFromConfig(getModelConfig(w.model)), defaultHeadSpec('seg', K));
    fitOnSet(model, train, [...Array(train.n).keys()], { mode: 'expert', steps: 100, batch: 16, lr: 3e-3, seed: 0, device: 'cpu' });
    const r = evaluateOnSet(model, testSet);
    model.dispose();
    assert.ok(r.metrics.miou! > constant + 0.05, `expert mIoU ${r.metrics.miou} vs constant ${constant}`);
    assert.equal(r.samples.length, 4);
    assert.equal(r.samples[0]!.seg!.length, 32 * 32);
    assert.equal(r.samples[0]!.rgb.length, 32 * 32 * 3);
  } finally {
    train.dispose();
    testSet.dispose();
  }
});
