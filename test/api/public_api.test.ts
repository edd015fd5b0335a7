// The package surface as a user meets it: everything imported from src/index.ts (what 'zooclip'
// resolves to), with type tests (the build fails if a signature drifts) and runtime checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loaderNorm } from '../../src/data/loader/preprocess.js';
import {
  createModel, createModelAndTransforms, loadModel, saveOpenClip, tokenize, preprocessImages, encodeJpeg, Loader, memorySource,
  getModelConfig, parseClipConfig, manualSeed, noGrad, tidy, tensor, liveTensors, OPENAI_MEAN,
  type CLIP, type ModelBundle, type LoadedBundle, type PreprocessCfg, type Tensor, type Batch, type ClipCfg,
} from '../../src/index.js';

/** Compile-time check that a value has exactly the type T (assignability both ways through the generic). */
function expectType<T>(value: T): T {
  return value;
}

const T = 60_000;
/** A small model with the real CLIP vocabulary (so tokenizer output indexes it). */
const SMALL = {
  embed_dim: 32, vision_cfg: { image_size: 32, layers: 1, width: 64, head_width: 32, patch_size: 8 },
  text_cfg: { context_length: 16, vocab_size: 49408, width: 32, heads: 2, layers: 1 },
};

/** A deterministic RGB test image (w x h) as JPEG bytes. */
function jpeg(w: number, h: number, seed: number): Buffer {
  const px = new Uint8Array(w * h * 3).map((_, j) => (j * 5 + seed * 17 + ((j / (w * 3)) | 0) * 9) & 255);
  return encodeJpeg(px, w, h, 3, 90);
}

test('types: the factories return a model with its transforms', { timeout: T }, () => {
  // Type-level only: these lines are checked by tsc and never called.
  const typeOnly = (): void => {
    const b = expectType<ModelBundle>(createModelAndTransforms('zooclip-tiny'));
    expectType<CLIP>(b.model);
    expectType<Tensor>(b.preprocess([new Uint8Array(0)]));
    expectType<Tensor>(b.tokenizer(['a red cube']));
    expectType<PreprocessCfg>(b.preprocessCfg);
    const l = expectType<LoadedBundle>(loadModel('runs/train', { device: 'cpu', ema: false }));
    expectType<'checkpoint' | 'open_clip' | 'config'>(l.source.kind);
    expectType<CLIP>(createModel('ViT-B-32'));
    expectType<Tensor>(tokenize('one text', 77));
    expectType<ClipCfg>(getModelConfig('zooclip-tiny'));
    expectType<AsyncIterable<Batch>>(new Loader({ source: memorySource([]), batchSize: 1 }));
    // @ts-expect-error: loadModel takes a path or name, not a config object
    loadModel({ embed_dim: 8 });
    // @ts-expect-error: preprocess takes encoded bytes, not strings
    b.preprocess(['cat.jpg']);
  };
  assert.equal(typeof typeOnly, 'function');
});

test('createModelAndTransforms: preprocess equals the loader\'s eval transform, tokenizer uses the model\'s context', { timeout: T }, async () => {
  manualSeed(0);
  const { model, preprocess, tokenizer, preprocessCfg } = createModelAndTransforms(SMALL);
  try {
    assert.deepEqual(preprocessCfg, { size: 32, mean: [...OPENAI_MEAN], std: [0.26862954, 0.26130258, 0.27577711], interpolation: 'bicubic', resize_mode: 'shortest' });
    const images = [jpeg(57, 41, 1), jpeg(40, 64, 2)];
    const loader = new Loader({
      source: memorySource(images.map((img, i) => ({ key: `k${i}`, shard: 'mem', fields: new Map([['jpg', img], ['txt', Buffer.from('x')]]) }))),
      batchSize: 2, imageSize: 32, train: false, workers: 0,
    });
    let fromLoader: Float32Array | undefined;
    for await (const b of loader) { fromLoader = b.images.data() as Float32Array; b.dispose(); }
    await loader.close();
    const x = preprocess(images);
    assert.deepEqual(x.shape, [2, 3, 32, 32]);
    assert.deepEqual(x.data(), fromLoader, 'same pixels as the loader\'s eval path');
    const ids = tokenizer(['a red cube', 'two blue spheres']);
    assert.deepEqual(ids.shape, [2, 16]);
    const before = liveTensors();
    const sim = tidy(() => noGrad(() => model.eval().encodeImage(x).matmul(model.encodeText(ids).transpose(0, 1))).toArray());
    assert.equal(sim.length, 4);
    assert.ok(sim.every((v) => Math.abs(v) <= 1 + 1e-5), 'cosine similarities of normalised features');
    assert.equal(liveTensors(), before);
    x.dispose();
    ids.dispose();
  } finally {
    model.dispose();
  }
});

