// The CLIP text tower's emitter: token + positional embedding (sliced to the fed length, any length
// up to context_length), the blocks under a causal mask, ln_final, pooling at the end-of-text token
// (the first position of the largest id, as torch.argmax) or the first/last token, and
// text_projection. The same parts sit at the root of an open_clip CLIP and under `text.` of a
// custom-text one, so the emitter reads them by name from their owner.
import type { Module } from '../nn/module.js';
import type { TextCfg } from '../models/config.js';
import { TextTransformer } from '../models/text_transformer.js';
import { type EmitContext, emitChild, keyOf, param, registerEmitter } from './emit.js';

/** An additive causal mask [L, L] (0 on and below the diagonal, -inf above) cut from a [C, C] constant. */
function causalMask(e: EmitContext, context: number, length: string, path: string): string {
  const values = new Float32Array(context * context);
  for (let i = 0; i < context; i++) for (let j = i + 1; j < context; j++) values[i * context + j] = -Infinity;
  const full = e.g.has(keyOf(path, 'causal_mask')) ? keyOf(path, 'causal_mask')
    : e.g.initializer(keyOf(path, 'causal_mask'), { dtype: 'float32', dims: [context, context], bytes: new Uint8Array(values.buffer) });
  const ends = e.g.node('Concat', [length, length], { axis: { int: 0 } });
  return e.g.node('Slice', [full, e.g.constInt64([0, 0]), ends, e.g.constInt64([0, 1])], {}, 'causal_mask_l');
}

function pool(e: EmitContext, cfg: TextCfg, x: string, ids: string): string {
  const g = e.g;
  if (cfg.pool_type !== 'argmax') return g.node('Gather', [x, g.constInt64([cfg.pool_type === 'first' ? 0 : -1], [])], { axis: { int: 1 } }, 'pooled');
  // onnxruntime's ArgMax has no int64 kernel; token ids fit int32. select_last_index 0 = the first maximum, as torch.
  const ids32 = g.node('Cast', [ids], { to: { int: 6 } });
  const eot = g.node('ArgMax', [ids32], { axis: { int: -1 }, keepdims: { int: 1 }, select_last_index: { int: 0 } }, 'eot_index');
  return g.node('GatherND', [x, eot], { batch_dims: { int: 1 } }, 'pooled');
}

/**
 * Emits the text tower whose parts (token_embedding, positional_embedding, transformer, ln_final,
 * text_projection) `owner` holds under `path`: token ids [batch, L] (int64) -> embeddings [batch, embed_dim].
 * @example const textEmbeds = emitTextTower(e, clip, clip.cfg.text_cfg, '', 'input_ids');
 */
export function emitTextTower(e: EmitContext, owner: Module, cfg: TextCfg, path: string, ids: string): string {
  const g = e.g;
  const length = g.node('Shape', [ids], { start: { int: 1 }, end: { int: 2 } }, 'length');
  const pos = g.node('Slice', [param(e, owner, path, 'positional_embedding'), g.constInt64([0]), length, g.constInt64([0])]);
  const x = g.node('Add', [emitChild(e, owner, path, 'token_embedding', ids), pos], {}, 'text_embedded');
  const inner = cfg.no_causal_mask ? e : { ...e, mask: causalMask(e, cfg.context_length, length, path) };
  const h = emitChild(inner, owner, path, 'ln_final', emitChild(inner, owner, path, 'transformer', x));
  return g.node('MatMul', [pool(e, cfg, h, ids), param(e, owner, path, 'text_projection')], {}, 'text_features');
}

/**
 * Registers the standalone text tower's emitter (idempotent).
 * @example registerTextEmitter(); const y = emitModule(e, clip.text!, 'text', 'input_ids');
 */
export function registerTextEmitter(): void {
  registerEmitter(TextTransformer, (e, m, path, ids) => emitTextTower(e, m, m.cfg, path, ids));
}
