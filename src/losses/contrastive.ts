// CLIP's symmetric InfoNCE with a learnable temperature, in its global form and in open_clip's
// "local loss" form for data parallel (this rank's rows against every rank's gathered columns).
import { arange, clamp_, crossEntropy, noGrad, tidy, type Tensor } from '../engine/index.js';

/**
 * Features gathered from every rank, rank-major ([world * B_local, D], this rank's own rows at
 * rank * B_local), as open_clip's gather_features with gather_with_grad. Gathering is the caller's job.
 */
export interface Gathered {
  /** Every rank's image features. */
  image: Tensor;
  /** Every rank's text features. */
  text: Tensor;
  /** This rank's index. */
  rank: number;
}

/** open_clip's bound on the raw (log) logit scale: ln(100), so the temperature is at least 0.01. */
export const MAX_LOGIT_SCALE = Math.log(100);

/**
 * Clamps the raw logit-scale parameter t in place to [0, ln 100] under noGrad, as open_clip does
 * after each optimizer step (so exp(t) stays in [1, 100]).
 * @example opt.step(); clampLogitScale(model.logit_scale);
 */
export function clampLogitScale(param: Tensor): Tensor {
  noGrad(() => clamp_(param, 0, MAX_LOGIT_SCALE));
  return param;
}

/** Row offset of this rank's samples in the gathered columns (0 in the global form). */
export function labelOffset(batch: number, local: Gathered | undefined, who: string): number {
  if (!local) return 0;
  const cols = local.text.size(0);
  if (!Number.isInteger(local.rank) || local.rank < 0 || (local.rank + 1) * batch > cols) {
    throw new Error(`${who}: rank ${local.rank} with ${batch} local rows does not fit ${cols} gathered rows`);
  }
  if (local.image.size(0) !== cols) throw new Error(`${who}: gathered image rows ${local.image.size(0)} != gathered text rows ${cols}`);
  return local.rank * batch;
}

/**
 * The student's two logit matrices: perImage = s * I C_T^T and perText = s * T C_I^T, where the
 * columns C are the batch itself (global form, perText = perImage^T) or the gathered features
 * (local form, both [B_local, B_global]). s is the exponentiated logit scale.
 */
export function contrastiveLogits(image: Tensor, text: Tensor, logitScale: Tensor, local?: Gathered): [Tensor, Tensor] {
  if (!local) {
    const perImage = image.matmul(text.transpose(0, 1)).mul(logitScale);
    return [perImage, perImage.transpose(0, 1)];
  }
  return [image.matmul(local.text.transpose(0, 1)).mul(logitScale), text.matmul(local.image.transpose(0, 1)).mul(logitScale)];
}

/** (CE(perImage, y) + CE(perText, y)) / 2 with y_i = offset + i, from logits of contrastiveLogits. */
export function infoNceFromLogits(perImage: Tensor, perText: Tensor, offset = 0): Tensor {
  return tidy(() => {
    const b = perImage.size(0);
    const labels = arange(offset, offset + b, 1, { device: perImage.device });
    return crossEntropy(perImage, labels).add(crossEntropy(perText, labels)).div(2);
  });
}

/**
 * CLIP's symmetric InfoNCE for normalised features [B, D] and s = exp(logit_scale):
 * L = (CE(s I T^T, diag) + CE(s T I^T, diag)) / 2, each CE a mean over rows.
 * Local form (`local` given): logits [B_local, B_global] against the gathered features with labels
 * i + rank * B_local; averaging it over ranks gives the global loss.
 * @example const loss = clipLoss(out.imageFeatures, out.textFeatures, out.logitScale);
 */
export function clipLoss(imageFeatures: Tensor, textFeatures: Tensor, logitScale: Tensor, local?: Gathered): Tensor {
  return tidy(() => {
    const offset = labelOffset(imageFeatures.size(0), local, 'clipLoss');
    const [perImage, perText] = contrastiveLogits(imageFeatures, textFeatures, logitScale, local);
    return infoNceFromLogits(perImage, perText, offset);
  });
}
