// Monocular depth pseudo-task loss: Eigen et al.'s scale-invariant log loss, per image, over the
// samples that carry a depth label and their pixels with a known depth.
import { clamp, logicalAnd, tidy, where, type Tensor } from '../engine/index.js';
import { countOf, safeMean, sameShape, sampleMask, type TaskLoss } from './masked.js';

export interface DepthLossOptions {
  /** Weight of the squared mean (lambda); 1 is fully scale invariant, 0 plain log-MSE. Default 0.85. */
  lambda?: number;
  /** Take the square root of each image's value (BTS / AdaBins style). Default false. */
  sqrt?: boolean;
  /** Multiplies each image's value (10 in BTS / AdaBins, with sqrt). Default 1. */
  scale?: number;
}

/**
 * Scale-invariant log loss (Eigen et al. 2014). For each selected image i with valid pixels
 * V_i = {p : gt_p > 0} (n_i of them), d_p = log(pred_p) - log(gt_p) and
 *   D_i = (1/n_i) sum d_p^2 - lambda ((1/n_i) sum d_p)^2,
 * optionally D_i <- scale * sqrt(D_i); L = mean of D_i over the selected images with n_i > 0
 * (0 if there are none). Per image rather than over the flattened batch, since expert depth
 * pseudo-labels may each have their own scale. pred [B, 1, H, W] > 0; gt [B, 1, H, W] or [B, H, W].
 * @example const { loss } = depthSILogLoss(out.depth!, batch.depth, batch.hasDepth);
 */
export function depthSILogLoss(pred: Tensor, gt: Tensor, mask: Tensor, o: DepthLossOptions = {}): TaskLoss {
  return tidy(() => {
    const lambda = o.lambda ?? 0.85, scale = o.scale ?? 1;
    const b = pred.size(0);
    const g = gt.ndim === 3 ? gt.unsqueeze(1) : gt;
    if (pred.ndim !== 4 || pred.size(1) !== 1) throw new Error(`depthSILogLoss: pred must be [B, 1, H, W], got [${pred.shape}]`);
    sameShape(pred, g, 'pred and gt', 'depthSILogLoss');
    const valid = logicalAnd(g.gt(0), sampleMask(mask, b, 4, 'depthSILogLoss'));
    // log of 1 where invalid: d = 0 there, and no inf/NaN from zero or garbage depths.
    const d = where(valid, pred, 1).log().sub(where(valid, g.to(pred.dtype), 1).log());
    const dims = [1, 2, 3];
    const n = valid.sum(dims);
    const nf = clamp(n, 1);
    const mean = d.sum(dims).div(nf);
    let perImage = d.square().sum(dims).div(nf).sub(mean.square().mul(lambda));
    if (o.sqrt) perImage = clamp(perImage, 1e-12).sqrt();
    if (scale !== 1) perImage = perImage.mul(scale);
    const used = n.gt(0).to(perImage.dtype);
    return { loss: safeMean(perImage.mul(used).sum(), used.sum()), count: countOf(mask) };
  });
}
