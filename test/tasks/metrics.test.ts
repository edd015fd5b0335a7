import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix, DepthAccumulator, DetectionAccumulator, NormalAccumulator, boxIou } from '../../src/tasks/metrics.js';

const close = (a: number, b: number, tol = 1e-9, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('segmentation: mIoU and pixel accuracy by hand, ignore 255 on both sides, accumulated over batches', () => {
  const cm = new ConfusionMatrix(3);
  // gt:   0 0 1 1 | 2 255
  // pred: 0 1 1 1 | 255 0
  cm.add(Uint8Array.of(0, 1, 1, 1), Uint8Array.of(0, 0, 1, 1));
  cm.add(Uint8Array.of(255, 0), Uint8Array.of(2, 255));
  const s = cm.scores();
  // class 0: tp 1, gt 2, pred 1 -> 1/2; class 1: tp 2, gt 2, pred 3 -> 2/3; class 2: tp 0, gt 1, pred 0 -> 0
  close(s.perClass[0]!, 1 / 2, 1e-12, 'iou0');
  close(s.perClass[1]!, 2 / 3, 1e-12, 'iou1');
  close(s.perClass[2]!, 0, 1e-12, 'iou2');
  close(s.miou, (1 / 2 + 2 / 3 + 0) / 3, 1e-12, 'miou');
  close(s.pixelAccuracy, 3 / 5, 1e-12, 'acc');
  assert.equal(s.pixels, 5);
  const absent = new ConfusionMatrix(4);
  absent.add(Uint8Array.of(0, 1), Uint8Array.of(0, 1));
  assert.ok(Number.isNaN(absent.scores().perClass[3]!));
  close(absent.scores().miou, 1, 0, 'absent classes are not averaged');
  assert.throws(() => cm.add(Uint8Array.of(0), Uint8Array.of(3)), /class 3 at pixel 0/);
});

test('depth: RMSE, AbsRel, delta1 over valid pixels; missing predictions lower coverage', () => {
  const d = new DepthAccumulator();
  d.add(Float32Array.of(1, 2, 0, 5), Float32Array.of(1, 1, 3, 0));
  d.add(Float32Array.of(4), Float32Array.of(5));
  const s = d.scores();
  // pairs (1,1), (2,1), (4,5): errors 0, 1, -1
  close(s.rmse, Math.sqrt(2 / 3), 1e-7, 'rmse');
  close(s.absRel, (0 + 1 + 0.2) / 3, 1e-7, 'absRel');
  close(s.delta1, 1 / 3, 1e-12, 'delta1'); // 1/1 passes; 2/1 and 5/4 = 1.25 (not < 1.25) fail
  assert.equal(s.pixels, 3);
  close(s.coverage, 3 / 4, 1e-12, 'coverage');
});

test('normals: mean, median, thresholds on known angles; "none" vectors skipped', () => {
  const a = new NormalAccumulator();
  const deg = (t: number): number[] => [Math.sin((t * Math.PI) / 180), 0, Math.cos((t * Math.PI) / 180)];
  const angles = [0, 10, 20, 40];
  a.add(Float32Array.from(angles.flatMap(deg)), Float32Array.from(angles.flatMap(() => [0, 0, 1])));
  a.add(Float32Array.of(0, 0, 0, 0, 0, 2), Float32Array.of(0, 0, 1, 0, 0, 0)); // none on either side
  const s = a.scores();
  assert.equal(s.pixels, 4);
  close(s.mean, 17.5, 1e-4, 'mean');
  close(s.median, 15, 0.011, 'median');
  close(s.within11, 0.5, 0, '11.25');
  close(s.within22, 0.75, 0, '22.5');
  close(s.within30, 0.75, 0, '30');
});

test('detection: IoU, AP50 and AP by hand (101-point COCO interpolation)', () => {
  close(boxIou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150, 1e-12, 'iou');
  close(boxIou([0, 0, 10, 10], [10, 0, 20, 10]), 0, 0, 'touching');
  const ap = new DetectionAccumulator();
  // image 0: gt class 1 at [0,0,10,10]; a perfect detection (0.9) and a duplicate (0.8, a false positive)
  ap.add({ boxes: [[0, 0, 10, 10], [0, 0, 10, 10]], labels: [1, 1], scores: [0.9, 0.8] }, { boxes: [[0, 0, 10, 10]], labels: [1] });
  // image 1: gt class 1 at [0,0,10,10], detection shifted (IoU 9/11 = 0.818) at 0.7; gt class 2 missed
  ap.add({ boxes: [[1, 0, 11, 10]], labels: [1], scores: [0.7] }, { boxes: [[0, 0, 10, 10], [20, 20, 30, 30]], labels: [1, 2] });
  const s = ap.scores();
  // class 1 at IoU .5: TP, FP, TP -> precision 1, .5, .667; recall .5, .5, 1; envelope 1 up to r .5, .667 after
  // 101 points: r = 0..0.50 (51 points) -> 1, r = 0.51..1 (50 points) -> 2/3
  const ap50 = (51 + 50 * (2 / 3)) / 101;
  close(s.perClass[1]!.ap50, ap50, 1e-12, 'class 1 ap50');
  // thresholds .50..0.80 (7 of 10) match the shifted box (IoU .818), .85-.95 only the perfect one (AP = 51/101)
  close(s.perClass[1]!.ap, (7 * ap50 + 3 * (51 / 101)) / 10, 1e-12, 'class 1 ap');
  close(s.perClass[2]!.ap50, 0, 0, 'class 2 (missed) ap50');
  close(s.ap50, ap50 / 2, 1e-12, 'mean ap50');
  assert.throws(() => ap.add({ boxes: [[0, 0, 1, 1]], labels: [1] }, { boxes: [], labels: [] }), /1 boxes but 0 scores/);
});
