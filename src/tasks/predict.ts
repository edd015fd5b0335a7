// What each dense task does with a head's output besides training on it: score it against labels
// (metrics batch by batch), keep a sample of it for the report, and decode it into an expert's
// prediction at each image's own size (hard seg labels, metric depth, unit normals, boxes).
import { interpolate, max, normalize, tidy, where, type Tensor } from '../engine/index.js';
import { decodeCenterNet, type Box, type CenterNetOutput } from '../models/heads/index.js';
import type { Detections, ExpertOutput } from './outputs.js';
import type { DenseLabels } from './labels.js';
import { ConfusionMatrix, DepthAccumulator, DetectionAccumulator, NormalAccumulator } from './metrics.js';

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

/** Detection decoding of an evaluation: lowest score kept (default 0.05) and peaks per image (default 100). */
export interface ScoreOptions { detThreshold?: number; detTopk?: number }

/** Accumulates one task's scores batch by batch (out and labels at the same size); the table picks its metrics from them. */
export interface TaskScorer<O> { add(out: O, labels: DenseLabels, size: readonly [number, number]): void; scores(): object }

/** What an expert's decoding needs: the model input size, confidence threshold, depth unit and class names. */
export interface DecodeOptions { inputSize: number; threshold: number; depthScale: number; classes: readonly string[] }

/** An image's size in pixels (an expert's prediction is brought back to it). */
export interface PixelSize { width: number; height: number }

const arr = (t: Tensor): ArrayLike<number> => t.to('cpu').data() as unknown as ArrayLike<number>;
const hwc = (t: Tensor): Tensor => t.permute([0, 2, 3, 1]).contiguous();
const round = (v: number, k: number): number => Math.round(v * k) / k;
const one = (t: Tensor, i: number): number[] => Array.from(arr(t.select(0, i)));
/** Map i of a batch [B, C, S, S], bilinearly resized to an image's [H, W]. */
const toImage = (x: Tensor, i: number, im: PixelSize): Tensor => {
  const m = x.narrow(0, i, 1);
  return m.size(2) === im.height && m.size(3) === im.width ? m : interpolate(m, { size: [im.height, im.width], mode: 'bilinear' });
};

/** seg: a confusion matrix of argmax ids; samples of argmax ids; expert labels 255 where the max probability is under the threshold. */
export const segPredict = {
  scorer: (numClasses: number): TaskScorer<Tensor> => {
    const cm = new ConfusionMatrix(numClasses);
    return { add: (out, l) => cm.add(arr(out.argmax(1).to('uint8')), arr(l.seg!.to('uint8'))), scores: () => cm.scores() };
  },
  sample: (out: Tensor, l: DenseLabels, i: number): Partial<DenseSampleJson> => ({ seg: one(out.argmax(1).to('int32'), i), segTruth: one(l.seg!.to('int32'), i) }),
  decode: (out: Tensor, images: readonly PixelSize[], o: DecodeOptions): ExpertOutput[] => images.map((im, i) => tidy(() => {
    const [p, ids] = max(toImage(out, i, im).softmax(1), 1);
    const labels = where(p.lt(o.threshold), 255, ids).to('uint8').to('cpu').data() as Uint8Array;
    return { seg: { width: im.width, height: im.height, labels: Uint8Array.from(labels) } };
  })),
};

/** depth: RMSE / AbsRel / delta1 over valid pixels; expert depth in metres (the head's unit times depthScale). */
export const depthPredict = {
  scorer: (): TaskScorer<Tensor> => {
    const acc = new DepthAccumulator();
    return { add: (out, l) => acc.add(arr(out), arr(l.depth!)), scores: () => acc.scores() };
  },
  sample: (out: Tensor, l: DenseLabels, i: number): Partial<DenseSampleJson> => ({ depth: one(out, i).map((v) => round(v, 1000)), depthTruth: one(l.depth!, i).map((v) => round(v, 1000)) }),
  decode: (out: Tensor, images: readonly PixelSize[], o: DecodeOptions): ExpertOutput[] => images.map((im, i) => tidy(() => (
    { depth: { width: im.width, height: im.height, depth: Float32Array.from(toImage(out, i, im).mul(o.depthScale).to('cpu').data() as Float32Array) } }))),
};

/** normals: angle statistics; expert normals unit length, HWC. */
export const normalsPredict = {
  scorer: (): TaskScorer<Tensor> => {
    const acc = new NormalAccumulator();
    return { add: (out, l) => acc.add(arr(hwc(out)), arr(hwc(l.normal!))), scores: () => acc.scores() };
  },
  sample: (out: Tensor, l: DenseLabels, i: number): Partial<DenseSampleJson> => ({ normals: one(out, i).map((v) => round(v, 1000)), normalsTruth: one(l.normal!, i).map((v) => round(v, 1000)) }),
  decode: (out: Tensor, images: readonly PixelSize[]): ExpertOutput[] => images.map((im, i) => tidy(() => {
    const n = normalize(toImage(out, i, im), 2, 1).permute([0, 2, 3, 1]).contiguous();
    return { normals: { width: im.width, height: im.height, normals: Float32Array.from(n.to('cpu').data() as Float32Array) } };
  })),
};

/** det: CenterNet peaks as boxes; AP50 / AP over the samples that carry boxes; expert boxes scaled to each image. */
export const detPredict = {
  scorer: (_k: number, o: ScoreOptions = {}): TaskScorer<CenterNetOutput> => {
    const acc = new DetectionAccumulator();
    return {
      add: (out, l, size) => {
        const dets = decodeCenterNet(out, { imageSize: size, scoreThreshold: o.detThreshold ?? 0.05, topk: o.detTopk ?? 100 });
        const has = arr(l.present);
        dets.forEach((d, i) => {
          if (has[i]) acc.add({ boxes: d.map((x) => x.box), labels: d.map((x) => x.label), scores: d.map((x) => x.score) }, { boxes: l.det!.boxes[i]!, labels: l.det!.labels[i]! });
        });
      },
      scores: () => acc.scores(),
    };
  },
  sample: (out: CenterNetOutput, l: DenseLabels, i: number, size: readonly [number, number], o: ScoreOptions = {}): Partial<DenseSampleJson> => {
    const d = decodeCenterNet(out, { imageSize: size, scoreThreshold: Math.max(0.3, o.detThreshold ?? 0.05), topk: 20 })[i]!;
    return {
      det: { boxes: d.map((x) => x.box.map((v) => round(v, 10)) as unknown as Box), labels: d.map((x) => x.label), scores: d.map((x) => round(x.score, 1000)) },
      detTruth: { boxes: l.det!.boxes[i]!, labels: l.det!.labels[i]! },
    };
  },
  decode: (out: CenterNetOutput, images: readonly PixelSize[], o: DecodeOptions): ExpertOutput[] => {
    const size = o.inputSize, dets = decodeCenterNet(out, { imageSize: [size, size], scoreThreshold: o.threshold });
    return images.map((im, i) => {
      const sx = im.width / size, sy = im.height / size, d = dets[i]!;
      const det: Detections = {
        boxes: d.map(({ box: b }) => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy]), labels: d.map((x) => x.label), scores: d.map((x) => x.score),
        names: d.map((x) => o.classes[x.label] ?? String(x.label)),
      };
      return { det };
    });
  },
};
