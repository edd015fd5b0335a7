// RepMixer, FastViT's convolutional token mixer: x + gamma * (mixer(x) - norm(x)) with depthwise
// 3x3 MobileOne blocks (mixer: conv + scale + identity branches; norm: identity BN only).
// reparameterize() folds all of it, the residual included, into one depthwise conv.
import type { Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import type { Conv2d } from '../../nn/layers.js';
import { dropChildren, fusedConv, identityKernel } from './fold.js';
import { LayerScale2d } from './layers.js';
import { MobileOneBlock } from './mobileone.js';

/** Keys: norm.*, mixer.*, layer_scale.gamma; after folding reparam_conv.* (timm's RepMixer). */
export class RepMixer extends Module {
  norm: MobileOneBlock | null;
  mixer: MobileOneBlock | null;
  layer_scale: LayerScale2d | null;
  reparam_conv: Conv2d | null = null;
  constructor(readonly dim: number, readonly kernel = 3) {
    super();
    const dw = { groups: dim, act: false };
    this.norm = this.child('norm', new MobileOneBlock(dim, dim, kernel, { ...dw, scaleBranch: false, convBranches: 0 }));
    this.mixer = this.child('mixer', new MobileOneBlock(dim, dim, kernel, dw));
    this.layer_scale = this.child('layer_scale', new LayerScale2d(dim));
  }

  forward(x: Tensor): Tensor {
    if (this.reparam_conv) return this.reparam_conv.forward(x);
    return x.add(this.layer_scale!.forward(this.mixer!.forward(x).sub(this.norm!.forward(x))));
  }

  /** Folds identity + gamma * (mixer - norm) into one depthwise conv (idempotent). */
  reparameterize(): void {
    if (this.reparam_conv) return;
    const d = this.dim;
    const conv = fusedConv({ inChannels: d, outChannels: d, kernel: this.kernel, groups: d }, () => {
      const m = this.mixer!.foldedBranches(), n = this.norm!.foldedBranches();
      const g = this.layer_scale!.gamma;
      const weight = identityKernel(d, d, this.kernel, g).add(g.unsqueeze(-1).mul(m.weight.sub(n.weight)));
      return { weight, bias: g.flatten().mul(m.bias.sub(n.bias)) };
    });
    dropChildren(this, ['norm', 'mixer', 'layer_scale']);
    this.norm = this.mixer = this.layer_scale = null;
    this.reparam_conv = this.child('reparam_conv', conv);
  }
}
