// Dense heads over fake feature lists: output shapes at input resolution, gradients, the range of
// depth and normals, CenterNet targets -> decode round trip, state-dict prefixes and no leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, randn, randnLike, tidy, type Tensor } from '../../src/engine/index.js';
import type { Module } from '../../src/nn/module.js';
import type { FeatureInfo } from '../../src/models/tower.js';
import {
  CenterNetHead, centerNetTargets, decodeCenterNet, DenseHeads, DepthHead, gaussianRadius, LinearSegHead, NormalsHead,
  PyramidSegHead, type Box, type CenterNetOutput,
} from '../../src/models/heads/index.js';

// A non-square input, so height/width mix-ups show, with maps at reductions 16 and 32.
const IMAGE: [number, number] = [64, 96];
const INFO: FeatureInfo[] = [{ channels: 24, reduction: 16 }, { channels: 32, reduction: 32 }];

/** One leaf map per level, requiring grad, sized for IMAGE. */
function fakeFeatures(batch = 2): Tensor[] {
  return INFO.map(({ channels, reduction }) =>
    randn([batch, channels, IMAGE[0] / reduction, IMAGE[1] / reduction]).requiresGrad_());
}

/** Runs fn with a head built inside, then frees the head and checks no tensor outlived the test. */
function withHead<M extends Module>(make: () => M, fn: (m: M) => void): void {
  manualSeed(0);
  const before = liveTensors();
  const head = make();
  try {
    tidy(() => fn(head));
  } finally {
    head.dispose();
  }
  assert.equal(liveTensors(), before, 'live tensors return to their starting count');
}

/** Backpropagates a random projection of the outputs; every parameter and the used level get a nonzero grad. */
function assertGradientsFlow(head: Module, outputs: Tensor[], features: Tensor[], usedLevels: number[]): void {
  outputs.map((o) => o.mul(randnLike(o)).sum()).reduce((a, b) => a.add(b)).backward();
  for (const [name, p] of head.namedParameters()) {
    const g = p.grad;
    assert.ok(g, `${name} has a gradient`);
    assert.ok(g.abs().sum().item() > 0, `${name}'s gradient is not all zero`);
  }
  for (const i of usedLevels) {
    const g = features[i]!.grad;
    assert.ok(g && g.abs().sum().item() > 0, `feature level ${i} receives a gradient`);
  }
}

const mapHeads: [string, () => Module & { forward(f: readonly Tensor[], s: readonly [number, number]): Tensor }, number][] = [
  ['linear probe', () => new LinearSegHead(INFO, { numClasses: 5 }), 5],
  ['linear probe without BN, level 0', () => new LinearSegHead(INFO, { numClasses: 3, level: 0, batchNorm: false }), 3],
  ['pyramid (PSP) head', () => new PyramidSegHead(INFO, { numClasses: 5, channels: 16 }), 5],
  ['depth head', () => new DepthHead(INFO, { channels: 8 }), 1],
  ['normals head', () => new NormalsHead(INFO, { channels: 8, level: 0 }), 3],
];

for (const [name, make, channels] of mapHeads) {
  test(`${name}: output at input resolution, gradients reach parameters and features`, () => withHead(make, (head) => {
    const feats = fakeFeatures();
    const out = head.forward(feats, IMAGE);
    assert.deepEqual(out.shape, [2, channels, ...IMAGE]);
    const level = (head as unknown as { level: number }).level;
    assertGradientsFlow(head, [out], feats, [level]);
  }));
}

test('depth is positive in every mode and stays inside [min, max] when bounded', () => {
  for (const opts of [{}, { activation: 'exp' as const }, { minDepth: 0.5, maxDepth: 4 }, { scale: 10, minDepth: 0 }]) {
    withHead(() => new DepthHead(INFO, { channels: 8, ...opts }), (head) => {
      head.eval();
      const d = head.forward(fakeFeatures().map((f) => f.mul(20)), IMAGE);
      const lo = d.amin([0, 1, 2, 3]).item(), hi = d.amax([0, 1, 2, 3]).item();
      assert.ok(lo > 0, `${JSON.stringify(opts)}: min depth ${lo} > 0`);
      if ('maxDepth' in opts) assert.ok(lo >= 0.5 && hi <= 4, `bounded depth in [${lo}, ${hi}]`);
    });
  }
});

