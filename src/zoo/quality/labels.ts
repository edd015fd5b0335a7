// Pseudo-labels against ground truth, sample by sample from their stored fields: seg.png
// (mIoU, pixel accuracy), depth.png + json depth_scale (RMSE, AbsRel, delta1), normal.png
// (angles) and det.json (AP50, AP).
import { decodeImage } from '../../data/loader/decode.js';
import { isNormal } from '../../data/loader/transform.js';
import { ConfusionMatrix, DepthAccumulator, DetectionAccumulator, NormalAccumulator, type Box, type DetScores, type DepthScores,
  type NormalScores, type SegScores } from '../../tasks/metrics.js';

/** The scores of one pseudo-label set (a task is absent when its field never appeared). */
export interface LabelScores {
  samples: number;
  seg?: SegScores;
  depth?: DepthScores;
  normals?: NormalScores;
  det?: DetScores;
}

type Fields = ReadonlyMap<string, Buffer>;

function channel0(buf: Buffer, what: string): { data: Uint8Array | Uint16Array; w: number; h: number; c: number } {
  try {
    const d = decodeImage(buf, { mode: 'raw' });
    return { data: d.data as Uint8Array | Uint16Array, w: d.width, h: d.height, c: d.channels };
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

function first(d: { data: Uint8Array | Uint16Array; c: number }): Uint8Array | Uint16Array {
  if (d.c === 1) return d.data;
  const out = new (d.data.constructor as Uint8ArrayConstructor)(d.data.length / d.c);
  for (let i = 0; i < out.length; i++) out[i] = d.data[i * d.c]!;
  return out;
}

function jsonOf(f: Fields, name: string): Record<string, unknown> {
  const b = f.get(name);
  return b ? (JSON.parse(b.toString('utf8')) as Record<string, unknown>) : {};
}

function depthMetres(f: Fields, what: string): { v: Float32Array; w: number; h: number } {
  const d = channel0(f.get('depth.png')!, `${what} depth.png`);
  const raw = first(d), s = jsonOf(f, 'json').depth_scale;
  const scale = typeof s === 'number' ? s : 1;
  return { v: Float32Array.from(raw, (x) => x * scale), w: d.w, h: d.h };
}

function normals(f: Fields, what: string): { v: Float32Array; w: number; h: number } {
  const d = channel0(f.get('normal.png')!, `${what} normal.png`);
  if (d.c < 3) throw new Error(`${what} normal.png has ${d.c} channel(s), 3 expected`);
  const v = new Float32Array(d.w * d.h * 3);
  for (let p = 0; p < d.w * d.h; p++) {
    const r = d.data[p * d.c]!, g = d.data[p * d.c + 1]!, b = d.data[p * d.c + 2]!;
    if (!isNormal(r, g, b)) continue;
    v[3 * p] = r / 127.5 - 1; v[3 * p + 1] = g / 127.5 - 1; v[3 * p + 2] = b / 127.5 - 1;
  }
  return { v, w: d.w, h: d.h };
}

function sameSize(what: string, a: { w: number; h: number }, b: { w: number; h: number }): void {
  if (a.w !== b.w || a.h !== b.h) throw new Error(`${what}: pseudo-label is ${a.w}x${a.h}, ground truth ${b.w}x${b.h}`);
}

/**
 * Accumulates pseudo-label quality over samples.
 * @example const q = new LabelQuality(7); q.add(labelFields, gtFields, 'key 000001'); q.scores()
 */
export class LabelQuality {
  private readonly seg: ConfusionMatrix;
  private readonly depth = new DepthAccumulator();
  private readonly normal = new NormalAccumulator();
  private readonly det = new DetectionAccumulator();
  private readonly seen = new Set<string>();
  private samples = 0;

  /** `numClasses`: segmentation classes of the ground truth (the world's seg_classes). */
  constructor(numClasses: number) {
    this.seg = new ConfusionMatrix(numClasses);
  }

  /** Scores one sample's pseudo-label fields against its ground-truth fields; `what` names it in errors. */
  add(pred: Fields, gt: Fields, what: string): void {
    this.samples++;
    if (pred.has('seg.png') && gt.has('seg.png')) {
      const p = channel0(pred.get('seg.png')!, `${what} seg.png`), g = channel0(gt.get('seg.png')!, `${what} ground-truth seg.png`);
      sameSize(`${what} seg.png`, { w: p.w, h: p.h }, { w: g.w, h: g.h });
      this.seg.add(first(p), first(g));
      this.seen.add('seg');
    }
    if (pred.has('depth.png') && gt.has('depth.png')) {
      const p = depthMetres(pred, what), g = depthMetres(gt, `${what} ground-truth`);
      sameSize(`${what} depth.png`, p, g);
      this.depth.add(p.v, g.v);
      this.seen.add('depth');
    }
    if (pred.has('normal.png') && gt.has('normal.png')) {
      const p = normals(pred, what), g = normals(gt, `${what} ground-truth`);
      sameSize(`${what} normal.png`, p, g);
      this.normal.add(p.v, g.v);
      this.seen.add('normals');
    }
    if (pred.has('det.json') && gt.has('det.json')) {
      const p = jsonOf(pred, 'det.json'), g = jsonOf(gt, 'det.json');
      this.det.add({ boxes: p.boxes as Box[], labels: p.labels as number[], scores: p.scores as number[] }, { boxes: g.boxes as Box[], labels: g.labels as number[] });
      this.seen.add('det');
    }
  }

  scores(): LabelScores {
    return {
      samples: this.samples,
      ...(this.seen.has('seg') ? { seg: this.seg.scores() } : {}),
      ...(this.seen.has('depth') ? { depth: this.depth.scores() } : {}),
      ...(this.seen.has('normals') ? { normals: this.normal.scores() } : {}),
      ...(this.seen.has('det') ? { det: this.det.scores() } : {}),
    };
  }
}
