// The captioner's text decoder: token + position embeddings, text-only layers (causal
// self-attention + MLP), then layers that also cross-attend to the image tokens, a final
// LayerNorm and a projection to the vocabulary. Self-attention can run incrementally on a
// key/value cache, so generating token t costs one position instead of t.
import { empty, full, linear, normal_, scaledDotProductAttention, scatter, tensor, zeros, type Tensor } from '../../engine/index.js';
import { Module, ModuleList } from '../../nn/module.js';
import { Embedding, LayerNorm } from '../../nn/layers.js';
import { Mlp, MultiheadAttention } from '../../nn/attention.js';
import type { DecoderCfg } from './config.js';

/** Per-layer self-attention keys/values [R, heads, context, headDim], filled up to `length`. */
export interface KvCache {
  k: Tensor[];
  v: Tensor[];
  /** Positions already written. */
  length: number;
}

/** Cross-attention keys/values of the image tokens, per cross layer: [R, heads, N, headDim]. */
export interface ImageKv {
  k: Tensor[];
  v: Tensor[];
}

/** int64 [vocab]: the class of each id in `ids`, -100 elsewhere. */
function classIndex(ids: readonly number[], vocab: number): Tensor {
  const a = new BigInt64Array(vocab).fill(-100n);
  ids.forEach((id, i) => { a[id] = BigInt(i); });
  return tensor(a, { shape: [vocab] });
}

function heads(x: Tensor, h: number): Tensor {
  const [b, l, d] = x.shape as [number, number, number];
  return x.view([b, l, h, d / h]).transpose(1, 2);
}

function merge(x: Tensor): Tensor {
  const [b, h, l, e] = x.shape as [number, number, number, number];
  return x.transpose(1, 2).reshape([b, l, h * e]);
}

/**
 * Causal self-attention over x [R, L, D]. With a cache, x holds the positions after the cached ones
 * (one at a time while generating): their keys/values are written into it and attention runs over
 * everything cached so far.
 */
function selfAttention(a: MultiheadAttention, x: Tensor, cache?: { k: Tensor; v: Tensor; at: number }): Tensor {
  const qkv = linear(x, a.in_proj_weight, a.in_proj_bias);
  const [q, k, v] = qkv.chunk(3, -1).map((t) => heads(t, a.heads)) as [Tensor, Tensor, Tensor];
  if (!cache) return a.out_proj.forward(merge(scaledDotProductAttention(q, k, v, { causal: true })));
  const l = x.size(1);
  if (l > 1 && cache.at > 0) throw new Error('decoder: a cached step takes one new position at a time after the first');
  cache.k.narrow(2, cache.at, l).copy_(k);
  cache.v.narrow(2, cache.at, l).copy_(v);
  const keys = cache.k.narrow(2, 0, cache.at + l), values = cache.v.narrow(2, 0, cache.at + l);
  return a.out_proj.forward(merge(scaledDotProductAttention(q, keys, values, { causal: l > 1 })));
}

/** Keys and values of memory [R, N, D] for cross-attention (rows 1..2 of in_proj). */
export function crossKv(a: MultiheadAttention, memory: Tensor): { k: Tensor; v: Tensor } {
  const d = a.dim;
  const kv = linear(memory, a.in_proj_weight.narrow(0, d, 2 * d), a.in_proj_bias.narrow(0, d, 2 * d));
  const [k, v] = kv.chunk(2, -1).map((t) => heads(t, a.heads)) as [Tensor, Tensor];
  return { k, v };
}

function crossAttention(a: MultiheadAttention, x: Tensor, kv: { k: Tensor; v: Tensor }): Tensor {
  const d = a.dim;
  const q = heads(linear(x, a.in_proj_weight.narrow(0, 0, d), a.in_proj_bias.narrow(0, 0, d)), a.heads);
  return a.out_proj.forward(merge(scaledDotProductAttention(q, kv.k, kv.v)));
}

