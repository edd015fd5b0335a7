// Resizing, preprocessing and output decoding of the ONNX plugins on small hand-checked cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeBilinearChw, resizeBilinearHwc, resizeNearestLabels } from '../../src/zoo/onnx/resize.js';
import { imagesToInput, inputSizeFor } from '../../src/zoo/onnx/preprocess.js';
import { decodeBoxes, decodeDepth, decodeNormals, decodeSegLogits } from '../../src/zoo/onnx/decode.js';
import type { ImageInputSpec } from '../../src/zoo/onnx_spec.js';

const close = (a: ArrayLike<number>, b: number[], tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol, `index ${i}: ${a[i]} vs ${v}`));
};

test('bilinear resizes use half-pixel centres (PyTorch align_corners=False)', () => {
  close(resizeBilinearChw([0, 10], 1, 1, 2, 1, 4), [0, 2.5, 7.5, 10]);
  close(resizeBilinearChw([0, 4, 8, 12], 1, 1, 4, 1, 2), [2, 10]);
  close(resizeBilinearHwc([0, 100, 10, 200], 1, 2, 2, 1, 4), [0, 100, 2.5, 125, 7.5, 175, 10, 200]);
  close(resizeBilinearChw([1, 2, 3, 4], 1, 2, 2, 2, 2), [1, 2, 3, 4]);
});

test('label maps resize nearest at pixel centres, never blending', () => {
  assert.deepEqual([...resizeNearestLabels(Uint8Array.from([1, 2, 3, 4]), 2, 2, 4, 4)], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  assert.deepEqual([...resizeNearestLabels(Uint8Array.from([1, 2, 3]), 1, 3, 1, 2)], [1, 3]);
});

test('preprocessing: scale, mean/std, BGR and NHWC', () => {
  const spec: ImageInputSpec = { name: 'x', size: [1, 2], multiple: 1, layout: 'NCHW', scale: '0-255', mean: [10, 20, 30], std: [2, 4, 5], channels: 'RGB', batch: 1 };
  const img = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 20, 40, 80]) };
  const a = imagesToInput([img], spec, [1, 2]);
  assert.deepEqual(a.dims, [1, 3, 1, 2]);
  close(a.data, [0, 5, 0, 5, 0, 10]);
  const b = imagesToInput([img], { ...spec, layout: 'NHWC', channels: 'BGR', scale: '0-1', mean: [0, 0, 0], std: [1, 1, 1] }, [1, 2]);
  assert.deepEqual(b.dims, [1, 1, 2, 3]);
  close(b.data, [30 / 255, 20 / 255, 10 / 255, 80 / 255, 40 / 255, 20 / 255]);
  assert.deepEqual(inputSizeFor({ height: 40, width: 50 }, { size: 'dynamic', multiple: 32 }), [32, 64]);
  assert.deepEqual(inputSizeFor({ height: 5, width: 500 }, { size: 'dynamic', multiple: 32 }), [32, 512]);
  assert.throws(() => imagesToInput([{ width: 2, height: 2, data: new Uint8Array(5) }], spec, [1, 2]), /image 0: expected 2x2x3 = 12 bytes/);
});

test('seg decoding: argmax, confidence threshold -> 255', () => {
  // 2 classes, 1x2 pixels: pixel 0 sure of class 1, pixel 1 nearly tied.
  const logits = Float32Array.from([0, 0, 5, 0.1]);
  assert.deepEqual([...decodeSegLogits(logits, 2, 1, 2, 1, 2, 0).labels], [1, 1]);
  assert.deepEqual([...decodeSegLogits(logits, 2, 1, 2, 1, 2, 0.6).labels], [1, 255]);
});

test('depth decoding: scale, inverse depth, invalid values -> 0', () => {
  close(decodeDepth(Float32Array.from([2, -1, 0, 4]), 1, 4, 1, 4, 0.5, 'depth').depth, [1, 0, 0, 2]);
  close(decodeDepth(Float32Array.from([2, 0, 4, NaN]), 1, 4, 1, 4, 10, 'inverse_depth').depth, [5, 0, 2.5, 0]);
});

test('normals decoding: unit length, zero stays zero, HWC order', () => {
  const n = decodeNormals(Float32Array.from([3, 0, 0, 0, 4, 0]), 1, 2, 1, 2).normals;
  close(n, [0.6, 0, 0.8, 0, 0, 0]);
});

test('box decoding: column order, normalised coords, label offset, clipping, threshold, sort', () => {
  const rows = Float32Array.from([
    0.9, 2, 0.1, 0.2, 0.5, 0.6, // score, label, x0, y0, x1, y1
    0.4, 1, 0, 0, 1, 1,
    0.7, 3, 0.5, 0.5, 1.2, 0.9,
  ]);
  const layout = { columns: ['score', 'label', 'x0', 'y0', 'x1', 'y1'] as const, coords: 'normalized' as const, labelOffset: 1, inputSize: [10, 10] as [number, number], classes: ['a', 'b', 'c'] };
  const d = decodeBoxes(rows, 3, 6, { ...layout, columns: [...layout.columns] }, [100, 200], 0.5);
  assert.deepEqual(d.labels, [1, 2]);
  assert.deepEqual(d.names, ['b', 'c']);
  close(d.scores, [0.9, 0.7]);
  close(d.boxes[0], [20, 20, 100, 60], 1e-4);
  close(d.boxes[1], [100, 50, 200, 90], 1e-4);
  const px = decodeBoxes(Float32Array.from([1, 2, 5, 6, 0.8, 0, 7]), 1, 7, { columns: ['x0', 'y0', 'x1', 'y1', 'score', '_'], coords: 'input_pixels', labelOffset: 0, inputSize: [10, 20] }, [20, 40], 0.5);
  close(px.boxes[0], [2, 4, 10, 12]);
  assert.deepEqual(px.labels, [0]);
  assert.equal(px.names, undefined);
});
