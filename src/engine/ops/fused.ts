// Fused inference kernels of libtorch (no autograd): callers use them only with gradients off.
import { optionalOp, t } from '../op.js';
import type { Tensor } from '../tensor.js';

const ENCODER_LAYER = optionalOp('_transformer_encoder_layer_fwd');

export interface EncoderLayerWeights {
  heads: number;
  qkvWeight: Tensor; qkvBias: Tensor; projWeight: Tensor; projBias: Tensor;
  norm1Weight: Tensor; norm1Bias: Tensor; norm2Weight: Tensor; norm2Bias: Tensor;
  fc1Weight: Tensor; fc1Bias: Tensor; fc2Weight: Tensor; fc2Bias: Tensor;
  eps: number;
}

/**
 * Whether this libtorch has the fused pre-norm encoder layer (BetterTransformer's fast path).
 * @example const fast = hasFusedEncoderLayer() && !isGradEnabled();
 */
export function hasFusedEncoderLayer(): boolean {
  return ENCODER_LAYER >= 0;
}

/**
 * A whole pre-norm transformer block, x + attn(ln1(x)) then + mlp(ln2(x)) with exact GELU, in one
 * libtorch kernel call (inference only: no autograd). x is [B, L, D].
 * @example const y = noGrad(() => fusedEncoderLayer(tokens, { heads: 8, eps: 1e-5, ...blockWeights })); // [B, L, D] as tokens
 */
export function fusedEncoderLayer(x: Tensor, w: EncoderLayerWeights): Tensor {
  const d = x.shape[2] as number;
  return t(ENCODER_LAYER, x.id, d, w.heads, w.qkvWeight.id, w.qkvBias.id, w.projWeight.id, w.projBias.id, true, true, w.eps,
    w.norm1Weight.id, w.norm1Bias.id, w.norm2Weight.id, w.norm2Bias.id, w.fc1Weight.id, w.fc1Bias.id, w.fc2Weight.id, w.fc2Bias.id, null, null);
}
