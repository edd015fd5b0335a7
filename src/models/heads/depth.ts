// Monocular depth head: a 3x3 conv block and a 1x1 conv to one channel over one feature map,
// resized to the input, then made positive (softplus or exp) or squashed into [min, max].
import { softplus, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d, ConvBnRelu } from '../../nn/layers.js';
import type { FeatureInfo } from '../tower.js';
import { checkPositiveInt, pickLevel, resizeTo, resolveLevel, type DenseMapHead, type ImageSize } from './common.js';

export interface DepthHeadOptions {
  /** Which feature level to read (negative from the end). Default -1, the last. */
  level?: number;
  /** Channels of the 3x3 conv block. Default 128. */
  channels?: number;
  /** Positivity for the unbounded form: softplus (default; linear for large depths) or exp (log-depth output). */
  activation?: 'softplus' | 'exp';
  /** Smallest depth. Default 1e-3: keeps log(depth) finite for scale-invariant log losses even where softplus/exp underflow. */
  minDepth?: number;
  /** Largest depth. When set, depth = min + (max - min) * sigmoid(x), bounded as in NeWCRFs/BinsFormer. */
  maxDepth?: number;
  /** Multiplies the unbounded activation (metres per unit). Default 1. */
  scale?: number;
  /**
   * Natural-log depth range [lo, hi] of the targets (e.g. the training labels' range with a margin):
   * depth = exp(lo + (hi - lo) * sigmoid(x)). The output starts at the range's geometric middle and
   * can never leave it, so a head fitted on a few images cannot extrapolate to absurd depths.
   */
  logRange?: readonly [number, number];
}

/**
 * Per-pixel depth > 0 at input resolution, [B, 1, H, W]. Unbounded: minDepth + scale * act(x);
 * with maxDepth: minDepth + (maxDepth - minDepth) * sigmoid(x); with logRange [lo, hi]:
 * exp(lo + (hi - lo) * sigmoid(x)) (log-depth in the targets' own units, bounded). The single-channel prediction is
 * resized before the activation, so the output keeps its range exactly. Keys: block.*, pred.*.
 * @example
 * const head = new DepthHead(tower.featureInfo(), { maxDepth: 10 });
 * const depth = head.forward(feats, [224, 224]);   // [B, 1, 224, 224], values in (1e-3, 10)
 */
export class DepthHead extends Module implements DenseMapHead {
  readonly block: ConvBnRelu;
  readonly pred: Conv2d;
  readonly level: number;
  readonly minDepth: number;
  readonly maxDepth: number | null;
  readonly logRange: readonly [number, number] | null;
  constructor(readonly info: readonly FeatureInfo[], readonly opts: DepthHeadOptions = {}) {
    super();
    const who = 'DepthHead';
    this.level = resolveLevel(info, opts.level ?? -1, who);
    const hidden = opts.channels ?? 128;
    checkPositiveInt(hidden, 'channels', who);
    this.minDepth = opts.minDepth ?? 1e-3;
    this.maxDepth = opts.maxDepth ?? null;
    if (!(this.minDepth >= 0)) throw new Error(`${who}: minDepth must be >= 0, got ${this.minDepth}`);
    if (this.maxDepth !== null && !(this.maxDepth > this.minDepth)) {
      throw new Error(`${who}: maxDepth (${this.maxDepth}) must exceed minDepth (${this.minDepth})`);
    }
    this.logRange = opts.logRange ?? null;
    if (this.logRange && !(Number.isFinite(this.logRange[0]) && Number.isFinite(this.logRange[1]) && this.logRange[1] > this.logRange[0])) {
      throw new Error(`${who}: logRange must be two finite numbers [lo, hi] with hi > lo, got [${this.logRange}]`);
    }
    if (!((opts.scale ?? 1) > 0)) throw new Error(`${who}: scale must be > 0, got ${opts.scale}`);
    this.block = this.child('block', new ConvBnRelu(info[this.level]!.channels, hidden, 3));
    this.pred = this.child('pred', new Conv2d(hidden, 1, 1));
  }
  /** Feature maps (one per FeatureInfo entry) -> depth [B, 1, H, W] at imageSize. */
  forward(features: readonly Tensor[], imageSize: ImageSize): Tensor {
    const x = pickLevel(features, this.info, this.level, 'DepthHead');
    const raw = resizeTo(this.pred.forward(this.block.forward(x)), imageSize);
    if (this.logRange) return raw.sigmoid().mul(this.logRange[1] - this.logRange[0]).add(this.logRange[0]).exp();
    if (this.maxDepth !== null) return raw.sigmoid().mul(this.maxDepth - this.minDepth).add(this.minDepth);
    const pos = (this.opts.activation ?? 'softplus') === 'exp' ? raw.exp() : softplus(raw);
    const scaled = (this.opts.scale ?? 1) === 1 ? pos : pos.mul(this.opts.scale!);
    return this.minDepth === 0 ? scaled : scaled.add(this.minDepth);
  }
}
