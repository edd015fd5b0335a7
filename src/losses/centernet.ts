// Detection pseudo-task loss for the CenterNet head ("Objects as Points"): penalty-reduced focal
// loss on the class heatmaps, L1 on box size and center offset at the object centers.
import { abs, log, sigmoid, tidy, type Tensor } from '../engine/index.js';
import { countOf, sameShape, sampleMask, safeMean, type TaskLoss } from './masked.js';

export interface CenterNetLossOptions {
  /** Weights of the heatmap, size and offset terms. Default { heatmap: 1, size: 0.1, offset: 1 }, CenterNet's. */
  weights?: { heatmap?: number; size?: number; offset?: number };
  /** Focal exponent on the prediction (alpha). Default 2. */
  alpha?: number;
  /** Exponent of the penalty reduction near centers (beta). Default 4. */
  beta?: number;
}

/** The weighted total (loss), the selected-sample count and the three unweighted terms. */
export interface CenterNetLoss extends TaskLoss { heatmap: Tensor; size: Tensor; offset: Tensor }

/** The head outputs the loss reads (CenterNetOutput has these and more). */
export interface CenterNetPrediction { heatmap: Tensor; size: Tensor; offset: Tensor }

/** Dense targets on an [h, w] grid for a batch of B images and K classes. */
export interface CenterNetTargets {
  /** [B, K, h, w]: 1 at each object's center cell, gaussian falloff around it (max where they overlap). */
  heatmap: Tensor;
  /** [B, 2, h, w]: box (w, h) in grid cells at center cells, 0 elsewhere. */
  size: Tensor;
  /** [B, 2, h, w]: center minus its cell's corner (dx, dy in [0, 1)) at center cells, 0 elsewhere. */
  offset: Tensor;
  /** [B, 1, h, w]: 1 at center cells, 0 elsewhere (weights the size and offset losses). */
  mask: Tensor;
}

/**
 * With p = clamp(sigmoid(heatmap logits), 1e-4, 1 - 1e-4), y the target heatmap and N the number
 * of peaks (y = 1) in the selected samples:
 *   L_hm = -(1/max(N, 1)) sum [y = 1] (1 - p)^alpha log p + [y < 1] (1 - y)^beta p^alpha log(1 - p),
 *   L_size = sum M |s - s*| / (2 sum M + 1e-4), L_off likewise (M the center mask, both channels),
 *   L = w_hm L_hm + w_size L_size + w_off L_off,
 * all over the samples selected by `mask` (bool [B]); 0 when none is.
 * @example const det = centerNetLoss(out.det!, centerNetTargets(boxes, labels, [64, 64], 4, 80), batch.hasDet);
 */
export function centerNetLoss(pred: CenterNetPrediction, target: CenterNetTargets, mask: Tensor, o: CenterNetLossOptions = {}): CenterNetLoss {
  return tidy(() => {
    const alpha = o.alpha ?? 2, beta = o.beta ?? 4;
    const w = { heatmap: 1, size: 0.1, offset: 1, ...o.weights };
    sameShape(pred.heatmap, target.heatmap, 'heatmap', 'centerNetLoss');
    sameShape(pred.size, target.size, 'size', 'centerNetLoss');
    sameShape(pred.offset, target.offset, 'offset', 'centerNetLoss');
    const m = sampleMask(mask, pred.heatmap.size(0), 4, 'centerNetLoss').to(pred.heatmap.dtype);
    const p = sigmoid(pred.heatmap).clamp(1e-4, 1 - 1e-4);
    const y = target.heatmap;
    const pos = y.eq(1).to(p.dtype).mul(m);
    const neg = y.lt(1).to(p.dtype).mul(m);
    const posTerm = log(p).mul(p.neg().add(1).pow(alpha)).mul(pos).sum();
    const negTerm = log(p.neg().add(1)).mul(p.pow(alpha)).mul(y.neg().add(1).pow(beta)).mul(neg).sum();
    const heatmap = safeMean(posTerm.add(negTerm).neg(), pos.sum());
    const centers = target.mask.mul(m);
    const den = centers.sum().mul(2).add(1e-4);
    const size = abs(pred.size.sub(target.size)).mul(centers).sum().div(den);
    const offset = abs(pred.offset.sub(target.offset)).mul(centers).sum().div(den);
    const loss = heatmap.mul(w.heatmap).add(size.mul(w.size)).add(offset.mul(w.offset));
    return { loss, count: countOf(mask), heatmap, size, offset };
  });
}