/** Pre-norm decoder layer: x + self(ln_1 x); [x + cross(ln_cross x, image)]; x + mlp(ln_2 x). */
export class DecoderLayer extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: MultiheadAttention;
  readonly ln_cross: LayerNorm | null;
  readonly cross_attn: MultiheadAttention | null;
  readonly ln_2: LayerNorm;
  readonly mlp: Mlp;
  constructor(width: number, nHeads: number, mlpRatio: number, cross: boolean) {
    super();
    this.ln_1 = this.child('ln_1', new LayerNorm(width));
    this.attn = this.child('attn', new MultiheadAttention(width, nHeads));
    this.ln_cross = cross ? this.child('ln_cross', new LayerNorm(width)) : null;
    this.cross_attn = cross ? this.child('cross_attn', new MultiheadAttention(width, nHeads)) : null;
    this.ln_2 = this.child('ln_2', new LayerNorm(width));
    this.mlp = this.child('mlp', new Mlp(width, Math.round(width * mlpRatio)));
  }

  /** x [R, L, D]; image: this layer's cross keys/values (cross layers only); cache: this layer's self-attention cache. */
  forward(x: Tensor, image?: { k: Tensor; v: Tensor }, cache?: { k: Tensor; v: Tensor; at: number }): Tensor {
    let h = x.add(selfAttention(this.attn, this.ln_1.forward(x), cache));
    if (this.cross_attn) {
      if (!image) throw new Error('DecoderLayer: a cross-attention layer needs the image keys/values');
      h = h.add(crossAttention(this.cross_attn, this.ln_cross!.forward(h), image));
    }
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

/** Token ids -> next-token logits, attending to image tokens (see the file comment). */
export class TextDecoder extends Module {
  readonly token_embedding: Embedding;
  readonly positional_embedding: Tensor;
  readonly unimodal: ModuleList<DecoderLayer>;
  readonly multimodal: ModuleList<DecoderLayer>;
  readonly ln_final: LayerNorm;
  /** Output projection [classes, width] (absent when tied to the token embedding). */
  readonly lm_head_weight: Tensor | null;
  readonly lm_head_bias: Tensor;
  /** Output classes: their CLIP ids (int64 [classes]) and each CLIP id's class (-100 if none), when a subset. */
  private readonly outputIds: Tensor | null;
  private readonly classOf: Tensor | null;
  /** Output classes (the vocabulary, or output_ids). */
  readonly classes: number;
  constructor(readonly cfg: DecoderCfg) {
    super();
    const { width: w, heads: h, mlp_ratio: r } = cfg;
    const ids = cfg.output_ids;
    this.classes = ids ? ids.length : cfg.vocab_size;
    this.token_embedding = this.child('token_embedding', new Embedding(cfg.vocab_size, w, 0.02));
    this.positional_embedding = this.param('positional_embedding', normal_(empty([cfg.context_length, w]), 0, 0.01));
    this.unimodal = this.child('unimodal', new ModuleList(Array.from({ length: cfg.unimodal_layers }, () => new DecoderLayer(w, h, r, false))));
    this.multimodal = this.child('multimodal', new ModuleList(Array.from({ length: cfg.layers }, () => new DecoderLayer(w, h, r, true))));
    this.ln_final = this.child('ln_final', new LayerNorm(w));
    this.lm_head_weight = cfg.tie_embeddings ? null : this.param('lm_head_weight', normal_(empty([this.classes, w]), 0, w ** -0.5));
    this.lm_head_bias = this.param('lm_head_bias', zeros([this.classes]));
    this.outputIds = ids ? this.buffer('output_ids', tensor(ids, { dtype: 'int64' }), false) : null;
    this.classOf = ids ? this.buffer('class_of', classIndex(ids, cfg.vocab_size), false) : null;
  }

  /** Every layer's self-attention cache for `rows` sequences (zeros; the caller disposes it). */
  newCache(rows: number, device: string): KvCache {
    const n = this.cfg.unimodal_layers + this.cfg.layers, h = this.cfg.heads, e = this.cfg.width / h;
    const make = (): Tensor[] => Array.from({ length: n }, () => zeros([rows, h, this.cfg.context_length, e], { device }));
    return { k: make(), v: make(), length: 0 };
  }

  /** Cross-attention keys/values of projected image tokens [R, N, width], one pair per cross layer. */
  imageKv(memory: Tensor): ImageKv {
    const pairs = this.multimodal.items.map((l) => crossKv(l.cross_attn!, memory));
    return { k: pairs.map((p) => p.k), v: pairs.map((p) => p.v) };
  }

  /** Token + position embeddings of ids [R, L] placed at positions start..start+L-1. */
  private embed(ids: Tensor, start: number): Tensor {
    const l = ids.size(1);
    if (ids.ndim !== 2 || ids.dtype !== 'int64') throw new Error(`decoder: expected int64 token ids [R, L], got ${ids.dtype}[${ids.shape}]`);
    if (start + l > this.cfg.context_length) throw new Error(`decoder: ${start + l} positions exceed the context length ${this.cfg.context_length}`);
    return this.token_embedding.forward(ids).add(this.positional_embedding.narrow(0, start, l));
  }

  /** Text-only features after the unimodal layers [R, L, width] (the contrastive embedding reads these). */
  forwardUnimodal(ids: Tensor, cache?: KvCache): Tensor {
    let x = this.embed(ids, cache?.length ?? 0);
    this.unimodal.items.forEach((layer, i) => {
      x = layer.forward(x, undefined, cache ? { k: cache.k[i]!, v: cache.v[i]!, at: cache.length } : undefined);
    });
    return x;
  }

  /** The multimodal layers and ln_final: text-only features [R, L, width] -> final features [R, L, width]. */
  forwardMultimodal(x: Tensor, image: ImageKv, cache?: KvCache): Tensor {
    const u = this.cfg.unimodal_layers;
    this.multimodal.items.forEach((layer, i) => {
      const kv = { k: image.k[i]!, v: image.v[i]! };
      x = layer.forward(x, kv, cache ? { k: cache.k[u + i]!, v: cache.v[u + i]!, at: cache.length } : undefined);
    });
    return this.ln_final.forward(x);
  }

  /** Output-class logits [..., classes] of final features (classes = the vocabulary unless output_ids is set). */
  logits(x: Tensor): Tensor {
    let w = this.lm_head_weight ?? this.token_embedding.weight;
    if (!this.lm_head_weight && this.outputIds) w = w.indexSelect(0, this.outputIds);
    return linear(x, w, this.lm_head_bias);
  }

  /** Logits over the whole vocabulary [..., vocab]: -Infinity for ids outside output_ids. */
  vocabLogits(x: Tensor): Tensor {
    const c = this.logits(x);
    if (!this.outputIds) return c;
    const shape = c.shape;
    const flat = c.reshape([-1, this.classes]);
    const index = this.outputIds.unsqueeze(0).expand([flat.size(0), this.classes]);
    return scatter(full([flat.size(0), this.cfg.vocab_size], -Infinity, { device: c.device }), 1, index, flat)
      .reshape([...shape.slice(0, -1), this.cfg.vocab_size]);
  }

  /** Each CLIP id's output class (-100 for ids the decoder cannot output), for cross-entropy targets. */
  targetClasses(ids: Tensor): Tensor {
    return this.classOf ? this.classOf.indexSelect(0, ids.reshape([-1])).reshape(ids.shape) : ids;
  }

  /**
   * Final features [R, L, width] for ids [R, L] ([R, 1, width] of the last position with lastOnly),
   * before the output layer. With a cache, ids are the next positions after the cached ones; the
   * cache advances by L.
   * @example const x = decoder.features(ids, decoder.imageKv(memory), cache, true); decoder.logits(x) // [R, 1, classes]
   */
  features(ids: Tensor, image: ImageKv, cache?: KvCache, lastOnly = false): Tensor {
    const out = this.forwardMultimodal(this.forwardUnimodal(ids, cache), image, cache);
    if (cache) cache.length += ids.size(1);
    return lastOnly ? out.narrow(1, out.size(1) - 1, 1) : out;
  }

  /**
   * Vocabulary logits [R, L, vocab] for ids [R, L] ([R, 1, vocab] of the last position with
   * lastOnly); the cache as in {@link features}.
   * @example const logits = decoder.forward(ids, decoder.imageKv(memory)); // [R, L, 49408]
   */
  forward(ids: Tensor, image: ImageKv, cache?: KvCache, lastOnly = false): Tensor {
    return this.vocabLogits(this.features(ids, image, cache, lastOnly));
  }
}
