// Pseudo-task losses: per-sample masks (none selected gives an exact, graph-connected 0 and no NaN),
// ignore 255, invalid pixels, and the values of simple cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, full, liveTensors, manualSeed, randn, rand, randint, tensor, tidy, type Tensor, zeros } from '../../src/engine/index.js';
import { centerNetTargets } from '../../src/models/heads/centernet_targets.js';
import { centerNetLoss, depthSILogLoss, normalsCosineLoss, segmentationLoss } from '../../src/losses/index.js';

const none = (b: number) => tensor(Array<boolean>(b).fill(false), { dtype: 'bool' });
const all = (b: number) => tensor(Array<boolean>(b).fill(true), { dtype: 'bool' });

function leakFree(name: string, fn: () => void): void {
  test(name, () => {
    const before = liveTensors();
    tidy(fn);
    assert.equal(liveTensors(), before, 'leaked tensors');
  });
}

/** loss is exactly 0, backward runs, and every gradient is finite (zero). */
function assertZeroOnGraph(loss: Tensor, count: Tensor, inputs: Tensor[]): void {
  assert.equal(loss.item(), 0);
  assert.equal(count.item(), 0);
  assert.ok(loss.requiresGrad, 'the zero is still on the graph');
  loss.backward();
  for (const x of inputs) {
    const g = x.grad!.toArray();
    assert.ok(g.every((v) => v === 0), 'gradients of an unselected batch are 0 (not NaN)');
  }
}

leakFree('no selected sample: every task loss is an exact 0 with finite gradients, even with garbage labels', () => {
  manualSeed(1);
  const seg = randn([2, 3, 4, 4]).requiresGrad_();
  const s = segmentationLoss(seg, full([2, 4, 4], 99, { dtype: 'int64' }), none(2));
  assertZeroOnGraph(s.loss, s.count, [seg]);
  const depth = rand([2, 1, 4, 4]).add(0.1).requiresGrad_();
  const d = depthSILogLoss(depth, full([2, 1, 4, 4], NaN), none(2), { sqrt: true, scale: 10 });
  assertZeroOnGraph(d.loss, d.count, [depth]);
  const nrm = randn([2, 3, 4, 4]).requiresGrad_();
  const n = normalsCosineLoss(nrm, full([2, 3, 4, 4], NaN), none(2));
  assertZeroOnGraph(n.loss, n.count, [nrm]);
  const hm = randn([2, 3, 8, 8]).requiresGrad_(), wh = randn([2, 2, 8, 8]).requiresGrad_(), off = randn([2, 2, 8, 8]).requiresGrad_();
  const t = centerNetTargets([[[0, 0, 16, 16]], []], [[1], []], [8, 8], 4, 3);
  const c = centerNetLoss({ heatmap: hm, size: wh, offset: off }, t, none(2));
  assertZeroOnGraph(c.loss, c.count, [hm, wh, off]);
});

leakFree('segmentation: pixels labelled 255 are excluded, unselected samples are never read', () => {
  manualSeed(2);
  const logits = randn([2, 4, 3, 5]).requiresGrad_();
  const y = randint(0, 4, [2, 3, 5]);
  const yIgnored = y.clone();
  yIgnored.narrow(1, 0, 1).fill_(255);
  const mask = tensor([true, false], { dtype: 'bool' });
  const { loss, count } = segmentationLoss(logits, yIgnored, mask);
  // The same as cross-entropy over sample 0's rows 1..2 only.
  const want = crossEntropy(logits.narrow(0, 0, 1).narrow(2, 1, 2), y.narrow(0, 0, 1).narrow(1, 1, 2));
  assert.ok(Math.abs(loss.item() - want.item()) < 1e-6);
  assert.equal(count.item(), 1);
  loss.backward();
  const g = logits.grad!;
  assert.ok(g.narrow(2, 0, 1).abs().sum().item() === 0, 'no gradient at ignored pixels');
  assert.ok(g.narrow(0, 1, 1).abs().sum().item() === 0, 'no gradient into the unselected sample');
  // Every pixel ignored: 0, not NaN; uint8 labels (as seg.png decodes) are accepted.
  const allIgnored = segmentationLoss(logits, full([2, 3, 5], 255, { dtype: 'uint8' }), all(2));
  assert.equal(allIgnored.loss.item(), 0);
});

