// The onnx backend's dense path over the exported-folder contract (onnx/image_features.onnx,
// onnx/<task>_head.onnx + <task>_head.json, docs/onnx.md), with small hand-built graphs whose
// answers are known: features = 8x8 average pooling of pixel_values (level 3), seg logits = the
// features themselves (class = the strongest normalised colour channel), constant depth / normals /
// heatmap from biases. And an expert folder through the libtorch backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTaskModel, segment, depth, normals, detect, embedTexts, manualSeed, getModelConfig } from '../../src/index.js';
import { OnnxGraph, float32Data, writeOnnxModel } from '../../src/io/onnx/index.js';
import { DenseModel, defaultHeadSpec, saveExpert, towerFromConfig, type ExpertManifest } from '../../src/dense/index.js';

const T = 120_000;
const S = 64, CELL = 8, MAP = S / CELL;
const MEAN = [0.5, 0.5, 0.5], STD = [0.5, 0.5, 0.5];
const CLASSES = ['red', 'green', 'blue'];

/** A (w x h) image: left half pure red, right half pure blue. */
function halves(w: number, h: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(y * w + x) * 3 + (x < w / 2 ? 0 : 2)] = 255;
  return { data, width: w, height: h };
}

const mapType = (c: number) => ({ dtype: 'float32' as const, dims: ['batch', c, MAP, MAP] });

/** features_3 [batch, C, 8, 8] -> Conv 1x1 (weights w [out, 3], bias b) -> optional activation, as named outputs. */
function headGraph(outputs: { name: string; w: number[]; b: number[]; act?: string }[]): OnnxGraph {
  const g = new OnnxGraph('head');
  const f = g.input('features_3', mapType(3));
  for (const o of outputs) {
    const k = o.b.length;
    const w = g.initializer(`${o.name}.weight`, float32Data(o.w, [k, 3, 1, 1])), b = g.initializer(`${o.name}.bias`, float32Data(o.b, [k]));
    let y = g.node('Conv', [f, w, b]);
    if (o.act) y = g.node(o.act, [y]);
    g.output(o.name, y, mapType(k));
  }
  return g;
}

function spec(task: string, outputs: [string, number][], decode: Record<string, unknown>, classes: string[] = []): string {
  return JSON.stringify({
    format: 'zooclip-head', version: 1, task, graph: `${task}_head.onnx`, features_graph: 'image_features.onnx', head: 'test', image_size: [S, S],
    preprocess: { mean: MEAN, std: STD }, inputs: [{ name: 'features_3', level: 3, channels: 3, stride: CELL, shape: ['batch', 3, MAP, MAP] }],
    outputs: outputs.map(([name, c]) => ({ name, shape: ['batch', c, MAP, MAP], stride: CELL })), classes, decode,
  });
}

/** An exported folder holding only the dense graphs (no CLIP towers). */
function denseFolder(dir: string): void {
  const onnx = join(dir, 'onnx');
  mkdirSync(onnx, { recursive: true });
  writeFileSync(join(dir, 'zooclip_export.json'), JSON.stringify({ format: 'zooclip-export', version: 1, model: { name: 'test', embed_dim: 8, image_size: S, context_length: 8, tower: 'test' } }));
  const g = new OnnxGraph('image_features');
  const px = g.input('pixel_values', { dtype: 'float32', dims: ['batch', 3, S, S] });
  g.output('features_3', g.node('AveragePool', [px], { kernel_shape: { ints: [CELL, CELL] }, strides: { ints: [CELL, CELL] } }), mapType(3));
  writeOnnxModel(join(onnx, 'image_features.onnx'), g);
  const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1], zero = (k: number) => new Array<number>(3 * k).fill(0);
  writeOnnxModel(join(onnx, 'seg_head.onnx'), headGraph([{ name: 'logits', w: eye.map((v) => v * 10), b: [0, 0, 0] }]));
  writeFileSync(join(onnx, 'seg_head.json'), spec('seg', [['logits', 3]], { type: 'seg', activation: 'softmax', axis: 1, threshold: 0, ignore_label: 255 }, CLASSES));
  writeOnnxModel(join(onnx, 'depth_head.onnx'), headGraph([{ name: 'depth', w: zero(1), b: [0.5], act: 'Softplus' }]));
  writeFileSync(join(onnx, 'depth_head.json'), spec('depth', [['depth', 1]], { type: 'depth', units: 'm', scale: 2 }));
  writeOnnxModel(join(onnx, 'normals_head.onnx'), headGraph([{ name: 'normals', w: zero(3), b: [0, 0, 2] }]));
  writeFileSync(join(onnx, 'normals_head.json'), spec('normals', [['normals', 3]], { type: 'normals', normalized_in_graph: true, axis: 1, epsilon: 1e-12 }));
  // heatmap: the red channel (a peak in the red half), boxes 2 cells wide, no offset
  writeOnnxModel(join(onnx, 'det_head.onnx'), headGraph([
    { name: 'heatmap', w: [10, 0, 0, 0, 0, 0], b: [0, -5] }, { name: 'size', w: zero(2), b: [2, 2] }, { name: 'offset', w: zero(2), b: [0, 0] },
  ]));
  writeFileSync(join(onnx, 'det_head.json'), spec('det', [['heatmap', 2], ['size', 2], ['offset', 2]], { type: 'centernet', stride: CELL, heatmap_activation: 'sigmoid', peak_kernel: 3, topk: 100, score_threshold: 0.5 }, ['thing', 'other']));
}

