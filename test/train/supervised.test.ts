// The supervised baseline objective on the tiny world: the label head's BCE falls, only the image
// tower and the head train, the checkpoint loads for evaluation like a CLIP tower (the head
// dropped), open_clip export leaves the head out, and a training sample without labels is an
// error naming its key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runTrain } from '../../src/stages/train/run.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { readMetrics } from '../../src/training/metrics.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { ShardWriter } from '../../src/data/shards/index.js';
import { loadModelForEval } from '../../src/eval/load_model.js';
import { saveOpenClip, WEIGHTS_FILE } from '../../src/models/open_clip_folder.js';
import { createModel } from '../../src/models/clip.js';
import { Linear } from '../../src/nn/layers.js';
import { manualSeed } from '../../src/engine/index.js';
import { tinyConfig, tinyWorld } from './world.js';

const quiet = { log: () => {} };
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('objective=supervised lowers every label group\'s BCE; the checkpoint loads for evaluation with the head dropped', { timeout: 120_000 }, async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-sup-'));
  const r = await runTrain(tinyConfig(w, out, 30, ['objective=supervised', 'checkpoint.every=0', 'optim.lr=2e-3']), { hooks: quiet });
  assert.equal(r.zeroShot, null, 'no zero-shot: the text tower is untrained');
  const m = readMetrics(join(out, 'metrics.jsonl'));
  for (const k of ['shape', 'colour', 'count', 'total']) {
    const xs = m.map((x) => x.loss[k]!);
    assert.ok(xs.every(Number.isFinite), `${k} finite`);
    assert.ok(mean(xs.slice(-6)) < mean(xs.slice(0, 6)) - 0.02, `${k}: ${mean(xs.slice(0, 6)).toFixed(4)} -> ${mean(xs.slice(-6)).toFixed(4)}`);
  }
  const x = m[0]!.loss;
  assert.ok(Math.abs(x.total! - (x.shape! + x.colour! + x.count!)) < 1e-4, 'total = weighted sum of the groups');
  const ckpt = join(out, 'checkpoints', 'step-000030');
  using st = new SafetensorsReader(join(ckpt, 'model.safetensors'));
  const saved = (k: string): number[] => { const t = st.read(k); try { return t.toArray(); } finally { t.dispose(); } };
  assert.deepEqual(st.keys().filter((k) => k.startsWith('label_head.')).sort(), ['label_head.bias', 'label_head.weight']);
  assert.deepEqual(st.info('label_head.weight')!.shape, [19, 32]);
  // the text tower and logit scale keep their initial values (same seed, same init order)
  manualSeed(0);
  const fresh = createModel(w.model);
  const init = fresh.stateDict();
  for (const k of ['token_embedding.weight', 'logit_scale', 'ln_final.weight']) assert.deepEqual(saved(k), init.get(k)!.toArray(), `${k} untrained`);
  assert.notDeepEqual(saved('visual.proj'), init.get('visual.proj')!.toArray(), 'the image tower trained');
  fresh.dispose();
  const loaded = loadModelForEval(out);
  try {
    assert.equal(loaded.kind, 'checkpoint');
    assert.deepEqual(loaded.droppedKeys.sort(), ['label_head.bias', 'label_head.weight']);
    assert.deepEqual(loaded.model.stateDict().get('visual.proj')!.toArray(), saved('visual.proj'));
  } finally {
    loaded.model.dispose();
  }
});

test('a resumed supervised run gives exactly the losses of an uninterrupted one (head and optimiser state checkpointed)', { timeout: 120_000 }, async () => {
  const w = await tinyWorld();
  const whole = mkdtempSync(join(tmpdir(), 'zc-sup-whole-')), cut = mkdtempSync(join(tmpdir(), 'zc-sup-cut-'));
  const sets = ['objective=supervised', 'checkpoint.every=3', 'checkpoint.keep=0', 'data.workers=0'];
  await runTrain(tinyConfig(w, whole, 6, sets), { hooks: quiet });
  await runTrain(tinyConfig(w, cut, 6, sets), { hooks: quiet });
  // lose everything after step 3, then resume from its checkpoint
  const ckpts = join(cut, 'checkpoints');
  rmSync(join(ckpts, 'step-000006'), { recursive: true });
  await runTrain(tinyConfig(w, cut, 6, sets), { hooks: quiet, resume: 'latest' });
  const a = readMetrics(join(whole, 'metrics.jsonl')), b = readMetrics(join(cut, 'metrics.jsonl'));
  assert.deepEqual(b.map((x) => x.step), [1, 2, 3, 4, 5, 6]);
  for (let i = 0; i < 6; i++) assert.equal(b[i]!.loss.total, a[i]!.loss.total, `step ${i + 1}`);
});

test('open_clip export drops the label head', { timeout: 30_000 }, async () => {
  const w = await tinyWorld();
  const model = createModel(w.model);
  model.attachLabelHead(new Linear(32, 19));
  const dir = mkdtempSync(join(tmpdir(), 'zc-sup-export-'));
  saveOpenClip(model, dir);
  model.dispose();
  using st = new SafetensorsReader(join(dir, WEIGHTS_FILE));
  assert.ok(st.keys().includes('visual.proj') && !st.keys().some((k) => k.startsWith('label_head.')));
});

test('supervised labels from a sidecar split must cover every training key; a label-only data.split and bad config combinations are errors', { timeout: 60_000 }, async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-sup-nolabel-'));
  // zoo images with the classify split's labels: no zoo key has one
  await assert.rejects(runTrain(tinyConfig(w, out, 3, ['objective=supervised', 'supervised.labels=classify']), { hooks: quiet }),
    /sample 'zoo-\d+' has no scene description in .*classify/);
  // a label-only split (as the world's web-gt) as data.split: the error says how to pair it with the images
  const gtOnly = new ShardWriter({ dir: join(w.root, 'world', 'gt-only'), prefix: 'gt-only', maxSamples: 8 });
  await gtOnly.write('web-0000000', { json: JSON.stringify({ scene: { objects: [{ shape: 'cube', colour: 'red' }] } }), txt: 'a cube' });
  await gtOnly.close();
  await assert.rejects(runTrain(tinyConfig(w, mkdtempSync(join(tmpdir(), 'zc-sup-gt-')), 3, ['objective=supervised', 'data.split=gt-only']), { hooks: quiet }),
    /data\.split gt-only holds no images .*key web-0000000 has json, txt.*data\.split=web supervised\.labels=web-gt/);
  assert.throws(() => resolveConfig({ sets: ['objective=supervised', 'heads.seg=1'] }), /objective supervised trains no task heads; set heads\.seg to 0/);
  assert.throws(() => resolveConfig({ sets: ['objective=supervised', 'supervised.shape=0', 'supervised.colour=0', 'supervised.count=0'] }), /nothing to predict/);
  assert.throws(() => resolveConfig({ sets: ['objective=mse'] }), /objective must be one of clip, mae, supervised, got 'mse'/);
  const c = resolveConfig({ sets: ['objective=supervised', 'supervised.count=0', 'data.split=web-gtl'] });
  assert.equal(c.objective, 'supervised');
  assert.equal(c.supervised.count, 0);
});
