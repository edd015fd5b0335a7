// ONNX export from the module tree, verified against the libtorch forward: a seeded model is
// exported to a temp folder, onnxruntime-node runs vision_model / text_model / model, and the
// embeddings must equal zooclip's within 1e-4 (max abs) at batch 1 and 3 and for two text lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { liveTensors, manualSeed, noGrad, randn, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { type CLIP, createModel } from '../../src/models/clip.js';
import { emitModule, exportClipOnnx, registerBuiltinEmitters } from '../../src/export/index.js';
import { OnnxGraph } from '../../src/io/onnx/index.js';
import { GroupNorm } from '../../src/nn/layers.js';

const TOL = 1e-4;

/** max |got - want|, after checking that `want` is not so small that any tolerance would pass. */
function maxAbsDiff(got: Float32Array, want: number[]): number {
  assert.equal(got.length, want.length, 'output size');
  assert.ok(want.some((w) => Math.abs(w) > 0.05), 'reference values are far from zero');
  return want.reduce((m, w, i) => Math.max(m, Math.abs(got[i] - w)), 0);
}

/** Caption-like ids [rows, width]: start token, random words, the end token (the largest id), then `pad`. */
function captionIds(lengths: number[], width: number, vocab: number, pad: 'zero' | 'eot'): { ids: Tensor; data: BigInt64Array } {
  const eot = vocab - 1, sot = vocab - 2;
  const data = new BigInt64Array(lengths.length * width);
  lengths.forEach((len, r) => {
    for (let c = 0; c < width; c++) {
      const word = 1 + ((r * 7919 + c * 104729) % (vocab - 3));
      data[r * width + c] = BigInt(c === 0 ? sot : c < len - 1 ? word : c === len - 1 ? eot : pad === 'eot' ? eot : 0);
    }
  });
  return { ids: tensor(data, { shape: [lengths.length, width], dtype: 'int64' }), data };
}

async function checkVision(model: CLIP, session: ort.InferenceSession, batch: number): Promise<number> {
  const images = randn([batch, 3, model.visual.imageSize, model.visual.imageSize]);
  const want = noGrad(() => tidy(() => model.encodeImage(images, false)));
  const { image_embeds: got } = await session.run({ pixel_values: new ort.Tensor('float32', images.data() as Float32Array, [...images.shape]) });
  assert.deepEqual([...got.dims], want.shape);
  const diff = maxAbsDiff(got.data as Float32Array, want.toArray());
  images.dispose(); want.dispose();
  return diff;
}

async function checkText(model: CLIP, session: ort.InferenceSession, lengths: number[], width: number, pad: 'zero' | 'eot'): Promise<number> {
  const { ids, data } = captionIds(lengths, width, model.cfg.text_cfg.vocab_size, pad);
  const want = noGrad(() => tidy(() => model.encodeText(ids, false)));
  const { text_embeds: got } = await session.run({ input_ids: new ort.Tensor('int64', data, [lengths.length, width]) });
  assert.deepEqual([...got.dims], want.shape);
  const diff = maxAbsDiff(got.data as Float32Array, want.toArray());
  ids.dispose(); want.dispose();
  return diff;
}

