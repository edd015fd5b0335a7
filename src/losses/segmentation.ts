// Semantic segmentation pseudo-task loss: per-pixel cross-entropy over the samples that carry a
// segmentation label, ignoring pixels marked 255 (as seg.png stores them).
import { crossEntropy, tidy, where, type Tensor } from '../engine/index.js';
import { countOf, safeMean, sampleMask, type TaskLoss } from './masked.js';

export interface SegLossOptions {
  /** Label value excluded from the loss. Default 255. */
  ignoreIndex?: number;
}

/**
 * L = -(1/N) sum over valid pixels p of log softmax(logits_p)[y_p], where a pixel is valid when its
 * sample is selected by `mask` and y_p != ignoreIndex, and N is the number of valid pixels (the
 * same as F.cross_entropy(logits[mask], target[mask], ignore_index=255)); 0 when N = 0.
 * logits [B, C, H, W], target integer [B, H, W] (converted to int64), mask bool [B].
 * @example const { loss, count } = segmentationLoss(out.seg!, batch.seg, batch.hasSeg);
 */
export function segmentationLoss(logits: Tensor, target: Tensor, mask: Tensor, o: SegLossOptions = {}): TaskLoss {
  return tidy(() => {
    const ignore = o.ignoreIndex ?? 255;
    const b = logits.size(0);
    if (logits.ndim !== 4 || target.ndim !== 3 || target.size(0) !== b || target.size(1) !== logits.size(2) || target.size(2) !== logits.size(3)) {
      throw new Error(`segmentationLoss: logits [${logits.shape}] need targets [${b}, ${logits.shape.slice(2)}], got [${target.shape}]`);
    }
    const m = sampleMask(mask, b, 3, 'segmentationLoss');
    // Unselected samples' labels may be anything: replace them by the ignore value.
    const y = where(m, target.dtype === 'int64' ? target : target.to('int64'), ignore);
    const total = crossEntropy(logits, y, { ignoreIndex: ignore, reduction: 'sum' });
    return { loss: safeMean(total, y.ne(ignore).sum()), count: countOf(mask) };
  });
}
