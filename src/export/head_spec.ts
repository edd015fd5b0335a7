// The head spec (onnx/<task>_head.json): what a dense head graph takes (the image_features maps it
// reads, by name, with channels and stride), what it returns (names, shapes, stride), the classes,
// and how to turn its raw output into the task's result (seg softmax / argmax / threshold, depth
// units, normals normalisation, CenterNet decoding parameters). Plain JSON; parseHeadSpec checks a
// read one, so `parseHeadSpec(JSON.parse(JSON.stringify(spec)))` round-trips.
import type { DenseTaskName } from '../tasks/names.js';
import { DENSE_TASK_NAMES } from '../tasks/names.js';

export const HEAD_SPEC_FORMAT = 'zooclip-head';
export const HEAD_SPEC_VERSION = 1;

/** A dimension: a size, or 'batch' (the one dynamic axis). */
export type SpecDim = number | 'batch';

/** One image_features map the head graph takes (its input of the same name). */
export interface HeadSpecInput {
  /** `features_<level>`: the image_features.onnx output and the head graph input. */
  name: string;
  /** The tower's forwardIntermediates index (ViT block, MCi stage), non-negative. */
  level: number;
  channels: number;
  /** Input pixels per map cell. */
  stride: number;
  /** ['batch', channels, height, width] (NCHW float32). */
  shape: SpecDim[];
}

/** One output of the head graph. */
export interface HeadSpecOutput { name: string; shape: SpecDim[]; stride: number }

/** seg: probabilities = softmax(logits, axis); label = argmax; a pixel whose top probability is below threshold gets ignore_label. */
export interface SegDecode { type: 'seg'; activation: 'softmax'; axis: 1; threshold: number; ignore_label: 255 }
/**
 * depth: the graph's `depth` is already positive (the head's activation, `in_graph`, runs inside
 * it); metres = depth * scale. in_graph records the form for people and checks.
 */
export interface DepthDecode {
  type: 'depth'; units: 'm'; scale: number;
  in_graph: { kind: 'log_range'; log_range: [number, number] } | { kind: 'bounded'; min: number; max: number } | { kind: 'exp' | 'softplus'; scale: number; min: number };
}
/** normals: unit vectors (camera frame) along `axis`, normalised inside the graph; decoders normalise again (idempotent) after any resize. */
export interface NormalsDecode { type: 'normals'; normalized_in_graph: true; axis: 1; epsilon: number }
/**
 * det (CenterNet): score = sigmoid(heatmap); a cell is a peak when it equals the max of its
 * peak_kernel x peak_kernel neighbourhood; the topk peaks over classes and cells, scores at least
 * score_threshold; box center = (cell + offset) * stride, width/height = max(size, 0) * stride,
 * clipped to the input image.
 */
export interface DetDecode { type: 'centernet'; stride: number; heatmap_activation: 'sigmoid'; peak_kernel: 3; topk: number; score_threshold: number }

export type HeadDecode = SegDecode | DepthDecode | NormalsDecode | DetDecode;

/** The whole spec (one file per task). */
export interface HeadSpecJson {
  format: typeof HEAD_SPEC_FORMAT;
  version: typeof HEAD_SPEC_VERSION;
  task: DenseTaskName;
  /** The head graph, beside this file. */
  graph: string;
  /** The graph producing the inputs, beside this file. */
  features_graph: 'image_features.onnx';
  /** The zooclip head class (LinearSegHead, PyramidSegHead, DepthHead, NormalsHead, CenterNetHead). */
  head: string;
  /** [height, width] of pixel_values the maps come from. */
  image_size: [number, number];
  /** Normalisation of [0, 1] RGB before pixel_values (as preprocessor_config.json). */
  preprocess: { mean: [number, number, number]; std: [number, number, number] };
  inputs: HeadSpecInput[];
  outputs: HeadSpecOutput[];
  /** Names of seg ids / det labels (index = id); [] for depth and normals. */
  classes: string[];
  decode: HeadDecode;
}

const DECODE_TYPE: Record<DenseTaskName, HeadDecode['type']> = { seg: 'seg', depth: 'depth', normals: 'normals', det: 'centernet' };

