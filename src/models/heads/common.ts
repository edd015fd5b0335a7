// Pieces every dense head shares: picking a level from a feature list and checking it against the
// FeatureInfo the head was built for, and resizing maps to the input (their conv + BN + ReLU
// blocks are nn/layers.ts's ConvBnRelu).
import { interpolate, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import type { FeatureInfo } from '../tower.js';

/**
 * [height, width] of the network input in pixels; heads predict at this size.
 * @example const size: ImageSize = [images.size(2), images.size(3)];
 */
export type ImageSize = readonly [number, number];

/**
 * What a per-pixel head (segmentation, depth, normals) offers: NCHW maps in, one NCHW map at input
 * resolution out.
 * @example const logits = head.forward(tower.forwardIntermediates(x).intermediates, [224, 224]);
 */
export interface DenseMapHead extends Module {
  forward(features: readonly Tensor[], imageSize: ImageSize): Tensor;
}

/**
 * Resolves a level (negative counts from the end) against a FeatureInfo list.
 * @example resolveLevel([{ channels: 64, reduction: 16 }, { channels: 96, reduction: 32 }], -1, 'head') // 1
 */
export function resolveLevel(info: readonly FeatureInfo[], level: number, who: string): number {
  const j = level < 0 ? info.length + level : level;
  if (!Number.isInteger(j) || j < 0 || j >= info.length) {
    throw new Error(`${who}: level ${level} is out of range for ${info.length} feature levels`);
  }
  return j;
}

/**
 * features[index], checked against the list's expected length and the level's channel count, so a
 * head fed another tower's (or another index set's) maps fails with a message instead of a conv error.
 * @example const x = pickLevel(features, this.info, this.level, 'LinearSegHead');
 */
export function pickLevel(features: readonly Tensor[], info: readonly FeatureInfo[], index: number, who: string): Tensor {
  if (features.length !== info.length) {
    throw new Error(`${who}: got ${features.length} feature maps, built for ${info.length} levels`);
  }
  const x = features[index]!;
  const want = info[index]!.channels;
  if (x.ndim !== 4 || x.size(1) !== want) {
    throw new Error(`${who}: level ${index} should be NCHW with ${want} channels, got [${x.shape}]`);
  }
  return x;
}

/**
 * Bilinear resize of an NCHW map to [h, w] (align_corners false); the map itself when already there.
 * @example const full = resizeTo(logits, [224, 224]);
 */
export function resizeTo(x: Tensor, size: ImageSize): Tensor {
  if (x.size(2) === size[0] && x.size(3) === size[1]) return x;
  return interpolate(x, { size: [size[0], size[1]], mode: 'bilinear', alignCorners: false });
}

/** Throws unless n is a positive integer (option checks with the head's name in the message). */
export function checkPositiveInt(n: number, what: string, who: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${who}: ${what} must be a positive integer, got ${n}`);
}