leakFree('depth: scale-invariant log loss values', () => {
  manualSeed(3);
  const gt = rand([2, 1, 4, 4]).add(0.5);
  const k = 3;
  // lambda = 1: pred = k * gt is a perfect prediction up to scale.
  assert.ok(Math.abs(depthSILogLoss(gt.mul(k), gt, all(2), { lambda: 1 }).loss.item()) < 1e-6);
  // lambda = 0.85: D = (1 - 0.85) log(k)^2.
  const v = depthSILogLoss(gt.mul(k), gt, all(2)).loss.item();
  assert.ok(Math.abs(v - 0.15 * Math.log(k) ** 2) < 1e-5, `got ${v}`);
  // Pixels with gt <= 0 do not count; [B, H, W] targets are accepted.
  const holes = gt.mul(gt.gt(0.9).to('float32')).squeeze(1);
  assert.ok(Math.abs(depthSILogLoss(gt.mul(k), holes, all(2)).loss.item() - 0.15 * Math.log(k) ** 2) < 1e-5);
  // sqrt + x10 (BTS style).
  const s = depthSILogLoss(gt.mul(k), gt, all(2), { sqrt: true, scale: 10 }).loss.item();
  assert.ok(Math.abs(s - 10 * Math.sqrt(0.15) * Math.log(k)) < 1e-4, `got ${s}`);
});

leakFree('normals: 0 when aligned, 2 when opposite, invalid pixels excluded', () => {
  manualSeed(4);
  const t = randn([2, 3, 4, 4]);
  assert.ok(Math.abs(normalsCosineLoss(t.mul(5), t, all(2)).loss.item()) < 1e-6, 'scale of the prediction does not matter');
  assert.ok(Math.abs(normalsCosineLoss(t.neg(), t, all(2)).loss.item() - 2) < 1e-6);
  // Zero targets are invalid: only the first row of pixels counts, where pred = target (elsewhere pred = -t).
  const row = rowMask();
  assert.ok(Math.abs(normalsCosineLoss(t.mul(row.mul(2).sub(1)), t.mul(row), all(2)).loss.item()) < 1e-6);
});

function rowMask(): Tensor {
  const m = zeros([1, 1, 4, 1]);
  m.narrow(2, 0, 1).fill_(1);
  return m;
}

leakFree('centernet: rendered targets, a selected image without objects, and the weights', () => {
  manualSeed(5);
  const t = centerNetTargets([[[8, 8, 40, 56], [0, 0, 20, 12]], []], [[2, 0], []], [16, 16], 4, 3);
  const hm = randn([2, 3, 16, 16]).requiresGrad_(), wh = randn([2, 2, 16, 16]), off = randn([2, 2, 16, 16]);
  const r = centerNetLoss({ heatmap: hm, size: wh, offset: off }, t, all(2));
  const parts = [r.heatmap, r.size, r.offset].map((x) => x.item());
  assert.ok(parts.every((x) => Number.isFinite(x) && x > 0));
  assert.ok(Math.abs(r.loss.item() - (parts[0]! + 0.1 * parts[1]! + parts[2]!)) < 1e-4);
  const w = centerNetLoss({ heatmap: hm, size: wh, offset: off }, t, all(2), { weights: { size: 1, offset: 0 } });
  assert.ok(Math.abs(w.loss.item() - (parts[0]! + parts[1]!)) < 1e-4);
  // Only the image without objects: the heatmap term is its negatives' loss, size/offset are 0.
  const empty = centerNetLoss({ heatmap: hm, size: wh, offset: off }, t, tensor([false, true], { dtype: 'bool' }));
  assert.ok(empty.heatmap.item() > 0);
  assert.equal(empty.size.item(), 0);
  assert.equal(empty.offset.item(), 0);
  assert.equal(empty.count.item(), 1);
});

test('task losses reject mis-shaped inputs with a message', () => {
  tidy(() => {
    assert.throws(() => segmentationLoss(zeros([2, 3, 4, 4]), zeros([2, 4, 5], { dtype: 'int64' }), all(2)), /targets/);
    assert.throws(() => segmentationLoss(zeros([2, 3, 4, 4]), zeros([2, 4, 4], { dtype: 'int64' }), all(3)), /sample mask must be \[2\]/);
    assert.throws(() => depthSILogLoss(zeros([2, 1, 4, 4]), zeros([2, 1, 4, 5]), all(2)), /shapes differ/);
    assert.throws(() => normalsCosineLoss(zeros([2, 2, 4, 4]), zeros([2, 2, 4, 4]), all(2)), /\[B, 3, H, W\]/);
  });
});
