// JSON specs of ONNX plugins: what a foreign model expects (input name, size, layout, value scale,
// mean/std) and how its outputs decode (seg logits, depth, normals, boxes; a captioner's encoder,
// decoder and tokens). Specs are validated strictly: unknown keys and bad values are errors that name
// the file and the key. Model paths are relative to the spec file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DENSE_TASK_NAMES, type DenseTaskName } from '../tasks/names.js';
import { JsonFields } from './onnx/json_check.js';

/** How an image becomes the model's input tensor. */
export interface ImageInputSpec {
  /** The ONNX input name. */
  name: string;
  /** [height, width] the image is resized to (bilinear), or 'dynamic' (the image's own size). */
  size: [number, number] | 'dynamic';
  /** With a dynamic size: each side is rounded to the nearest multiple of this (halves up). */
  multiple: number;
  layout: 'NCHW' | 'NHWC';
  /** Pixel values before mean/std: '0-1' (x / 255) or '0-255'. */
  scale: '0-1' | '0-255';
  /** Per channel, in the units of `scale`: x = (v - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
  /** Channel order the model expects. */
  channels: 'RGB' | 'BGR';
  /** Most images per run (the model must accept that batch size). */
  batch: number;
}

/** Column names of a box row; '_' ignores a column. */
export type BoxColumn = 'x0' | 'y0' | 'x1' | 'y1' | 'score' | 'label' | '_';

/** How an expert's output decodes. */
export type OutputSpec =
  /** Logits [B, C, h, w]: argmax, max-softmax below the threshold -> 255, nearest resize. */
  | { kind: 'seg_logits'; name: string }
  /** Depth [B, 1, h, w] or [B, h, w]: metres = raw * scale ('inverse_depth': scale / raw); bilinear resize. */
  | { kind: 'depth'; name: string; scale: number; values: 'depth' | 'inverse_depth' }
  /** Normals [B, 3, h, w]: bilinear resize, then normalised per pixel. */
  | { kind: 'normals'; name: string }
  /** Boxes [B, N, K] (or [N, K] with batch 1), one row per box with the declared columns. */
  | { kind: 'boxes'; name: string; columns: BoxColumn[]; coords: 'input_pixels' | 'normalized'; labelOffset: number };

/** A validated ONNX expert spec. */
export interface OnnxExpertSpec {
  task: DenseTaskName;
  /** Absolute path of the .onnx file. */
  model: string;
  name: string;
  input: ImageInputSpec;
  output: OutputSpec;
  classes?: string[];
  /** Default confidence threshold (ExpertOptions.threshold overrides). */
  threshold?: number;
}

/** A validated ONNX captioner spec. */
export interface OnnxCaptionerSpec {
  name: string;
  /** Image -> image tokens [B, N, D] (or an embedding [B, D]). */
  encoder: { model: string; input: ImageInputSpec; output: string };
  /** Token ids [B, T] + image tokens -> logits [B, T, V]. */
  decoder: { model: string; tokens: string; imageTokens: string; output: string; maxContext?: number };
  /** 'clip' (src/tokenizer's CLIP BPE) or the absolute path of a JSON array of token strings. */
  tokenizer: { vocab: 'clip' | string; start: number; end: number; pad: number };
}

const TASK_KIND: Record<DenseTaskName, OutputSpec['kind']> = { seg: 'seg_logits', depth: 'depth', normals: 'normals', det: 'boxes' };
const BOX_COLUMNS: readonly BoxColumn[] = ['x0', 'y0', 'x1', 'y1', 'score', 'label', '_'];

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ONNX spec ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

function parseImageInput(f: JsonFields): ImageInputSpec {
  f.only(['name', 'size', 'multiple', 'layout', 'scale', 'mean', 'std', 'channels', 'batch']);
  let size: ImageInputSpec['size'] = 'dynamic';
  if (f.raw('size') !== 'dynamic') {
    const s = f.numbers('size', 2);
    if (s.some((v) => !Number.isInteger(v) || v < 1)) f.fail(f.key('size'), `must be [height, width] of positive integers or 'dynamic', got ${JSON.stringify(s)}`);
    size = [s[0], s[1]];
  }
  const scale = f.oneOf('scale', ['0-1', '0-255'] as const);
  const mean = f.numbers('mean', 3, [0, 0, 0]) as [number, number, number];
  const std = f.numbers('std', 3, [1, 1, 1]) as [number, number, number];
  if (std.some((s) => s <= 0)) f.fail(f.key('std'), `must be positive, got ${JSON.stringify(std)}`);
  return {
    name: f.string('name'), size, multiple: f.number('multiple', 1, { integer: true, min: 1 }),
    layout: f.oneOf('layout', ['NCHW', 'NHWC'] as const), scale, mean, std,
    channels: f.oneOf('channels', ['RGB', 'BGR'] as const, 'RGB'), batch: f.number('batch', 1, { integer: true, min: 1 }),
  };
}

