// Shared pieces of the pseudo-task losses: per-sample label masks and ratios that stay finite
// (and on the graph) when nothing is selected, without reading values back from the device.
import { clamp, type Tensor } from '../engine/index.js';

/** A pseudo-task loss over the samples that carry its label. */
export interface TaskLoss {
  /** The loss; an exact 0 still connected to the predictions' graph when no sample is selected. */
  loss: Tensor;
  /** How many samples the mask selected (float32 scalar on the device; read it when logging). */
  count: Tensor;
}

/**
 * Checks a per-sample label mask [B] against the batch size and returns it as bool, viewed as
 * [B, 1, ...] with `ndim` dimensions so it broadcasts over per-pixel tensors.
 */
export function sampleMask(mask: Tensor, batch: number, ndim: number, who: string): Tensor {
  if (mask.ndim !== 1 || mask.size(0) !== batch) throw new Error(`${who}: sample mask must be [${batch}], got [${mask.shape}]`);
  const m = mask.dtype === 'bool' ? mask : mask.ne(0);
  return m.view([batch, ...Array<number>(ndim - 1).fill(1)]);
}

/** num / max(den, 1): a mean over den items that is 0, not NaN, when there are none. */
export function safeMean(num: Tensor, den: Tensor): Tensor {
  return num.div(clamp(den, 1));
}

/** The number of selected samples as a float32 scalar. */
export function countOf(mask: Tensor): Tensor {
  return mask.to('float32').sum();
}

/** Checks that two tensors have the same shape. */
export function sameShape(a: Tensor, b: Tensor, what: string, who: string): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`${who}: ${what} shapes differ: [${a.shape}] vs [${b.shape}]`);
}
