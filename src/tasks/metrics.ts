// Dense-task metrics as pure functions on typed arrays, accumulated over batches: segmentation
// (confusion matrix, mIoU, pixel accuracy, ignore 255), depth (RMSE, AbsRel, delta1), surface
// normals (mean / median angle, share under 11.25 / 22.5 / 30 degrees) and detection (COCO-style
// 101-point AP at IoU 0.5:0.95 and AP50, per class and mean). Standard definitions: REFERENCE.md 3.

/** Label value that is never scored (ground truth) or counts as "no prediction" (prediction). */
export const IGNORE = 255;

/** Segmentation scores. `perClass[c]` is NaN for classes absent from both prediction and ground truth. */
export interface SegScores { miou: number; pixelAccuracy: number; perClass: number[]; pixels: number }

/**
 * A segmentation confusion matrix over `numClasses` classes, accumulated batch by batch. Ground
 * truth 255 is skipped; a predicted 255 (a low-confidence hole) counts as a miss of the true class.
 * @example
 * const cm = new ConfusionMatrix(7);
 * cm.add(pred, gt); // Uint8Array class ids of equal length
 * cm.scores().miou
 */
export class ConfusionMatrix {
  /** counts[gt * (numClasses + 1) + pred]; the extra last column holds predictions of 255. */
  readonly counts: Float64Array;

  constructor(readonly numClasses: number) {
    if (!(Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= 255)) throw new Error(`ConfusionMatrix: numClasses must be an integer in [1, 255], got ${numClasses}`);
    this.counts = new Float64Array(numClasses * (numClasses + 1));
  }

  /** Adds one image (or batch) of predicted and true class ids. */
  add(pred: ArrayLike<number>, gt: ArrayLike<number>): void {
    if (pred.length !== gt.length) throw new Error(`ConfusionMatrix.add: prediction has ${pred.length} pixels, ground truth ${gt.length}`);
    const k = this.numClasses, w = k + 1;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      if (g === IGNORE) continue;
      if (g >= k) throw new Error(`ConfusionMatrix.add: ground-truth class ${g} at pixel ${i} is outside [0, ${k})`);
      const p = pred[i]!;
      const col = p === IGNORE || p >= k ? k : p;
      this.counts[g * w + col]!++;
    }
  }

  /** mIoU over classes seen in prediction or ground truth, pixel accuracy over scored pixels. */
  scores(): SegScores {
    const k = this.numClasses, w = k + 1;
    const perClass: number[] = [];
    let correct = 0, total = 0, sum = 0, present = 0;
    for (let c = 0; c < k; c++) {
      let row = 0, col = 0;
      for (let j = 0; j <= k; j++) row += this.counts[c * w + j]!;
      for (let g = 0; g < k; g++) col += this.counts[g * w + c]!;
      const tp = this.counts[c * w + c]!;
      const union = row + col - tp;
      correct += tp;
      total += row;
      const iou = union > 0 ? tp / union : NaN;
      perClass.push(iou);
      if (union > 0) { sum += iou; present++; }
    }
    return { miou: present ? sum / present : NaN, pixelAccuracy: total ? correct / total : NaN, perClass, pixels: total };
  }
}

/** Depth scores over pixels where both maps are valid (> 0). */
export interface DepthScores { rmse: number; absRel: number; delta1: number; pixels: number; /** Share of valid ground-truth pixels that had a prediction. */ coverage: number }

/**
 * Depth error accumulator (metres). Pixels with ground truth <= 0 are invalid; predictions <= 0
 * (no confident depth) are left out and lower `coverage`.
 * @example const d = new DepthAccumulator(); d.add(pred, gt); d.scores().rmse
 */
export class DepthAccumulator {
  private sq = 0;
  private rel = 0;
  private d1 = 0;
  private n = 0;
  private validGt = 0;

