// Verification of an export folder's fp32 graphs: onnxruntime-node runs every graph on fixed
// inputs (a deterministic pixel pattern, two caption-like token rows) and each output is compared
// with the libtorch forward of the same model. The inputs are the same on every run, so the report is
// repeatable; a graph passes when every output's max abs difference is within its bound.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, tensor, tidy, type Tensor } from '../../engine/index.js';
import type { CLIP } from '../../models/clip.js';
import { resolveLevel, type CenterNetOutput } from '../../models/heads/index.js';
import type { TaskHead } from '../../tasks/index.js';
import { towerFeatures } from '../../dense/model.js';
import { DEFAULT_BOUNDS, featuresName, type DenseHeadSource } from '../../export/index.js';

type Ort = typeof import('onnxruntime-node');
type OrtTensor = import('onnxruntime-node').Tensor;

/** One output of one graph against libtorch. */
export interface OutputCheck { output: string; maxAbs: number; bound: number }

/** One graph's verdict (the manifest's `verification.graphs[i]`). */
export interface GraphCheck { file: string; maxAbs: number; pass: boolean; outputs: OutputCheck[] }

/** The verification report (stored in zooclip_export.json, printed by the CLI). */
export interface ExportVerification {
  runtime: string;
  /** The bound on embeddings and dense maps; logits are allowed tolerance x exp(logit_scale). */
  tolerance: number;
  images: number;
  texts: number;
  pass: boolean;
  graphs: GraphCheck[];
}

/** Pixel values [n, 3, S, S] in about [-2, 2] from a fixed hash of the index: no random state. */
function fixedPixels(n: number, size: number): Tensor {
  const data = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < data.length; i++) {
    const u = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
    data[i] = (u - Math.floor(u) - 0.5) * 4;
  }
  return tensor(data, { shape: [n, 3, size, size] });
}

/** `rows` caption-like rows of width `ctx`: a full row, then shorter ones padded with zeros (start, words, end = the top two ids). */
function fixedIds(ctx: number, vocab: number, rows = 2): { ids: Tensor; data: BigInt64Array; mask: BigInt64Array } {
  const lengths = Array.from({ length: rows }, (_, r) => (r === 0 ? ctx : Math.min(ctx, 3 + ((r * 3) % (ctx - 2))))), eot = vocab - 1, sot = vocab - 2;
  const data = new BigInt64Array(rows * ctx), mask = new BigInt64Array(rows * ctx);
  lengths.forEach((len, r) => {
    for (let c = 0; c < ctx; c++) {
      const word = 1 + ((r * 7919 + c * 104729) % (vocab - 3));
      data[r * ctx + c] = BigInt(c === 0 ? sot : c < len - 1 ? word : c === len - 1 ? eot : 0);
      mask[r * ctx + c] = c < len ? 1n : 0n;
    }
  });
  return { ids: tensor(data, { shape: [rows, ctx], dtype: 'int64' }), data, mask };
}

const ortOf = (ort: Ort, t: Tensor): OrtTensor => new ort.Tensor('float32', t.data() as Float32Array, [...t.shape]);   // data(): a contiguous copy

/** max |onnx - torch| of one output, after checking the shapes agree. */
function diff(file: string, name: string, got: OrtTensor | undefined, want: Tensor, bound: number): OutputCheck {
  if (!got) throw new Error(`${file}: no output '${name}'`);
  if (got.dims.join(',') !== want.shape.join(',')) throw new Error(`${file}: output '${name}' has shape [${got.dims.join(', ')}], libtorch [${want.shape.join(', ')}]`);
  const g = got.data as Float32Array, w = want.data() as Float32Array;
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(g[i]! - w[i]!));
  if (Number.isNaN(g.reduce((a, b) => a + b, 0))) maxAbs = Infinity;
  return { output: name, maxAbs, bound };
}

function graphCheck(file: string, outputs: OutputCheck[]): GraphCheck {
  return { file, maxAbs: Math.max(...outputs.map((o) => o.maxAbs)), pass: outputs.every((o) => o.maxAbs <= o.bound), outputs };
}