test('normals are unit length at every pixel', () => withHead(() => new NormalsHead(INFO, { channels: 8 }), (head) => {
  const n = head.forward(fakeFeatures(), IMAGE);
  const err = n.norm(2, 1).sub(1).abs().amax([0, 1, 2]).item();
  assert.ok(err < 1e-5, `max | |n| - 1 | = ${err}`);
}));

test('CenterNet head: grids at the feature stride and upsampled to stride 4, bias prior, gradients', () => {
  withHead(() => new CenterNetHead(INFO, { numClasses: 3, neckChannels: 8, headChannels: 8 }), (head) => {
    const out = head.forward(fakeFeatures(), IMAGE);
    assert.equal(out.stride, 32);
    assert.deepEqual(out.heatmap.shape, [2, 3, 2, 3]);
  });
  withHead(() => new CenterNetHead(INFO, { numClasses: 3, level: 0, outputStride: 4, neckChannels: 8, headChannels: 8 }), (head) => {
    assert.equal(head.up.length, 2, 'two x2 stages from stride 16 to 4');
    const feats = fakeFeatures();
    const out = head.forward(feats, IMAGE);
    assert.equal(out.stride, 4);
    assert.deepEqual(out.heatmap.shape, [2, 3, 16, 24]);
    assert.deepEqual(out.size.shape, [2, 2, 16, 24]);
    assert.deepEqual(out.offset.shape, [2, 2, 16, 24]);
    assert.deepEqual(head.hm.out.bias!.toArray().map((v) => Math.round(v * 100) / 100), [-2.19, -2.19, -2.19]);
    assertGradientsFlow(head, [out.heatmap, out.size, out.offset], feats, [0]);
  });
  assert.throws(() => new CenterNetHead(INFO, { numClasses: 3, outputStride: 12 }), /power of 2/);
});

test('gaussianRadius follows CenterNet (smallest of the three cases)', () => {
  assert.ok(Math.abs(gaussianRadius(10, 10) - 2.7332) < 1e-3, `radius ${gaussianRadius(10, 10)}`);
  assert.ok(gaussianRadius(40, 20) > gaussianRadius(10, 5));
});

/** Turns targets into the outputs a perfect head would give (heatmap probabilities -> logits). */
function perfectOutputs(t: ReturnType<typeof centerNetTargets>, stride: number): CenterNetOutput {
  const p = t.heatmap.clamp(1e-4, 1 - 1e-4);
  return { heatmap: p.div(p.neg().add(1)).log(), size: t.size, offset: t.offset, stride };
}

function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
  return (iw * ih) / (area(a) + area(b) - iw * ih);
}

test('decode recovers boxes and labels from perfect CenterNet targets', () => {
  const before = liveTensors();
  const boxes: Box[][] = [
    [[10, 12, 50, 60], [37, 20, 93, 63], [5, 30, 33, 58]],
    [[41, 7, 71, 49]],
  ];
  const labels = [[0, 2, 0], [1]];
  tidy(() => {
    const t = centerNetTargets(boxes, labels, [16, 24], 4, 3);
    assert.deepEqual(t.heatmap.shape, [2, 3, 16, 24]);
    assert.deepEqual(t.mask.shape, [2, 1, 16, 24]);
    assert.equal(t.mask.sum().item(), 4, 'one center cell per box');
    assert.equal(t.heatmap.amax([0, 1, 2, 3]).item(), 1, 'gaussian peaks are exactly 1');
    const dets = decodeCenterNet(perfectOutputs(t, 4), { imageSize: IMAGE, topk: 20, scoreThreshold: 0.5 });
    assert.deepEqual(dets.map((d) => d.length), [3, 1], 'one detection per box, nothing else above 0.5');
    boxes.forEach((bs, i) => bs.forEach((box, j) => {
      const best = dets[i]!.reduce((a, d) => (iou(d.box, box) > iou(a.box, box) ? d : a));
      assert.ok(iou(best.box, box) > 0.9, `image ${i} box ${j}: IoU ${iou(best.box, box)}`);
      assert.equal(best.label, labels[i]![j]);
      assert.ok(best.score > 0.99);
    }));
  });
  assert.equal(liveTensors(), before);
});

