// Loss functions, as torch.nn.functional names them.
import { op, reductionCode, type Reduction, t } from '../op.js';
import type { Tensor } from '../tensor.js';

const CE = op('cross_entropy_loss'), NLL = op('nll_loss'), NLL2D = op('nll_loss2d'), MSE = op('mse_loss'), L1 = op('l1_loss');
const SMOOTH_L1 = op('smooth_l1_loss'), BCE_LOGITS = op('binary_cross_entropy_with_logits'), HUBER = op('huber_loss');

export interface CrossEntropyOptions { reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number; weight?: Tensor | null }
/**
 * Cross-entropy over class logits [N, C, ...] and int64 targets [N, ...] (or probabilities [N, C, ...]).
 * @example crossEntropy(randn([4, 10]), tensor([1, 0, 9, 3], { dtype: 'int64' }), { labelSmoothing: 0.1 }).shape // []: the mean
 * @example crossEntropy(segLogits, masks, { ignoreIndex: 255 }) // [N, C, H, W] against int64 [N, H, W]
 */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return t(CE, logits.id, target.id, o.weight ? o.weight.id : null, reductionCode(o.reduction ?? 'mean'), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0);
}
/**
 * Negative log-likelihood of log-probabilities [N, C] (or [N, C, H, W]) against int64 targets, as torch.nn.functional.nll_loss.
 * @example nllLoss(logSoftmax(logits, 1), labels) // equals crossEntropy(logits, labels)
 */
export function nllLoss(logProbs: Tensor, target: Tensor, o: { reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  const id = logProbs.ndim === 4 ? NLL2D : NLL;
  return t(id, logProbs.id, target.id, null, reductionCode(o.reduction ?? 'mean'), o.ignoreIndex ?? -100);
}
/**
 * Mean squared error (or per element / summed), as torch.nn.functional.mse_loss.
 * @example mseLoss(tensor([1, 2]), tensor([1, 4])).item() // 2
 */
export function mseLoss(x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor { return t(MSE, x.id, y.id, reductionCode(reduction)); }
/**
 * Mean absolute error (or per element / summed), as torch.nn.functional.l1_loss.
 * @example l1Loss(tensor([1, 2]), tensor([1, 4])).item() // 1
 */
export function l1Loss(x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor { return t(L1, x.id, y.id, reductionCode(reduction)); }
/**
 * Squared below beta, absolute above (0.5 d^2 / beta or |d| - beta / 2), as torch.nn.functional.smooth_l1_loss.
 * @example smoothL1Loss(tensor([0, 0]), tensor([0.5, 3])).item() // 1.3125
 */
export function smoothL1Loss(x: Tensor, y: Tensor, beta = 1, reduction: Reduction = 'mean'): Tensor {
  return t(SMOOTH_L1, x.id, y.id, reductionCode(reduction), beta);
}
/**
 * Squared below delta, linear above (0.5 d^2 or delta (|d| - delta / 2)), as torch.nn.functional.huber_loss.
 * @example huberLoss(tensor([0, 0]), tensor([0.5, 3]), 2).item() // 2.0625
 */
export function huberLoss(x: Tensor, y: Tensor, delta = 1, reduction: Reduction = 'mean'): Tensor {
  return t(HUBER, x.id, y.id, reductionCode(reduction), delta);
}
/**
 * Sigmoid then binary cross-entropy, computed stably, as torch.nn.functional.binary_cross_entropy_with_logits.
 * @example binaryCrossEntropyWithLogits(tensor([0]), tensor([1])).item() // 0.6931 (log 2)
 * @example const loss = binaryCrossEntropyWithLogits(logits, targets, { reduction: 'sum' }); // SigLIP-style
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, o: { reduction?: Reduction; posWeight?: Tensor | null; weight?: Tensor | null } = {}): Tensor {
  return t(BCE_LOGITS, logits.id, target.id, o.weight ? o.weight.id : null, o.posWeight ? o.posWeight.id : null, reductionCode(o.reduction ?? 'mean'));
}
