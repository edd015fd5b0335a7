// The dense graphs of issue #14: image_features.onnx (pixel_values -> the tower's intermediate maps
// the heads read, NCHW, named features_<level>) and one <task>_head.onnx per head (those maps -> the
// head's raw output, as its libtorch forward), each with its spec <task>_head.json. Heads come from a
// CLIP run (CLIPTeX heads under dense_heads.<task>) or a dense expert (DenseModel, head.*).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '../nn/module.js';
import type { CLIP } from '../models/clip.js';
import type { FeatureInfo, ImageTower } from '../models/tower.js';
import { VisionTransformer } from '../models/vit.js';
import { MciTower, TimmTrunk } from '../models/mci/index.js';
import { CenterNetHead, DepthHead, LinearSegHead, NormalsHead, PyramidSegHead, resolveLevel } from '../models/heads/index.js';
import type { DenseTaskName, TaskHead } from '../tasks/index.js';
import type { DenseModel } from '../dense/model.js';
import { OnnxGraph, writeOnnxModel, type OnnxModelOptions } from '../io/onnx/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { type EmitContext, keyOf } from './emit.js';
import { registerBuiltinEmitters } from './builtins.js';
import { emitVitMaps } from './vit_emitter.js';
import { emitMciMaps } from './mci_emitters.js';
import { emitDenseHead } from './head_emitters.js';
import { HEAD_SPEC_FORMAT, HEAD_SPEC_VERSION, type HeadDecode, type HeadSpecJson, type HeadSpecOutput } from './head_spec.js';

/** A trained head to export, and what its spec says beyond the module. */
export interface DenseHeadSource {
  task: DenseTaskName;
  head: TaskHead;
  /** The head's state-dict prefix (initializer names): `dense_heads.seg` in a CLIP run, `head` in an expert. */
  path: string;
  /** The tower level (forwardIntermediates index, negative from the end) the head reads. */
  level: number;
  /** Names of seg ids / det labels (default: the ids as strings). */
  classes?: readonly string[];
  /** Metres per unit of the depth output (default 1). */
  depthScale?: number;
  /** seg: lowest top probability kept (default 0: every pixel labelled); det: lowest score (default 0.1). */
  threshold?: number;
}

/** Normalisation of [0, 1] RGB before the tower (CLIP's preprocess_cfg). */
export interface PixelNorm { mean: [number, number, number]; std: [number, number, number] }

type Tower = ImageTower & Module;

/** The name of the map of level `level` (non-negative) in image_features.onnx and the head graphs. */
export const featuresName = (level: number): string => `features_${level}`;

/**
 * The heads attached to a CLIP run (CLIPTeX's dense_heads), in task order.
 * @example const heads = clipHeadSources(model, { seg: worldClasses });
 */
export function clipHeadSources(model: CLIP, classes: Partial<Record<DenseTaskName, readonly string[]>> = {}): DenseHeadSource[] {
  const set = model.denseHeads;
  if (!set) throw new Error('ONNX export: the model has no dense heads attached (attachDenseHeads / a run with heads.<task> > 0)');
  return set.tasks.map((task) => {
    const head = set.heads[task]! as TaskHead & { level: number };
    const level = model.denseIndices[head.level];
    if (level === undefined) throw new Error(`ONNX export: dense head ${task} reads level ${head.level} of ${model.denseIndices.length} attached indices`);
    return { task, head, path: `dense_heads.${task}`, level, classes: classes[task] };
  });
}

/**
 * The head of a dense expert (DenseModel), with its manifest's classes, depth scale and threshold when given.
 * @example const { model, manifest } = loadExpertModel(dir); exportDenseOnnx(model.visual, [expertHeadSource(model, manifest)], 'out/onnx');
 */
export function expertHeadSource(model: DenseModel, manifest?: { classes: string[]; depthScale: number; threshold: number }): DenseHeadSource {
  return { task: model.spec.task, head: model.head, path: 'head', level: model.level, classes: manifest?.classes, depthScale: manifest?.depthScale, threshold: manifest?.threshold };
}

