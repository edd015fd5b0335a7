// What every image tower offers dense heads and tests (timm's uniform model API, camelCased).
import type { Tensor } from '../engine/index.js';

export interface IntermediatesOptions {
  /** Which blocks/stages to return: the last n (a number) or explicit indices (negative from the end). Default: all. */
  indices?: number | readonly number[];
  /** NCHW feature maps (default) or NLC token sequences. */
  format?: 'NCHW' | 'NLC';
  /** Skip the pooled/projected output (cheaper when only the maps are needed). */
  intermediatesOnly?: boolean;
}

export interface Intermediates {
  /** The tower's normal output (pooled, projected embedding), unless intermediatesOnly. */
  output: Tensor | null;
  /** One feature map per requested index, in index order. */
  intermediates: Tensor[];
}

/** Channels and stride (input pixels per feature pixel) of each block/stage output. */
export interface FeatureInfo { channels: number; reduction: number }

export interface ImageTower {
  forward(images: Tensor): Tensor;
  forwardIntermediates(images: Tensor, o?: IntermediatesOptions): Intermediates;
  featureInfo(): FeatureInfo[];
  /** A random input of the right shape, for smoke tests. */
  dummyInput(batch?: number): Tensor;
  readonly imageSize: number;
  /** Folds training-time branches into single convs (no-op where there are none). */
  reparameterize(): void;
}

/** Resolves `indices` against n available levels: the last k for a number, else the list (negatives from the end). */
export function resolveIndices(indices: number | readonly number[] | undefined, n: number): number[] {
  if (indices === undefined) return Array.from({ length: n }, (_, i) => i);
  if (typeof indices === 'number') {
    if (indices < 1 || indices > n) throw new Error(`forwardIntermediates: asked for the last ${indices} of ${n} levels`);
    return Array.from({ length: indices }, (_, i) => n - indices + i);
  }
  return indices.map((i) => {
    const j = i < 0 ? n + i : i;
    if (j < 0 || j >= n) throw new Error(`forwardIntermediates: index ${i} out of range for ${n} levels`);
    return j;
  });
}
