// The ONNX graphs of a CLIP model, named and shaped as transformers.js loads them:
// vision_model (pixel_values -> image_embeds, as CLIPVisionModelWithProjection), text_model
// (input_ids -> text_embeds, as CLIPTextModelWithProjection; any length up to the context) and the
// combined model (CLIPModel: logits_per_image, logits_per_text and the normalised embeddings).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '../nn/module.js';
import type { CLIP } from '../models/clip.js';
import { OnnxGraph, graphProtoOf, writeOnnxFiles, type OnnxModelOptions } from '../io/onnx/index.js';
import { type OnnxDtype, dtypeFile, graphInDtype } from './dtypes.js';
import { type EmitContext, emitChild, param } from './emit.js';
import { emitTextTower } from './text_emitter.js';
import { registerBuiltinEmitters } from './builtins.js';

/** The graphs exportClipOnnx writes, by file stem. */
export const CLIP_GRAPHS = ['vision_model', 'text_model', 'model'] as const;
export type ClipGraphName = (typeof CLIP_GRAPHS)[number];

function imageEmbeds(e: EmitContext, model: CLIP, batch: string): string {
  const s = model.visual.imageSize;
  const x = e.g.input('pixel_values', { dtype: 'float32', dims: [batch, 3, s, s] });
  return emitChild(e, model, '', 'visual', x);
}

function textEmbeds(e: EmitContext, model: CLIP, batch: string): string {
  const ids = e.g.input('input_ids', { dtype: 'int64', dims: [batch, 'sequence'] });
  const owner: Module = model.text ?? model;
  return emitTextTower(e, owner, model.cfg.text_cfg, model.text ? 'text' : '', ids);
}

/**
 * The image encoder: pixel_values [batch, 3, S, S] float32 -> image_embeds [batch, embed_dim] (not normalised).
 * @example writeOnnxModel('onnx/vision_model.onnx', visionGraph(model));
 */
export function visionGraph(model: CLIP): OnnxGraph {
  registerBuiltinEmitters();
  const g = new OnnxGraph('vision_model');
  g.output('image_embeds', imageEmbeds({ g }, model, 'batch'), { dtype: 'float32', dims: ['batch', model.cfg.embed_dim] });
  return g;
}

/**
 * The text encoder: input_ids [batch, sequence] int64 (sequence <= context_length) -> text_embeds [batch, embed_dim] (not normalised).
 * @example writeOnnxModel('onnx/text_model.onnx', textGraph(model));
 */
export function textGraph(model: CLIP): OnnxGraph {
  registerBuiltinEmitters();
  const g = new OnnxGraph('text_model');
  g.output('text_embeds', textEmbeds({ g }, model, 'batch'), { dtype: 'float32', dims: ['batch', model.cfg.embed_dim] });
  return g;
}

/** x / max(||x||_2, 1e-12) over the last axis, as F.normalize. */
function l2Normalize(e: EmitContext, x: string): string {
  const norm = e.g.node('ReduceL2', [x], { axes: { ints: [-1] }, keepdims: { int: 1 } });
  return e.g.node('Div', [x, e.g.node('Max', [norm, e.g.constFloat([1e-12], [])])]);
}

/**
 * The combined CLIPModel graph: input_ids [texts, sequence], attention_mask (accepted and unused: the
 * causal mask and end-token pooling ignore padding), pixel_values [images, 3, S, S] -> normalised
 * image_embeds / text_embeds, logits_per_image [images, texts] = exp(logit_scale) I T^T (+ logit_bias)
 * and logits_per_text (its transpose).
 * @example writeOnnxModel('onnx/model.onnx', clipGraph(model));
 */
export function clipGraph(model: CLIP): OnnxGraph {
  registerBuiltinEmitters();
  const g = new OnnxGraph('model'), e: EmitContext = { g }, d = model.cfg.embed_dim;
  const text = l2Normalize(e, textEmbeds(e, model, 'texts'));
  g.input('attention_mask', { dtype: 'int64', dims: ['texts', 'sequence'] });
  const image = l2Normalize(e, imageEmbeds(e, model, 'images'));
  const scale = g.node('Exp', [param(e, model, '', 'logit_scale')]);
  let logits = g.node('Mul', [g.node('MatMul', [image, g.node('Transpose', [text], { perm: { ints: [1, 0] } })]), scale]);
  if (model.logit_bias) logits = g.node('Add', [logits, param(e, model, '', 'logit_bias')]);
  g.output('logits_per_image', logits, { dtype: 'float32', dims: ['images', 'texts'] });
  g.output('logits_per_text', g.node('Transpose', [logits], { perm: { ints: [1, 0] } }), { dtype: 'float32', dims: ['texts', 'images'] });
  g.output('text_embeds', text, { dtype: 'float32', dims: ['texts', d] });
  g.output('image_embeds', image, { dtype: 'float32', dims: ['images', d] });
  return g;
}

/** One written graph variant (`dataFile` when its large initializers went to `<file>_data`). */
export interface ExportedGraph { graph: ClipGraphName; dtype: OnnxDtype; file: string; bytes: number; dataFile?: string; dataBytes?: number }

/** Options of exportClipOnnx: the model options plus the variants to write (default fp32 only). */
export interface ClipExportOptions extends OnnxModelOptions { dtypes?: readonly OnnxDtype[] }

const BUILDERS: Record<ClipGraphName, (m: CLIP) => OnnxGraph> = { vision_model: visionGraph, text_model: textGraph, model: clipGraph };

/**
 * Writes the chosen graphs of `model` as `<dir>/<graph><suffix>.onnx` (each atomically) in each dtype
 * (fp32 '', fp16 '_fp16', q8 '_quantized'), opset 17 by default; large models put their weights in
 * `<file>_data` (see OnnxModelOptions.externalData). Returns one entry per file, with its size.
 * @example const files = exportClipOnnx(createModel('zooclip-tiny').eval(), 'out/onnx', ['vision_model', 'text_model'], { dtypes: ['fp32', 'fp16', 'q8'] });
 */
export function exportClipOnnx(model: CLIP, dir: string, graphs: readonly ClipGraphName[] = CLIP_GRAPHS, o: ClipExportOptions = {}): ExportedGraph[] {
  mkdirSync(dir, { recursive: true });
  const metadata = { embed_dim: String(model.cfg.embed_dim), image_size: String(model.visual.imageSize), context_length: String(model.cfg.text_cfg.context_length), ...o.metadata };
  return graphs.flatMap((graph) => {
    const proto = graphProtoOf(BUILDERS[graph](model));
    return (o.dtypes ?? ['fp32']).map((dtype) => ({ graph, dtype, ...writeOnnxFiles(join(dir, dtypeFile(graph, dtype)), graphInDtype(proto, dtype), { ...o, metadata: { ...metadata, dtype } }) }));
  });
}
