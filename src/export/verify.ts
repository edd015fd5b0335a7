// Verification of exported CLIP graphs against the libtorch forward: for each dtype variant,
// onnxruntime-node runs vision_model<suffix>.onnx and text_model<suffix>.onnx on a zero-shot test set
// (images and one prompt per class); the report gives the embeddings' max abs difference and cosine
// similarity to zooclip's, and the zero-shot top-1 agreement with zooclip's fp32 decisions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, noGrad, tensor, tidy } from '../engine/index.js';
import type { CLIP } from '../models/clip.js';
import { type OnnxDtype, dtypeFile } from './dtypes.js';

/** A zero-shot test set: images [N, 3, S, S] float32 and one prompt per class, token ids [C, L] int64. */
export interface ZeroShotSet { images: Tensor; prompts: Tensor }

/**
 * What a variant must reach: embeddings' cosine to libtorch's, top-1 agreement, and (fp32) max abs
 * difference. Agreement is judged on the images libtorch decides: those whose fp32 top-1 cosine beats
 * the second class by at least `decidedMargin` (default DECIDED_MARGIN); a near-tie of a random-init
 * model says nothing about the export. With no decided image, agreement is not judged (the report says so).
 */
export interface DtypeBounds { minCosine: number; minAgreement: number; maxAbs?: number; decidedMargin?: number }

/** The fp32 top-1 margin (cosine) from which an image counts as decided. */
export const DECIDED_MARGIN = 0.01;

/**
 * The bounds verifyClipOnnx applies unless told otherwise (any model; docs/onnx.md, "dtype variants"):
 * fp32 is the libtorch forward within 1e-4; fp16 and q8 keep the embeddings' direction (cosine) and
 * 99% of the zero-shot decisions. zooclip-tiny measures 1 - cosine 7e-8 (fp16) and 6e-5 (q8); the
 * cosine bounds leave room for deeper and wider models, whose rounding errors add up over more layers.
 */
export const DEFAULT_BOUNDS: Readonly<Record<OnnxDtype, DtypeBounds>> = {
  fp32: { minCosine: 0.99999, minAgreement: 0.99, maxAbs: 1e-4 },
  fp16: { minCosine: 0.9995, minAgreement: 0.99 },
  q8: { minCosine: 0.99, minAgreement: 0.99 },
};

/** One tower's comparison with libtorch (raw, unnormalised embeddings). */
export interface TowerCheck { file: string; maxAbs: number; minCosine: number; meanCosine: number }

/** One variant's result. */
export interface DtypeVerification {
  dtype: OnnxDtype; image: TowerCheck; text: TowerCheck;
  /** Share of images whose top-1 class equals libtorch fp32's. */
  top1Agreement: number;
  /** The same over the decided images (null when there is none), and how many there are. */
  decidedAgreement: number | null; decided: number;
  /** model<suffix>.onnx (the combined graph transformers.js's pipeline runs), when in the folder: its normalised embeddings against libtorch's. */
  model?: { image: TowerCheck; text: TowerCheck };
  bounds: DtypeBounds; pass: boolean;
}

/** The report verifyClipOnnx returns (the CLI prints it and stores it in zooclip_export.json). */
export interface ClipVerification {
  images: number; classes: number;
  /** libtorch fp32 zero-shot: smallest and median cosine gap between the best and second class (how decidable the set is). */
  referenceMargin: { min: number; median: number };
  dtypes: DtypeVerification[]; pass: boolean;
}

/** Options of verifyClipOnnx. */
export interface VerifyOptions { dtypes?: readonly OnnxDtype[]; bounds?: Partial<Record<OnnxDtype, DtypeBounds>>; batch?: number; threads?: number }

type Ort = typeof import('onnxruntime-node');

/** Rows of `x` in chunks of `batch`, as flat arrays with their shapes. */
function chunks<T extends Float32Array | BigInt64Array>(all: T, shape: readonly number[], batch: number): { data: T; dims: number[] }[] {
  const row = shape.slice(1).reduce((a, b) => a * b, 1), out: { data: T; dims: number[] }[] = [];
  for (let i = 0; i < shape[0]!; i += batch) {
    const n = Math.min(batch, shape[0]! - i);
    out.push({ data: all.subarray(i * row, (i + n) * row) as T, dims: [n, ...shape.slice(1)] });
  }
  return out;
}

