// MobileOne block: at training time a sum of conv+BN branches (conv_kxk.N), a 1x1 conv+BN scale
// branch (conv_scale) and a BN-only identity branch (identity); then optional squeeze-excite (se)
// and GELU. reparameterize() folds the branches into one conv (reparam_conv), as timm does.
import { gelu, pad, type Tensor } from '../../engine/index.js';
import { Module, ModuleList } from '../../nn/module.js';
import { BatchNorm2d, type Conv2d } from '../../nn/layers.js';
import { dropChildren, foldBn, fusedConv, identityKernel, sumBranches, type KernelBias } from './fold.js';
import { ConvNorm, SqueezeExcite, makeDivisible } from './layers.js';

export interface MobileOneOptions {
  stride?: number;
  /** Conv groups (timm's group_size 1 means groups = inChannels). */
  groups?: number;
  /** Squeeze-excite after the branches (reduction 1/16). */
  se?: boolean;
  /** GELU at the end (default true). */
  act?: boolean;
  /** The 1x1 scale branch, for kernels above 1 (default true). */
  scaleBranch?: boolean;
  /** Number of k x k conv+BN branches (default 1). */
  convBranches?: number;
}

/** A reparameterizable conv block; keys follow timm's fastvit.MobileOneBlock. */
export class MobileOneBlock extends Module {
  readonly se: SqueezeExcite | null;
  identity: BatchNorm2d | null;
  conv_kxk: ModuleList<ConvNorm> | null;
  conv_scale: ConvNorm | null;
  reparam_conv: Conv2d | null = null;
  readonly stride: number;
  readonly groups: number;
  readonly act: boolean;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, o: MobileOneOptions = {}) {
    super();
    this.stride = o.stride ?? 1;
    this.groups = o.groups ?? 1;
    this.act = o.act ?? true;
    const branches = o.convBranches ?? 1;
    const conv = { stride: this.stride, groups: this.groups };
    this.se = o.se ? this.child('se', new SqueezeExcite(outChannels, makeDivisible(outChannels / 16, 1))) : null;
    this.identity = inChannels === outChannels && this.stride === 1 ? this.child('identity', new BatchNorm2d(inChannels)) : null;
    this.conv_kxk = branches > 0
      ? this.child('conv_kxk', new ModuleList(Array.from({ length: branches }, () => new ConvNorm(inChannels, outChannels, kernel, conv))))
      : null;
    this.conv_scale = kernel > 1 && (o.scaleBranch ?? true) ? this.child('conv_scale', new ConvNorm(inChannels, outChannels, 1, conv)) : null;
  }

  forward(x: Tensor): Tensor {
    let y = this.reparam_conv ? this.reparam_conv.forward(x) : this.branches(x);
    if (this.se) y = this.se.forward(y);
    return this.act ? gelu(y) : y;
  }

  private branches(x: Tensor): Tensor {
    const outs: Tensor[] = [];
    if (this.identity) outs.push(this.identity.forward(x));
    if (this.conv_scale) outs.push(this.conv_scale.forward(x));
    for (const b of this.conv_kxk?.items ?? []) outs.push(b.forward(x));
    return outs.reduce((a, b) => a.add(b));
  }

  /** The single conv (kernel, bias) equal to the branches in eval mode. */
  foldedBranches(): KernelBias {
    const p = this.kernel >> 1;
    const parts: KernelBias[] = (this.conv_kxk?.items ?? []).map((b) => b.folded());
    if (this.conv_scale) {
      const s = this.conv_scale.folded();
      parts.push({ weight: pad(s.weight, [p, p, p, p]), bias: s.bias });
    }
    if (this.identity) {
      const eye = identityKernel(this.inChannels, this.groups, this.kernel, this.identity.weight);
      parts.push(foldBn(eye, this.identity));
    }
    return sumBranches(parts);
  }

  /** Replaces the branches by one conv with the same eval-mode output (idempotent). */
  reparameterize(): void {
    if (this.reparam_conv) return;
    const spec = { inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.kernel, stride: this.stride, groups: this.groups };
    const conv = fusedConv(spec, () => this.foldedBranches());
    dropChildren(this, ['identity', 'conv_kxk', 'conv_scale']);
    this.identity = this.conv_kxk = this.conv_scale = null;
    this.reparam_conv = this.child('reparam_conv', conv);
  }
}
