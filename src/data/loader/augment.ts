// Augmentation parameters, sampled per sample from its own Rng: RandomResizedCrop as torchvision
// samples it, horizontal flip, colour jitter, RandAugment; and the eval transform (resize + center crop).
import { type CropBox, type Filter, JITTER_OP } from './decode.js';
import { type RandAugmentConfig, type RandAugmentStep, sampleRandAugment } from './rand_augment_space.js';
import { roundHalfEven, type Rng } from './rng.js';

/** OpenAI CLIP's normalisation (RGB, on [0, 1] pixels): the loader's default and every built-in model's (models/preprocess.ts). */
export const OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** OpenAI CLIP's normalisation (RGB, on [0, 1] pixels): the loader's default and every built-in model's (models/preprocess.ts). */
export const OPENAI_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Colour jitter strengths: each factor is drawn from [max(0, 1 - s), 1 + s]; p = chance to apply at all. */
export interface JitterConfig {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  p?: number;
}

/** How training crops are made. */
export interface AugmentConfig {
  /** Fraction of the image area a crop covers (torchvision default [0.08, 1]). */
  scale: [number, number];
  /** Crop aspect ratio w/h range, sampled log-uniformly (default [3/4, 4/3]). */
  ratio: [number, number];
  /** Probability of a horizontal flip (default 0.5). */
  hflip: number;
  /** Colour jitter (default none). */
  jitter: JitterConfig | null;
  /** Image resampling filter for training crops (default bilinear, torchvision's default). */
  interpolation: Exclude<Filter, 'nearest'>;
  /** Filter of the eval resize (default bicubic; a model's preprocess_cfg.interpolation). */
  evalInterpolation?: 'bicubic' | 'bilinear';
  /**
   * torchvision's RandAugment on the resized crop, after the flip and before the colour jitter
   * (default null = off; `{}` = torchvision's RandAugment(2, 9) of 31 bins, DataCompDR's).
   */
  randAugment?: Partial<RandAugmentConfig> | null;
}

/** torchvision's RandomResizedCrop + RandomHorizontalFlip defaults. */
export const DEFAULT_AUGMENT: AugmentConfig = { scale: [0.08, 1], ratio: [3 / 4, 4 / 3], hflip: 0.5, jitter: null, interpolation: 'bilinear', randAugment: null };

/**
 * A RandomResizedCrop box as torchvision samples it: up to 10 tries of (area fraction uniform in
 * scale, log-uniform aspect ratio), the first that fits wins, placed uniformly; otherwise the
 * largest center crop whose ratio is within range.
 * @example randomResizedCrop(640, 480, new Rng(0, 0, 7)) // { x, y, w, h } in pixels
 */
export function randomResizedCrop(width: number, height: number, rng: Rng, scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3]): CropBox {
  const area = width * height;
  const logLo = Math.log(ratio[0]), logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const y = rng.int(height - h + 1);
      const x = rng.int(width - w + 1);
      return { x, y, w, h };
    }
  }
  const inRatio = width / height;
  let w = width, h = height;
  if (inRatio < Math.min(ratio[0], ratio[1])) h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  else if (inRatio > Math.max(ratio[0], ratio[1])) w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h };
}

/**
 * The eval transform as one box: resizing the short side to the output size and center-cropping a
 * square equals cropping the centered square of side min(width, height) and resizing it.
 */
export function centerCropBox(width: number, height: number): CropBox {
  const side = Math.min(width, height);
  return { x: (width - side) / 2, y: (height - side) / 2, w: side, h: side };
}

/** [op, factor, ...] pairs for colorJitter, in a random order as torchvision's ColorJitter; [] when not applied. */
export function sampleJitter(cfg: JitterConfig | null, rng: Rng): number[] {
  if (!cfg) return [];
  if (!rng.chance(cfg.p ?? 1)) return [];
  const order = [0, 1, 2];
  for (let i = 2; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const strength = [cfg.brightness ?? 0, cfg.contrast ?? 0, cfg.saturation ?? 0];
  const ops: number[] = [];
  for (const which of order) {
    const s = strength[which]!;
    if (s > 0) ops.push([JITTER_OP.brightness, JITTER_OP.contrast, JITTER_OP.saturation][which]!, rng.uniform(Math.max(0, 1 - s), 1 + s));
  }
  return ops;
}

/** The geometric and colour parameters of one sample. */
export interface AugmentPlan {
  crop: CropBox;
  flip: boolean;
  jitter: number[];
  filter: Exclude<Filter, 'nearest'>;
  /** RandAugment ops applied to the resized (flipped) crop, before the jitter; absent = none. */
  randAugment?: RandAugmentStep[];
}

/**
 * Samples one sample's plan: training crops + flip + jitter (+ RandAugment for an outSize^2
 * output, drawn last so the other draws do not depend on it), or the deterministic eval crop.
 * @example planAugment(640, 480, true, { ...DEFAULT_AUGMENT, randAugment: {} }, new Rng(0, 0, 3), 224).randAugment // e.g. [[5, -9], [11, 178.5]]
 */
export function planAugment(width: number, height: number, train: boolean, cfg: AugmentConfig, rng: Rng, outSize: number): AugmentPlan {
  if (!train) return { crop: centerCropBox(width, height), flip: false, jitter: [], filter: cfg.evalInterpolation ?? 'bicubic' };
  const crop = randomResizedCrop(width, height, rng, cfg.scale, cfg.ratio);
  const flip = rng.chance(cfg.hflip);
  const plan: AugmentPlan = { crop, flip, jitter: sampleJitter(cfg.jitter, rng), filter: cfg.interpolation };
  if (cfg.randAugment) plan.randAugment = sampleRandAugment(rng, outSize, outSize, cfg.randAugment);
  return plan;
}

/**
 * A normalised model input, planar [3, H, W] ((x / 255 - mean) / std), back to 8-bit RGB (H x W x 3).
 * @example denormalize(batch.images.select(0, 0).data(), 64, 64)
 */
export function denormalize(chw: ArrayLike<number>, width: number, height: number, mean: readonly number[] = OPENAI_MEAN, std: readonly number[] = OPENAI_STD): Uint8Array {
  const n = width * height;
  if (chw.length !== 3 * n) throw new Error(`denormalize: ${chw.length} values for 3 x ${height} x ${width}`);
  const out = new Uint8Array(3 * n);
  for (let k = 0; k < 3; k++) for (let i = 0; i < n; i++) out[i * 3 + k] = Math.min(255, Math.max(0, Math.round((chw[k * n + i]! * std[k]! + mean[k]!) * 255)));
  return out;
}
