// Conditional positional encoding: x + depthwise 7x7 conv(x) (pos_enc). reparameterize() adds
// the identity to the kernel, giving one conv (reparam_conv). Keys follow timm's
// RepConditionalPosEnc.
import type { Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/layers.js';
import { dropChildren, fusedConv, identityKernel } from './fold.js';

/** x + pos_enc(x), foldable into one depthwise conv. */
export class RepConditionalPosEnc extends Module {
  pos_enc: Conv2d | null;
  reparam_conv: Conv2d | null = null;
  constructor(readonly dim: number, readonly kernel = 7) {
    super();
    this.pos_enc = this.child('pos_enc', new Conv2d(dim, dim, kernel, { padding: kernel >> 1, groups: dim }));
  }

  forward(x: Tensor): Tensor {
    return this.reparam_conv ? this.reparam_conv.forward(x) : this.pos_enc!.forward(x).add(x);
  }

  /** Folds the skip connection into the conv (idempotent). */
  reparameterize(): void {
    if (this.reparam_conv) return;
    const d = this.dim, pe = this.pos_enc!;
    const conv = fusedConv({ inChannels: d, outChannels: d, kernel: this.kernel, groups: d }, () => ({
      weight: identityKernel(d, d, this.kernel, pe.weight).add(pe.weight),
      bias: pe.bias!,
    }));
    dropChildren(this, ['pos_enc']);
    this.pos_enc = null;
    this.reparam_conv = this.child('reparam_conv', conv);
  }
}