/** Runs `file` (beside `dir`) on `feeds` with one thread (repeatable) and returns its outputs. */
async function runGraph(ort: Ort, dir: string, file: string, feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> {
  const session = await ort.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

interface Inputs { ort: Ort; dir: string; model: CLIP; pixels: Tensor; ids: ReturnType<typeof fixedIds>; tol: number }

/** vision_model, text_model and model (the graphs present in `dir`). */
async function checkClipGraphs(x: Inputs): Promise<GraphCheck[]> {
  const { ort, dir, model, pixels, ids, tol } = x, out: GraphCheck[] = [];
  const pv = ortOf(ort, pixels), ii = new ort.Tensor('int64', ids.data, [...ids.ids.shape]);
  const want = noGrad(() => ({
    image: model.encodeImage(pixels, false), text: model.encodeText(ids.ids, false),
    imageN: model.encodeImage(pixels, true), textN: model.encodeText(ids.ids, true),
  }));
  try {
    if (existsSync(join(dir, 'vision_model.onnx'))) {
      const r = await runGraph(ort, dir, 'vision_model.onnx', { pixel_values: pv });
      out.push(graphCheck('onnx/vision_model.onnx', [diff('vision_model.onnx', 'image_embeds', r.image_embeds, want.image, tol)]));
    }
    if (existsSync(join(dir, 'text_model.onnx'))) {
      const r = await runGraph(ort, dir, 'text_model.onnx', { input_ids: ii });
      out.push(graphCheck('onnx/text_model.onnx', [diff('text_model.onnx', 'text_embeds', r.text_embeds, want.text, tol)]));
    }
    if (existsSync(join(dir, 'model.onnx'))) out.push(await checkCombined(x, pv, ii, want.imageN, want.textN));
  } finally {
    for (const t of Object.values(want)) t.dispose();
  }
  return out;
}

/** model.onnx: normalised embeddings within tol, logits within tol x exp(logit_scale). */
async function checkCombined(x: Inputs, pv: OrtTensor, ii: OrtTensor, imageN: Tensor, textN: Tensor): Promise<GraphCheck> {
  const { ort, dir, model, ids, tol } = x;
  const r = await runGraph(ort, dir, 'model.onnx', { input_ids: ii, attention_mask: new ort.Tensor('int64', ids.mask, [...ids.ids.shape]), pixel_values: pv });
  const scale = Math.exp(model.logit_scale.item());
  const logits = noGrad(() => tidy(() => {
    const l = imageN.matmul(textN.transpose(0, 1)).mul(scale);
    return model.logit_bias ? l.add(model.logit_bias) : l;
  }));
  const logitsT = noGrad(() => tidy(() => logits.transpose(0, 1).contiguous()));
  try {
    return graphCheck('onnx/model.onnx', [
      diff('model.onnx', 'logits_per_image', r.logits_per_image, logits, tol * scale), diff('model.onnx', 'logits_per_text', r.logits_per_text, logitsT, tol * scale),
      diff('model.onnx', 'text_embeds', r.text_embeds, textN, tol), diff('model.onnx', 'image_embeds', r.image_embeds, imageN, tol),
    ]);
  } finally {
    logits.dispose(); logitsT.dispose();
  }
}

/** The libtorch outputs of one head over `features`, by graph output name. */
function headOutputs(task: string, head: TaskHead, features: Tensor, size: number): Record<string, Tensor> {
  const out = head.forward([features], [size, size]);
  if (task !== 'det') return { [{ seg: 'logits', depth: 'depth', normals: 'normals' }[task]!]: out as Tensor };
  const c = out as CenterNetOutput;
  return { heatmap: c.heatmap, size: c.size, offset: c.offset };
}

/** image_features (each level against the tower's map) and each head fed onnxruntime's features (chained, as a caller runs them). */
async function checkDenseGraphs(x: Inputs, heads: readonly DenseHeadSource[]): Promise<GraphCheck[]> {
  if (!heads.length) return [];
  const { ort, dir, model, pixels, tol } = x, size = model.visual.imageSize, info = model.visual.featureInfo();
  const level = (h: DenseHeadSource): number => resolveLevel(info, h.level, `export: ${h.task} head`);
  const feats = await runGraph(ort, dir, 'image_features.onnx', { pixel_values: ortOf(ort, pixels) });
  const levels = [...new Set(heads.map(level))].sort((a, b) => a - b);
  const maps = new Map(levels.map((l) => [l, noGrad(() => towerFeatures(model.visual, l, pixels))]));
  const out: GraphCheck[] = [];
  try {
    out.push(graphCheck('onnx/image_features.onnx', levels.map((l) => diff('image_features.onnx', featuresName(l), feats[featuresName(l)], maps.get(l)!, tol))));
    for (const h of heads) {
      const file = `${h.task}_head.onnx`, name = featuresName(level(h));
      const got = await runGraph(ort, dir, file, { [name]: feats[name]! });
      const want = noGrad(() => headOutputs(h.task, h.head, maps.get(level(h))!, size));
      out.push(graphCheck(`onnx/${file}`, Object.entries(want).map(([k, t]) => diff(file, k, got[k], t, tol))));
      for (const t of Object.values(want)) t.dispose();
    }
  } finally {
    for (const t of maps.values()) t.dispose();
  }
  return out;
}

/**
 * The fixed inputs of the dtype variants' zero-shot check (wip-14-dtypes' verifyClipOnnx): `images`
 * pixel patterns [n, 3, S, S] and `texts` token rows [t, context] (dispose both).
 * @example const { images, prompts } = verificationSet(model); await verifyClipOnnx(model, dir, { images, prompts }, { dtypes });
 */
export function verificationSet(model: CLIP, images = 32, texts = 8): { images: Tensor; prompts: Tensor } {
  const t = model.cfg.text_cfg;
  return { images: fixedPixels(images, model.visual.imageSize), prompts: fixedIds(t.context_length, t.vocab_size, texts).ids };
}

/** The default bound on onnxruntime vs libtorch (max abs difference of embeddings and dense maps): verifyClipOnnx's fp32 bound. */
export const DEFAULT_TOLERANCE = DEFAULT_BOUNDS.fp32.maxAbs!;

/**
 * Verifies the fp32 graphs in `onnxDir` (vision_model, text_model, model when present; image_features
 * and each head of `heads`) against `model`'s libtorch forward (eval mode, tower folded as exported).
 * @example const v = await verifyExportGraphs(model, 'out/.tmp/onnx', heads); if (!v.pass) console.log(v.graphs.filter((g) => !g.pass));
 */
export async function verifyExportGraphs(model: CLIP, onnxDir: string, heads: readonly DenseHeadSource[], tolerance = DEFAULT_TOLERANCE): Promise<ExportVerification> {
  const ort: Ort = await import('onnxruntime-node');
  const cfg = model.cfg.text_cfg;
  const pixels = fixedPixels(2, model.visual.imageSize), ids = fixedIds(cfg.context_length, cfg.vocab_size);
  try {
    const x: Inputs = { ort, dir: onnxDir, model, pixels, ids, tol: tolerance };
    const graphs = [...await checkClipGraphs(x), ...await checkDenseGraphs(x, heads)];
    return { runtime: 'onnxruntime-node (CPU, 1 thread) vs libtorch', tolerance, images: 2, texts: 2, pass: graphs.every((g) => g.pass), graphs };
  } finally {
    pixels.dispose(); ids.ids.dispose();
  }
}