function fail(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

function checkDims(v: unknown, where: string): SpecDim[] {
  if (!Array.isArray(v) || v.length !== 4 || v[0] !== 'batch' || !v.slice(1).every((d) => Number.isInteger(d) && (d as number) > 0)) {
    fail(where, `expected ['batch', C, H, W] with positive integers, got ${JSON.stringify(v)}`);
  }
  return v as SpecDim[];
}

function checkDecode(task: DenseTaskName, d: unknown, where: string): HeadDecode {
  if (typeof d !== 'object' || d === null) fail(where, 'expected an object');
  const r = d as Record<string, unknown>;
  if (r.type !== DECODE_TYPE[task]) fail(`${where}.type`, `expected '${DECODE_TYPE[task]}' for task ${task}, got ${JSON.stringify(r.type)}`);
  const num = (k: string) => (typeof r[k] === 'number' && Number.isFinite(r[k]) ? r[k] : fail(`${where}.${k}`, `expected a number, got ${JSON.stringify(r[k])}`));
  if (task === 'seg') num('threshold');
  if (task === 'depth' && !(num('scale') > 0)) fail(`${where}.scale`, 'must be > 0');
  if (task === 'det' && !(num('stride') > 0 && Number.isInteger(num('topk')) && num('topk') > 0)) fail(where, 'stride and topk must be positive');
  if (task === 'det') num('score_threshold');
  return r as unknown as HeadDecode;
}

/**
 * Checks a parsed `<task>_head.json` (format, version, task, shapes, inputs named features_<level>,
 * classes, the decode block of its task); errors name `where` and the key.
 * @example const spec = parseHeadSpec(JSON.parse(readFileSync('onnx/seg_head.json', 'utf8')), 'onnx/seg_head.json');
 */
export function parseHeadSpec(raw: unknown, where = 'head spec'): HeadSpecJson {
  if (typeof raw !== 'object' || raw === null) fail(where, 'expected an object');
  const r = raw as Record<string, unknown>;
  if (r.format !== HEAD_SPEC_FORMAT || r.version !== HEAD_SPEC_VERSION) fail(where, `format must be '${HEAD_SPEC_FORMAT}' version ${HEAD_SPEC_VERSION}, got ${JSON.stringify(r.format)} ${JSON.stringify(r.version)}`);
  const task = r.task as DenseTaskName;
  if (!DENSE_TASK_NAMES.includes(task)) fail(`${where}.task`, `expected one of ${DENSE_TASK_NAMES.join(', ')}, got ${JSON.stringify(r.task)}`);
  for (const k of ['graph', 'head']) if (typeof r[k] !== 'string') fail(`${where}.${k}`, 'expected a string');
  const size = r.image_size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) fail(`${where}.image_size`, `expected [H, W], got ${JSON.stringify(size)}`);
  const pre = r.preprocess as Record<string, unknown> | undefined;
  for (const k of ['mean', 'std']) if (!Array.isArray(pre?.[k]) || (pre[k] as unknown[]).length !== 3) fail(`${where}.preprocess.${k}`, 'expected 3 numbers');
  if (!Array.isArray(r.inputs) || r.inputs.length === 0) fail(`${where}.inputs`, 'expected a non-empty list');
  (r.inputs as Record<string, unknown>[]).forEach((inp, i) => {
    checkDims(inp.shape, `${where}.inputs[${i}].shape`);
    if (inp.name !== `features_${String(inp.level)}`) fail(`${where}.inputs[${i}]`, `name must be features_<level>, got ${JSON.stringify(inp.name)} for level ${JSON.stringify(inp.level)}`);
  });
  if (!Array.isArray(r.outputs) || r.outputs.length === 0) fail(`${where}.outputs`, 'expected a non-empty list');
  (r.outputs as Record<string, unknown>[]).forEach((o, i) => {
    checkDims(o.shape, `${where}.outputs[${i}].shape`);
    if (typeof o.name !== 'string') fail(`${where}.outputs[${i}].name`, 'expected a string');
  });
  if (!Array.isArray(r.classes) || r.classes.some((c) => typeof c !== 'string')) fail(`${where}.classes`, 'expected a list of names');
  checkDecode(task, r.decode, `${where}.decode`);
  return r as unknown as HeadSpecJson;
}
