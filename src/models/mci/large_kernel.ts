// RepLKNet-style large-kernel conv: a k x k conv+BN (large_conv) plus a 3x3 conv+BN (small_conv)
// in parallel, then optional squeeze-excite (se, reduction 1/4) and GELU. reparameterize() pads
// the small kernel and folds both into reparam_conv. Keys follow timm's ReparamLargeKernelConv.
import { gelu, pad, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import type { Conv2d } from '../../nn/layers.js';
import { dropChildren, fusedConv, sumBranches } from './fold.js';
import { ConvNorm, SqueezeExcite, makeDivisible } from './layers.js';

export interface LargeKernelOptions { stride: number; groups: number; smallKernel?: number; se?: boolean }

/** Large + small kernel branches summed, with SE and GELU (MCi's `lkc_use_act`). */
export class ReparamLargeKernelConv extends Module {
  large_conv: ConvNorm | null;
  small_conv: ConvNorm | null;
  readonly se: SqueezeExcite | null;
  reparam_conv: Conv2d | null = null;
  readonly smallKernel: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, readonly o: LargeKernelOptions) {
    super();
    this.smallKernel = o.smallKernel ?? 3;
    if (this.smallKernel > kernel) throw new Error(`ReparamLargeKernelConv: small kernel ${this.smallKernel} exceeds kernel ${kernel}`);
    const conv = { stride: o.stride, groups: o.groups };
    this.large_conv = this.child('large_conv', new ConvNorm(inChannels, outChannels, kernel, conv));
    this.small_conv = this.child('small_conv', new ConvNorm(inChannels, outChannels, this.smallKernel, conv));
    this.se = o.se ? this.child('se', new SqueezeExcite(outChannels, makeDivisible(outChannels / 4, 8))) : null;
  }

  forward(x: Tensor): Tensor {
    let y = this.reparam_conv ? this.reparam_conv.forward(x) : this.large_conv!.forward(x).add(this.small_conv!.forward(x));
    if (this.se) y = this.se.forward(y);
    return gelu(y);
  }

  /** Folds both branches into one conv with the same eval-mode output (idempotent). */
  reparameterize(): void {
    if (this.reparam_conv) return;
    const p = (this.kernel - this.smallKernel) >> 1;
    const spec = { inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.kernel, stride: this.o.stride, groups: this.o.groups };
    const conv = fusedConv(spec, () => {
      const small = this.small_conv!.folded();
      return sumBranches([this.large_conv!.folded(), { weight: pad(small.weight, [p, p, p, p]), bias: small.bias }]);
    });
    dropChildren(this, ['large_conv', 'small_conv']);
    this.large_conv = this.small_conv = null;
    this.reparam_conv = this.child('reparam_conv', conv);
  }
}
