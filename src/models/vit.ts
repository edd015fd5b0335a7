// Vision transformer image tower with open_clip's keys and layouts (visual.conv1,
// class_embedding, positional_embedding, ln_pre, transformer, ln_post, proj used as x @ proj),
// optionally behind an early-convolution stem (visual.stem.N.conv / .bn, vision_cfg.conv_stem).
import { cat, empty, normal_, randn, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { Conv2d, ConvBnRelu, LayerNorm } from '../nn/layers.js';
import type { Activation } from '../nn/attention.js';
import { Transformer } from './transformer.js';
import type { VisionCfg } from './config.js';
import { type FeatureInfo, type ImageTower, type Intermediates, type IntermediatesOptions, resolveIndices } from './tower.js';

/**
 * 3x3 stride-2 conv + BN + ReLU layers, 3 -> channels[0] -> ... (each halves the map).
 * @example const stem = new ConvStem([32, 64]); stem.forward(randn([2, 3, 64, 64])).shape // [2, 64, 16, 16]
 */
export class ConvStem extends ModuleList<ConvBnRelu> {
  constructor(readonly channels: readonly number[]) {
    super(channels.map((c, i) => new ConvBnRelu(i ? channels[i - 1]! : 3, c, 3, { stride: 2 })));
  }
  forward(x: Tensor): Tensor {
    return this.items.reduce((y, layer) => layer.forward(y), x);
  }
}

export class VisionTransformer extends Module implements ImageTower {
  readonly stem: ConvStem | null;
  readonly conv1: Conv2d;
  readonly class_embedding: Tensor;
  readonly positional_embedding: Tensor;
  readonly ln_pre: LayerNorm | null;
  readonly transformer: Transformer;
  readonly ln_post: LayerNorm;
  readonly proj: Tensor;
  readonly grid: number;
  readonly imageSize: number;
  constructor(readonly cfg: VisionCfg, readonly embedDim: number, act: Activation = 'gelu') {
    super();
    const { image_size: imageSize, patch_size: patch, width } = cfg;
    this.imageSize = imageSize;
    this.grid = imageSize / patch;
    const scale = width ** -0.5;
    const stem = cfg.conv_stem ?? [];
    this.stem = stem.length ? this.child('stem', new ConvStem(stem)) : null;
    const kernel = patch / 2 ** stem.length;
    this.conv1 = this.child('conv1', new Conv2d(stem.at(-1) ?? 3, width, kernel, { stride: kernel, bias: false }));
    this.class_embedding = this.param('class_embedding', randn([width]).mul_(scale));
    this.positional_embedding = this.param('positional_embedding', randn([this.grid * this.grid + 1, width]).mul_(scale));
    this.ln_pre = cfg.no_ln_pre ? null : this.child('ln_pre', new LayerNorm(width));
    this.transformer = this.child('transformer', new Transformer(width, cfg.layers, width / cfg.head_width, { mlpRatio: cfg.mlp_ratio, act, lsInit: cfg.ls_init_value }));
    this.ln_post = this.child('ln_post', new LayerNorm(width));
    this.proj = this.param('proj', normal_(empty([width, embedDim]), 0, scale));
  }

  private checkImages(images: Tensor): void {
    if (images.ndim !== 4 || images.size(1) !== 3 || images.size(2) !== this.imageSize || images.size(3) !== this.imageSize) {
      throw new Error(`VisionTransformer: expected images [B, 3, ${this.imageSize}, ${this.imageSize}], got [${images.shape}]`);
    }
  }

  /** Images -> patch tokens [B, grid^2, width] (stem, then conv1). */
  private patchTokens(images: Tensor): Tensor {
    const x = this.stem ? this.stem.forward(images) : images;
    return this.conv1.forward(x).reshape([images.size(0), this.cfg.width, -1]).permute([0, 2, 1]);
  }

  private embed(images: Tensor): Tensor {
    const b = images.size(0), w = this.cfg.width;
    this.checkImages(images);
    const patches = this.patchTokens(images);
    const cls = this.class_embedding.view([1, 1, w]).expand([b, 1, w]);
    const x = cat([cls, patches], 1).add(this.positional_embedding);
    return this.ln_pre ? this.ln_pre.forward(x) : x;
  }

  /**
   * MAE's encoder pass: only the patches `idsKeep` [B, K] (int64) plus the class token, each with
   * its position embedding, through ln_pre, the blocks and ln_post -> tokens [B, 1 + K, width].
   * A conv stem runs over the whole image first, so a kept token's receptive field reaches 3 px
   * into the (masked) patches above and to its left.
   * @example const latent = vit.forwardVisible(images, randomMasking(noise, 0.75).idsKeep);
   */
  forwardVisible(images: Tensor, idsKeep: Tensor): Tensor {
    this.checkImages(images);
    const b = images.size(0), w = this.cfg.width;
    if (idsKeep.ndim !== 2 || idsKeep.size(0) !== b) throw new Error(`VisionTransformer: idsKeep must be [${b}, K], got [${idsKeep.shape}]`);
    const pos = this.positional_embedding;
    const patches = this.patchTokens(images).add(pos.slice(0, 1, null));
    const visible = patches.gather(1, idsKeep.unsqueeze(-1).expand([b, idsKeep.size(1), w]));
    const cls = this.class_embedding.add(pos.select(0, 0)).view([1, 1, w]).expand([b, 1, w]);
    const x = cat([cls, visible], 1);
    return this.ln_post.forward(this.transformer.forward(this.ln_pre ? this.ln_pre.forward(x) : x));
  }

  private head(x: Tensor): Tensor {
    const pool = (t: Tensor) => (this.cfg.pool_type === 'avg' ? t.slice(1, 1, null).mean(1) : t.select(1, 0));
    const pooled = this.cfg.final_ln_after_pool ? this.ln_post.forward(pool(x)) : pool(this.ln_post.forward(x));
    return pooled.matmul(this.proj);
  }

  /** Images [B, 3, S, S] -> embeddings [B, embedDim] (not normalised). */
  forward(images: Tensor): Tensor {
    return this.head(this.transformer.forward(this.embed(images)));
  }

  /** Block outputs as patch maps [B, width, S/p, S/p] (class token dropped) or token sequences. */
  forwardIntermediates(images: Tensor, o: IntermediatesOptions = {}): Intermediates {
    const want = new Set(resolveIndices(o.indices, this.cfg.layers));
    const last = Math.max(...want);
    const maps: Tensor[] = [];
    const blocks = this.transformer.resblocks.items;
    let x = this.embed(images);
    for (let i = 0; i < (o.intermediatesOnly ? last + 1 : blocks.length); i++) {
      x = (blocks[i] as (typeof blocks)[number]).forward(x);
      if (want.has(i)) maps.push(o.format === 'NLC' ? x : this.toMap(x));
    }
    return { output: o.intermediatesOnly ? null : this.head(x), intermediates: maps };
  }

  private toMap(tokens: Tensor): Tensor {
    const b = tokens.size(0);
    return tokens.slice(1, 1, null).reshape([b, this.grid, this.grid, this.cfg.width]).permute([0, 3, 1, 2]);
  }

  featureInfo(): FeatureInfo[] {
    return Array.from({ length: this.cfg.layers }, () => ({ channels: this.cfg.width, reduction: this.cfg.patch_size }));
  }
  dummyInput(batch = 2): Tensor {
    return randn([batch, 3, this.imageSize, this.imageSize]);
  }
  reparameterize(): void {
    // A plain ViT has no training-time branches.
  }
}
