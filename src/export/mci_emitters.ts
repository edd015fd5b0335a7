// Emitters of the MCi image tower (MobileCLIP's FastViT-style hybrid) after reparameterize():
// MobileOne blocks and large-kernel convs reduced to their one reparam_conv (then squeeze-excite
// and GELU), RepMixer and the conditional positional encoding as one depthwise conv, ConvNorm
// (the MLPs' conv + batch norm, which reparameterize() keeps), the RepMixer and attention blocks,
// stages, the stem, the final conv and the pool + projection head. A module that still holds its
// training-time branches is refused with its path: the export never folds on its own (folding
// replaces modules of the model passed in, and a copy would double its memory).
import { Module } from '../nn/module.js';
import {
  Attention, AttentionBlock, ConvMlp, FastVitStage, MciTower, MobileOneBlock, PatchEmbed, PoolProjectHead, RepConditionalPosEnc,
  RepMixer, RepMixerBlock, ReparamLargeKernelConv, TimmTrunk,
} from '../models/mci/index.js';
import { ConvNorm, LayerScale2d, SqueezeExcite } from '../models/mci/layers.js';
import { type EmitContext, childOf, emitChild, emitModule, keyOf, param, registerEmitter } from './emit.js';
import { gelu } from './nn_emitters.js';
import { spatialMeanNode } from './map_ops.js';

/** The folded conv of a reparameterizable module, or an error saying to call reparameterize() first. */
function foldedConv(e: EmitContext, m: Module & { reparam_conv: Module | null }, path: string, x: string): string {
  if (!m.reparam_conv) {
    throw new Error(`ONNX export: ${m.constructor.name} at '${path}' still has its training-time branches; ` +
      'call reparameterize() on the image tower (model.visual.reparameterize(), in eval mode) before exporting');
  }
  return emitChild(e, m, path, 'reparam_conv', x);
}

/** reparam_conv, then squeeze-excite and GELU when the module has them. */
function emitConvBlock(e: EmitContext, m: MobileOneBlock | ReparamLargeKernelConv, path: string, x: string): string {
  let y = foldedConv(e, m, path, x);
  if (m.se) y = emitChild(e, m, path, 'se', y);
  return m instanceof ReparamLargeKernelConv || m.act ? gelu(e, y) : y;
}

function emitSqueezeExcite(e: EmitContext, m: SqueezeExcite, path: string, x: string): string {
  const s = emitChild(e, m, path, 'fc1', spatialMeanNode(e, x, true));
  const gate = e.g.node('Sigmoid', [emitChild(e, m, path, 'fc2', e.g.node('Relu', [s]))]);
  return e.g.node('Mul', [x, gate], {}, 'se');
}

function emitConvMlp(e: EmitContext, m: ConvMlp, path: string, x: string): string {
  const h = emitChild(e, m, path, 'fc1', emitChild(e, m, path, 'conv', x));
  return emitChild(e, m, path, 'fc2', gelu(e, h));
}

