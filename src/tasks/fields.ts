// Reading a task's label field back from a sample (seg.png class ids, depth.png in metres through
// json's depth_scale, normal.png unit vectors, det.json boxes) and grading a pseudo-label field
// against a ground-truth field of the same sample with the task's metrics.
import { decodeImage } from '../data/loader/decode.js';
import { isNormal } from '../data/loader/transform.js';
import { ConfusionMatrix, DepthAccumulator, DetectionAccumulator, NormalAccumulator, type Box } from './metrics.js';

/** A sample's fields by name. */
export type Fields = ReadonlyMap<string, Buffer>;

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

/** Grades one task's pseudo-label fields against ground-truth fields, sample by sample; `what` names the sample in errors. */
export interface FieldGrader { add(pred: Fields, gt: Fields, what: string): void; scores(): object }

/** seg.png: confusion matrix of class ids. */
export function segGrader(numClasses: number): FieldGrader {
  const cm = new ConfusionMatrix(numClasses);
  return {
    add: (pred, gt, what) => {
      const p = channel0(pred.get('seg.png')!, `${what} seg.png`), g = channel0(gt.get('seg.png')!, `${what} ground-truth seg.png`);
      sameSize(`${what} seg.png`, { w: p.w, h: p.h }, { w: g.w, h: g.h });
      cm.add(first(p), first(g));
    },
    scores: () => cm.scores(),
  };
}

/** depth.png (+ json depth_scale): depth errors in metres. */
export function depthGrader(): FieldGrader {
  const acc = new DepthAccumulator();
  return {
    add: (pred, gt, what) => {
      const p = depthMetres(pred, what), g = depthMetres(gt, `${what} ground-truth`);
      sameSize(`${what} depth.png`, p, g);
      acc.add(p.v, g.v);
    },
    scores: () => acc.scores(),
  };
}

/** normal.png: angles between unit normals. */
export function normalsGrader(): FieldGrader {
  const acc = new NormalAccumulator();
  return {
    add: (pred, gt, what) => {
      const p = normals(pred, what), g = normals(gt, `${what} ground-truth`);
      sameSize(`${what} normal.png`, p, g);
      acc.add(p.v, g.v);
    },
    scores: () => acc.scores(),
  };
}

/** det.json: AP of the predicted boxes against the true ones. */
export function detGrader(): FieldGrader {
  const acc = new DetectionAccumulator();
  return {
    add: (pred, gt) => {
      const p = jsonOf(pred, 'det.json'), g = jsonOf(gt, 'det.json');
      acc.add({ boxes: p.boxes as Box[], labels: p.labels as number[], scores: p.scores as number[] }, { boxes: g.boxes as Box[], labels: g.labels as number[] });
    },
    scores: () => acc.scores(),
  };
}