test('preprocess: a bad image names its index; the model\'s own mean/std are used', { timeout: T }, () => {
  const cfg = parseClipConfig({ ...SMALL, preprocess_cfg: { mean: [0, 0, 0], std: [1, 1, 1], interpolation: 'bilinear' } }, 'test');
  assert.throws(() => preprocessImages([jpeg(32, 32, 0), Buffer.from('not an image')], cfg.preprocess_cfg), /image 1:/);
  const x = preprocessImages([jpeg(32, 32, 3)], cfg.preprocess_cfg);
  const v = x.data() as Float32Array;
  assert.ok(v.every((p) => p >= 0 && p <= 1), 'mean 0 / std 1 leaves pixels in [0, 1]');
  x.dispose();
  assert.throws(() => parseClipConfig({ ...SMALL, preprocess_cfg: { resize_mode: 'squash' } }, 'cfg.json'), /cfg\.json: preprocess_cfg\.resize_mode 'squash'/);
  assert.throws(() => parseClipConfig({ ...SMALL, preprocess_cfg: { mean: [0, 0] } }, 'cfg.json'), /preprocess_cfg\.mean: expected 3 finite numbers/);
  assert.throws(() => parseClipConfig({ ...SMALL, preprocess_cfg: { size: 64 } }, 'cfg.json'), /size 64 differs from the tower's image_size 32/);
});

test('a model\'s own normalisation and filter reach the loader\'s eval batches (loaderNorm) exactly as preprocess makes them', { timeout: T }, async () => {
  const cfg = parseClipConfig({ ...SMALL, preprocess_cfg: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], interpolation: 'bilinear' } }, 'test');
  const images = [jpeg(61, 45, 4), jpeg(33, 70, 5)];
  const loader = new Loader({
    source: memorySource(images.map((img, i) => ({ key: `k${i}`, shard: 'mem', fields: new Map([['jpg', img], ['txt', Buffer.from('x')]]) }))),
    batchSize: 2, imageSize: 32, train: false, workers: 0, ...loaderNorm(cfg.preprocess_cfg),
  });
  let fromLoader: Float32Array | undefined;
  for await (const b of loader) { fromLoader = b.images.data() as Float32Array; b.dispose(); }
  await loader.close();
  const x = preprocessImages(images, cfg.preprocess_cfg);
  assert.deepEqual(x.data(), fromLoader);
  const bicubic = preprocessImages(images, { ...cfg.preprocess_cfg, interpolation: 'bicubic' });
  assert.notDeepEqual(bicubic.data(), fromLoader, 'the filter matters, so the comparison above sees it');
  x.dispose();
  bicubic.dispose();
});

test('loadModel: an open_clip folder brings back its weights and its preprocess_cfg', { timeout: T }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-api-'));
  manualSeed(1);
  const cfg = parseClipConfig({ ...SMALL, preprocess_cfg: { mean: [0, 0, 0], std: [1, 1, 1] } }, 'test');
  const model = createModel(cfg);
  try {
    saveOpenClip(model, dir);
    const written = JSON.parse(readFileSync(join(dir, 'open_clip_config.json'), 'utf8')) as { model_cfg: Record<string, unknown>; preprocess_cfg: Record<string, unknown> };
    assert.equal(written.model_cfg.preprocess_cfg, undefined, 'model_cfg stays loadable by open_clip');
    assert.deepEqual(written.preprocess_cfg.mean, [0, 0, 0]);
    const loaded = loadModel(dir);
    try {
      assert.equal(loaded.source.kind, 'open_clip');
      assert.deepEqual(loaded.preprocessCfg.mean, [0, 0, 0]);
      const ids = tokenize(['a cube'], 16);
      const a = noGrad(() => model.eval().encodeText(ids)), b = noGrad(() => loaded.model.encodeText(ids));
      assert.deepEqual(b.data(), a.data());
      for (const t of [ids, a, b]) t.dispose();
    } finally {
      loaded.model.dispose();
    }
    writeFileSync(join(dir, 'open_clip_config.json'), JSON.stringify({ ...written, preprocess_cfg: { ...written.preprocess_cfg, interpolation: 'lanczos' } }));
    assert.throws(() => loadModel(dir), /open_clip_config\.json model_cfg: preprocess_cfg\.interpolation 'lanczos'/);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the package surface is plain data: no deep import is needed for tensors', { timeout: T }, () => {
  const t = tensor([1, 2, 3]);
  assert.deepEqual(t.toArray(), [1, 2, 3]);
  t.dispose();
});
