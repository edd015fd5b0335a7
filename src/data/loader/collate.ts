// Main-thread batch assembly: the workers' uint8 crops become one normalised float tensor (a
// single native pass), captions become token ids, dense labels become target tensors and masks.
import { type Tensor, tensor, tidy, keep, wrap } from '../../engine/index.js';
import { dtypeCode } from '../../engine/dtype.js';
import { native } from '../../engine/native.js';
import type { DenseKind, SampleOk } from './transform.js';
import { unpackBoxes } from './det_labels.js';
import type { TeacherRows } from './teacher.js';

/** A training batch. Owns its tensors: call dispose() (or `using`) when the step is done. */
export interface Batch {
  /** float32 [B, 3, S, S], (x / 255 - mean) / std. */
  images: Tensor;
  /** int64 [B, context] from the tokenize callback, when one was given. */
  tokens?: Tensor;
  captions: string[];
  /** Where each caption came from: 0 = `txt`, 1 + k = synthetic caption k. */
  captionIndex: number[];
  keys: string[];
  /** int64 [B, S, S] class ids, 255 = ignore. */
  seg?: Tensor;
  /** float32 [B, 1, S, S] depth in `json` depth_scale units (0 = invalid) and its bool mask. */
  depth?: Tensor;
  depthMask?: Tensor;
  /** float32 [B, 3, S, S] unit normals (rgb / 127.5 - 1; zero where there is none) and a bool [B, 1, S, S] mask of real ones. */
  normal?: Tensor;
  normalMask?: Tensor;
  /** Boxes per sample in output pixels [x0, y0, x1, y1] and class ids (empty for a sample without `det.json`). */
  det?: { boxes: [number, number, number, number][][]; labels: number[][] };
  /** bool [B] per requested label: whether each sample carries it (the pseudo-task losses use only those). */
  present?: Partial<Record<DenseKind, Tensor>>;
  /** Teacher embeddings (DataCompDR npz): image rows float32 [B, D]; text rows per sample (see teacherText()). */
  teacher?: { image: Tensor; text: TeacherRows[] };
  dispose(): void;
  [Symbol.dispose](): void;
}

/** What collation needs to know. */
export interface CollateConfig {
  imageSize: number;
  mean: readonly number[];
  std: readonly number[];
  dense: readonly DenseKind[];
  teacher?: boolean;
  tokenize?: (texts: string[]) => Tensor;
}

function stack(items: ArrayBufferView[], shape: number[], dtype: 'uint8' | 'float32'): Tensor {
  return wrap(native.stackToTensor(items, shape, dtypeCode(dtype)));
}

function denseTensors(samples: SampleOk[], c: CollateConfig, out: Partial<Batch>): void {
  const s = c.imageSize;
  tidy(() => {
    out.present = {};
    for (const d of c.dense) out.present[d] = keep(tensor(Uint8Array.from(samples, (x) => (x.present?.[d] ? 1 : 0)), { shape: [samples.length] }).to('bool'));
    if (c.dense.includes('det')) {
      const u = samples.map((x) => unpackBoxes(x.det ?? new Float32Array()));
      out.det = { boxes: u.map((x) => x.boxes), labels: u.map((x) => x.labels) };
    }
    if (c.dense.includes('seg')) out.seg = keep(stack(samples.map((x) => x.seg!), [s, s], 'uint8').to('int64'));
    if (c.dense.includes('depth')) {
      out.depth = keep(stack(samples.map((x) => x.depth!), [1, s, s], 'float32'));
      out.depthMask = keep(out.depth.gt(0));
    }
    if (c.dense.includes('normal')) {
      const n = stack(samples.map((x) => x.normal!), [s, s, 3], 'uint8').permute([0, 3, 1, 2]).to('float32').div(127.5).sub(1);
      out.normalMask = keep(n.square().sum(1, true).gt(0.25));  // as isNormal(): length above 0.5
      out.normal = keep(n.mul(out.normalMask).contiguous());
    }
  });
}

/** Every tensor a batch owns (the plain ones, the presence masks, the teacher image rows). */
function ownedTensors(p: Partial<Batch>): Tensor[] {
  const out: Tensor[] = [];
  for (const k of ['images', 'tokens', 'seg', 'depth', 'depthMask', 'normal', 'normalMask'] as const) if (p[k]) out.push(p[k]);
  if (p.present) out.push(...(Object.values(p.present) as Tensor[]));
  if (p.teacher) out.push(p.teacher.image);
  return out;
}

function teacherBatch(samples: SampleOk[]): { image: Tensor; text: TeacherRows[] } {
  const rows = samples.map((x, i) => {
    if (!x.teacher) throw new Error(`collate: sample ${i} has no teacher embeddings`);
    return x.teacher;
  });
  const dim = rows[0]!.dim;
  rows.forEach((r, i) => { if (r.dim !== dim) throw new Error(`collate: teacher width ${r.dim} of sample ${i} differs from ${dim}`); });
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => flat.set(r.image, i * dim));
  return { image: tensor(flat, { shape: [rows.length, dim] }), text: rows };
}

/**
 * The teacher text rows [B, D] of the given caption indices (0 = real, 1 + k = synthetic k), e.g.
 * the batch's own captionIndex, or 0 for every sample in multi-caption mode's real term.
 * @example const t = teacherText(batch.teacher!.text, batch.captionIndex);
 */
export function teacherText(rows: readonly TeacherRows[], index: readonly number[]): Tensor {
  const dim = rows[0]!.dim;
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    const k = index[i]!;
    if (!(k >= 0 && k < r.rows)) throw new Error(`teacherText: sample ${i} has ${r.rows} teacher text rows, caption index ${k} asked`);
    flat.set(r.text.subarray(k * dim, (k + 1) * dim), i * dim);
  });
  return tensor(flat, { shape: [rows.length, dim] });
}

/** Builds a batch from decoded samples (main thread only: it creates tensors). */
export function collate(samples: SampleOk[], keys: string[], c: CollateConfig): Batch {
  const s = c.imageSize;
  const captions = samples.map((x) => x.caption);
  const captionIndex = samples.map((x) => x.captionIndex);
  const parts: Partial<Batch> = {};
  const extra: Pick<Batch, 'det' | 'present' | 'teacher'> = {};
  try {
    parts.images = wrap(native.imagesToTensor(samples.map((x) => x.image), s, s, c.mean, c.std));
    if (c.tokenize) parts.tokens = c.tokenize(captions);
    if (c.dense.length) denseTensors(samples, c, parts);
    if (c.teacher) parts.teacher = teacherBatch(samples);
  } catch (e) {
    for (const t of ownedTensors(parts)) t.dispose();
    throw e;
  }
  ({ det: extra.det, present: extra.present, teacher: extra.teacher } = parts);
  const tensors = ownedTensors(parts);
  const dispose = (): void => { for (const t of tensors) t.dispose(); };
  return { ...(parts as { images: Tensor }), ...extra, captions, captionIndex, keys, dispose, [Symbol.dispose]: dispose };
}
