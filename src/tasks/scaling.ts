// Target scaling of regression tasks: the range of the training targets, which a head predicts
// inside (depth: in log space), so a fit on a handful of labels stays in the targets' units.
import { isfinite, logicalAnd, logicalNot, tidy, type Tensor } from '../engine/index.js';

/** Widening of the observed log-depth range on each side: ln 2, i.e. half the nearest to twice the farthest. */
export const DEPTH_LOG_MARGIN = Math.log(2);

/**
 * The natural-log range of the valid depths (> 0, finite) of the samples marked present, widened
 * by `margin` on each side. `depth` is [B, H, W] or [B, 1, H, W] in metres, `present` bool [B].
 * @example depthLogRange(labels.depth!, labels.present)  // e.g. [-0.1, 3.4] for depths 1.8 m .. 15 m
 */
export function depthLogRange(depth: Tensor, present: Tensor, margin = DEPTH_LOG_MARGIN): [number, number] {
  const [lo, hi, count] = tidy(() => {
    const b = present.size(0), d = depth.to('float32').reshape([b, -1]);
    const valid = logicalAnd(logicalAnd(d.gt(0), isfinite(d)), present.to('bool').view([b, 1]));
    const invalid = logicalNot(valid);
    const low = d.maskedFill(invalid, Infinity).amin([0, 1]), high = d.maskedFill(invalid, -Infinity).amax([0, 1]);
    return [low.item(), high.item(), present.to('bool').sum().item()];
  });
  if (!Number.isFinite(lo)) throw new Error(`depth target scaling: no valid depth (> 0) among the ${count} labelled samples`);
  return [Math.log(lo) - margin, Math.log(hi) + margin];
}
