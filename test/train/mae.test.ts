// The MAE objective of `zooclip train` on the tiny world: its loss falls, the decoder checkpoints
// under mae_decoder. (training state) while evaluation loaders and open_clip export leave it out,
// the image tower moves away from its init and the text tower stays exactly at it, and a resumed
// run draws the same masks (same losses) as an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { loadOpenClip, saveOpenClip } from '../../src/models/open_clip_folder.js';
import { loadModelForEval } from '../../src/eval/load_model.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { runTrain } from '../../src/stages/train/run.js';
import { readMetrics } from '../../src/training/metrics.js';
import { tinyConfig, tinyWorld } from './world.js';

const quiet = { log: () => {} };
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Largest |a - b| between two same-shaped tensors. */
function maxDiff(a: import('../../src/engine/index.js').Tensor, b: import('../../src/engine/index.js').Tensor): number {
  const d = a.sub(b).abs();
  const m = d.amax([...d.shape.keys()]).item();
  d.dispose();
  return m;
}

test('objective mae: the masked reconstruction loss falls; the saved run loads for evaluation without the decoder; visual moved, text untouched', { timeout: 60_000 }, async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-mae-'));
  const cfg = tinyConfig(w, out, 20, ['objective=mae', 'checkpoint.every=0', 'optim.lr=2e-3']);
  const r = await runTrain(cfg, { hooks: quiet });
  assert.equal(r.zeroShot, null, 'no zero-shot evaluation: MAE trains no text tower');
  const xs = readMetrics(join(out, 'metrics.jsonl')).map((x) => x.loss.mae!);
  assert.ok(xs.every(Number.isFinite), 'mae loss finite');
  assert.ok(mean(xs.slice(-6)) < mean(xs.slice(0, 6)) - 0.05, `mae loss ${mean(xs.slice(0, 6)).toFixed(4)} -> ${mean(xs.slice(-6)).toFixed(4)}`);

  using st = new SafetensorsReader(join(out, 'checkpoints', 'step-000020', 'model.safetensors'));
  assert.ok(st.keys().some((k) => k.startsWith('mae_decoder.decoder_blocks.')), 'the decoder is in the training checkpoint (resume)');

  const loaded = loadModelForEval(out);
  manualSeed(cfg.run.seed);
  const init = createModel(cfg.model.name);
  const exported = join(out, 'export');
  try {
    assert.ok(loaded.droppedKeys.length > 0 && loaded.droppedKeys.every((k) => k.startsWith('mae_decoder.')), 'only the decoder is left out');
    assert.equal(loaded.model.maeDecoder, null);
    const got = loaded.model.stateDict(), first = init.stateDict();
    for (const k of ['visual.conv1.weight', 'visual.positional_embedding', 'visual.transformer.resblocks.0.attn.in_proj_weight', 'visual.ln_post.weight']) {
      assert.ok(maxDiff(got.get(k)!, first.get(k)!) > 1e-4, `${k} trained`);
    }
    for (const k of ['token_embedding.weight', 'transformer.resblocks.0.mlp.c_fc.weight', 'logit_scale', 'visual.proj']) {
      assert.equal(maxDiff(got.get(k)!, first.get(k)!), 0, `${k} untouched`);
    }
    saveOpenClip(loaded.model, exported);
    using ex = new SafetensorsReader(join(exported, 'open_clip_model.safetensors'));
    assert.ok(!ex.keys().some((k) => k.startsWith('mae_decoder.')), 'the export has no decoder');
    loadOpenClip(exported).dispose();
  } finally {
    init.dispose();
    loaded.model.dispose();
  }
});

test('objective mae resumes to the same losses (masks drawn from seed, step and micro-batch)', { timeout: 60_000 }, async () => {
  const w = await tinyWorld();
  const full = mkdtempSync(join(tmpdir(), 'zc-mae-full-')), cut = mkdtempSync(join(tmpdir(), 'zc-mae-cut-'));
  const sets = ['objective=mae', 'checkpoint.every=3', 'checkpoint.keep=0', 'eval.zeroShot=false', 'data.accum=2', 'run.threads=1', 'data.workers=1'];
  await runTrain(tinyConfig(w, full, 6, sets), { hooks: quiet });
  await runTrain(tinyConfig(w, cut, 6, sets), { hooks: quiet, resume: join(full, 'checkpoints', 'step-000003') });
  const a = readMetrics(join(full, 'metrics.jsonl')).filter((x) => x.step > 3).map((x) => x.loss.mae);
  const b = readMetrics(join(cut, 'metrics.jsonl')).map((x) => x.loss.mae);
  assert.deepEqual(b, a);
});

test('objective: mae refuses task heads and distillation, and an unknown objective is named', { timeout: 10_000 }, () => {
  assert.throws(() => resolveConfig({ sets: ['objective=mae', 'heads.seg=1'] }), /objective mae trains no task heads; set heads.seg to 0/);
  assert.throws(() => resolveConfig({ sets: ['objective=mae', 'loss.distill=1'] }), /loss.distill/);
  assert.throws(() => resolveConfig({ sets: ['objective=byol'] }), /objective must be one of clip, mae, supervised, got 'byol'/);
  assert.throws(() => resolveConfig({ sets: ['mae.maskRatio=1'] }), /mae.maskRatio must be in \(0, 1\)/);
  assert.throws(() => resolveConfig({ sets: ['mae.decoderWidth=64', 'mae.decoderHeads=3'] }), /divisible by mae.decoderHeads/);
  const c = resolveConfig({ sets: ['objective=mae'] });
  assert.deepEqual({ objective: c.objective, mae: c.mae }, { objective: 'mae', mae: { maskRatio: 0.75, decoderWidth: 64, decoderDepth: 1, decoderHeads: 2, normPixLoss: true } });
});
