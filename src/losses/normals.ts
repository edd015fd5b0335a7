// Surface-normal pseudo-task loss: one minus the cosine between predicted and target normals, over
// the samples that carry a normals label and their pixels with a target normal.
import { logicalAnd, normalize, tidy, where, type Tensor } from '../engine/index.js';
import { countOf, safeMean, sameShape, sampleMask, type TaskLoss } from './masked.js';

/**
 * L = (1/N) sum over valid pixels p of (1 - <n(pred_p), n(target_p)>), n the L2 normalisation over
 * the channel axis, a pixel valid when its sample is selected and |target_p| > 0.5 (unlabelled
 * pixels store a zero vector); N the number of valid pixels, L = 0 when N = 0.
 * pred and target [B, 3, H, W], mask bool [B].
 * @example const { loss } = normalsCosineLoss(out.normals!, batch.normals, batch.hasNormals);
 */
export function normalsCosineLoss(pred: Tensor, target: Tensor, mask: Tensor): TaskLoss {
  return tidy(() => {
    if (pred.ndim !== 4 || pred.size(1) !== 3) throw new Error(`normalsCosineLoss: pred must be [B, 3, H, W], got [${pred.shape}]`);
    sameShape(pred, target, 'pred and target', 'normalsCosineLoss');
    const m = sampleMask(mask, pred.size(0), 4, 'normalsCosineLoss');
    const valid = logicalAnd(target.norm(2, 1, true).gt(0.5), m);
    const t = where(valid, target.to(pred.dtype), 0);
    const cos = normalize(pred, 2, 1).mul(normalize(t, 2, 1)).sum(1, true);
    const err = where(valid, cos.neg().add(1), 0);
    return { loss: safeMean(err.sum(), valid.sum()), count: countOf(mask) };
  });
}