/** Emits the maps of `levels` (non-negative) of a ViT or MCi tower; other towers are refused. */
function emitTowerMaps(e: EmitContext, tower: Module, path: string, pixels: string, levels: readonly number[]): string[] {
  if (tower instanceof VisionTransformer) return emitVitMaps(e, tower, path, pixels, levels);
  if (tower instanceof TimmTrunk) return emitMciMaps(e, tower.trunk, keyOf(path, 'trunk'), pixels, levels);
  if (tower instanceof MciTower) return emitMciMaps(e, tower, path, pixels, levels);
  throw new Error(`ONNX export: no feature-map graph for ${tower.constructor.name} at '${path}' (towers with one: VisionTransformer, MciTower)`);
}

function mapDims(tower: Tower, level: number): [number, number, number] {
  const { channels, reduction } = tower.featureInfo()[level]!;
  const side = tower.imageSize / reduction;
  return [channels, side, side];
}

/**
 * image_features: pixel_values [batch, 3, S, S] -> features_<level> [batch, C, S/r, S/r] for each of
 * `levels` (negative from the end; written in ascending order, duplicates once).
 * @example writeOnnxModel('onnx/image_features.onnx', imageFeaturesGraph(model.visual, [-1]));
 */
export function imageFeaturesGraph(tower: Tower, levels: readonly number[], path = 'visual'): OnnxGraph {
  registerBuiltinEmitters();
  const info = tower.featureInfo();
  const resolved = [...new Set(levels.map((l) => resolveLevel(info, l, 'image_features')))].sort((a, b) => a - b);
  const g = new OnnxGraph('image_features'), s = tower.imageSize;
  const pixels = g.input('pixel_values', { dtype: 'float32', dims: ['batch', 3, s, s] });
  const maps = emitTowerMaps({ g }, tower, path, pixels, resolved);
  resolved.forEach((l, i) => g.output(featuresName(l), g.node('Identity', [maps[i]!]), { dtype: 'float32', dims: ['batch', ...mapDims(tower, l)] }));
  return g;
}

/** Output names and [C, h, w, stride] of a head over an S x S input. */
function headOutputs(h: DenseHeadSource, size: number): HeadSpecOutput[] {
  const o = (name: string, c: number, stride: number): HeadSpecOutput => ({ name, shape: ['batch', c, size / stride, size / stride], stride });
  const head = h.head;
  if (head instanceof LinearSegHead || head instanceof PyramidSegHead) return [o('logits', head.opts.numClasses, 1)];
  if (head instanceof DepthHead) return [o('depth', 1, 1)];
  if (head instanceof NormalsHead) return [o('normals', 3, 1)];
  if (head instanceof CenterNetHead) return [o('heatmap', head.opts.numClasses, head.outputStride), o('size', 2, head.outputStride), o('offset', 2, head.outputStride)];
  throw new Error(`ONNX export: no head graph for ${(head as Module).constructor.name} at '${h.path}'`);
}

/**
 * A head graph: features_<level> [batch, C, h, w] -> the head's raw outputs (seg `logits`, `depth`,
 * `normals`, or det `heatmap` / `size` / `offset`), as the head's eval-mode forward.
 * @example writeOnnxModel('onnx/seg_head.onnx', headGraph(model.visual, clipHeadSources(model)[0]));
 */
export function headGraph(tower: Tower, h: DenseHeadSource): OnnxGraph {
  registerBuiltinEmitters();
  const info: FeatureInfo[] = tower.featureInfo(), level = resolveLevel(info, h.level, `${h.task} head`), s = tower.imageSize;
  const g = new OnnxGraph(`${h.task}_head`), [c, mh, mw] = mapDims(tower, level);
  const x = g.input(featuresName(level), { dtype: 'float32', dims: ['batch', c, mh, mw] });
  const values = emitDenseHead({ g }, h.head, h.path, x, { map: [mh, mw], image: [s, s] });
  for (const o of headOutputs(h, s)) g.output(o.name, g.node('Identity', [values[o.name]!]), { dtype: 'float32', dims: o.shape });
  return g;
}