function parseOutput(f: JsonFields, task: DenseTaskName): OutputSpec {
  const kind = f.oneOf('kind', ['seg_logits', 'depth', 'normals', 'boxes'] as const);
  if (kind !== TASK_KIND[task]) f.fail(f.key('kind'), `'${kind}' does not fit task '${task}' (expected '${TASK_KIND[task]}')`);
  const name = f.string('name');
  switch (kind) {
    case 'depth':
      f.only(['kind', 'name', 'scale', 'values']);
      return { kind, name, scale: f.number('scale', 1, { positive: true }), values: f.oneOf('values', ['depth', 'inverse_depth'] as const, 'depth') };
    case 'boxes': {
      f.only(['kind', 'name', 'columns', 'coords', 'labelOffset']);
      const columns = f.strings('columns');
      for (const c of columns) if (!BOX_COLUMNS.includes(c as BoxColumn)) f.fail(f.key('columns'), `has unknown column '${c}' (known: ${BOX_COLUMNS.join(', ')})`);
      for (const c of ['x0', 'y0', 'x1', 'y1', 'score'] as const) {
        if (columns.filter((x) => x === c).length !== 1) f.fail(f.key('columns'), `must name '${c}' exactly once, got ${JSON.stringify(columns)}`);
      }
      if (columns.filter((x) => x === 'label').length > 1) f.fail(f.key('columns'), `names 'label' more than once`);
      return {
        kind, name, columns: columns as BoxColumn[], coords: f.oneOf('coords', ['input_pixels', 'normalized'] as const),
        labelOffset: f.number('labelOffset', 0, { integer: true }),
      };
    }
    default:
      f.only(['kind', 'name']);
      return { kind, name };
  }
}

/**
 * Parses and validates an ONNX expert spec (paths resolved against `file`'s folder).
 *
 * @example
 * parseOnnxExpertSpec({ task: 'depth', model: 'm.onnx',
 *   input: { name: 'x', size: [256, 256], layout: 'NCHW', scale: '0-1' },
 *   output: { kind: 'depth', name: 'y', scale: 10 } }, '/models/depth.json').model; // '/models/m.onnx'
 */
export function parseOnnxExpertSpec(json: unknown, file: string): OnnxExpertSpec {
  const f = new JsonFields(json, file, '').only(['task', 'model', 'name', 'input', 'output', 'classes', 'threshold']);
  const task = f.oneOf('task', DENSE_TASK_NAMES);
  const spec: OnnxExpertSpec = {
    task, model: resolve(dirname(file), f.string('model')), name: f.string('name', `onnx:${file}`),
    input: parseImageInput(f.object('input')), output: parseOutput(f.object('output'), task),
  };
  if (f.has('classes')) spec.classes = f.strings('classes');
  if (f.has('threshold')) spec.threshold = f.number('threshold', undefined, { min: 0, max: 1 });
  if (spec.classes && task !== 'seg' && task !== 'det') f.fail('classes', `only applies to tasks seg and det, not '${task}'`);
  return spec;
}

/**
 * Reads and validates an ONNX expert spec file.
 * @example const spec = readOnnxExpertSpec('models/seg.json'); spec.input.size; // [512, 512]
 */
export function readOnnxExpertSpec(path: string): OnnxExpertSpec {
  return parseOnnxExpertSpec(readJson(path), resolve(path));
}

/**
 * Parses and validates an ONNX captioner spec. The tokenizer defaults to the CLIP vocabulary
 * (start 49406, end 49407, pad 0).
 *
 * @example
 * parseOnnxCaptionerSpec({
 *   encoder: { model: 'enc.onnx', input: { name: 'image', size: [224, 224], layout: 'NCHW', scale: '0-1' }, output: 'tokens' },
 *   decoder: { model: 'dec.onnx', tokens: 'ids', imageTokens: 'tokens', output: 'logits' } }, '/m/cap.json').tokenizer.end; // 49407
 */
export function parseOnnxCaptionerSpec(json: unknown, file: string): OnnxCaptionerSpec {
  const f = new JsonFields(json, file, '').only(['name', 'encoder', 'decoder', 'tokenizer']);
  const dir = dirname(file);
  const e = f.object('encoder').only(['model', 'input', 'output']);
  const d = f.object('decoder').only(['model', 'tokens', 'imageTokens', 'output', 'maxContext']);
  const t = f.has('tokenizer') ? f.object('tokenizer').only(['vocab', 'start', 'end', 'pad']) : new JsonFields({}, file, 'tokenizer');
  const vocab = t.string('vocab', 'clip');
  const id = (k: string, def: number): number => t.number(k, def, { integer: true, min: 0 });
  const spec: OnnxCaptionerSpec = {
    name: f.string('name', `onnx:${file}`),
    encoder: { model: resolve(dir, e.string('model')), input: parseImageInput(e.object('input')), output: e.string('output') },
    decoder: { model: resolve(dir, d.string('model')), tokens: d.string('tokens'), imageTokens: d.string('imageTokens'), output: d.string('output') },
    tokenizer: { vocab: vocab === 'clip' ? 'clip' : resolve(dir, vocab), start: id('start', 49406), end: id('end', 49407), pad: id('pad', 0) },
  };
  if (d.has('maxContext')) spec.decoder.maxContext = d.number('maxContext', undefined, { integer: true, min: 2 });
  return spec;
}

/**
 * Reads and validates an ONNX captioner spec file.
 * @example readOnnxCaptionerSpec('models/blip/captioner.json').decoder.output; // 'logits'
 */
export function readOnnxCaptionerSpec(path: string): OnnxCaptionerSpec {
  return parseOnnxCaptionerSpec(readJson(path), resolve(path));
}