/** [B, C, h, w] -> tokens [B, hw, C], attention with heads of headDim, back to [B, C, h, w]. */
function emitMapAttention(e: EmitContext, m: Attention, path: string, x: string): string {
  const g = e.g;
  const tokens = g.node('Transpose', [g.node('Reshape', [x, g.constInt64([0, m.dim, -1])])], { perm: { ints: [0, 2, 1] } }, 'tokens');
  const qkv = emitChild(e, m, path, 'qkv', tokens);
  const split = g.node('Transpose', [g.node('Reshape', [qkv, g.constInt64([0, 0, 3, m.heads, m.headDim])])], { perm: { ints: [2, 0, 3, 1, 4] } });
  const [q, k, v] = [0, 1, 2].map((i) => g.node('Gather', [split, g.constInt64([i], [])], { axis: { int: 0 } }, ['q', 'k', 'v'][i]));
  const scores = g.node('Mul', [g.node('MatMul', [q, g.node('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } })]), g.constFloat([1 / Math.sqrt(m.headDim)], [])]);
  const heads = g.node('MatMul', [g.node('Softmax', [scores], { axis: { int: -1 } }), v]);
  const merged = g.node('Reshape', [g.node('Transpose', [heads], { perm: { ints: [0, 2, 1, 3] } }), g.constInt64([0, 0, m.dim])]);
  const out = g.node('Transpose', [emitChild(e, m, path, 'proj', merged)], { perm: { ints: [0, 2, 1] } });
  return g.node('Reshape', [out, g.node('Shape', [x])], {}, 'attention_map');
}

function emitRepMixerBlock(e: EmitContext, m: RepMixerBlock, path: string, x: string): string {
  const y = emitChild(e, m, path, 'token_mixer', x);
  return e.g.node('Add', [y, emitChild(e, m, path, 'layer_scale', emitChild(e, m, path, 'mlp', y))], {}, 'residual');
}

function emitAttentionBlock(e: EmitContext, m: AttentionBlock, path: string, x: string): string {
  const a = emitChild(e, m, path, 'token_mixer', emitChild(e, m, path, 'norm', x));
  const h = e.g.node('Add', [x, emitChild(e, m, path, 'layer_scale_1', a)]);
  return e.g.node('Add', [h, emitChild(e, m, path, 'layer_scale_2', emitChild(e, m, path, 'mlp', h))], {}, 'residual');
}

/** Emits the items of the ModuleList child `name` one after the other. */
function emitSequence(e: EmitContext, owner: Module, path: string, name: string, x: string): string {
  const list = childOf(owner, path, name), at = keyOf(path, name);
  return list.namedChildren().reduce((h, [i, c]) => emitModule(e, c, keyOf(at, i), h), x);
}

function emitStage(e: EmitContext, m: FastVitStage, path: string, x: string): string {
  if (m.downsample) x = emitChild(e, m, path, 'downsample', x);
  if (m.pos_emb) x = emitChild(e, m, path, 'pos_emb', x);
  return emitSequence(e, m, path, 'blocks', x);
}

/**
 * The MCi tower's stage outputs `levels` (non-negative stage indices; NCHW, strides 4, 8, 16, 32),
 * as MciTower.forwardIntermediates; stages after the last level are not emitted.
 * @example const maps = emitMciMaps(e, tower, 'visual.trunk', 'pixel_values', [0, 1, 2, 3]);
 */
export function emitMciMaps(e: EmitContext, m: MciTower, path: string, x: string, levels: readonly number[]): string[] {
  let h = emitSequence(e, m, path, 'stem', x);
  const list = childOf(m, path, 'stages'), at = keyOf(path, 'stages');
  const maps = new Map<number, string>();
  for (let i = 0; i <= Math.max(...levels); i++) maps.set(i, h = emitModule(e, childOf(list, at, String(i)), keyOf(at, String(i)), h));
  return levels.map((l) => maps.get(l)!);
}

function emitMciTower(e: EmitContext, m: MciTower, path: string, x: string): string {
  const last = emitMciMaps(e, m, path, x, [m.stages.items.length - 1])[0]!;
  return emitChild(e, m, path, 'head', emitChild(e, m, path, 'final_conv', last));
}

/**
 * Registers the emitters of the reparameterized MCi tower and its parts (idempotent).
 * @example registerMciEmitters(); model.visual.reparameterize(); visionGraph(model);
 */
export function registerMciEmitters(): void {
  registerEmitter(MobileOneBlock, emitConvBlock);
  registerEmitter(ReparamLargeKernelConv, emitConvBlock);
  registerEmitter(RepMixer, foldedConv);
  registerEmitter(RepConditionalPosEnc, foldedConv);
  registerEmitter(ConvNorm, (e, m, path, x) => emitChild(e, m, path, 'bn', emitChild(e, m, path, 'conv', x)));
  registerEmitter(SqueezeExcite, emitSqueezeExcite);
  registerEmitter(LayerScale2d, (e, m, path, x) => e.g.node('Mul', [x, param(e, m, path, 'gamma')]));
  registerEmitter(ConvMlp, emitConvMlp);
  registerEmitter(Attention, emitMapAttention);
  registerEmitter(RepMixerBlock, emitRepMixerBlock);
  registerEmitter(AttentionBlock, emitAttentionBlock);
  registerEmitter(PatchEmbed, (e, m, path, x) => emitSequence(e, m, path, 'proj', x));
  registerEmitter(FastVitStage, emitStage);
  registerEmitter(PoolProjectHead, (e, m, path, x) => emitChild(e, m, path, 'fc', spatialMeanNode(e, x, false)));
  registerEmitter(MciTower, emitMciTower);
  registerEmitter(TimmTrunk, (e, m, path, x) => emitChild(e, m, path, 'trunk', x));
}
