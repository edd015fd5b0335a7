// FastViT's metaformer blocks: RepMixerBlock (RepMixer token mixer) and AttentionBlock (BN then
// multi-head self-attention over the H*W tokens), each followed by a convolutional MLP with a
// layer-scaled residual. Keys follow timm's fastvit (token_mixer, mlp, layer_scale[_1/_2]).
import { gelu, scaledDotProductAttention, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d, Linear } from '../../nn/layers.js';
import { ConvNorm, LayerScale2d, initSmall } from './layers.js';
import { RepMixer } from './repmixer.js';

/** Depthwise 7x7 conv+BN, then 1x1 expand, GELU, 1x1 project (timm's ConvMlp: conv, fc1, fc2). */
export class ConvMlp extends Module {
  readonly conv: ConvNorm;
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  constructor(dim: number, hidden: number) {
    super();
    this.conv = this.child('conv', new ConvNorm(dim, dim, 7, { groups: dim }));
    this.fc1 = this.child('fc1', new Conv2d(dim, hidden, 1));
    this.fc2 = this.child('fc2', new Conv2d(hidden, dim, 1));
    for (const c of [this.conv.conv, this.fc1, this.fc2]) initSmall(c);
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(gelu(this.fc1.forward(this.conv.forward(x))));
  }
}

/** Multi-head self-attention on NCHW maps, heads of width 32 (qkv without bias, proj). */
export class Attention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly heads: number;
  constructor(readonly dim: number, readonly headDim = 32) {
    super();
    if (dim % headDim !== 0) throw new Error(`Attention: width ${dim} is not a multiple of head width ${headDim}`);
    this.heads = dim / headDim;
    this.qkv = this.child('qkv', new Linear(dim, 3 * dim, false));
    this.proj = this.child('proj', new Linear(dim, dim));
    initSmall(this.qkv);
    initSmall(this.proj);
  }
  forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const n = h * w;
    const tokens = x.flatten(2).transpose(1, 2);
    const qkv = this.qkv.forward(tokens).reshape([b, n, 3, this.heads, this.headDim]).permute([2, 0, 3, 1, 4]);
    const [q, k, v] = qkv.unbind(0) as [Tensor, Tensor, Tensor];
    const a = scaledDotProductAttention(q, k, v, { training: this.training });
    return this.proj.forward(a.transpose(1, 2).reshape([b, n, c])).transpose(1, 2).reshape([b, c, h, w]);
  }
}

/** token_mixer (RepMixer, residual inside) then x + layer_scale(mlp(x)). */
export class RepMixerBlock extends Module {
  readonly token_mixer: RepMixer;
  readonly mlp: ConvMlp;
  readonly layer_scale: LayerScale2d;
  constructor(dim: number, mlpRatio: number) {
    super();
    this.token_mixer = this.child('token_mixer', new RepMixer(dim));
    this.mlp = this.child('mlp', new ConvMlp(dim, Math.floor(dim * mlpRatio)));
    this.layer_scale = this.child('layer_scale', new LayerScale2d(dim));
  }
  forward(x: Tensor): Tensor {
    const y = this.token_mixer.forward(x);
    return y.add(this.layer_scale.forward(this.mlp.forward(y)));
  }
}

/** x + ls1(attn(norm(x))); x + ls2(mlp(x)), with batch norm as the pre-norm. */
export class AttentionBlock extends Module {
  readonly norm: BatchNorm2d;
  readonly token_mixer: Attention;
  readonly layer_scale_1: LayerScale2d;
  readonly mlp: ConvMlp;
  readonly layer_scale_2: LayerScale2d;
  constructor(dim: number, mlpRatio: number) {
    super();
    this.norm = this.child('norm', new BatchNorm2d(dim));
    this.token_mixer = this.child('token_mixer', new Attention(dim));
    this.layer_scale_1 = this.child('layer_scale_1', new LayerScale2d(dim));
    this.mlp = this.child('mlp', new ConvMlp(dim, Math.floor(dim * mlpRatio)));
    this.layer_scale_2 = this.child('layer_scale_2', new LayerScale2d(dim));
  }
  forward(x: Tensor): Tensor {
    const h = x.add(this.layer_scale_1.forward(this.token_mixer.forward(this.norm.forward(x))));
    return h.add(this.layer_scale_2.forward(this.mlp.forward(h)));
  }
}
