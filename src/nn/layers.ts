// Basic layers with PyTorch's parameter names, layouts and default initialisation.
import { conv2d, embedding, empty, layerNorm, linear, ones, zeros, uniform_, normal_, type Tensor, type ConvOptions } from '../engine/index.js';
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