  /** Adds one image (or batch) of predicted and true depths. */
  add(pred: ArrayLike<number>, gt: ArrayLike<number>): void {
    if (pred.length !== gt.length) throw new Error(`DepthAccumulator.add: prediction has ${pred.length} pixels, ground truth ${gt.length}`);
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!, p = pred[i]!;
      if (!(g > 0)) continue;
      this.validGt++;
      if (!(p > 0)) continue;
      const e = p - g;
      this.sq += e * e;
      this.rel += Math.abs(e) / g;
      if (Math.max(p / g, g / p) < 1.25) this.d1++;
      this.n++;
    }
  }

  scores(): DepthScores {
    const n = this.n;
    return { rmse: n ? Math.sqrt(this.sq / n) : NaN, absRel: n ? this.rel / n : NaN, delta1: n ? this.d1 / n : NaN, pixels: n,
      coverage: this.validGt ? n / this.validGt : NaN };
  }
}

/** Surface-normal scores in degrees, over pixels where both normals are real. */
export interface NormalScores { mean: number; median: number; within11: number; within22: number; within30: number; pixels: number }

/** Histogram resolution of the median: 0.01 degree. */
const ANGLE_BINS = 18000;

/**
 * Angular error accumulator for HWC normals (3 floats a pixel). Vectors shorter than 0.5 mean
 * "no normal" on either side and are skipped; both are normalised before the angle is taken. The
 * median is read from a 0.01-degree histogram (exact to 0.01 degree).
 * @example const a = new NormalAccumulator(); a.add(predHwc, gtHwc); a.scores().mean
 */
export class NormalAccumulator {
  private readonly hist = new Float64Array(ANGLE_BINS);
  private sum = 0;
  private n = 0;
  private t11 = 0;
  private t22 = 0;
  private t30 = 0;

  /** Adds one image (or batch) of predicted and true normals, HWC. */
  add(pred: ArrayLike<number>, gt: ArrayLike<number>): void {
    if (pred.length !== gt.length || gt.length % 3 !== 0) throw new Error(`NormalAccumulator.add: prediction has ${pred.length} values, ground truth ${gt.length} (need equal multiples of 3)`);
    for (let i = 0; i < gt.length; i += 3) {
      const gx = gt[i]!, gy = gt[i + 1]!, gz = gt[i + 2]!, px = pred[i]!, py = pred[i + 1]!, pz = pred[i + 2]!;
      const gl = Math.hypot(gx, gy, gz), pl = Math.hypot(px, py, pz);
      if (!(gl > 0.5) || !(pl > 0.5)) continue;
      const cos = Math.min(1, Math.max(-1, (gx * px + gy * py + gz * pz) / (gl * pl)));
      const deg = (Math.acos(cos) * 180) / Math.PI;
      this.sum += deg;
      this.n++;
      if (deg < 11.25) this.t11++;
      if (deg < 22.5) this.t22++;
      if (deg < 30) this.t30++;
      this.hist[Math.min(ANGLE_BINS - 1, Math.floor(deg * 100))]!++;
    }
  }

  scores(): NormalScores {
    const n = this.n;
    return { mean: n ? this.sum / n : NaN, median: n ? this.median() : NaN, within11: n ? this.t11 / n : NaN, within22: n ? this.t22 / n : NaN,
      within30: n ? this.t30 / n : NaN, pixels: n };
  }

  /** The middle angle (the mean of the two middle ones for an even count), at bin centres. */
  private median(): number {
    const at = (rank: number): number => {
      let seen = 0;
      for (let b = 0; b < ANGLE_BINS; b++) {
        seen += this.hist[b]!;
        if (seen > rank) return (b + 0.5) / 100;
      }
      return 180;
    };
    const n = this.n;
    return n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  }
}

/** A box [x0, y0, x1, y1] in pixels (x1, y1 exclusive: width = x1 - x0). */
export type Box = readonly [number, number, number, number];

/** One image's detections or ground truth (scores are ignored on the ground-truth side). */
export interface DetectionSet { boxes: readonly Box[]; labels: readonly number[]; scores?: readonly number[] }

/** Intersection over union of two boxes (0 when either is empty). */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const area = (x: Box): number => Math.max(0, x[2] - x[0]) * Math.max(0, x[3] - x[1]);
  return inter / (area(a) + area(b) - inter);
}

/** Detection scores: AP (mean over IoU 0.5:0.05:0.95) and AP50, per class with ground truth and their means. */
export interface DetScores { ap: number; ap50: number; perClass: Record<number, { ap: number; ap50: number; gt: number; dets: number }> }

/** IoU thresholds of COCO's AP. */
export const IOU_THRESHOLDS = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);

