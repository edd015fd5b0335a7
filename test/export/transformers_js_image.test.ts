// transformers.js's AutoProcessor on the exported preprocessor_config.json against zooclip's eval
// preprocessing (preprocessImages), on generated non-square PNG/JPEG images. Without a resize (short
// side = model size) the two are identical; with one they differ by the resize implementations
// (transformers.js in Node: sharp's affine bicubic/bilinear, resize-then-crop; zooclip: crop-then-resize
// with its own filter), most at the image border. The bounds are ~2x the values measured on
// 2026-12-06 (docs/transformers_js.md); each run prints what it measured.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { AutoConfig, AutoProcessor, RawImage, env } from '@huggingface/transformers';
import { tidy } from '../../src/engine/index.js';
import { writeTransformersJsMetadata } from '../../src/export/hf/index.js';
import { getModelConfig } from '../../src/models/config.js';
import { preprocessImages } from '../../src/data/loader/preprocess.js';

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'zc-tfjs-img-'));
  for (const name of ['ViT-B-16', 'MobileCLIP-S0']) writeTransformersJsMetadata(getModelConfig(name), join(root, name));
});
after(() => rmSync(root, { recursive: true, force: true }));

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** A smooth photo-like RGB image: gradients, slow waves and a soft-edged disc. */
function smoothImage(w: number, h: number): Buffer {
  const d = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3, r = Math.hypot(x - w * 0.6, y - h * 0.4) / (0.25 * Math.min(w, h));
      const disc = 1 / (1 + Math.exp((r - 1) * 8));
      d[i] = clamp(30 + 150 * disc + 50 * Math.sin(x / 23));
      d[i + 1] = clamp(50 + 150 * (x / w) * (1 - disc) + 40 * Math.cos(y / 17));
      d[i + 2] = clamp(40 + 120 * (y / h) + 60 * disc * Math.sin((x + y) / 11));
    }
  }
  return d;
}

interface Diff { max: number; mean: number; innerMax: number }

/** |transformers.js - zooclip| over [1, 3, S, S]: max, mean, and max without the 3-pixel border. */
async function compare(model: string, w: number, h: number, format: 'png' | 'jpeg'): Promise<Diff> {
  const cfg = getModelConfig(model), s = cfg.preprocess_cfg.size;
  const raw = sharp(smoothImage(w, h), { raw: { width: w, height: h, channels: 3 } });
  const bytes = format === 'png' ? await raw.png().toBuffer() : await raw.jpeg({ quality: 95 }).toBuffer();
  const ours = tidy(() => Float32Array.from(preprocessImages([bytes], cfg.preprocess_cfg).data() as Float32Array));
  const processor = await AutoProcessor.from_pretrained(join(root, model));
  const { pixel_values: theirs } = await processor(await RawImage.fromBlob(new Blob([new Uint8Array(bytes)])));
  assert.deepEqual(theirs.dims, [1, 3, s, s]);
  const data = theirs.data as Float32Array;
  let max = 0, sum = 0, innerMax = 0;
  for (let i = 0; i < data.length; i++) {
    const d = Math.abs(data[i]! - ours[i]!), x = i % s, y = Math.floor(i / s) % s;
    max = Math.max(max, d);
    sum += d;
    if (x >= 3 && y >= 3 && x < s - 3 && y < s - 3) innerMax = Math.max(innerMax, d);
  }
  return { max, mean: sum / data.length, innerMax };
}

function report(t: TestContext, what: string, d: Diff): void {
  t.diagnostic(`${what}: max ${d.max.toFixed(4)}, mean ${d.mean.toFixed(5)}, max inside the 3-px border ${d.innerMax.toFixed(4)} (normalised units)`);
}

test('AutoConfig reads a CLIP config, AutoProcessor a CLIPImageProcessor with the model\'s numbers', { timeout: 60_000 }, async () => {
  const config = await AutoConfig.from_pretrained(join(root, 'MobileCLIP-S0'));
  assert.equal(config.model_type, 'clip');
  const processor = await AutoProcessor.from_pretrained(join(root, 'MobileCLIP-S0'));
  const image = processor.image_processor as unknown as { constructor: { name: string }; resample: number; image_mean: number[]; crop_size: unknown };
  assert.equal(image.constructor.name, 'CLIPImageProcessor');
  assert.deepEqual([image.resample, image.image_mean, image.crop_size], [2, [0, 0, 0], { height: 256, width: 256 }]);
});

test('no resize needed (short side = model size): pixel_values equal zooclip\'s exactly (crop, scale, mean/std agree)', { timeout: 120_000 }, async (t) => {
  for (const [model, w, h, format] of [['ViT-B-16', 300, 224, 'png'], ['ViT-B-16', 300, 224, 'jpeg'], ['MobileCLIP-S0', 256, 320, 'png']] as const) {
    const d = await compare(model, w, h, format);
    report(t, `${model} ${w}x${h} ${format}`, d);
    assert.ok(d.max < 1e-6, `${model}: max ${d.max}`);
  }
});

test('ViT-B-16 (bicubic, 224, OpenAI mean/std): a 320x240 image, PNG and JPEG, within the stated bounds', { timeout: 120_000 }, async (t) => {
  for (const format of ['png', 'jpeg'] as const) {
    const d = await compare('ViT-B-16', 320, 240, format);
    report(t, `ViT-B-16 320x240 ${format}`, d);
    assert.ok(d.mean < 0.008, `mean ${d.mean}`);
    assert.ok(d.innerMax < 0.08, `max inside the border ${d.innerMax}`);
    assert.ok(d.max < 0.25, `max ${d.max}`);
  }
});

test('MobileCLIP-S0 (bilinear, 256, mean 0 / std 1): a 240x300 image (upscaled), within the stated bounds', { timeout: 120_000 }, async (t) => {
  const d = await compare('MobileCLIP-S0', 240, 300, 'png');
  report(t, 'MobileCLIP-S0 240x300 png', d);
  assert.ok(d.mean < 0.002, `mean ${d.mean}`);
  assert.ok(d.innerMax < 0.05, `max inside the border ${d.innerMax}`);
  assert.ok(d.max < 0.15, `max ${d.max}`);
});