async function runOnnx(ort: Ort, file: string, input: string, output: string, type: 'float32' | 'int64', parts: { data: Float32Array | BigInt64Array; dims: number[] }[], threads: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads });
  const rows: number[] = [];
  for (const p of parts) rows.push(...((await session.run({ [input]: new ort.Tensor(type, p.data, p.dims) }))[output]!.data as Float32Array));
  await session.release();
  return Float32Array.from(rows);
}

function compare(file: string, got: Float32Array, want: Float32Array, d: number): TowerCheck {
  if (got.length !== want.length) throw new Error(`${file}: ${got.length / d} embeddings for ${want.length / d} inputs`);
  let maxAbs = 0;
  const cos = rowsOf(got, d).map((g, r) => cosine(g, want.subarray(r * d, (r + 1) * d)));
  for (let i = 0; i < got.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i]! - want[i]!));
  return { file, maxAbs, minCosine: Math.min(...cos), meanCosine: cos.reduce((a, b) => a + b, 0) / cos.length };
}

/** Each row of `x` divided by its norm (a new array). */
function normalizeRows(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(x.length);
  rowsOf(x, d).forEach((r, i) => { const n = Math.hypot(...r) || 1; for (let k = 0; k < d; k++) out[i * d + k] = r[k]! / n; });
  return out;
}

/** The combined graph on every image chunk with all prompts (attention_mask all ones: the graph ignores it). */
async function runCombined(ort: Ort, file: string, imageParts: { data: Float32Array; dims: number[] }[], prompts: Tensor, threads: number): Promise<{ image: Float32Array; text: Float32Array }> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads });
  try {
    const ids = new ort.Tensor('int64', prompts.data() as BigInt64Array, [...prompts.shape]);
    const mask = new ort.Tensor('int64', new BigInt64Array(ids.data.length).fill(1n), [...prompts.shape]);
    const images: Float32Array[] = [];
    let text: Float32Array = new Float32Array(0);
    for (const p of imageParts) {
      const r = await session.run({ input_ids: ids, attention_mask: mask, pixel_values: new ort.Tensor('float32', p.data, p.dims) });
      images.push(r.image_embeds!.data as Float32Array);
      text = r.text_embeds!.data as Float32Array;
    }
    const image = new Float32Array(images.reduce((n, a) => n + a.length, 0));
    images.reduce((off, a) => { image.set(a, off); return off + a.length; }, 0);
    return { image, text };
  } finally {
    await session.release();
  }
}

const rowsOf = (x: Float32Array, d: number) => Array.from({ length: x.length / d }, (_, r) => x.subarray(r * d, (r + 1) * d));
function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) { ab += a[k]! * b[k]!; aa += a[k]! * a[k]!; bb += b[k]! * b[k]!; }
  return ab / Math.sqrt(aa * bb);
}

/**
 * Per image, the classes by cosine to each prompt: top-1 index and the gap to the second best.
 * @example zeroShot(imageEmbeds, textEmbeds, 128)[0] // { top: 3, margin: 0.21 }
 */
export function zeroShot(images: Float32Array, texts: Float32Array, d: number): { top: number; margin: number }[] {
  const classes = rowsOf(texts, d);
  return rowsOf(images, d).map((img) => {
    const s = classes.map((t) => cosine(img, t));
    const top = s.indexOf(Math.max(...s)), second = Math.max(...s.filter((_, i) => i !== top));
    return { top, margin: s[top]! - second };
  });
}

function reference(model: CLIP, set: ZeroShotSet, batch: number): { image: Float32Array; text: Float32Array } {
  const part = (x: Tensor, f: (c: Tensor) => Tensor) => chunks(x.data() as Float32Array | BigInt64Array, x.shape, batch)
    .flatMap((c) => noGrad(() => tidy(() => f(tensor(c.data, { shape: c.dims, dtype: x.dtype })).toArray() as number[])));
  return {
    image: Float32Array.from(part(set.images, (c) => model.encodeImage(c, false))),
    text: Float32Array.from(part(set.prompts, (c) => model.encodeText(c, false))),
  };
}

/**
 * Runs each variant's vision_model / text_model (and model, the combined graph, when it is there) from
 * `dir` (onnxruntime-node, CPU) on the test set and compares it with `model`'s libtorch forward; `pass` when every variant meets its bounds.
 * @example const report = await verifyClipOnnx(model, 'out/onnx', { images, prompts }, { dtypes: ['fp32', 'fp16', 'q8'] });
 */