test('decode works on a live head output and clips boxes to the image', () => withHead(
  () => new CenterNetHead(INFO, { numClasses: 2, neckChannels: 8, headChannels: 8 }),
  (head) => {
    const out = head.forward(fakeFeatures(), IMAGE);
    const dets = head.decode(out, { imageSize: IMAGE, topk: 5, scoreThreshold: 0 });
    assert.equal(dets.length, 2);
    for (const d of dets.flat()) {
      assert.ok(d.box[0] >= 0 && d.box[2] <= IMAGE[1] && d.box[1] >= 0 && d.box[3] <= IMAGE[0], `clipped ${d.box}`);
      assert.ok(d.label === 0 || d.label === 1);
    }
    assert.ok(dets[0]!.length <= 5 && dets[0]!.every((d, i, a) => i === 0 || a[i - 1]!.score >= d.score), 'sorted by score');
  },
));

test('DenseHeads keys start with the task name and outputs come back per task', () => withHead(
  () => new DenseHeads({
    seg: new PyramidSegHead(INFO, { numClasses: 4, channels: 8 }),
    depth: new DepthHead(INFO, { channels: 8 }),
    normals: new NormalsHead(INFO, { channels: 8 }),
    det: new CenterNetHead(INFO, { numClasses: 2, neckChannels: 8, headChannels: 8 }),
  }),
  (heads) => {
    const keys = [...heads.stateDict().keys()];
    const tasks = new Set(keys.map((k) => k.split('.')[0]));
    assert.deepEqual([...tasks], ['seg', 'depth', 'normals', 'det']);
    assert.ok(keys.includes('seg.ppm.3.conv.weight') && keys.includes('det.hm.out.bias') && keys.includes('depth.pred.weight'));
    assert.ok([...heads.stateDict('dense_heads.').keys()].every((k) => k.startsWith('dense_heads.')));
    const out = heads.forward(fakeFeatures(), IMAGE);
    assert.deepEqual(out.seg!.shape, [2, 4, ...IMAGE]);
    assert.deepEqual(out.normals!.shape, [2, 3, ...IMAGE]);
    assert.deepEqual(out.det!.heatmap.shape, [2, 2, 2, 3]);
    assert.deepEqual(Object.keys(heads.forward(fakeFeatures(), IMAGE, ['depth'])), ['depth']);
    const depthOnly = new DenseHeads({ depth: new DepthHead(INFO, { channels: 4 }) });
    assert.throws(() => depthOnly.forward(fakeFeatures(), IMAGE, ['seg']), /no seg head/);
    depthOnly.dispose();
  },
));

test('heads reject feature lists that do not match their FeatureInfo', () => withHead(
  () => new LinearSegHead(INFO, { numClasses: 2 }),
  (head) => {
    assert.throws(() => head.forward(fakeFeatures().slice(1), IMAGE), /got 1 feature maps, built for 2/);
    assert.throws(() => head.forward([randn([1, 24, 4, 6]), randn([1, 31, 2, 3])], IMAGE), /32 channels/);
    assert.throws(() => new LinearSegHead(INFO, { numClasses: 2, level: 2 }), /level 2 is out of range/);
  },
));

test('parameter counts at 768 channels and 150 classes', () => {
  const info: FeatureInfo[] = [{ channels: 768, reduction: 16 }];
  const count = (m: Module) => { const n = m.numParams(); m.dispose(); return n; };
  // BN (2 * 768) + 1x1 conv (768 * 150 + 150)
  assert.equal(count(new LinearSegHead(info, { numClasses: 150 })), 2 * 768 + 768 * 150 + 150);
  // 4 branches (768 * 192 + 2 * 192) + 3x3 fuse (1536 * 256 * 9 + 2 * 256) + classifier (256 * 150 + 150)
  assert.equal(count(new PyramidSegHead(info, { numClasses: 150 })), 4 * (768 * 192 + 384) + (1536 * 256 * 9 + 512) + 256 * 150 + 150);
});
