// Gradient clipping and checks over many parameters in one native call.
import { native } from '../engine/native.js';
import type { Tensor } from '../engine/tensor.js';

/**
 * Scales gradients so their total norm is at most maxNorm; returns the norm before clipping
 * (as torch.nn.utils.clip_grad_norm_). Non-finite norms are returned as is, for the caller to skip.
 * @example const norm = clipGradNorm(model.parameters(), 1.0); if (!Number.isFinite(norm)) skipStep();
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  return native.clipGradNorm(params.map((p) => p.id), maxNorm, normType);
}

/**
 * Whether every gradient of these parameters is finite (no NaN/Inf).
 * @example if (gradsFinite(params)) opt.step(); else opt.zeroGrad();
 */
export function gradsFinite(params: readonly Tensor[]): boolean {
  return native.allFinite(params.map((p) => p.id), true);
}
