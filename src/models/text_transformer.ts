// The CLIP text tower (token + position embeddings, causal transformer, ln_final,
// text_projection), pooled at the end-of-text token (the largest id in each sequence).
import { arange, argmax, empty, index, normal_, type Tensor } from '../engine/index.js';
import { Embedding, LayerNorm } from '../nn/layers.js';
import { Transformer } from './transformer.js';

export interface TextConfig { contextLength: number; vocabSize: number; width: number; layers: number; heads: number; mlpRatio?: number; embedDim: number; causal?: boolean }

/** The text tower's parts; CLIP registers them at its root, as open_clip's CLIP does. */
export interface TextParts {
  token_embedding: Embedding;
  positional_embedding: Tensor;
  transformer: Transformer;
  ln_final: LayerNorm;
  text_projection: Tensor;
}

export function initTextParts(cfg: TextConfig): { transformer: Transformer; token_embedding: Embedding; positional_embedding: Tensor; ln_final: LayerNorm; text_projection: Tensor } {
  return {
    transformer: new Transformer(cfg.width, cfg.layers, cfg.heads, cfg.mlpRatio ?? 4),
    token_embedding: new Embedding(cfg.vocabSize, cfg.width, 0.02),
    positional_embedding: normal_(empty([cfg.contextLength, cfg.width]), 0, 0.01),
    ln_final: new LayerNorm(cfg.width),
    text_projection: normal_(empty([cfg.width, cfg.embedDim]), 0, cfg.width ** -0.5),
  };
}

/** Token ids [B, L] (int64) -> embeddings [B, embedDim]. */
export function encodeTextWith(parts: TextParts, cfg: TextConfig, ids: Tensor): Tensor {
  const b = ids.size(0);
  let x = parts.token_embedding.forward(ids).add(parts.positional_embedding);
  x = parts.transformer.forward(x, { causal: cfg.causal ?? true });
  x = parts.ln_final.forward(x);
  const eot = argmax(ids, -1);
  const pooled = index(x, [arange(b, undefined, 1, { device: ids.device }), eot]);
  return pooled.matmul(parts.text_projection);
}
