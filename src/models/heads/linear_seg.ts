// Linear segmentation probe: the standard frozen-encoder probe (optional BatchNorm2d, then a 1x1
// conv to class logits over one feature map), upsampled bilinearly to the input.
import type { Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d } from '../../nn/layers.js';
import type { FeatureInfo } from '../tower.js';
import { checkPositiveInt, pickLevel, resizeTo, resolveLevel, type DenseMapHead, type ImageSize } from './common.js';

export interface LinearSegOptions {
  /** Number of classes (output channels). */
  numClasses: number;
  /** Which feature level to read (negative from the end). Default -1, the last. */
  level?: number;
  /** Normalise the features with BatchNorm2d before the classifier. Default true. */
  batchNorm?: boolean;
}

/**
 * Linear probe for semantic segmentation: [BN] + 1x1 conv over one level, logits resized to the
 * input with bilinear interpolation (align_corners false). Keys: bn.*, conv_seg.*.
 * @example
 * const head = new LinearSegHead(tower.featureInfo(), { numClasses: 150 });
 * const logits = head.forward(feats, [224, 224]);   // [B, 150, 224, 224]
 */
export class LinearSegHead extends Module implements DenseMapHead {
  readonly bn: BatchNorm2d | null;
  readonly conv_seg: Conv2d;
  readonly level: number;
  constructor(readonly info: readonly FeatureInfo[], readonly opts: LinearSegOptions) {
    super();
    checkPositiveInt(opts.numClasses, 'numClasses', 'LinearSegHead');
    this.level = resolveLevel(info, opts.level ?? -1, 'LinearSegHead');
    const c = info[this.level]!.channels;
    this.bn = opts.batchNorm ?? true ? this.child('bn', new BatchNorm2d(c)) : null;
    this.conv_seg = this.child('conv_seg', new Conv2d(c, opts.numClasses, 1));
  }
  /** Feature maps (one per FeatureInfo entry) -> class logits [B, numClasses, H, W] at imageSize. */
  forward(features: readonly Tensor[], imageSize: ImageSize): Tensor {
    let x = pickLevel(features, this.info, this.level, 'LinearSegHead');
    if (this.bn) x = this.bn.forward(x);
    return resizeTo(this.conv_seg.forward(x), imageSize);
  }
}