interface ClassDets { dets: { image: number; score: number; box: Box }[]; gt: Map<number, Box[]>; nGt: number }

/**
 * COCO-style average precision, accumulated image by image. Per class and IoU threshold:
 * detections across images by descending score, each matched greedily to the unmatched ground
 * truth box of highest IoU at or above the threshold; precision made monotone, sampled at 101
 * recall points. Classes without ground truth are not scored.
 * @example
 * const ap = new DetectionAccumulator();
 * ap.add({ boxes: [[0, 0, 10, 10]], labels: [2], scores: [0.9] }, { boxes: [[1, 0, 10, 10]], labels: [2] });
 * ap.scores().ap50 // 1
 */
export class DetectionAccumulator {
  private readonly classes = new Map<number, ClassDets>();
  private images = 0;

  private cls(c: number): ClassDets {
    let e = this.classes.get(c);
    if (!e) { e = { dets: [], gt: new Map(), nGt: 0 }; this.classes.set(c, e); }
    return e;
  }

  /** Adds one image's predictions and ground truth. */
  add(pred: DetectionSet, gt: DetectionSet): void {
    const img = this.images++;
    check(pred, 'prediction', true);
    check(gt, 'ground truth', false);
    pred.boxes.forEach((b, i) => this.cls(pred.labels[i]!).dets.push({ image: img, score: pred.scores![i]!, box: b }));
    gt.boxes.forEach((b, i) => {
      const e = this.cls(gt.labels[i]!);
      const list = e.gt.get(img) ?? [];
      list.push(b);
      e.gt.set(img, list);
      e.nGt++;
    });
  }

  scores(): DetScores {
    const perClass: DetScores['perClass'] = {};
    let ap = 0, ap50 = 0, n = 0;
    for (const [c, e] of [...this.classes].sort((a, b) => a[0] - b[0])) {
      if (e.nGt === 0) continue;
      const aps = IOU_THRESHOLDS.map((t) => classAp(e, t));
      const mean = aps.reduce((a, b) => a + b, 0) / aps.length;
      perClass[c] = { ap: mean, ap50: aps[0]!, gt: e.nGt, dets: e.dets.length };
      ap += mean;
      ap50 += aps[0]!;
      n++;
    }
    return { ap: n ? ap / n : NaN, ap50: n ? ap50 / n : NaN, perClass };
  }
}

function check(s: DetectionSet, what: string, needScores: boolean): void {
  if (s.labels.length !== s.boxes.length) throw new Error(`DetectionAccumulator.add: ${what} has ${s.boxes.length} boxes but ${s.labels.length} labels`);
  if (needScores && s.scores?.length !== s.boxes.length) throw new Error(`DetectionAccumulator.add: ${what} has ${s.boxes.length} boxes but ${s.scores?.length ?? 0} scores`);
}

/** AP of one class at one IoU threshold (101-point interpolation). */
function classAp(e: ClassDets, thr: number): number {
  const dets = [...e.dets].sort((a, b) => b.score - a.score);
  const used = new Map<number, boolean[]>();
  const tp = new Float64Array(dets.length);
  dets.forEach((d, i) => {
    const gts = e.gt.get(d.image) ?? [];
    let flags = used.get(d.image);
    if (!flags) { flags = new Array<boolean>(gts.length).fill(false); used.set(d.image, flags); }
    let best = -1, bestIou = thr;
    gts.forEach((g, j) => {
      if (flags[j]) return;
      const iou = boxIou(d.box, g);
      if (iou >= bestIou) { bestIou = iou; best = j; }
    });
    if (best >= 0) { flags[best] = true; tp[i] = 1; }
  });
  const precision = new Float64Array(dets.length), recall = new Float64Array(dets.length);
  let ctp = 0;
  for (let i = 0; i < dets.length; i++) {
    ctp += tp[i]!;
    precision[i] = ctp / (i + 1);
    recall[i] = ctp / e.nGt;
  }
  for (let i = dets.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let sum = 0, k = 0;
  for (let r = 0; r <= 100; r++) {
    const target = r / 100;
    while (k < dets.length && recall[k]! < target - 1e-12) k++;
    sum += k < dets.length ? precision[k]! : 0;
  }
  return sum / 101;
}
