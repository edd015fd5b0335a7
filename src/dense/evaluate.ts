// Evaluating a dense model on a labelled split held in memory: the task's metrics (mIoU / pixel
// accuracy, depth RMSE / AbsRel / delta1, normal angles, detection AP50 / AP) and a few sample
// predictions next to their ground truth, as plain arrays for JSON and the report.
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import { ConfusionMatrix, DepthAccumulator, DetectionAccumulator, NormalAccumulator } from '../tasks/metrics.js';
import { decodeCenterNet, type Box, type CenterNetOutput } from '../models/heads/index.js';
import type { DenseModel, DenseOut } from './model.js';
import { takeBatch, type DenseSet } from './memory_set.js';
import type { DenseLabels, DenseTaskName } from '../tasks/index.js';

/** Boxes with class ids (and scores, for predictions). */
export interface BoxesJson { boxes: Box[]; labels: number[]; scores?: number[] }

/**
 * One sample's input, prediction and ground truth at the model's input size (the fields of
 * the report's DenseSample, as plain arrays: rgb H x W x 3, seg H x W class ids, depth H x W
 * metres, normals planar 3 x H x W).
 */
export interface DenseSampleJson {
  key: string;
  width: number;
  height: number;
  rgb: number[];
  seg?: number[];
  segTruth?: number[];
  depth?: number[];
  depthTruth?: number[];
  normals?: number[];
  normalsTruth?: number[];
  det?: BoxesJson;
  detTruth?: BoxesJson;
}

/** Metrics of one evaluation, with throughput and samples. */
export interface DenseEvalResult {
  task: DenseTaskName;
  metrics: Record<string, number>;
  images: number;
  seconds: number;
  imagesPerSec: number;
  samples: DenseSampleJson[];
}

/** Evaluation settings. */
export interface EvalOnSetOptions {
  batch?: number;
  /** Sample predictions kept (default: the set's kept RGB images, at most 4). */
  samples?: number;
  /** Detection: lowest score decoded (default 0.05) and peaks per image (default 100). */
  detThreshold?: number;
  detTopk?: number;
}

/** Accumulates one task's metrics batch by batch. */
interface Scorer { add(out: DenseOut, labels: DenseLabels, size: readonly [number, number]): void; metrics(): Record<string, number> }

const arr = (t: Tensor): ArrayLike<number> => t.to('cpu').data() as unknown as ArrayLike<number>;
const hwc = (t: Tensor): Tensor => t.permute([0, 2, 3, 1]).contiguous();

function scorer(task: DenseTaskName, numClasses: number, o: EvalOnSetOptions): Scorer {
  switch (task) {
    case 'seg': {
      const cm = new ConfusionMatrix(numClasses);
      return { add: (out, l) => cm.add(arr((out as Tensor).argmax(1).to('uint8')), arr(l.seg!.to('uint8'))), metrics: () => { const s = cm.scores(); return { miou: s.miou, pixelAccuracy: s.pixelAccuracy }; } };
    }
    case 'depth': {
      const acc = new DepthAccumulator();
      return { add: (out, l) => acc.add(arr(out as Tensor), arr(l.depth!)), metrics: () => { const s = acc.scores(); return { rmse: s.rmse, absRel: s.absRel, delta1: s.delta1 }; } };
    }
    case 'normals': {
      const acc = new NormalAccumulator();
      return { add: (out, l) => acc.add(arr(hwc(out as Tensor)), arr(hwc(l.normal!))), metrics: () => { const s = acc.scores(); return { mean: s.mean, median: s.median, within11: s.within11, within22: s.within22, within30: s.within30 }; } };
    }
    case 'det': {
      const acc = new DetectionAccumulator();
      return {
        add: (out, l, size) => {
          const dets = decodeCenterNet(out as CenterNetOutput, { imageSize: size, scoreThreshold: o.detThreshold ?? 0.05, topk: o.detTopk ?? 100 });
          const has = arr(l.present);
          dets.forEach((d, i) => {
            if (has[i]) acc.add({ boxes: d.map((x) => x.box), labels: d.map((x) => x.label), scores: d.map((x) => x.score) }, { boxes: l.det!.boxes[i]!, labels: l.det!.labels[i]! });
          });
        },
        metrics: () => { const s = acc.scores(); return { ap50: s.ap50, ap: s.ap }; },
      };
    }
  }
}

const round = (v: number, k: number): number => Math.round(v * k) / k;

/** Sample i of a batch as JSON (prediction and truth at the input size). */
function sampleOf(task: DenseTaskName, out: DenseOut, l: DenseLabels, i: number, key: string, rgb: Uint8Array, size: readonly [number, number], o: EvalOnSetOptions): DenseSampleJson {
  const [h, w] = size;
  const s: DenseSampleJson = { key, width: w, height: h, rgb: [...rgb] };
  const one = (t: Tensor): number[] => Array.from(arr(t.select(0, i)));
  if (task === 'seg') { s.seg = one((out as Tensor).argmax(1).to('int32')); s.segTruth = one(l.seg!.to('int32')); }
  if (task === 'depth') { s.depth = one(out as Tensor).map((v) => round(v, 1000)); s.depthTruth = one(l.depth!).map((v) => round(v, 1000)); }
  if (task === 'normals') { s.normals = one(out as Tensor).map((v) => round(v, 1000)); s.normalsTruth = one(l.normal!).map((v) => round(v, 1000)); }
  if (task === 'det') {
    const d = decodeCenterNet(out as CenterNetOutput, { imageSize: size, scoreThreshold: Math.max(0.3, o.detThreshold ?? 0.05), topk: 20 })[i]!;
    s.det = { boxes: d.map((x) => x.box.map((v) => round(v, 10)) as unknown as Box), labels: d.map((x) => x.label), scores: d.map((x) => round(x.score, 1000)) };
    s.detTruth = { boxes: l.det!.boxes[i]!, labels: l.det!.labels[i]! };
  }
  return s;
}

/**
 * Scores `model` on every sample of `set` (its cached features when it has them, else its images),
 * in eval mode without gradients.
 * @example const r = evaluateOnSet(model, testSet, { batch: 64 }); r.metrics.miou
 */
export function evaluateOnSet(model: DenseModel, set: DenseSet, o: EvalOnSetOptions = {}): DenseEvalResult {
  const task = model.spec.task, batch = o.batch ?? 64, size = [set.imageSize, set.imageSize] as const;
  const sc = scorer(task, model.spec.numClasses, o), wantSamples = Math.min(o.samples ?? 4, set.rgb.length);
  const samples: DenseSampleJson[] = [];
  model.eval();
  const t0 = performance.now();
  for (let start = 0; start < set.n; start += batch) {
    const idx = Array.from({ length: Math.min(batch, set.n - start) }, (_, i) => start + i);
    tidy(() => noGrad(() => {
      const b = takeBatch(set, idx, task);
      const out = b.features ? model.headForward(b.features, size) : model.forward(b.images!);
      sc.add(out, b.labels, size);
      for (let i = 0; i < idx.length && samples.length < wantSamples; i++) samples.push(sampleOf(task, out, b.labels, i, set.keys[idx[i]!]!, set.rgb[idx[i]!]!, size, o));
    }));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { task, metrics: sc.metrics(), images: set.n, seconds, imagesPerSec: set.n / seconds, samples };
}