function decodeOf(h: DenseHeadSource): HeadDecode {
  const head = h.head;
  if (head instanceof CenterNetHead) return { type: 'centernet', stride: head.outputStride, heatmap_activation: 'sigmoid', peak_kernel: 3, topk: 100, score_threshold: h.threshold ?? 0.1 };
  if (head instanceof NormalsHead) return { type: 'normals', normalized_in_graph: true, axis: 1, epsilon: 1e-12 };
  if (head instanceof DepthHead) {
    const inGraph = head.logRange ? { kind: 'log_range' as const, log_range: [head.logRange[0], head.logRange[1]] as [number, number] }
      : head.maxDepth !== null ? { kind: 'bounded' as const, min: head.minDepth, max: head.maxDepth }
        : { kind: head.opts.activation ?? 'softplus', scale: head.opts.scale ?? 1, min: head.minDepth };
    return { type: 'depth', units: 'm', scale: h.depthScale ?? 1, in_graph: inGraph };
  }
  return { type: 'seg', activation: 'softmax', axis: 1, threshold: h.threshold ?? 0, ignore_label: 255 };
}

/**
 * The spec of a head's graph (written as `<task>_head.json` beside it).
 * @example const spec = headSpecOf(model.visual, heads[0], model.cfg.preprocess_cfg);  // spec.inputs[0].name 'features_3'
 */
export function headSpecOf(tower: Tower, h: DenseHeadSource, norm: PixelNorm): HeadSpecJson {
  const info = tower.featureInfo(), level = resolveLevel(info, h.level, `${h.task} head`), s = tower.imageSize;
  const outputs = headOutputs(h, s), [c, mh, mw] = mapDims(tower, level);
  const k = h.task === 'seg' || h.task === 'det' ? outputs[0]!.shape[1] as number : 0;
  const classes = h.classes ? [...h.classes] : Array.from({ length: k }, (_, i) => String(i));
  if (classes.length !== k) throw new Error(`ONNX export: ${h.task} head has ${k} classes but ${classes.length} names were given`);
  return {
    format: HEAD_SPEC_FORMAT, version: HEAD_SPEC_VERSION, task: h.task, graph: `${h.task}_head.onnx`, features_graph: 'image_features.onnx',
    head: (h.head as Module).constructor.name, image_size: [s, s], preprocess: { mean: [...norm.mean], std: [...norm.std] },
    inputs: [{ name: featuresName(level), level, channels: c, stride: info[level]!.reduction, shape: ['batch', c, mh, mw] }],
    outputs, classes, decode: decodeOf(h),
  };
}

/** One written file. */
export interface DenseExportFile { path: string; bytes: number }

/**
 * Writes `<dir>/image_features.onnx` (the levels the heads read) and, per head,
 * `<dir>/<task>_head.onnx` and `<dir>/<task>_head.json`, each atomically. The tower must be
 * reparameterized (MCi) and the heads in eval mode.
 * @example exportDenseOnnx(model.visual, clipHeadSources(model), 'out/onnx', model.cfg.preprocess_cfg);
 */
export function exportDenseOnnx(tower: Tower, heads: readonly DenseHeadSource[], dir: string, norm: PixelNorm, o: OnnxModelOptions = {}): DenseExportFile[] {
  if (heads.length === 0) throw new Error('ONNX export: no dense heads to export');
  const tasks = heads.map((h) => h.task);
  if (new Set(tasks).size !== tasks.length) throw new Error(`ONNX export: two heads for one task (${tasks.join(', ')})`);
  mkdirSync(dir, { recursive: true });
  const write = (name: string, g: OnnxGraph): DenseExportFile => ({ path: join(dir, name), bytes: writeOnnxModel(join(dir, name), g, o) });
  const files = [write('image_features.onnx', imageFeaturesGraph(tower, heads.map((h) => h.level)))];
  for (const h of heads) {
    files.push(write(`${h.task}_head.onnx`, headGraph(tower, h)));
    const text = JSON.stringify(headSpecOf(tower, h, norm), null, 2) + '\n';
    writeFileAtomic(join(dir, `${h.task}_head.json`), text);
    files.push({ path: join(dir, `${h.task}_head.json`), bytes: Buffer.byteLength(text) });
  }
  return files;
}
