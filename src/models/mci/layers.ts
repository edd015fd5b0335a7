// Small layers of the MCi/FastViT family, keyed as timm keys them: ConvNorm (timm's ConvNormAct
// without activation: conv.*, bn.*), SqueezeExcite (timm's SEModule: fc1.*, fc2.*) and
// LayerScale2d (gamma [C, 1, 1]).
import { full, noGrad, normal_, relu, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d } from '../../nn/layers.js';
import { foldBn, type KernelBias } from './fold.js';

/** Conv (no bias, padding kernel/2) then batch norm. */
export class ConvNorm extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, o: { stride?: number; groups?: number } = {}) {
    super();
    this.conv = this.child('conv', new Conv2d(inChannels, outChannels, kernel, { stride: o.stride ?? 1, padding: kernel >> 1, groups: o.groups ?? 1, bias: false }));
    this.bn = this.child('bn', new BatchNorm2d(outChannels));
  }
  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x));
  }
  /** The single conv (kernel, bias) equal to this in eval mode. */
  folded(): KernelBias {
    return foldBn(this.conv.weight, this.bn);
  }
}

/** Channel gate: x * sigmoid(fc2(relu(fc1(mean_hw(x))))), with 1x1 convs. */
export class SqueezeExcite extends Module {
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  constructor(channels: number, reduced: number) {
    super();
    this.fc1 = this.child('fc1', new Conv2d(channels, reduced, 1));
    this.fc2 = this.child('fc2', new Conv2d(reduced, channels, 1));
  }
  forward(x: Tensor): Tensor {
    const s = this.fc2.forward(relu(this.fc1.forward(x.mean([2, 3], true))));
    return x.mul(s.sigmoid());
  }
}

/** Per-channel scale of an NCHW residual branch, initialised small (1e-5) as FastViT does. */
export class LayerScale2d extends Module {
  readonly gamma: Tensor;
  constructor(dim: number, init = 1e-5) {
    super();
    this.gamma = this.param('gamma', full([dim, 1, 1], init));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.gamma);
  }
}

/** timm's make_divisible (round to nearest multiple of `divisor`, at least `divisor`): SE widths. */
export function makeDivisible(v: number, divisor: number): number {
  return Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
}

/** timm's init for FastViT's linear and MLP conv weights: normal(0, 0.02), zero bias. */
export function initSmall(m: { weight: Tensor; bias: Tensor | null }): void {
  noGrad(() => {
    normal_(m.weight, 0, 0.02);
    m.bias?.zero_();
  });
}
