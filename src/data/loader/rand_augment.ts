// torchvision's RandAugment on 8-bit RGB: the ops in native code (native/image_augment.cc) with
// torchvision's uint8-tensor semantics, plus (re-exported) the op set, magnitude tables, settings and
// sampling of rand_augment_space.ts. paug.json stores the same steps: [op index, signed magnitude].
import { native } from '../../engine/native.js';
import { RAND_AUGMENT_OPS, type RandAugmentStep } from './rand_augment_space.js';

export * from './rand_augment_space.js';

/**
 * Applies steps in order, in place, on 8-bit RGB HWC (one native call), as torchvision's
 * functional ops do on uint8 tensors: nearest-neighbour geometry with fill 0 where it leaves the
 * image (shears about the top-left corner, rotation about the centre, translations truncated to
 * whole pixels), blends with factor 1 + magnitude, Posterize bits, Solarize threshold. Returns `rgb`.
 * @example applyRandAugment(image, 224, 224, [[5, 9], [11, 178.5]]) // rotated 9 degrees, then solarized
 */
export function applyRandAugment(rgb: Uint8Array, width: number, height: number, steps: readonly RandAugmentStep[]): Uint8Array {
  const flat: number[] = [];
  for (const [op, m] of steps) {
    if (!Number.isInteger(op) || op < 0 || op >= RAND_AUGMENT_OPS.length) throw new Error(`applyRandAugment: op ${op} is not an index into RAND_AUGMENT_OPS (0..${RAND_AUGMENT_OPS.length - 1})`);
    if (!Number.isFinite(m)) throw new Error(`applyRandAugment: ${RAND_AUGMENT_OPS[op]} magnitude ${m} is not finite`);
    flat.push(op, m);
  }
  if (flat.length) native.randAugment(rgb, width, height, flat);
  return rgb;
}
