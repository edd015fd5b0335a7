// The typed task functions of the public API (src/api/tasks.ts) as a user calls them from 'zooclip':
// type tests, readImage, classification equal to evaluation's zero-shot path, the libtorch and
// onnxruntime backends agreeing on one exported folder, dense outputs at the input image's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  loadTaskModel, readImage, embedImages, embedTexts, classify, segment, depth, normals, detect, createModel, saveOpenClip, encodeJpeg, encodePng,
  manualSeed, noGrad, tidy, tokenize, preprocessImages,
  type TaskModel, type TaskModelInfo, type ImageFile, type LabelScore, type Segmentation, type DepthMap, type NormalMap, type Detection,
} from '../../src/index.js';
import { loadModelForEval } from '../../src/eval/load_model.js';
import { classEmbeddings, rankClasses } from '../../src/eval/zero_shot.js';
import { exportClipOnnx } from '../../src/export/index.js';
import { saveCheckpointWithHeads } from '../helpers/heads_export.js';

/** Compile-time check that a value has exactly the type T. */
function expectType<T>(value: T): T {
  return value;
}

const T = 120_000;

/** A deterministic RGB test image (w x h) as JPEG bytes. */
function jpeg(w: number, h: number, seed: number): Buffer {
  const px = new Uint8Array(w * h * 3).map((_, j) => (j * 7 + seed * 31 + ((j / (w * 3)) | 0) * 13) & 255);
  return encodeJpeg(px, w, h, 3, 90);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'zooclip-tasks-'));
}

test('types: the task functions and their results', { timeout: T }, () => {
  // Type-level only: checked by tsc, never called.
  const typeOnly = async (): Promise<void> => {
    const m = expectType<TaskModel>(await loadTaskModel('runs/train', { backend: 'onnx' }));
    expectType<Readonly<TaskModelInfo>>(m.info);
    expectType<'libtorch' | 'onnx'>(m.info.backend);
    expectType<ImageFile>(readImage('a.jpg'));
    expectType<ImageFile>(readImage(Buffer.from('')));
    expectType<Float32Array[]>(await embedImages(m, ['a.jpg', readImage('b.png'), new Uint8Array(0)]));
    expectType<Float32Array[]>(await embedTexts(m, ['a cat']));
    expectType<LabelScore[][]>(await classify(m, ['a.jpg'], ['cat', 'dog'], { templates: ['a {}'] }));
    expectType<Segmentation[]>(await segment(m, ['a.jpg'], { threshold: 0.5 }));
    expectType<Uint8Array>((await segment(m, ['a.jpg']))[0]!.labels);
    expectType<DepthMap[]>(await depth(m, ['a.jpg']));
    expectType<Float32Array>((await depth(m, ['a.jpg']))[0]!.depth);
    expectType<NormalMap[]>(await normals(m, ['a.jpg']));
    expectType<Detection[][]>(await detect(m, ['a.jpg']));
    expectType<[number, number, number, number]>((await detect(m, ['a.jpg']))[0]![0]!.box);
    // @ts-expect-error: the backend is libtorch or onnx
    await loadTaskModel('x', { backend: 'tensorflow' });
    // @ts-expect-error: labels are strings
    await classify(m, ['a.jpg'], [1, 2]);
    // @ts-expect-error: texts are strings, not token ids
    await embedTexts(m, [[1, 2]]);
  };
  assert.equal(typeof typeOnly, 'function');
});

