// Surface-normal head: a 3x3 conv block and a 1x1 conv to three channels over one feature map,
// resized to the input and L2-normalised per pixel.
import { normalize, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d, ConvBnRelu } from '../../nn/layers.js';
import type { FeatureInfo } from '../tower.js';
import { checkPositiveInt, pickLevel, resizeTo, resolveLevel, type DenseMapHead, type ImageSize } from './common.js';

export interface NormalsHeadOptions {
  /** Which feature level to read (negative from the end). Default -1, the last. */
  level?: number;
  /** Channels of the 3x3 conv block. Default 128. */
  channels?: number;
}

/**
 * Unit surface normals [B, 3, H, W] at input resolution. The raw 3-vector is resized first and
 * normalised last, since bilinear blends of unit vectors are shorter than 1. Keys: block.*, pred.*.
 * @example
 * const head = new NormalsHead(tower.featureInfo());
 * const n = head.forward(feats, [224, 224]);   // |n| = 1 at every pixel
 */
export class NormalsHead extends Module implements DenseMapHead {
  readonly block: ConvBnRelu;
  readonly pred: Conv2d;
  readonly level: number;
  constructor(readonly info: readonly FeatureInfo[], readonly opts: NormalsHeadOptions = {}) {
    super();
    this.level = resolveLevel(info, opts.level ?? -1, 'NormalsHead');
    const hidden = opts.channels ?? 128;
    checkPositiveInt(hidden, 'channels', 'NormalsHead');
    this.block = this.child('block', new ConvBnRelu(info[this.level]!.channels, hidden, 3));
    this.pred = this.child('pred', new Conv2d(hidden, 3, 1));
  }
  /** Feature maps (one per FeatureInfo entry) -> unit normals [B, 3, H, W] at imageSize. */
  forward(features: readonly Tensor[], imageSize: ImageSize): Tensor {
    const x = pickLevel(features, this.info, this.level, 'NormalsHead');
    return normalize(resizeTo(this.pred.forward(this.block.forward(x)), imageSize), 2, 1);
  }
}
