// MAE's reconstruction loss (He et al. 2021): images cut into patches in the decoder's output
// order, each patch's pixels optionally normalised by their own mean and variance, and the mean
// squared error over the masked patches only.
import { variance, type Tensor } from '../engine/index.js';

/**
 * Images [B, C, H, W] -> patches [B, (H/p)*(W/p), p*p*C], patches row-major over the grid and each
 * patch's pixels in (row, column, channel) order, as MAE's `patchify` (the decoder predicts this layout).
 * @example patchify(images, 8).shape // [B, 64, 192] for 64x64 RGB images
 */
export function patchify(images: Tensor, patch: number): Tensor {
  if (images.ndim !== 4) throw new Error(`patchify: images must be [B, C, H, W], got [${images.shape}]`);
  const [b, c, h, w] = images.shape as [number, number, number, number];
  if (h % patch !== 0 || w % patch !== 0) throw new Error(`patchify: image size ${h}x${w} is not a multiple of the patch size ${patch}`);
  const gh = h / patch, gw = w / patch;
  return images.reshape([b, c, gh, patch, gw, patch]).permute([0, 2, 4, 3, 5, 1]).reshape([b, gh * gw, patch * patch * c]);
}

/** Options of maeLoss. */
export interface MaeLossOptions {
  /** Normalise each target patch by its own mean and (unbiased) variance (MAE's norm_pix_loss; default true). */
  normPixLoss?: boolean;
  /** Added to the variance before the square root (default 1e-6). */
  eps?: number;
}

/**
 * MAE's loss: per patch the mean over its values of (pred - target)^2, averaged over the masked
 * patches (mask 1 = masked, 0 = visible). With normPixLoss the target patch is
 * (t - mean(t)) / sqrt(var(t) + eps), var unbiased as torch.var's default (MAE's code).
 * pred and target [B, L, D], mask [B, L] (float or bool).
 * @example const loss = maeLoss(pred, patchify(images, 8), mask);  // a scalar
 */
export function maeLoss(pred: Tensor, target: Tensor, mask: Tensor, o: MaeLossOptions = {}): Tensor {
  if (pred.ndim !== 3 || pred.shape.join(',') !== target.shape.join(',')) {
    throw new Error(`maeLoss: pred [${pred.shape}] and target [${target.shape}] must both be [B, L, D]`);
  }
  if (mask.ndim !== 2 || mask.size(0) !== pred.size(0) || mask.size(1) !== pred.size(1)) {
    throw new Error(`maeLoss: mask must be [B, L] = [${pred.shape.slice(0, 2)}], got [${mask.shape}]`);
  }
  let t = target.to(pred.dtype);
  if (o.normPixLoss ?? true) {
    const mean = t.mean(-1, true), v = variance(t, -1, true);
    t = t.sub(mean).div(v.add(o.eps ?? 1e-6).sqrt());
  }
  const perPatch = pred.sub(t).square().mean(-1);
  const m = mask.to(perPatch.dtype);
  return perPatch.mul(m).sum().div(m.sum());
}