test('readImage: files and buffers (JPEG, PNG, WebP), errors name the file', { timeout: T }, async () => {
  const dir = tmp();
  try {
    const px = new Uint8Array(5 * 3 * 3).map((_, i) => i * 5);
    writeFileSync(join(dir, 'a.png'), encodePng(px, 5, 3, 3));
    const a = readImage(join(dir, 'a.png'));
    assert.deepEqual([a.width, a.height, a.source], [5, 3, join(dir, 'a.png')]);
    assert.deepEqual(a.data, px, 'PNG is lossless');
    const b = readImage(jpeg(45, 30, 1));
    assert.deepEqual([b.width, b.height, b.data.length, b.source], [45, 30, 45 * 30 * 3, 'buffer']);
    const webp = await sharp(Buffer.from(px), { raw: { width: 5, height: 3, channels: 3 } }).webp({ lossless: true }).toBuffer();
    writeFileSync(join(dir, 'a.webp'), webp);
    assert.deepEqual(readImage(join(dir, 'a.webp')).data, px, 'lossless WebP from a file');
    const gray = readImage(encodePng(new Uint8Array(4).fill(9), 2, 2, 1));
    assert.deepEqual([...gray.data], new Array<number>(12).fill(9), 'gray replicated to RGB');
    assert.throws(() => readImage(join(dir, 'missing.jpg')), new RegExp(`readImage: ${join(dir, 'missing.jpg')}: .*no such file`, 'i'));
    writeFileSync(join(dir, 'bad.jpg'), 'not an image');
    assert.throws(() => readImage(join(dir, 'bad.jpg')), /readImage: .*bad\.jpg: not a readable JPEG, PNG or WebP image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('classify on a seeded model equals evaluation\'s zero-shot path (ranking and softmax of the scaled cosine)', { timeout: T }, async () => {
  const model = await loadTaskModel('zooclip-tiny', { seed: 3 });
  const ref = loadModelForEval('zooclip-tiny', { seed: 3 });
  const images = [jpeg(80, 64, 1), jpeg(64, 64, 2), jpeg(50, 90, 3)];
  const labels = ['cube', 'sphere', 'red cone', 'two cylinders'], templates = ['a photo of a {}.', 'a {} on a table'];
  try {
    const got = await classify(model, images, labels, { templates });
    const want = noGrad(() => tidy(() => {
      const cls = classEmbeddings(ref.model, labels, templates, (t) => tokenize(t, 32), 'cpu');
      const feats = ref.model.encodeImage(preprocessImages(images, ref.model.cfg.preprocess_cfg));
      const probs = feats.matmul(cls.transpose(0, 1)).mul(ref.model.logit_scale.exp()).softmax(-1).toArray();
      return { ranked: rankClasses(feats, cls, labels.length), probs };
    }));
    assert.equal(got.length, images.length);
    got.forEach((row, i) => {
      assert.deepEqual(row.map((r) => r.label), want.ranked[i]!.map((k) => labels[k]), `image ${i}: same ranking`);
      for (const r of row) assert.ok(Math.abs(r.score - want.probs[i * labels.length + labels.indexOf(r.label)]!) < 1e-5, `image ${i} ${r.label}`);
      assert.ok(Math.abs(row.reduce((s, r) => s + r.score, 0) - 1) < 1e-5, 'scores sum to 1');
    });
    const rows = await embedTexts(model, ['a cube', 'a sphere']);
    for (const r of rows) assert.ok(Math.abs(Math.hypot(...r) - 1) < 1e-5, 'rows are L2-normalised');
    await assert.rejects(classify(model, images, []), /classify: no labels/);
    await assert.rejects(embedImages(model, [new Uint8Array([1, 2, 3])]), /preprocessImages: image 0:/);
    const many = Array.from({ length: 40 }, (_, i) => jpeg(20 + i, 30, i));
    const rows40 = await embedImages(model, many);
    const alone = (await embedImages(model, [many[35]!]))[0]!;
    assert.ok(rows40.length === 40 && rows40[35]!.every((v, j) => Math.abs(v - alone[j]!) < 1e-5), 'passes of 32 images: rows in input order');
    await assert.rejects(embedImages(model, [...many, new Uint8Array([1, 2, 3])]), /preprocessImages: image 40:/);
    await assert.rejects(embedImages(model, [join(tmpdir(), 'no-such.jpg')]), /readImage: .*no-such\.jpg/);
  } finally {
    model.dispose();
    ref.model.dispose();
  }
});

test('libtorch and onnx backends agree on zooclip-tiny exported with exportClipOnnx (embeddings within 1e-4, same top-1)', { timeout: T }, async () => {
  const dir = tmp();
  manualSeed(5);
  const clip = createModel('zooclip-tiny').eval();
  let torch: TaskModel | undefined, onnx: TaskModel | undefined;
  try {
    saveOpenClip(clip, dir);
    exportClipOnnx(clip, join(dir, 'onnx'));
    torch = await loadTaskModel(dir);
    onnx = await loadTaskModel(dir, { backend: 'onnx' });
    assert.deepEqual({ ...onnx.info, path: '' }, { ...torch.info, path: '', backend: 'onnx' });
    const images = [jpeg(72, 48, 1), readImage(jpeg(64, 64, 2)), { data: new Uint8Array(40 * 30 * 3).fill(120), width: 40, height: 30 }];
    const texts = ['a red cube', 'two blue spheres on a table', 'x'];
    let worst = 0;
    for (const [a, b] of [[await embedImages(torch, images), await embedImages(onnx, images)], [await embedTexts(torch, texts), await embedTexts(onnx, texts)]]) {
      a!.forEach((row, i) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - b![i]![j]!)); }));
    }
    assert.ok(worst < 1e-4, `max |libtorch - onnx| = ${worst}`);
    console.log(`libtorch vs onnx: max abs difference of normalised embeddings ${worst.toExponential(2)}`);
    const labels = ['cube', 'sphere', 'cone', 'torus', 'grey wall'];
    const [ct, co] = [await classify(torch, images, labels), await classify(onnx, images, labels)];
    assert.deepEqual(co.map((r) => r[0]!.label), ct.map((r) => r[0]!.label), 'same top-1');
    ct.forEach((r, i) => assert.ok(Math.abs(r[0]!.score - co[i]![0]!.score) < 1e-4));
    await assert.rejects(segment(onnx, images), /seg: onnx\/image_features\.onnx, onnx\/seg_head\.onnx, onnx\/seg_head\.json not in this folder/);
    rmSync(join(dir, 'onnx', 'model.onnx'));
    const noScale = await loadTaskModel(dir, { backend: 'onnx' });
    await assert.rejects(classify(noScale, images, labels), /onnx\/model\.onnx not in this folder/);
    noScale.dispose();
    await assert.rejects(loadTaskModel(join(dir, 'nothing'), { backend: 'onnx' }), /no such folder .*nothing/);
  } finally {
    torch?.dispose();
    onnx?.dispose();
    clip.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A training checkpoint of zooclip-tiny with all four CLIPTeX heads (3 classes, seed 7, no data folder). */
function checkpointWithHeads(dir: string): void {
  saveCheckpointWithHeads(dir, ['0', '1', '2'], 7, join(dir, 'no-data')).dispose();
}

test('dense tasks from a checkpoint\'s CLIPTeX heads: outputs at the input image\'s size (non-square), typed, errors name the heads', { timeout: T }, async () => {
  const dir = tmp();
  try {
    checkpointWithHeads(join(dir, 'ckpt'));
    const model = await loadTaskModel(join(dir, 'ckpt'), { classes: ['floor', 'cube', 'sphere'] });
    try {
      assert.deepEqual(model.info.tasks, ['seg', 'depth', 'normals', 'det']);
      const images = [jpeg(45, 30, 1), readImage(jpeg(20, 70, 2))];
      const sizes = [[45, 30], [20, 70]];
      const seg = await segment(model, images);
      seg.forEach((s, i) => {
        assert.deepEqual([s.width, s.height], sizes[i]);
        assert.ok(s.labels instanceof Uint8Array && s.labels.length === s.width * s.height);
        assert.ok(s.labels.every((v) => v < 3), 'threshold 0: every pixel labelled');
        assert.deepEqual(s.classes, ['floor', 'cube', 'sphere']);
      });
      assert.ok((await segment(model, images, { threshold: 1.01 }))[0]!.labels.every((v) => v === 255), 'over the threshold nowhere: 255');
      const d = await depth(model, images);
      d.forEach((m, i) => {
        assert.deepEqual([m.width, m.height], sizes[i]);
        assert.ok(m.depth instanceof Float32Array && m.depth.length === m.width * m.height && m.depth.every((v) => Number.isFinite(v) && v > 0));
      });
      const n = await normals(model, images);
      n.forEach((m, i) => {
        assert.deepEqual([m.width, m.height], sizes[i]);
        assert.ok(m.normals instanceof Float32Array && m.normals.length === m.width * m.height * 3);
        assert.ok(Math.abs(Math.hypot(m.normals[0]!, m.normals[1]!, m.normals[2]!) - 1) < 1e-4, 'unit length');
      });
      const det = await detect(model, images, { threshold: 0 });
      det.forEach((boxes, i) => {
        assert.ok(boxes.length > 0, 'threshold 0 keeps the peaks');
        for (const b of boxes) {
          assert.ok(b.box[0] >= -1e-3 && b.box[2] <= sizes[i]![0]! + 1e-3 && b.box[1] >= -1e-3 && b.box[3] <= sizes[i]![1]! + 1e-3, `box ${b.box.join(',')} inside ${sizes[i]!.join('x')}`);
          assert.equal(b.label, ['floor', 'cube', 'sphere'][b.classId]);
        }
        assert.deepEqual(boxes.map((b) => b.score), boxes.map((b) => b.score).sort((x, y) => y - x), 'best first');
      });
      const [c] = await classify(model, [images[0]!], ['a', 'b']);
      assert.equal(c!.length, 2, 'the checkpoint\'s CLIP classifies too');
    } finally {
      model.dispose();
    }
    const plain = await loadTaskModel('zooclip-tiny');
    await assert.rejects(depth(plain, [jpeg(8, 8, 0)]), /depth: zooclip-tiny has no depth head \(heads: none\)/);
    plain.dispose();
    await assert.rejects(embedTexts(plain, ['x']), /disposed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
