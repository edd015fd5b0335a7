// The ViT image tower's emitter: the conv stem when there is one, patch embedding (conv1), class token, positional embedding,
// ln_pre, the blocks, ln_post around the pool (class token or mean of the patch tokens, per
// pool_type and final_ln_after_pool) and the projection, as VisionTransformer.forward.
import { ConvStem, VisionTransformer } from '../models/vit.js';
import { type EmitContext, childOf, emitChild, emitModule, keyOf, param, registerEmitter } from './emit.js';

/** The class token [W] repeated over the batch of `like` ([B, ...]) -> [B, 1, W]. */
function classTokens(e: EmitContext, m: VisionTransformer, path: string, like: string): string {
  const g = e.g, w = m.cfg.width;
  const cls = g.node('Reshape', [param(e, m, path, 'class_embedding'), g.constInt64([1, 1, w])]);
  const batch = g.node('Shape', [like], { start: { int: 0 }, end: { int: 1 } }, 'batch');
  return g.node('Expand', [cls, g.node('Concat', [batch, g.constInt64([1, w])], { axis: { int: 0 } })], {}, 'class_tokens');
}

function pool(e: EmitContext, m: VisionTransformer, tokens: string): string {
  const g = e.g;
  if (m.cfg.pool_type === 'tok') return g.node('Gather', [tokens, g.constInt64([0], [])], { axis: { int: 1 } }, 'pooled');
  const n = m.grid * m.grid + 1;
  const patches = g.node('Slice', [tokens, g.constInt64([1]), g.constInt64([n]), g.constInt64([1])]);
  return g.node('ReduceMean', [patches], { axes: { ints: [1] }, keepdims: { int: 0 } }, 'pooled');
}

/** Patch embedding, class token, positional embedding and ln_pre: pixels -> tokens [B, 1 + grid^2, W]. */
function embed(e: EmitContext, m: VisionTransformer, path: string, pixels: string): string {
  const g = e.g;
  const grid = emitChild(e, m, path, 'conv1', m.stem ? emitChild(e, m, path, 'stem', pixels) : pixels);
  const patches = g.node('Transpose', [g.node('Reshape', [grid, g.constInt64([0, m.cfg.width, -1])])], { perm: { ints: [0, 2, 1] } }, 'patches');
  const tokens = g.node('Concat', [classTokens(e, m, path, pixels), patches], { axis: { int: 1 } });
  const x = g.node('Add', [tokens, param(e, m, path, 'positional_embedding')], {}, 'embedded');
  return m.ln_pre ? emitChild(e, m, path, 'ln_pre', x) : x;
}

/**
 * The outputs of blocks `levels` (non-negative) as NCHW maps [B, W, grid, grid] (class token
 * dropped, no ln_post), as VisionTransformer.forwardIntermediates; blocks after the last level are not emitted.
 * @example const [m1, m3] = emitVitMaps(e, model.visual, 'visual', 'pixel_values', [1, 3]);
 */
export function emitVitMaps(e: EmitContext, m: VisionTransformer, path: string, pixels: string, levels: readonly number[]): string[] {
  const g = e.g, at = keyOf(keyOf(path, 'transformer'), 'resblocks');
  const blocks = childOf(childOf(m, path, 'transformer'), keyOf(path, 'transformer'), 'resblocks');
  const maps = new Map<number, string>();
  let x = embed(e, m, path, pixels);
  for (let i = 0; i <= Math.max(...levels); i++) {
    x = emitModule(e, childOf(blocks, at, String(i)), keyOf(at, String(i)), x);
    if (!levels.includes(i)) continue;
    const patches = g.node('Slice', [x, g.constInt64([1]), g.constInt64([m.grid * m.grid + 1]), g.constInt64([1])]);
    const grid = g.node('Reshape', [patches, g.constInt64([0, m.grid, m.grid, m.cfg.width])]);
    maps.set(i, g.node('Transpose', [grid], { perm: { ints: [0, 3, 1, 2] } }, `block_${i}_map`));
  }
  return levels.map((l) => maps.get(l)!);
}

/** The stem's layers one after the other (each conv + BN + ReLU). */
function emitStem(e: EmitContext, m: ConvStem, path: string, x: string): string {
  return m.items.reduce((h, _, i) => emitChild(e, m, path, String(i), h), x);
}

function emitVit(e: EmitContext, m: VisionTransformer, path: string, pixels: string): string {
  const g = e.g;
  const x = emitChild(e, m, path, 'transformer', embed(e, m, path, pixels));
  const pooled = m.cfg.final_ln_after_pool ? emitChild(e, m, path, 'ln_post', pool(e, m, x)) : pool(e, m, emitChild(e, m, path, 'ln_post', x));
  return g.node('MatMul', [pooled, param(e, m, path, 'proj')], {}, 'image_features');
}

/**
 * Registers the ViT image tower's emitters (the tower and its conv stem; idempotent).
 * @example registerVitEmitter(); const y = emitModule(e, model.visual, 'visual', 'pixel_values');
 */
export function registerVitEmitter(): void {
  registerEmitter(VisionTransformer, emitVit);
  registerEmitter(ConvStem, emitStem);
}
