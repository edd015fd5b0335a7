// transformers.js itself on a folder that `zooclip export` wrote (issue #14 item 3): offline, from the
// local path, fp32 set explicitly (in Node transformers.js's default device is 'cpu', whose default
// dtype is fp32 = onnx/<name>.onnx; wasm would default to q8 = _quantized). The zero-shot pipeline's
// labels and scores equal zooclip's own zero-shot (libtorch, zooclip's preprocessing and tokenizer);
// CLIPVisionModelWithProjection / CLIPTextModelWithProjection give zooclip's embeddings. Bounds are
// the measured values with room (docs/export.md); each run prints what it measured.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { AutoProcessor, AutoTokenizer, CLIPTextModelWithProjection, CLIPVisionModelWithProjection, RawImage, env, pipeline } from '@huggingface/transformers';
import { manualSeed, noGrad, tensor, tidy } from '../../src/engine/index.js';
import { type CLIP, createModel } from '../../src/models/clip.js';
import { loadOpenClip, saveOpenClip } from '../../src/models/open_clip_folder.js';
import { preprocessImages } from '../../src/data/loader/preprocess.js';
import { tokenize } from '../../src/tokenizer/index.js';
import { runExport } from '../../src/stages/export/run.js';

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;

const LABELS = ['red cube', 'green sphere', 'blue cone', 'yellow car', 'striped cat'];
const TEMPLATE = 'a photo of a {}.';
let root = '', dir = '', model: CLIP;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'zc-tfjs-pipe-'));
  manualSeed(5);
  const seeded = createModel('zooclip-tiny');
  saveOpenClip(seeded, join(root, 'model'));
  seeded.dispose();
  dir = join(root, 'export');
  const r = await runExport({ model: join(root, 'model'), out: dir });
  assert.equal(r.status, 'written');
  model = loadOpenClip(join(root, 'model')).eval();
});
after(() => {
  model?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** A smooth RGB image whose colours depend on `k` (so the images' embeddings differ), as PNG. */
async function image(w: number, h: number, k: number): Promise<Buffer> {
  const d = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3, disc = 1 / (1 + Math.exp((Math.hypot(x - w * 0.5, y - h * 0.5) / (0.3 * Math.min(w, h)) - 1) * 6));
      d[i] = clamp(40 + 180 * disc * ((k + 1) % 2) + 30 * Math.sin(x / (5 + k)));
      d[i + 1] = clamp(60 + 150 * (x / w) * (k % 3 === 0 ? 1 : 0.2) + 40 * Math.cos(y / 7));
      d[i + 2] = clamp(50 + 160 * disc * (k % 3 === 1 ? 1 : 0.1) + 60 * (y / h));
    }
  }
  return sharp(d, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

/** zooclip's zero-shot: its preprocessing, tokenizer and libtorch forward; softmax(exp(logit_scale) cos). */
function zooclipScores(png: Buffer): number[] {
  const ctx = model.cfg.text_cfg.context_length;
  return noGrad(() => tidy(() => {
    const img = model.encodeImage(preprocessImages([png], model.cfg.preprocess_cfg));
    const txt = model.encodeText(tokenize(LABELS.map((l) => TEMPLATE.replace('{}', l)), ctx));
    return img.matmul(txt.transpose(0, 1)).mul(model.logit_scale.exp()).softmax(-1).toArray() as number[];
  }));
}

interface Scored { label: string; score: number }

function compareScores(t: TestContext, what: string, theirs: Scored[], ours: number[], tol: number): void {
  const want = LABELS.map((label, i) => ({ label, score: ours[i]! })).sort((a, b) => b.score - a.score);
  const byLabel = new Map(theirs.map((s) => [s.label, s.score]));
  const maxDiff = Math.max(...want.map((w) => Math.abs(byLabel.get(w.label)! - w.score)));
  t.diagnostic(`${what}: scores max abs diff ${maxDiff.toExponential(2)}; top ${want[0]!.label} ${want[0]!.score.toFixed(4)}, gap to second ${(want[0]!.score - want[1]!.score).toFixed(4)}`);
  assert.ok(maxDiff <= tol, `${what}: scores differ by ${maxDiff} > ${tol}`);
  // the order must agree wherever zooclip's scores are further apart than the two tolerances
  for (let i = 0; i + 1 < want.length; i++) {
    if (want[i]!.score - want[i + 1]!.score > 2 * tol) {
      assert.ok(byLabel.get(want[i]!.label)! > byLabel.get(want[i + 1]!.label)!, `${what}: ${want[i]!.label} ranks above ${want[i + 1]!.label}`);
    }
  }
  if (want[0]!.score - want[1]!.score > 2 * tol) assert.equal(theirs[0]!.label, want[0]!.label, `${what}: top label`);
}

test('pipeline(zero-shot-image-classification) on the exported folder gives zooclip\'s labels and scores', { timeout: 300_000 }, async (t) => {
  const classify = await pipeline('zero-shot-image-classification', dir, { dtype: 'fp32', device: 'cpu' });
  let spread = 0;
  // 64x64 = the model size: no resize, the pixels are identical (docs/transformers_js.md), so only float error remains
  for (const [w, h, k, tol] of [[64, 64, 0, 1e-5], [64, 64, 1, 1e-5], [64, 64, 2, 1e-5], [96, 72, 3, 2e-3], [80, 100, 4, 2e-3]] as const) {
    const png = await image(w, h, k);
    const raw = await RawImage.fromBlob(new Blob([new Uint8Array(png)]));
    const theirs = await classify(raw, LABELS, { hypothesis_template: TEMPLATE }) as unknown as Scored[];
    const ours = zooclipScores(png);
    spread = Math.max(spread, Math.max(...ours) - Math.min(...ours));
    compareScores(t, `${w}x${h} image ${k}`, theirs, ours, tol);
  }
  assert.ok(spread > 0.05, `the scores are not all equal (spread ${spread}), so the order check means something`);
  await classify.dispose();
});

test('CLIPVisionModelWithProjection / CLIPTextModelWithProjection (vision_model.onnx / text_model.onnx) give zooclip\'s embeddings', { timeout: 300_000 }, async (t) => {
  const processor = await AutoProcessor.from_pretrained(dir);
  const vision = await CLIPVisionModelWithProjection.from_pretrained(dir, { dtype: 'fp32', device: 'cpu' });
  const pngs = [await image(64, 64, 0), await image(120, 90, 1)];
  const { pixel_values } = await processor(await Promise.all(pngs.map((p) => RawImage.fromBlob(new Blob([new Uint8Array(p)])))));
  const { image_embeds } = await vision({ pixel_values });
  const want = noGrad(() => tidy(() => model.encodeImage(tensor(pixel_values.data as Float32Array, { shape: pixel_values.dims }), false).toArray() as number[]));
  const imageDiff = Math.max(...want.map((w, i) => Math.abs((image_embeds.data as Float32Array)[i]! - w)));
  assert.deepEqual(image_embeds.dims, [2, model.cfg.embed_dim]);

  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  const text = await CLIPTextModelWithProjection.from_pretrained(dir, { dtype: 'fp32', device: 'cpu' });
  const texts = LABELS.map((l) => TEMPLATE.replace('{}', l)).concat(['a much longer caption about a small red cube next to a striped cat']);
  const inputs = tokenizer(texts, { padding: true, truncation: true });     // end-token padding to the longest row, as the pipeline does
  const { text_embeds } = await text(inputs);
  const wantText = noGrad(() => tidy(() => model.encodeText(tokenize(texts, model.cfg.text_cfg.context_length), false).toArray() as number[]));
  const textDiff = Math.max(...wantText.map((w, i) => Math.abs((text_embeds.data as Float32Array)[i]! - w)));
  t.diagnostic(`image_embeds max abs diff ${imageDiff.toExponential(2)}, text_embeds ${textDiff.toExponential(2)} (same pixel_values; zooclip's zero padding vs transformers.js's end-token padding)`);
  assert.ok(imageDiff <= 1e-4, `image_embeds ${imageDiff}`);
  assert.ok(textDiff <= 1e-4, `text_embeds ${textDiff}`);
  await vision.dispose(); await text.dispose();
});

test('the _fp16 and _quantized variants, with their weights in .onnx_data side files, load by dtype and agree with zooclip', { timeout: 300_000 }, async (t) => {
  const ext = join(root, 'export-variants');
  const r = await runExport({ model: join(root, 'model'), out: ext, dtypes: ['fp32', 'fp16', 'q8'], externalData: 'always' });
  assert.equal(r.status, 'written');
  // transformers.js fetches <file>_data only for the files config.json names (transformers.js_config.use_external_data_format)
  assert.ok(r.manifest.files.some((f) => f.path === 'onnx/model_quantized.onnx_data'));
  const png = await image(64, 64, 2), ours = zooclipScores(png);
  for (const [dtype, tol] of [['fp16', 2e-3], ['q8', 3e-2]] as const) {
    const classify = await pipeline('zero-shot-image-classification', ext, { dtype, device: 'cpu' });
    const raw = await RawImage.fromBlob(new Blob([new Uint8Array(png)]));
    compareScores(t, `${dtype} (external data)`, await classify(raw, LABELS, { hypothesis_template: TEMPLATE }) as unknown as Scored[], ours, tol);
    await classify.dispose();
  }
});
