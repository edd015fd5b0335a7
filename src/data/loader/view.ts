// The pixels of one augmented view: decode + crop + resize (+ flip) in one native call, then
// RandAugment and colour jitter on the 8-bit result. The loader's training crops, its replay of stored
// DataCompDR augmentations and `zooclip reinforce` all make their views here, so a teacher
// embedding computed at reinforce time belongs to exactly the pixels the student is shown.
import type { AugmentPlan } from './augment.js';
import { type Bytes, colorJitter, decodeCropResize } from './decode.js';
import { applyRandAugment } from './rand_augment.js';
import { paugCropBox, PAUG_FILTER, type PaugEntry } from '../shards/paug.js';

/**
 * An augmented view of an encoded image as 8-bit RGB HWC, size x size.
 * @example const rgb = renderView(jpg, { crop: { x: 4, y: 10, w: 96, h: 120 }, flip: false, jitter: [], filter: 'bicubic' }, 224);
 */
export function renderView(buf: Bytes, plan: AugmentPlan, size: number, maxPixels?: number): Uint8Array {
  let image = decodeCropResize(buf, plan.crop, size, size, plan.flip, { filter: plan.filter, maxPixels }).data as Uint8Array;
  if (plan.randAugment?.length) image = applyRandAugment(image, size, size, plan.randAugment);
  if (plan.jitter.length) colorJitter(image, size, size, plan.jitter);
  return image;
}

/**
 * The plan of a stored DataCompDR view (paug.json entry): its crop box (checked to lie in the
 * width x height image), its flip, its RandAugment ops, DataCompDR's bicubic resize, no jitter.
 * @example renderView(jpg, storedViewPlan(entries[k], 640, 480, `key ${key} param_aug[${k}]`), 224)
 */
export function storedViewPlan(e: PaugEntry, width: number, height: number, where: string): AugmentPlan {
  const crop = paugCropBox(e, width, height, where);
  return { crop, flip: e.flip ?? false, jitter: [], filter: PAUG_FILTER, ...(e.randAugment ? { randAugment: e.randAugment } : {}) };
}
