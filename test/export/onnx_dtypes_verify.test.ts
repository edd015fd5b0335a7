// The fp16 and int8 (`_quantized`) variants of the CLIP graphs against the libtorch forward, for a
// ViT (zooclip-tiny) and an MCi tower (zooclip-mci-tiny, folded before export), each on a zero-shot
// world the model was trained on for a few steps (test/helpers/zero_shot_world.ts: 10 classes, 240
// held-out images): embeddings' cosine to libtorch and top-1 agreement with its fp32 decisions, with
// per-model bounds tighter than DEFAULT_BOUNDS (measured values and margins in docs/onnx.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DtypeBounds, type OnnxDtype, exportClipOnnx, formatVerification, verifyClipOnnx } from '../../src/export/index.js';
import { manualSeed } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { samples, trainZeroShotWorld } from '../helpers/zero_shot_world.js';

/**
 * zooclip-tiny's bounds, tighter than DEFAULT_BOUNDS: measured (2-core CPU, onnxruntime-node 1.30)
 * fp16 min cosine 0.99999993, max abs 1.7e-3; q8 min cosine 0.99994, max abs 0.05; agreement 100%
 * for both; each bound about 100x (fp16) and 8x (q8) the measured 1 - cosine.
 */
const TINY_BOUNDS: Record<OnnxDtype, DtypeBounds> = {
  fp32: { minCosine: 0.99999, minAgreement: 1, maxAbs: 1e-4 },
  fp16: { minCosine: 0.99999, minAgreement: 0.99 },
  q8: { minCosine: 0.9995, minAgreement: 0.99 },
};

/**
 * zooclip-mci-tiny's bounds (trained 40 steps as zooclip-tiny, folded): measured (2-core CPU,
 * onnxruntime-node 1.30) fp32 max abs 1.8e-7 (image) / 9.5e-7 (text); fp16 min cosine 0.9999987
 * (image) / 0.99999995 (text), max abs 3.1e-4 / 1.3e-3; q8 min cosine 0.99985 (image) / 0.99991
 * (text), max abs 3.1e-3 / 4.3e-2; agreement 100% of 240 for each (fp32 margins min 0.078, median
 * 0.45). With seeds 1-3 the worst 1 - cosine was 2.0e-6 (fp16) and 2.3e-4 (q8). Each bound is about
 * 75x (fp16) and 13x (q8) the measured 1 - cosine; the MCi image tower's fp16 error is ~20x the
 * ViT's (1 - cosine 1.3e-6 against 7e-8), so zooclip-tiny's bounds would leave it no room.
 */
const MCI_BOUNDS: Record<OnnxDtype, DtypeBounds> = {
  fp32: { minCosine: 0.99999, minAgreement: 1, maxAbs: 1e-4 },
  fp16: { minCosine: 0.9999, minAgreement: 0.99 },
  q8: { minCosine: 0.998, minAgreement: 0.99 },
};

for (const [name, bounds] of [['zooclip-tiny', TINY_BOUNDS], ['zooclip-mci-tiny', MCI_BOUNDS]] as const) {
  test(`${name} fp32 / fp16 / q8: cosine to libtorch and zero-shot top-1 agreement >= 99% on 240 images`, { timeout: 600_000 }, async (t) => {
    const world = trainZeroShotWorld({ model: name });
    const images = samples(world, 24);
    const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-dtypes-'));
    try {
      const files = exportClipOnnx(world.model, dir, ['vision_model', 'text_model'], { dtypes: ['fp32', 'fp16', 'q8'] });
      t.diagnostic(`sizes: ${files.map((f) => `${f.file.split('/').pop()} ${(f.bytes / 1e6).toFixed(2)} MB`).join(', ')}`);
      const report = await verifyClipOnnx(world.model, dir, { images, prompts: world.prompts }, { dtypes: ['fp32', 'fp16', 'q8'], bounds });
      for (const line of formatVerification(report)) t.diagnostic(line);
      t.diagnostic(JSON.stringify(report));
      assert.equal(report.images, 240);
      assert.ok(report.referenceMargin.median > 0.05, `the fp32 decisions have a spread (median top-1 margin ${report.referenceMargin.median})`);
      for (const v of report.dtypes) assert.ok(v.pass, `${v.dtype}: ${JSON.stringify(v)}`);
      assert.ok(report.pass);
      // A wrong model under the q8 name (the untrained model, folded) must fail the check.
      manualSeed(7);
      const other = createModel(name).eval();
      other.visual.reparameterize();
      exportClipOnnx(other, dir, ['vision_model'], { dtypes: ['q8'] });
      const bad = await verifyClipOnnx(world.model, dir, { images, prompts: world.prompts }, { dtypes: ['q8'], bounds });
      t.diagnostic(`a wrong vision_model_quantized.onnx: cosine ${bad.dtypes[0]!.image.minCosine.toFixed(3)}, agreement ${bad.dtypes[0]!.top1Agreement}`);
      assert.ok(!bad.pass && bad.dtypes[0]!.top1Agreement < 0.5);
      // The combined model_quantized.onnx (what transformers.js's pipeline runs) is checked too: right towers, wrong combined graph fails.
      exportClipOnnx(world.model, dir, ['vision_model', 'model'], { dtypes: ['q8'] });
      const good = await verifyClipOnnx(world.model, dir, { images, prompts: world.prompts }, { dtypes: ['q8'], bounds });
      assert.ok(good.pass && good.dtypes[0]!.model!.image.minCosine >= bounds.q8.minCosine, JSON.stringify(good.dtypes[0]!.model));
      exportClipOnnx(other, dir, ['model'], { dtypes: ['q8'] });
      other.dispose();
      const badModel = await verifyClipOnnx(world.model, dir, { images, prompts: world.prompts }, { dtypes: ['q8'], bounds });
      t.diagnostic(`a wrong model_quantized.onnx: image cosine ${badModel.dtypes[0]!.model!.image.minCosine.toFixed(3)}`);
      assert.ok(!badModel.pass && badModel.dtypes[0]!.image.minCosine >= bounds.q8.minCosine, 'only the combined graph is wrong, and it fails the check');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      images.dispose();
      world.dispose();
    }
  });
}
