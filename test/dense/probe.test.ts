// Dense probes: nested seeded subsets, a frozen tower left bit-identical, cached-feature training
// equal to per-step features, finetuning that changes the tower (and the runner restoring it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, noGrad, setNumThreads, type Tensor } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { defaultHeadSpec, DenseModel, fitOnSet, readDenseSet, towerFeatures } from '../../src/dense/index.js';
import { SEG_CLASSES } from '../../src/data/synth/world.js';
import { meanStd, nestedSubsets, runDenseProbes, subsetSize } from '../../src/eval/probe/index.js';
import { denseWorld, shardsOf } from './world.js';

setNumThreads(1);
const K = SEG_CLASSES.length;

function copyState(m: { stateDict(): Map<string, Tensor> }): Map<string, number[]> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, Array.from(t.data() as ArrayLike<number | bigint>, Number)]));
}

test('nestedSubsets: each fraction inside the next, chosen by seed, sizes round(f n) >= 2', () => {
  const [a, b, c] = nestedSubsets(1000, [0.01, 0.1, 1], 3);
  assert.deepEqual([a!.length, b!.length, c!.length], [10, 100, 1000]);
  assert.ok(a!.every((i) => b!.includes(i)), '1% inside 10%');
  assert.deepEqual(nestedSubsets(1000, [0.01], 3)[0], a);
  assert.notDeepEqual(nestedSubsets(1000, [0.01], 4)[0], a);
  assert.equal(new Set(b).size, 100);
  assert.equal(subsetSize(50, 0.01), 2);
  assert.throws(() => subsetSize(10, 0), /fractions must be in \(0, 1\]/);
});

test('meanStd: mean and sample standard deviation over seeds', () => {
  const r = meanStd([{ miou: 0.4, acc: 1 }, { miou: 0.6, acc: 1 }]);
  assert.equal(r.mean.miou, 0.5);
  assert.ok(Math.abs(r.std.miou! - Math.SQRT2 / 10) < 1e-12);
  assert.equal(r.std.acc, 0);
  assert.equal(meanStd([{ miou: 0.3 }]).std.miou, 0);
});

test('probe on cached features equals probe on per-step features; the tower stays bit-identical', async () => {
  const w = await denseWorld();
  manualSeed(1);
  const clip = createModel(w.model);
  const tower = clip.visual;
  const before = copyState(tower);
  const shards = shardsOf(w.world, 'probe-train');
  const cachedSet = await readDenseSet(shards, { imageSize: 32, tasks: ['seg'], featurize: (x) => noGrad(() => towerFeatures(tower.eval(), 1, x)) });
  const plainSet = await readDenseSet(shards, { imageSize: 32, tasks: ['seg'] });
  assert.equal(cachedSet.images, null);
  assert.deepEqual(cachedSet.features!.shape, [48, 64, 4, 4]);
  const idx = [...Array(40).keys()];
  const run = (set: typeof cachedSet) => {
    manualSeed(5);
    const model = new DenseModel(tower, defaultHeadSpec('seg', K));
    const r = fitOnSet(model, set, idx, { mode: 'probe', steps: 15, batch: 8, lr: 3e-3, seed: 5, device: 'cpu' });
    const head = copyState(model.head);
    model.head.dispose();
    return { losses: r.losses, head };
  };
  const a = run(cachedSet), b = run(plainSet), again = run(cachedSet);
  assert.deepEqual(again.losses, a.losses, 'same seed, same losses');
  cachedSet.dispose();
  plainSet.dispose();
  a.losses.forEach((v, i) => assert.ok(Math.abs(v - b.losses[i]!) < 1e-4, `step ${i}: ${v} vs ${b.losses[i]}`));
  assert.ok(a.losses.at(-1)! < a.losses[0]!, 'the head learns');
  for (const [k, v] of a.head) v.forEach((x, i) => assert.ok(Math.abs(x - b.head.get(k)![i]!) < 1e-4, `head ${k}[${i}]`));
  assert.deepEqual(copyState(tower), before, 'tower weights bit-identical after probing');
  clip.dispose();
});

test('finetune mode changes the tower; runDenseProbes restores it and reports fractions x seeds', async () => {
  const w = await denseWorld();
  manualSeed(2);
  const clip = createModel(w.model);
  const before = copyState(clip.visual);
  const set = await readDenseSet(shardsOf(w.world, 'probe-train'), { imageSize: 32, tasks: ['depth'] });
  manualSeed(0);
  const model = new DenseModel(clip.visual, { ...defaultHeadSpec('depth', K), channels: 16 });
  fitOnSet(model, set, [...Array(set.n).keys()], { mode: 'finetune', steps: 3, batch: 8, lr: 1e-3, seed: 0, device: 'cpu' });
  model.head.dispose();
  set.dispose();
  const after = copyState(clip.visual);
  assert.ok([...after].some(([k, v]) => v.some((x, i) => x !== before.get(k)![i])), 'finetuning moved the tower');

  const live = liveTensors();
  const r = await runDenseProbes({ encoder: clip, data: w.world, tasks: ['seg', 'det'], mode: 'finetune', fractions: [0.25, 1], seeds: [0, 1], steps: 3, batch: 8, channels: 16, samples: 2 });
  assert.equal(liveTensors(), live, 'no tensor left behind');
  assert.deepEqual(copyState(clip.visual), after, 'the runner gives the encoder back unchanged');
  const seg = r.tasks.seg!;
  assert.deepEqual(seg.fractions.map((f) => [f.fraction, f.trainImages, f.runs.length]), [[0.25, 12, 2], [1, 48, 2]]);
  assert.ok(seg.fractions.every((f) => Number.isFinite(f.mean.miou) && Number.isFinite(f.std.miou)));
  assert.deepEqual(Object.keys(r.tasks.det!.fractions[0]!.mean).sort(), ['ap', 'ap50']);
  assert.equal(seg.samples.length, 2);
  assert.equal(r.settings.testImages, 32);
  const json = JSON.parse(JSON.stringify(r)) as typeof r;
  assert.deepEqual(json.tasks.seg!.samples[0]!.seg!.length, 32 * 32);
  clip.dispose();
});
