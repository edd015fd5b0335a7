// Target scaling of regression tasks: the range of the training targets, which a head predicts
// inside (depth: in log space), so a fit on a handful of labels stays in the targets' units.
import type { Tensor } from '../engine/index.js';

/** Widening of the observed log-depth range on each side: ln 2, i.e. half the nearest to twice the farthest. */
export const DEPTH_LOG_MARGIN = Math.log(2);

/**
 * The natural-log range of the valid depths (> 0, finite) of the samples marked present, widened
 * by `margin` on each side. `depth` is [B, H, W] or [B, 1, H, W] in metres, `present` bool [B].
 * @example depthLogRange(labels.depth!, labels.present)  // e.g. [-0.1, 3.4] for depths 1.8 m .. 15 m
 */
export function depthLogRange(depth: Tensor, present: Tensor, margin = DEPTH_LOG_MARGIN): [number, number] {
  const d = depth.to('cpu').to('float32').data() as Float32Array, keep = present.to('cpu').toArray();
  const per = keep.length ? d.length / keep.length : 0;
  let lo = Infinity, hi = -Infinity;
  for (let b = 0; b < keep.length; b++) {
    if (!keep[b]) continue;
    for (let i = b * per; i < (b + 1) * per; i++) {
      const v = d[i]!;
      if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  if (!Number.isFinite(lo)) throw new Error(`depth target scaling: no valid depth (> 0) among the ${keep.filter(Boolean).length} labelled samples`);
  return [Math.log(lo) - margin, Math.log(hi) + margin];
}
