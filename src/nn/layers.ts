// Basic layers with PyTorch's parameter names, layouts and default initialisation.
import {
  batchNorm, conv2d, dropout, embedding, empty, groupNorm, layerNorm, linear, noGrad, ones, rand, zeros, uniform_, normal_, type Tensor, type ConvOptions,
} from '../engine/index.js';
import { Module } from './module.js';

/** y = x W^T + b, weight [out, in]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param('weight', uniform_(empty([outFeatures, inFeatures]), -bound, bound));
    this.bias = bias ? this.param('bias', uniform_(empty([outFeatures]), -bound, bound)) : null;
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = this.param('weight', ones([dim]));
    this.bias = this.param('bias', zeros([dim]));
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, [this.dim], this.weight, this.bias, this.eps);
  }
}

export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly num: number, readonly dim: number, std = 1) {
    super();
    this.weight = this.param('weight', normal_(empty([num, dim]), 0, std));
  }
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

export interface Conv2dOptions { stride?: number; padding?: number; dilation?: number; groups?: number; bias?: boolean }
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly opts: ConvOptions;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, o: Conv2dOptions = {}) {
    super();
    const groups = o.groups ?? 1;
    const bound = 1 / Math.sqrt((inChannels / groups) * kernel * kernel);
    this.weight = this.param('weight', uniform_(empty([outChannels, inChannels / groups, kernel, kernel]), -bound, bound));
    this.bias = o.bias ?? true ? this.param('bias', uniform_(empty([outChannels]), -bound, bound)) : null;
    this.opts = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups };
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts);
  }
}

/** Batch norm over NCHW with running statistics (buffers running_mean, running_var, num_batches_tracked). */
export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly running_mean: Tensor;
  readonly running_var: Tensor;
  readonly num_batches_tracked: Tensor;
  constructor(readonly channels: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    this.weight = this.param('weight', ones([channels]));
    this.bias = this.param('bias', zeros([channels]));
    this.running_mean = this.buffer('running_mean', zeros([channels]));
    this.running_var = this.buffer('running_var', ones([channels]));
    this.num_batches_tracked = this.buffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }
  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.num_batches_tracked.add_(1));
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, this.training, this.momentum, this.eps);
  }
}

export class GroupNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly groups: number, readonly channels: number, readonly eps = 1e-5) {
    super();
    if (channels % groups !== 0) throw new Error(`GroupNorm: ${channels} channels do not split into ${groups} groups`);
    this.weight = this.param('weight', ones([channels]));
    this.bias = this.param('bias', zeros([channels]));
  }
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.groups, this.weight, this.bias, this.eps);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.p > 0 && this.training ? dropout(x, this.p, true) : x;
  }
}

/** Stochastic depth: drops whole samples of a residual branch with probability p in training. */
export class DropPath extends Module {
  constructor(readonly p = 0) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (this.p === 0 || !this.training) return x;
    const keepP = 1 - this.p;
    const shape = [x.size(0), ...Array<number>(x.ndim - 1).fill(1)];
    const mask = rand(shape, { device: x.device }).lt(keepP).to(x.dtype).div(keepP);
    return x.mul(mask);
  }
}

/**
 * conv (no bias, 'same' padding: kernel/2) -> BatchNorm2d -> ReLU, with keys conv.weight and bn.*;
 * `stride` 2 halves the map (a conv stem's layer).
 * @example const block = new ConvBnRelu(768, 256, 3); const y = block.forward(x);
 */
export class ConvBnRelu extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(inChannels: number, outChannels: number, kernel: number, o: { stride?: number } = {}) {
    super();
    this.conv = this.child('conv', new Conv2d(inChannels, outChannels, kernel, { stride: o.stride ?? 1, padding: (kernel - 1) >> 1, bias: false }));
    this.bn = this.child('bn', new BatchNorm2d(outChannels));
  }
  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x)).relu();
  }
}