export async function verifyClipOnnx(model: CLIP, dir: string, set: ZeroShotSet, o: VerifyOptions = {}): Promise<ClipVerification> {
  const ort: Ort = await import('onnxruntime-node');
  const batch = o.batch ?? 16, threads = o.threads ?? 1, d = model.cfg.embed_dim;
  const want = reference(model, set, batch), decided = zeroShot(want.image, want.text, d);
  const imageParts = chunks(set.images.data() as Float32Array, set.images.shape, batch);
  const textParts = chunks(set.prompts.data() as BigInt64Array, set.prompts.shape, batch);
  const dtypes: DtypeVerification[] = [];
  for (const dtype of o.dtypes ?? ['fp32']) {
    const [vf, tf] = [join(dir, dtypeFile('vision_model', dtype)), join(dir, dtypeFile('text_model', dtype))];
    const image = await runOnnx(ort, vf, 'pixel_values', 'image_embeds', 'float32', imageParts, threads);
    const text = await runOnnx(ort, tf, 'input_ids', 'text_embeds', 'int64', textParts, threads);
    const bounds = o.bounds?.[dtype] ?? DEFAULT_BOUNDS[dtype];
    const same = zeroShot(image, text, d).map((z, i) => z.top === decided[i]!.top);
    const sure = same.filter((_, i) => decided[i]!.margin >= (bounds.decidedMargin ?? DECIDED_MARGIN));
    const agree = same.filter(Boolean).length / same.length, sureAgree = sure.length ? sure.filter(Boolean).length / sure.length : null;
    const [ic, tc] = [compare(vf, image, want.image, d), compare(tf, text, want.text, d)];
    const mf = join(dir, dtypeFile('model', dtype)), combined = existsSync(mf) ? await runCombined(ort, mf, imageParts, set.prompts, threads) : undefined;
    const mc = combined && { image: compare(`${mf} image_embeds`, combined.image, normalizeRows(want.image, d), d), text: compare(`${mf} text_embeds`, combined.text, normalizeRows(want.text, d), d) };
    const checks = [ic, tc, ...(mc ? [mc.image, mc.text] : [])];
    const pass = Math.min(...checks.map((c) => c.minCosine)) >= bounds.minCosine && (sureAgree === null || sureAgree >= bounds.minAgreement)
      && (bounds.maxAbs === undefined || Math.max(...checks.map((c) => c.maxAbs)) <= bounds.maxAbs);
    dtypes.push({ dtype, image: ic, text: tc, top1Agreement: agree, decidedAgreement: sureAgree, decided: sure.length, ...(mc ? { model: mc } : {}), bounds, pass });
  }
  const margins = decided.map((z) => z.margin).sort((a, b) => a - b);
  return {
    images: decided.length, classes: set.prompts.shape[0]!, referenceMargin: { min: margins[0]!, median: margins[margins.length >> 1]! },
    dtypes, pass: dtypes.every((v) => v.pass),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The report as lines for a terminal: the test set, then one line per variant with its measures,
 * bounds and verdict.
 * @example for (const line of formatVerification(report)) console.log(line);
 */
export function formatVerification(r: ClipVerification): string[] {
  const head = `zero-shot test set: ${r.images} images, ${r.classes} classes, fp32 top-1 margin min ${r.referenceMargin.min.toFixed(3)} median ${r.referenceMargin.median.toFixed(3)}`;
  return [head, ...r.dtypes.map((v) => {
    const checks = [v.image, v.text, ...(v.model ? [v.model.image, v.model.text] : [])];
    const cos = Math.min(...checks.map((c) => c.minCosine)), abs = Math.max(...checks.map((c) => c.maxAbs));
    const absPart = v.bounds.maxAbs === undefined ? '' : ` (<= ${v.bounds.maxAbs})`;
    const margin = v.bounds.decidedMargin ?? DECIDED_MARGIN;
    const decided = v.decidedAgreement === null ? `no image decided (fp32 margin >= ${margin}): not judged`
      : `${pct(v.decidedAgreement)} of the ${v.decided} decided (fp32 margin >= ${margin}; >= ${pct(v.bounds.minAgreement)})`;
    return `${v.dtype.padEnd(4)} cosine min ${cos.toFixed(8)} (>= ${v.bounds.minCosine}), max abs ${abs.toExponential(1)}${absPart}, `
      + `top-1 agreement ${pct(v.top1Agreement)} of all, ${decided}: ${v.pass ? 'ok' : 'FAILED'}`;
  })];
}
