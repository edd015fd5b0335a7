// The ONNX expert plugin against PyTorch: tiny seg (NCHW, 0-1, ImageNet mean/std), depth (NHWC,
// 0-255), normals (dynamic size) and box models exported by test/fixtures/zoo/make_onnx_fixtures.py,
// whose expected outputs went through the same resize / normalise / decode conventions.
// Tolerances: logits and depth rtol 1e-4 + atol 1e-4; normals atol 1e-4; boxes atol 1e-3 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOnnxExpert } from '../../src/zoo/expert_onnx.js';
import { readOnnxExpertSpec } from '../../src/zoo/onnx_spec.js';
import { imagesToInput } from '../../src/zoo/onnx/preprocess.js';
import { closeModel, floatTensor, openModel, runModel } from '../../src/zoo/onnx/session.js';
import { fixture, golden, images, npy, worstExcess } from '../fixtures/zoo/onnx_golden.js';

const imgs = images();
const [H, W] = [imgs[0].height, imgs[0].width];

test('seg: preprocessing + onnxruntime reproduce the PyTorch logits', async () => {
  const spec = readOnnxExpertSpec(fixture('seg.json'));
  const { data, dims } = imagesToInput(imgs, spec.input, [32, 32]);
  const m = await openModel(spec.model, { threads: 2 });
  const out = (await runModel(m, { image: floatTensor(data, dims) }, ['logits'])).logits;
  closeModel(m);
  const want = npy('seg_logits.npy');
  assert.deepEqual(out.dims, want.shape);
  const { excess, at } = worstExcess(out.data, want.data as Float32Array, 1e-4, 1e-4);
  assert.ok(excess <= 0, `logit ${at}: ${out.data[at]} vs ${(want.data as Float32Array)[at]}`);
});

test('seg: hard labels at the image size (argmax, nearest), 255 below the threshold', async () => {
  const seg = await loadOnnxExpert(fixture('seg.json'), { threads: 2 });
  assert.equal(seg.task, 'seg');
  assert.deepEqual(seg.classes, ['sky', 'tree', 'road', 'car', 'person']);
  assert.ok(golden().seg.min_margin > 1e-3, 'the fixture has no near-ties, so labels must match exactly');
  const plain = await seg.predict(imgs);
  const want = npy('seg_labels.npy').data as Uint8Array;
  plain.forEach((o, i) => {
    assert.equal(o.seg!.width, W);
    assert.equal(o.seg!.height, H);
    assert.deepEqual(o.seg!.labels, want.subarray(i * H * W, (i + 1) * H * W), `image ${i}`);
  });
  const strict = await seg.predict(imgs, { threshold: 0.6 });
  const want06 = npy('seg_labels_t06.npy').data as Uint8Array;
  strict.forEach((o, i) => assert.deepEqual(o.seg!.labels, want06.subarray(i * H * W, (i + 1) * H * W), `image ${i} at 0.6`));
  assert.ok(strict[0].seg!.labels.includes(255) || strict[1].seg!.labels.includes(255), 'some pixels are ignored at 0.6');
  // Batching does not change results.
  const single = await seg.predict([imgs[1]]);
  assert.deepEqual(single[0].seg!.labels, plain[1].seg!.labels);
  seg.dispose();
});

test('depth: NHWC 0-255 input, metres = raw * scale, bilinear to the image size', async () => {
  const depth = await loadOnnxExpert(fixture('depth.json'), { threads: 2 });
  const out = await depth.predict(imgs);
  const want = npy('depth.npy').data as Float32Array;
  out.forEach((o, i) => {
    assert.equal(o.depth!.width, W);
    const { excess, at } = worstExcess(o.depth!.depth, want.subarray(i * H * W, (i + 1) * H * W), 1e-4, 1e-4);
    assert.ok(excess <= 0, `image ${i} pixel ${at}: ${o.depth!.depth[at]}`);
  });
  depth.dispose();
});

test('normals: dynamic input rounded to a multiple, unit vectors at the image size', async () => {
  assert.deepEqual(golden().normals.input_size, [48, 48]);
  const normals = await loadOnnxExpert(fixture('normals.json'), { threads: 2 });
  const out = await normals.predict(imgs);
  const want = npy('normals.npy').data as Float32Array;
  out.forEach((o, i) => {
    const n = o.normals!.normals;
    assert.equal(n.length, H * W * 3);
    for (let p = 0; p < H * W; p += 97) assert.ok(Math.abs(Math.hypot(n[3 * p], n[3 * p + 1], n[3 * p + 2]) - 1) < 1e-5);
    const { excess, at } = worstExcess(n, want.subarray(i * H * W * 3, (i + 1) * H * W * 3), 0, 1e-4);
    assert.ok(excess <= 0, `image ${i} value ${at}: ${n[at]}`);
  });
  normals.dispose();
});

test('boxes: declared columns in input pixels -> image pixels, score threshold, class names', async () => {
  const det = await loadOnnxExpert(fixture('det.json'), { threads: 2 });
  const g = golden().det;
  const classes = ['cat', 'dog', 'person'];
  for (const threshold of [undefined, 0.3]) {
    const out = await det.predict(imgs, threshold === undefined ? {} : { threshold });
    out.forEach((o, i) => {
      const want = g.raw[i].filter((r) => r[4] >= (threshold ?? 0.5)).sort((a, b) => b[4] - a[4]);
      assert.equal(o.det!.boxes.length, want.length, `image ${i} threshold ${threshold}`);
      want.forEach((r, j) => {
        const box = [r[0] * g.sx, r[1] * g.sy, r[2] * g.sx, r[3] * g.sy];
        box.forEach((v, k) => assert.ok(Math.abs(o.det!.boxes[j][k] - v) < 1e-3, `box ${j} coord ${k}: ${o.det!.boxes[j][k]} vs ${v}`));
        assert.ok(Math.abs(o.det!.scores[j] - r[4]) < 1e-5);
        assert.equal(o.det!.labels[j], r[5]);
        assert.equal(o.det!.names![j], classes[r[5]]);
      });
    });
  }
  det.dispose();
});

test('loading checks the spec against the model: input name, fixed size', async () => {
  const { writeFileSync, mkdtempSync, readFileSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-'));
  copyFileSync(fixture('seg.onnx'), join(dir, 'seg.onnx'));
  const base = JSON.parse(readFileSync(fixture('seg.json'), 'utf8')) as { input: Record<string, unknown> };
  const write = (patch: Record<string, unknown>): string => {
    const p = join(dir, 'spec.json');
    writeFileSync(p, JSON.stringify({ ...base, input: { ...base.input, ...patch } }));
    return p;
  };
  await assert.rejects(loadOnnxExpert(write({ name: 'pixels' })), /input\.name: .*has no input 'pixels' \(inputs: image\)/);
  await assert.rejects(loadOnnxExpert(write({ size: [64, 64] })), /input\.size: .*is 32x32, spec says 64x64/);
  await assert.rejects(loadOnnxExpert(write({ layout: 'CHW' })), /input\.layout must be one of 'NCHW', 'NHWC', got 'CHW'/);
});
