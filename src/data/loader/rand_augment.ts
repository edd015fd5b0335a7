// PLACEHOLDER for the #15 contract (types and signatures only): the RandAugment implementation is
// built on branch wip-15-raug, whose version of this file replaces this one at merge. Until then
// sampling and applying throw, so nothing silently trains without the augmentation it asked for.
import type { Rng } from './rng.js';

/** torchvision's RandAugment op names, in the index order paug.json stores. */
export const RAND_AUGMENT_OPS = ['Identity', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness', 'Posterize', 'Solarize', 'AutoContrast', 'Equalize'] as const;

/** One applied op: [index into RAND_AUGMENT_OPS, signed magnitude value as torchvision applies it]. */
export type RandAugmentStep = [op: number, magnitude: number];

/** RandAugment's settings (torchvision defaults 2 ops, magnitude 9, 31 bins). */
export interface RandAugmentConfig { numOps: number; magnitude: number; numBins: number }

const NOT_BUILT = 'RandAugment is not built on this branch yet (it comes from wip-15-raug)';

/**
 * Draws numOps steps from the sample's Rng (op uniform, sign 50/50 for signed ops), torchvision's
 * magnitude tables for an image of width x height. Placeholder: throws until raug's version lands.
 * @example const steps = sampleRandAugment(new Rng(0, 0, 1), 224, 224); // [[3, -0.3], [11, 0]] style
 */
export function sampleRandAugment(rng: Rng, width: number, height: number, cfg?: Partial<RandAugmentConfig>): RandAugmentStep[] {
  void rng; void width; void height; void cfg;
  throw new Error(NOT_BUILT);
}

/**
 * Applies steps in order on 8-bit RGB HWC (native call), fill 0 where geometry leaves the image.
 * Placeholder: an empty step list returns the pixels as they are; any step throws until raug's version lands.
 * @example applyRandAugment(rgb, 224, 224, [[5, 30]]) // rotated 30 degrees
 */
export function applyRandAugment(rgb: Uint8Array, width: number, height: number, steps: readonly RandAugmentStep[]): Uint8Array {
  void width; void height;
  if (steps.length) throw new Error(NOT_BUILT);
  return rgb;
}