test('onnx backend: dense heads of an exported folder decode at the input image\'s size (non-square), typed, with the spec\'s classes and units', { timeout: T }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-dense-'));
  try {
    denseFolder(dir);
    const model = await loadTaskModel(dir, { backend: 'onnx' });
    try {
      assert.deepEqual(model.info.tasks, ['seg', 'depth', 'normals', 'det']);
      assert.equal(model.info.clip, false);
      const img = halves(90, 60);
      const [seg] = await segment(model, [img]);
      assert.deepEqual([seg!.width, seg!.height, seg!.labels.length, seg!.classes], [90, 60, 90 * 60, CLASSES]);
      assert.ok(seg!.labels instanceof Uint8Array);
      assert.equal(seg!.labels[30 * 90 + 5], 0, 'red on the left');
      assert.equal(seg!.labels[30 * 90 + 85], 2, 'blue on the right');
      const [d] = await depth(model, [img]);
      assert.ok(d!.depth instanceof Float32Array && d!.depth.length === 90 * 60);
      const want = 2 * Math.log1p(Math.exp(0.5));
      assert.ok(d!.depth.every((v) => Math.abs(v - want) < 1e-5), `depth = scale * softplus(0.5) = ${want}`);
      const [n] = await normals(model, [img]);
      assert.ok(n!.normals instanceof Float32Array && n!.normals.length === 90 * 60 * 3);
      assert.deepEqual([...n!.normals.subarray(0, 3)], [0, 0, 1], 'unit length');
      const [boxes] = await detect(model, [img]);
      assert.ok(boxes!.length > 0);
      for (const b of boxes!) {
        assert.equal(b.label, 'thing');
        assert.ok(b.score >= 0.5 && b.box[0] >= 0 && b.box[2] <= 90 && b.box[1] >= 0 && b.box[3] <= 60, JSON.stringify(b));
        assert.ok(b.box[2] <= 45 + 90 / S * CELL * 2, 'peaks only in the red half');
      }
      assert.equal((await detect(model, [img], { threshold: 0.9999999 }))[0]!.length, 0, 'threshold given overrides the spec');
      await assert.rejects(embedTexts(model, ['x']), /has no CLIP image and text towers/);
    } finally {
      model.dispose();
    }
    writeFileSync(join(dir, 'onnx', 'seg_head.json'), JSON.stringify({ format: 'zooclip-head', version: 2 }));
    const bad = await loadTaskModel(dir, { backend: 'onnx' });
    await assert.rejects(segment(bad, [halves(8, 8)]), /seg_head\.json: format must be 'zooclip-head' version 1/);
    bad.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('libtorch backend: an expert folder (expert.json) segments at the input size with its classes; no CLIP embeddings', { timeout: T }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-expert-api-'));
  try {
    manualSeed(2);
    const cfg = getModelConfig('zooclip-tiny');
    const dm = new DenseModel(towerFromConfig(cfg), defaultHeadSpec('seg', 3));
    const manifest: ExpertManifest = {
      format: 'zooclip-expert', version: 1, task: 'seg', model: cfg, modelName: 'zooclip-tiny', head: defaultHeadSpec('seg', 3), classes: CLASSES,
      inputSize: 64, mean: MEAN, std: STD, depthScale: 1, threshold: 0,
    };
    saveExpert(dm, manifest, join(dir, 'expert'));
    dm.dispose();
    const model = await loadTaskModel(join(dir, 'expert'));
    try {
      assert.deepEqual([model.info.tasks, model.info.clip], [['seg'], false]);
      const [seg] = await segment(model, [halves(33, 71)]);
      assert.deepEqual([seg!.width, seg!.height, seg!.labels.length, seg!.classes], [33, 71, 33 * 71, CLASSES]);
      await assert.rejects(depth(model, [halves(8, 8)]), /has no depth head \(heads: seg\)/);
      await assert.rejects(embedTexts(model, ['x']), /has no CLIP image and text towers/);
    } finally {
      model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