/** Exports `model`, checks both towers at two batches / lengths, and returns the worst differences. */
async function verifyTowers(model: CLIP, name: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-export-'));
  const before = liveTensors();
  try {
    const files = exportClipOnnx(model, dir, ['vision_model', 'text_model']);
    assert.deepEqual(files.map((f) => f.graph), ['vision_model', 'text_model']);
    const vision = await ort.InferenceSession.create(join(dir, 'vision_model.onnx'));
    const text = await ort.InferenceSession.create(join(dir, 'text_model.onnx'));
    assert.deepEqual([vision.inputNames, vision.outputNames, text.inputNames, text.outputNames], [['pixel_values'], ['image_embeds'], ['input_ids'], ['text_embeds']]);
    const ctx = model.cfg.text_cfg.context_length;
    const diffs = {
      image1: await checkVision(model, vision, 1), image3: await checkVision(model, vision, 3),
      textShort: await checkText(model, text, [5, 9], 9, 'zero'), textFull: await checkText(model, text, [ctx, 12, 3], ctx, 'eot'),
    };
    for (const [k, d] of Object.entries(diffs)) assert.ok(d <= TOL, `${name} ${k}: max abs diff ${d} > ${TOL}`);
    await vision.release(); await text.release();
    assert.equal(liveTensors(), before, 'no tensors leaked');
    return diffs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const report = (diffs: Record<string, number>) => Object.entries(diffs).map(([k, d]) => `${k} ${d.toExponential(1)}`).join(', ');

/** A few training-mode passes so BatchNorm's running statistics (a conv stem's) are not the identity. */
function warmBatchNorm(model: CLIP): void {
  model.train();
  noGrad(() => tidy(() => { for (let i = 0; i < 3; i++) model.encodeImage(randn([4, 3, model.visual.imageSize, model.visual.imageSize]).mul(2).add(0.5)); }));
  model.eval();
}

for (const name of ['zooclip-tiny', 'zooclip-quick', 'zooclip-quick-conv']) {
  test(`${name}: vision_model and text_model equal the libtorch forward (batch 1 and 3, two text lengths)`, { timeout: 300_000 }, async (t) => {
    manualSeed(0);
    const model = createModel(name);
    warmBatchNorm(model);
    t.diagnostic(`max abs diff: ${report(await verifyTowers(model, name))}`);
    model.dispose();
  });
}

/** zooclip-tiny's shape with the other branches: custom text, QuickGELU, layer scale, no ln_pre, ln after pool, last-token pooling. */
function variantConfig(): Record<string, unknown> {
  return {
    embed_dim: 32, quick_gelu: true, custom_text: true,
    vision_cfg: { image_size: 32, layers: 2, width: 64, head_width: 16, patch_size: 8, ls_init_value: 0.5, no_ln_pre: true, final_ln_after_pool: true },
    text_cfg: { context_length: 16, vocab_size: 1000, width: 64, heads: 4, layers: 2, ls_init_value: 0.5, pool_type: 'last' },
  };
}

test('a variant config (custom text, QuickGELU, layer scale, ln after pool, last-token pool) exports and matches', { timeout: 300_000 }, async (t) => {
  manualSeed(1);
  const model = createModel(variantConfig()).eval();
  t.diagnostic(`max abs diff: ${report(await verifyTowers(model, 'variant'))}`);
  model.dispose();
});

test('the combined model graph gives CLIPModel outputs: normalised embeddings and exp(logit_scale)-scaled logits', { timeout: 300_000 }, async (t) => {
  manualSeed(2);
  const model = createModel('zooclip-tiny').eval();
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-export-'));
  try {
    exportClipOnnx(model, dir, ['model']);
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    assert.deepEqual(session.inputNames, ['input_ids', 'attention_mask', 'pixel_values']);
    const images = randn([2, 3, 64, 64]);
    const { ids, data } = captionIds([4, 7, 6], 7, model.cfg.text_cfg.vocab_size, 'eot');
    const mask = new BigInt64Array(data.length).fill(1n);
    const out = await session.run({
      input_ids: new ort.Tensor('int64', data, [3, 7]), attention_mask: new ort.Tensor('int64', mask, [3, 7]),
      pixel_values: new ort.Tensor('float32', images.data() as Float32Array, [2, 3, 64, 64]),
    });
    const want = noGrad(() => ({ logits: model.logits(images, ids), image: model.encodeImage(images), text: model.encodeText(ids) }));
    const scale = Math.exp(model.logit_scale.item());
    const diffs = {
      image_embeds: maxAbsDiff(out.image_embeds.data as Float32Array, want.image.toArray()),
      text_embeds: maxAbsDiff(out.text_embeds.data as Float32Array, want.text.toArray()),
      logits_per_image: maxAbsDiff(out.logits_per_image.data as Float32Array, want.logits.toArray()),
      logits_per_text: maxAbsDiff(out.logits_per_text.data as Float32Array, want.logits.transpose(0, 1).contiguous().toArray()),
    };
    t.diagnostic(`max abs diff: ${report(diffs)}`);
    for (const [k, d] of Object.entries(diffs)) assert.ok(d <= (k.startsWith('logits') ? TOL * scale : TOL), `${k}: max abs diff ${d}`);
    assert.deepEqual([...out.logits_per_image.dims, ...out.logits_per_text.dims], [2, 3, 3, 2]);
    await session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  model.dispose();
});

test('a module kind without an emitter is refused with its class and path', { timeout: 60_000 }, () => {
  // MCi towers have emitters now (test/export/mci_onnx.test.ts); GroupNorm is used by no exported graph.
  registerBuiltinEmitters();
  const g = new OnnxGraph('refused');
  const x = g.input('x', { dtype: 'float32', dims: [1, 4, 2, 2] });
  assert.throws(() => emitModule({ g }, new GroupNorm(2, 4), 'visual.norm', x), /ONNX export: no emitter for GroupNorm at 'visual\.norm'/);
});
