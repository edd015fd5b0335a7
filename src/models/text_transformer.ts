// The CLIP text tower: token + position embeddings, a (causal) transformer, ln_final and
// text_projection, pooled at the end-of-text token (argmax of the ids) or the first/last token.
// CLIP registers these parts at its root (open_clip's CLIP); custom_text models hold a
// TextTransformer under `text.` (open_clip's CustomTextCLIP).
import { arange, argmax, empty, index, normal_, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Embedding, LayerNorm } from '../nn/layers.js';
import type { Activation } from '../nn/attention.js';
import { Transformer } from './transformer.js';
import type { TextCfg } from './config.js';

export interface TextParts {
  token_embedding: Embedding;
  positional_embedding: Tensor;
  transformer: Transformer;
  ln_final: LayerNorm;
  text_projection: Tensor;
}

export function makeTextParts(cfg: TextCfg, embedDim: number, act: Activation): TextParts {
  return {
    token_embedding: new Embedding(cfg.vocab_size, cfg.width, 0.02),
    positional_embedding: normal_(empty([cfg.context_length, cfg.width]), 0, 0.01),
    transformer: new Transformer(cfg.width, cfg.layers, cfg.heads, { mlpRatio: cfg.mlp_ratio, act, lsInit: cfg.ls_init_value }),
    ln_final: new LayerNorm(cfg.width),
    text_projection: normal_(empty([cfg.width, embedDim]), 0, cfg.width ** -0.5),
  };
}

/** Token ids [B, L] (int64, L <= context_length) -> token features [B, L, width] after ln_final. */
export function textTokens(parts: TextParts, cfg: TextCfg, ids: Tensor): Tensor {
  if (ids.ndim !== 2 || ids.dtype !== 'int64') throw new Error(`text tower: expected int64 token ids [B, L], got ${ids.dtype}[${ids.shape}]`);
  const l = ids.size(1);
  if (l > cfg.context_length) throw new Error(`text tower: ${l} tokens exceed the context length ${cfg.context_length}`);
  const pos = l === cfg.context_length ? parts.positional_embedding : parts.positional_embedding.slice(0, 0, l);
  const x = parts.token_embedding.forward(ids).add(pos);
  return parts.ln_final.forward(parts.transformer.forward(x, { causal: !cfg.no_causal_mask }));
}

/** Token ids [B, L] -> embeddings [B, embedDim] (not normalised). */
export function encodeTextWith(parts: TextParts, cfg: TextCfg, ids: Tensor): Tensor {
  const x = textTokens(parts, cfg, ids);
  let pooled: Tensor;
  if (cfg.pool_type === 'first') pooled = x.select(1, 0);
  else if (cfg.pool_type === 'last') pooled = x.select(1, -1);
  else pooled = index(x, [arange(ids.size(0), undefined, 1, { device: ids.device }), argmax(ids, -1)]);
  return pooled.matmul(parts.text_projection);
}

/** A standalone text tower (keys token_embedding, positional_embedding, transformer, ln_final, text_projection). */
export class TextTransformer extends Module implements TextParts {
  readonly positional_embedding: Tensor;
  readonly text_projection: Tensor;
  readonly token_embedding: Embedding;
  readonly transformer: Transformer;
  readonly ln_final: LayerNorm;
  constructor(readonly cfg: TextCfg, embedDim: number, act: Activation = 'gelu') {
    super();
    const p = makeTextParts(cfg, embedDim, act);
    this.positional_embedding = this.param('positional_embedding', p.positional_embedding);
    this.text_projection = this.param('text_projection', p.text_projection);
    this.token_embedding = this.child('token_embedding', p.token_embedding);
    this.transformer = this.child('transformer', p.transformer);
    this.ln_final = this.child('ln_final', p.ln_final);
  }
  forward(ids: Tensor): Tensor {
    return encodeTextWith(this, this.cfg, ids);
  }
}
