// SigLIP's pairwise sigmoid loss (Zhai et al. 2023): every image-text pair is an independent
// binary classification, positive on the diagonal and negative elsewhere.
import { arange, softplus, tidy, type Tensor } from '../engine/index.js';

/** The gathered text features of every rank (rank-major) and this rank's index. */
export interface GatheredText {
  text: Tensor;
  rank: number;
}

/**
 * L = -(1/B) sum_i sum_j log sigmoid(z_ij (s <i_i, t_j> + b)), z_ij = +1 if j is i's own caption,
 * -1 otherwise; s = exp(logit_scale), b the learnable bias. Computed as softplus(-z * logits),
 * which equals -log sigmoid and stays finite for large logits.
 * Local form (`local` given): rows are this rank's images, columns every rank's texts, positives at
 * j = rank * B_local + i, normalised by B_local; averaging over ranks gives the global loss.
 * @example const loss = siglipLoss(out.imageFeatures, out.textFeatures, out.logitScale, out.logitBias!);
 */
export function siglipLoss(imageFeatures: Tensor, textFeatures: Tensor, logitScale: Tensor, logitBias: Tensor | number, local?: GatheredText): Tensor {
  return tidy(() => {
    const b = imageFeatures.size(0);
    const cols = local ? local.text : textFeatures;
    const n = cols.size(0);
    const offset = local ? local.rank * b : 0;
    if (local && (!Number.isInteger(local.rank) || local.rank < 0 || offset + b > n)) {
      throw new Error(`siglipLoss: rank ${local.rank} with ${b} local rows does not fit ${n} gathered rows`);
    }
    const logits = imageFeatures.matmul(cols.transpose(0, 1)).mul(logitScale).add(logitBias);
    const device = imageFeatures.device;
    const positive = arange(0, n, 1, { device }).unsqueeze(0).eq(arange(offset, offset + b, 1, { device }).unsqueeze(1));
    // -z = 1 - 2 * [positive]
    const negZ = positive.to(logits.dtype).mul(-2).add(1);
    return softplus(logits.mul(negZ)).sum().div(b);
  });
}
