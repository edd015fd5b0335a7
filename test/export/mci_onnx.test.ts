// MCi towers as ONNX: after reparameterize(), vision_model.onnx of zooclip-mci-tiny and MobileCLIP-S0
// (MCi0) run in onnxruntime-node equal the libtorch forward within 1e-4 at batch 1 and 3;
// zooclip-mci-tiny's text_model.onnx and combined model.onnx do too (the export stage's verification,
// logits within 1e-4 x exp(logit_scale)), and a different model fails that check; an unfolded tower
// is refused with the path of its first unfolded block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed, noGrad, randn, tidy } from '../../src/engine/index.js';
import { type CLIP, createModel } from '../../src/models/clip.js';
import { registerMciTowers } from '../../src/models/mci/index.js';
import { exportClipOnnx, visionGraph } from '../../src/export/index.js';
import { verifyExportGraphs } from '../../src/stages/export/verify.js';
import { randomizeFoldedState } from '../helpers/fold_state.js';

const TOL = 1e-4;

/** A seeded MCi CLIP in eval mode with non-trivial BN statistics and layer scales, folded. */
function foldedModel(name: string, seed: number): CLIP {
  registerMciTowers();
  manualSeed(seed);
  const model = createModel(name).eval();
  randomizeFoldedState(model.visual);
  model.visual.reparameterize();
  return model;
}

async function maxDiff(model: CLIP, session: ort.InferenceSession, batch: number): Promise<{ diff: number; scale: number }> {
  const s = model.visual.imageSize, images = randn([batch, 3, s, s]);
  const want = noGrad(() => tidy(() => model.encodeImage(images, false))).toArray();
  const { image_embeds: got } = await session.run({ pixel_values: new ort.Tensor('float32', images.data() as Float32Array, [batch, 3, s, s]) });
  images.dispose();
  assert.deepEqual([...got.dims], [batch, model.cfg.embed_dim]);
  const data = got.data as Float32Array;
  return { diff: want.reduce((m, w, i) => Math.max(m, Math.abs(data[i]! - w)), 0), scale: Math.max(...want.map(Math.abs)) };
}

for (const [name, seed] of [['zooclip-mci-tiny', 0], ['MobileCLIP-S0', 1]] as const) {
  test(`${name}: vision_model.onnx after reparameterize equals the libtorch forward (batch 1 and 3)`, { timeout: 600_000 }, async (t) => {
    const model = foldedModel(name, seed);
    const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-mci-'));
    try {
      const [file] = exportClipOnnx(model, dir, ['vision_model']);
      const session = await ort.InferenceSession.create(file!.file);
      const r1 = await maxDiff(model, session, 1), r3 = await maxDiff(model, session, 3);
      t.diagnostic(`${name}: ${(file!.bytes / 1e6).toFixed(1)} MB; max abs diff batch 1 ${r1.diff.toExponential(1)}, batch 3 ${r3.diff.toExponential(1)} (largest |embedding| ${r3.scale.toFixed(3)})`);
      assert.ok(r1.scale > 0.05 && r3.scale > 0.05, 'embeddings are far from zero');
      assert.ok(r1.diff <= TOL && r3.diff <= TOL, `max abs diff ${r1.diff} / ${r3.diff} > ${TOL}`);
      await session.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
}

test('zooclip-mci-tiny: text_model.onnx and model.onnx of the folded model equal the libtorch forward; another model fails', { timeout: 600_000 }, async (t) => {
  const model = foldedModel('zooclip-mci-tiny', 2), other = foldedModel('zooclip-mci-tiny', 3);
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-mci-'));
  try {
    const files = exportClipOnnx(model, dir, ['text_model', 'model']);
    t.diagnostic(files.map((f) => `${f.graph} ${(f.bytes / 1e6).toFixed(1)} MB`).join(', '));
    const v = await verifyExportGraphs(model, dir, [], TOL);
    for (const g of v.graphs) t.diagnostic(`${g.file}: ${g.outputs.map((o) => `${o.output} ${o.maxAbs.toExponential(1)} (<= ${o.bound.toExponential(1)})`).join(', ')}`);
    assert.deepEqual(v.graphs.map((g) => g.file), ['onnx/text_model.onnx', 'onnx/model.onnx']);
    assert.deepEqual(v.graphs[1]!.outputs.map((o) => o.output), ['logits_per_image', 'logits_per_text', 'text_embeds', 'image_embeds']);
    assert.ok(v.pass, JSON.stringify(v.graphs));
    // The same files checked against a differently seeded model: every output fails, so the bounds are not loose.
    const wrong = await verifyExportGraphs(other, dir, [], TOL);
    t.diagnostic(`against another model: ${wrong.graphs.flatMap((g) => g.outputs.map((o) => `${o.output} ${o.maxAbs.toExponential(1)}`)).join(', ')}`);
    assert.ok(wrong.graphs.every((g) => g.outputs.every((o) => o.maxAbs > o.bound)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
    other.dispose();
  }
});

test('an MCi tower that was not reparameterized is refused with the path of its first unfolded block', { timeout: 60_000 }, () => {
  registerMciTowers();
  const model = createModel('zooclip-mci-tiny').eval();
  assert.throws(() => visionGraph(model), /MobileOneBlock at 'visual\.trunk\.stem\.0' still has its training-time branches; call reparameterize\(\)/);
  model.dispose();
});
