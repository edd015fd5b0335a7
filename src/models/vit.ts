// Vision transformer image tower with open_clip's keys and layouts (visual.conv1,
// class_embedding, positional_embedding, ln_pre, transformer, ln_post, proj used as x @ proj).
import { cat, empty, normal_, randn, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Conv2d, LayerNorm } from '../nn/layers.js';
import { Transformer } from './transformer.js';

export interface VitConfig { imageSize: number; patchSize: number; width: number; layers: number; heads: number; mlpRatio?: number; embedDim: number }

export class VisionTransformer extends Module {
  readonly conv1: Conv2d;
  readonly class_embedding: Tensor;
  readonly positional_embedding: Tensor;
  readonly ln_pre: LayerNorm;
  readonly transformer: Transformer;
  readonly ln_post: LayerNorm;
  readonly proj: Tensor;
  readonly grid: number;
  constructor(readonly cfg: VitConfig) {
    super();
    const { imageSize, patchSize, width } = cfg;
    if (imageSize % patchSize !== 0) throw new Error(`VisionTransformer: image ${imageSize} is not a multiple of patch ${patchSize}`);
    this.grid = imageSize / patchSize;
    const scale = width ** -0.5;
    this.conv1 = this.child('conv1', new Conv2d(3, width, patchSize, { stride: patchSize, bias: false }));
    this.class_embedding = this.param('class_embedding', randn([width]).mul_(scale));
    this.positional_embedding = this.param('positional_embedding', randn([this.grid * this.grid + 1, width]).mul_(scale));
    this.ln_pre = this.child('ln_pre', new LayerNorm(width));
    this.transformer = this.child('transformer', new Transformer(width, cfg.layers, cfg.heads, cfg.mlpRatio ?? 4));
    this.ln_post = this.child('ln_post', new LayerNorm(width));
    this.proj = this.param('proj', normal_(empty([width, cfg.embedDim]), 0, scale));
  }
  /** Images [B, 3, H, W] -> embeddings [B, embedDim] (not normalised). */
  forward(images: Tensor): Tensor {
    const b = images.size(0);
    const w = this.cfg.width;
    const patches = this.conv1.forward(images).reshape([b, w, -1]).permute([0, 2, 1]);
    const cls = this.class_embedding.view([1, 1, w]).expand([b, 1, w]);
    let x = cat([cls, patches], 1).add(this.positional_embedding);
    x = this.transformer.forward(this.ln_pre.forward(x));
    const pooled = this.ln_post.forward(x.select(1, 0));
    return pooled.matmul(this.proj);
  }
}
