// torchvision's RandAugment without pixels: the op set, its magnitude tables (the float32 values
// torchvision's _augmentation_space gives), settings and sampling from a sample's own Rng. Loads no
// native code, so configs can check RandAugment settings (the CLI's help stays addon-free); the ops
// themselves are in rand_augment.ts. paug.json stores the same steps: [op index, signed magnitude].
import { roundHalfEven, type Rng } from './rng.js';

/** torchvision's RandAugment op names, in the index order paug.json stores. */
export const RAND_AUGMENT_OPS = ['Identity', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness', 'Posterize', 'Solarize', 'AutoContrast', 'Equalize'] as const;
/** One of RAND_AUGMENT_OPS. */
export type RandAugmentOp = (typeof RAND_AUGMENT_OPS)[number];

/** One applied op: [index into RAND_AUGMENT_OPS, signed magnitude value as torchvision applies it]. */
export type RandAugmentStep = [op: number, magnitude: number];

/** RandAugment's settings, as torchvision's RandAugment(num_ops, magnitude, num_magnitude_bins). */
export interface RandAugmentConfig {
  /** Ops applied in a row, each drawn uniformly from the 14 (default 2; 0 = none). */
  numOps: number;
  /** Index into each op's magnitude table, 0..numBins-1 (default 9). */
  magnitude: number;
  /** Magnitude table length (default 31). */
  numBins: number;
}

/** torchvision's defaults, which DataCompDR uses: 2 ops at magnitude 9 of 31 bins. */
export const DEFAULT_RAND_AUGMENT: RandAugmentConfig = { numOps: 2, magnitude: 9, numBins: 31 };

/** Ops whose magnitude is negated with probability 0.5. */
const SIGNED = new Set<RandAugmentOp>(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness']);

/**
 * A full RandAugmentConfig from a partial one, checked: numOps an integer >= 0, numBins an integer
 * >= 2, magnitude an integer in [0, numBins). Throws naming the key.
 * @example resolveRandAugment({ magnitude: 15 }) // { numOps: 2, magnitude: 15, numBins: 31 }
 */
export function resolveRandAugment(cfg: Partial<RandAugmentConfig> = {}, where = 'randAugment'): RandAugmentConfig {
  const c = { ...DEFAULT_RAND_AUGMENT, ...cfg };
  if (!Number.isInteger(c.numOps) || c.numOps < 0) throw new Error(`${where}.numOps must be an integer >= 0, got ${c.numOps}`);
  if (!Number.isInteger(c.numBins) || c.numBins < 2) throw new Error(`${where}.numBins must be an integer >= 2, got ${c.numBins}`);
  if (!Number.isInteger(c.magnitude) || c.magnitude < 0 || c.magnitude >= c.numBins) {
    throw new Error(`${where}.magnitude must be an integer in [0, ${c.numBins - 1}] (numBins ${c.numBins}), got ${c.magnitude}`);
  }
  return c;
}

/** torch.linspace(start, end, steps) in float32, with torch's CPU formula (halves from each end). */
function linspace32(start: number, end: number, steps: number): number[] {
  const f = Math.fround, s = f(start), e = f(end);
  if (steps === 1) return [s];
  const step = f(f(e - s) / (steps - 1)), half = Math.floor(steps / 2);
  return Array.from({ length: steps }, (_, i) => (i < half ? f(s + f(step * i)) : f(e - f(step * (steps - i - 1)))));
}

/**
 * An op's unsigned magnitude table for an image of width x height, as torchvision's
 * `_augmentation_space(numBins, (height, width))` gives it (float32 values; a single 0 for the ops
 * without a magnitude).
 * @example magnitudeTable('Rotate', 31, 224, 224)[9] // 9 (degrees)
 */
export function magnitudeTable(op: RandAugmentOp, numBins: number, width: number, height: number): number[] {
  switch (op) {
    case 'ShearX': case 'ShearY': return linspace32(0, 0.3, numBins);
    case 'TranslateX': return linspace32(0, (150 / 331) * width, numBins);
    case 'TranslateY': return linspace32(0, (150 / 331) * height, numBins);
    case 'Rotate': return linspace32(0, 30, numBins);
    case 'Brightness': case 'Color': case 'Contrast': case 'Sharpness': return linspace32(0, 0.9, numBins);
    case 'Posterize': {
      const d = Math.fround((numBins - 1) / 4);
      return Array.from({ length: numBins }, (_, i) => 8 - roundHalfEven(Math.fround(i / d)));
    }
    case 'Solarize': return linspace32(255, 0, numBins);
    default: return [0];
  }
}

/**
 * Draws numOps steps from the sample's Rng (op uniform, sign 50/50 for signed ops), torchvision's
 * magnitude tables for an image of w x h (the image RandAugment sees: after crop and resize).
 * @example sampleRandAugment(new Rng(seed, epoch, index), 224, 224) // e.g. [[5, -9], [11, 178.5]]
 */
export function sampleRandAugment(rng: Rng, width: number, height: number, cfg?: Partial<RandAugmentConfig>): RandAugmentStep[] {
  const c = resolveRandAugment(cfg);
  const steps: RandAugmentStep[] = [];
  for (let k = 0; k < c.numOps; k++) {
    const op = rng.int(RAND_AUGMENT_OPS.length), name = RAND_AUGMENT_OPS[op]!;
    const table = magnitudeTable(name, c.numBins, width, height);
    let m = table.length > 1 ? table[c.magnitude]! : 0;
    if (SIGNED.has(name) && rng.chance(0.5)) m = -m;
    steps.push([op, m === 0 ? 0 : m]);  // no -0: steps compare and serialise plainly
  }
  return steps;
}

