// DataCompDR's multi-caption contrastive loss: each image is paired with its real caption and with
// one synthetic caption, and the two contrastive losses are summed.
import { tidy, type Tensor } from '../engine/index.js';

/** Which caption set a loss is computed on. */
export type CaptionKind = 'real' | 'synthetic';

/** The weighted total and its two terms (unweighted; synthetic is null when there was none). */
export interface CaptionLosses { loss: Tensor; real: Tensor; synthetic: Tensor | null }

/** Weights of the two terms; DataCompDR sums them (1 and 1, the default). */
export interface CaptionWeights { real?: number; synthetic?: number }

/**
 * L = w_real * C(I, T_real) + w_syn * C(I, T_syn) for any contrastive loss C (clipLoss, siglipLoss,
 * their local forms), given as a function of the caption features. A null synthetic batch gives
 * w_real * C(I, T_real). Terms with weight 0 are still returned but not added.
 * @example
 * const { loss } = multiCaptionLoss((t) => clipLoss(img, t, scale), realText, synText);
 */
export function multiCaptionLoss(contrastive: (text: Tensor, kind: CaptionKind) => Tensor, real: Tensor, synthetic: Tensor | null,
  weights: CaptionWeights = {}): CaptionLosses {
  return tidy(() => {
    const wr = weights.real ?? 1, ws = weights.synthetic ?? 1;
    const r = contrastive(real, 'real');
    const s = synthetic ? contrastive(synthetic, 'synthetic') : null;
    return { loss: weightedSum([[r, wr], [s, ws]]), real: r, synthetic: s };
  });
}

/**
 * sum_k w_k L_k over the terms that exist and have w_k != 0 (always a new tensor, never one of
 * the terms); if none does, 0 * L_0 of the first existing term, so the result stays on the graph.
 */
export function weightedSum(terms: readonly (readonly [Tensor | null, number])[]): Tensor {
  let total: Tensor | null = null;
  for (const [l, w] of terms) {
    if (!l || w === 0) continue;
    const term = l.mul(w);
    total = total ? total.add(term) : term;
  }
  if (total) return total;
  const first = terms.find(([l]) => l !== null)?.[0];
  if (!first) throw new Error('weightedSum: no terms');
  return first.mul(0);
}
