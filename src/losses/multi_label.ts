// Multi-label classification: independent sigmoid/BCE per class on logits [B, K] against multi-hot
// targets, split into column groups (e.g. shapes, colours, count) so each group has its own mean
// loss and weight, as supervised pretraining's objective.
import { binaryCrossEntropyWithLogits, type Tensor } from '../engine/index.js';

/** A block of columns [offset, offset + size) of the logits and targets. */
export interface LabelGroup { name: string; offset: number; size: number }

/**
 * Each group's mean BCE-with-logits over its columns and the batch (torch's
 * binary_cross_entropy_with_logits, reduction 'mean', on the group's slice).
 * @example
 * const parts = multiLabelLoss(logits, targets, [{ name: 'shape', offset: 0, size: 5 }, { name: 'colour', offset: 5, size: 8 }]);
 * // parts.shape, parts.colour: scalars; with weights 5/13 and 8/13 they sum to the mean over all 13 columns
 */
export function multiLabelLoss(logits: Tensor, targets: Tensor, groups: readonly LabelGroup[]): Record<string, Tensor> {
  if (logits.ndim !== 2 || targets.ndim !== 2 || logits.size(0) !== targets.size(0) || logits.size(1) !== targets.size(1)) {
    throw new Error(`multiLabelLoss: logits [${logits.shape}] and targets [${targets.shape}] must both be [B, K]`);
  }
  const k = logits.size(1), out: Record<string, Tensor> = {};
  for (const g of groups) {
    if (!(g.size > 0 && g.offset >= 0 && g.offset + g.size <= k)) throw new Error(`multiLabelLoss: group '${g.name}' columns [${g.offset}, ${g.offset + g.size}) outside the ${k} logits`);
    out[g.name] = binaryCrossEntropyWithLogits(logits.slice(1, g.offset, g.offset + g.size), targets.slice(1, g.offset, g.offset + g.size).to(logits.dtype));
  }
  return out;
}
