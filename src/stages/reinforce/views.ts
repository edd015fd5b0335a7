// The stored views of one sample: N augmentation parameter sets drawn with the loader's own
// samplers (RandomResizedCrop as torchvision's get_params, an optional flip, RandAugment), from a
// generator seeded by (seed, key, k), so a sample gets the same views however the run is batched,
// split by rank, or resumed.
import { randomResizedCrop } from '../../data/loader/augment.js';
import { sampleRandAugment } from '../../data/loader/rand_augment_space.js';
import { keyHash, Rng } from '../../data/loader/rng.js';
import type { PaugEntry } from '../../data/shards/paug.js';

/** How stored views are drawn (DataCompDR: scale [0.08, 1], ratio [3/4, 4/3], no flip, RandAugment 2 ops at magnitude 9). */
export interface ViewSampling {
  /** Views per sample. */
  augs: number;
  /** View side in pixels: RandAugment's magnitudes (translations) are for a view of this size. */
  size: number;
  seed: number;
  /** RandomResizedCrop's area fraction and aspect-ratio ranges. */
  scale: [number, number];
  ratio: [number, number];
  /** Flip probability; 0 leaves the flip out of every entry (DataCompDR's config has none). */
  flip: number;
  /** Store RandAugment ops in every entry. */
  randAugment: boolean;
}

/** Salt of the reinforce stage's generators, so its draws differ from a training run's with the same seed. */
const VIEW_SALT = 0x7e1f0a;

/**
 * The N stored views of one sample of width x height pixels, as paug.json entries.
 * @example sampleViews('web-0000042', 640, 480, { augs: 30, size: 224, seed: 0, scale: [0.08, 1], ratio: [3 / 4, 4 / 3], flip: 0, randAugment: true })
 */
export function sampleViews(key: string, width: number, height: number, o: ViewSampling): PaugEntry[] {
  const h = keyHash(key);
  return Array.from({ length: o.augs }, (_, k) => {
    const rng = new Rng(o.seed, VIEW_SALT, h, k);
    const box = randomResizedCrop(width, height, rng, o.scale, o.ratio);
    const entry: PaugEntry = { crop: [box.y, box.x, box.h, box.w] };
    if (o.flip > 0) entry.flip = rng.chance(o.flip);
    if (o.randAugment) entry.randAugment = sampleRandAugment(rng, o.size, o.size);
    return entry;
  });
}
