// Multi-head self-attention with PyTorch's fused layout (in_proj_weight [3d, d], out_proj), the
// layout open_clip's checkpoints use, and the pre-norm residual block built on it.
import {
  empty, full, fusedEncoderLayer, gelu, hasFusedEncoderLayer, isGradEnabled, noGrad, scaledDotProductAttention, zeros, linear, uniform_, type Tensor,
} from '../engine/index.js';
import { Module } from './module.js';
import { LayerNorm, Linear } from './layers.js';

export class MultiheadAttention extends Module {
  readonly in_proj_weight: Tensor;
  readonly in_proj_bias: Tensor;
  readonly out_proj: Linear;
  readonly headDim: number;
  constructor(readonly dim: number, readonly heads: number, readonly dropout = 0) {
    super();
    if (dim % heads !== 0) throw new Error(`MultiheadAttention: width ${dim} is not divisible by ${heads} heads`);
    this.headDim = dim / heads;
    const bound = Math.sqrt(6 / (dim + 3 * dim));  // xavier_uniform over [3d, d], as PyTorch
    this.in_proj_weight = this.param('in_proj_weight', uniform_(empty([3 * dim, dim]), -bound, bound));
    this.in_proj_bias = this.param('in_proj_bias', zeros([3 * dim]));
    this.out_proj = this.child('out_proj', new Linear(dim, dim));
    noGrad(() => this.out_proj.bias?.zero_());
  }
  /** x [B, L, D] -> [B, L, D]; mask: additive float [L, L] or boolean (true = may attend). */
  forward(x: Tensor, o: { mask?: Tensor | null; causal?: boolean } = {}): Tensor {
    const [b, l] = x.shape as [number, number, number];
    const qkv = linear(x, this.in_proj_weight, this.in_proj_bias).view([b, l, 3, this.heads, this.headDim]).permute([2, 0, 3, 1, 4]);
    const [q, k, v] = qkv.unbind(0) as [Tensor, Tensor, Tensor];
    const a = scaledDotProductAttention(q, k, v, { mask: o.mask, causal: o.causal, dropout: this.dropout, training: this.training });
    return this.out_proj.forward(a.transpose(1, 2).reshape([b, l, this.dim]));
  }
}

export type Activation = 'gelu' | 'quick_gelu';

/** x * sigmoid(1.702 x), the activation of OpenAI's original CLIP weights. */
export function quickGelu(x: Tensor): Tensor {
  return x.mul(x.mul(1.702).sigmoid());
}

/** open_clip's Mlp: c_fc -> GELU (or QuickGELU) -> c_proj. */
export class Mlp extends Module {
  readonly c_fc: Linear;
  readonly c_proj: Linear;
  constructor(dim: number, hidden: number, readonly act: Activation = 'gelu') {
    super();
    this.c_fc = this.child('c_fc', new Linear(dim, hidden));
    this.c_proj = this.child('c_proj', new Linear(hidden, dim));
  }
  forward(x: Tensor): Tensor {
    const h = this.c_fc.forward(x);
    return this.c_proj.forward(this.act === 'gelu' ? gelu(h) : quickGelu(h));
  }
}

/** Per-channel learnable scale of a residual branch (key: gamma), as open_clip's LayerScale. */
export class LayerScale extends Module {
  readonly gamma: Tensor;
  constructor(dim: number, init: number) {
    super();
    this.gamma = this.param('gamma', full([dim], init));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.gamma);
  }
}

export interface BlockOptions { mlpRatio?: number; act?: Activation; lsInit?: number | null }

/** Pre-norm transformer block: x + ls_1(attn(ln_1(x))); x + ls_2(mlp(ln_2(x))). */
export class ResidualAttentionBlock extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: MultiheadAttention;
  readonly ls_1: LayerScale | null;
  readonly ln_2: LayerNorm;
  readonly mlp: Mlp;
  readonly ls_2: LayerScale | null;
  constructor(dim: number, heads: number, o: BlockOptions = {}) {
    super();
    const ls = o.lsInit ?? null;
    this.ln_1 = this.child('ln_1', new LayerNorm(dim));
    this.attn = this.child('attn', new MultiheadAttention(dim, heads));
    this.ls_1 = ls === null ? null : this.child('ls_1', new LayerScale(dim, ls));
    this.ln_2 = this.child('ln_2', new LayerNorm(dim));
    this.mlp = this.child('mlp', new Mlp(dim, Math.round(dim * (o.mlpRatio ?? 4)), o.act ?? 'gelu'));
    this.ls_2 = ls === null ? null : this.child('ls_2', new LayerScale(dim, ls));
  }
  forward(x: Tensor, o: { mask?: Tensor | null; causal?: boolean } = {}): Tensor {
    if (this.canFuse(o)) return this.fusedForward(x);
    let a = this.attn.forward(this.ln_1.forward(x), o);
    if (this.ls_1) a = this.ls_1.forward(a);
    const h = x.add(a);
    let m = this.mlp.forward(this.ln_2.forward(h));
    if (this.ls_2) m = this.ls_2.forward(m);
    return h.add(m);
  }

  /** With gradients off, an unmasked GELU block without layer scale runs as one fused libtorch kernel. */
  private canFuse(o: { mask?: Tensor | null; causal?: boolean }): boolean {
    return !isGradEnabled() && !o.mask && !o.causal && !this.ls_1 && this.mlp.act === 'gelu' && this.attn.dropout === 0 &&
      this.ln_1.eps === this.ln_2.eps && hasFusedEncoderLayer() && ResidualAttentionBlock.fuse;
  }
  private fusedForward(x: Tensor): Tensor {
    return fusedEncoderLayer(x, {
      heads: this.attn.heads, qkvWeight: this.attn.in_proj_weight, qkvBias: this.attn.in_proj_bias,
      projWeight: this.attn.out_proj.weight, projBias: this.attn.out_proj.bias!, norm1Weight: this.ln_1.weight, norm1Bias: this.ln_1.bias,
      norm2Weight: this.ln_2.weight, norm2Bias: this.ln_2.bias, fc1Weight: this.mlp.c_fc.weight, fc1Bias: this.mlp.c_fc.bias!,
      fc2Weight: this.mlp.c_proj.weight, fc2Bias: this.mlp.c_proj.bias!, eps: this.ln_1.eps,
    });
  }

  /** Use the fused inference kernel when possible (tests turn it off to compare). */
  static fuse = true;
}
