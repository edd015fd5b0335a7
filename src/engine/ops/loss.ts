// Loss functions, as torch.nn.functional names them.
import { op, reductionCode, type Reduction, t } from '../op.js';
import type { Tensor } from '../tensor.js';

const CE = op('cross_entropy_loss'), NLL = op('nll_loss'), NLL2D = op('nll_loss2d'), MSE = op('mse_loss'), L1 = op('l1_loss');
const SMOOTH_L1 = op('smooth_l1_loss'), BCE_LOGITS = op('binary_cross_entropy_with_logits'), HUBER = op('huber_loss');

export interface CrossEntropyOptions { reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number; weight?: Tensor | null }
/** Cross-entropy over class logits [N, C, ...] and int64 targets [N, ...] (or probabilities [N, C, ...]). */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return t(CE, logits.id, target.id, o.weight ? o.weight.id : null, reductionCode(o.reduction ?? 'mean'), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0);
}
export function nllLoss(logProbs: Tensor, target: Tensor, o: { reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  const id = logProbs.ndim === 4 ? NLL2D : NLL;
  return t(id, logProbs.id, target.id, null, reductionCode(o.reduction ?? 'mean'), o.ignoreIndex ?? -100);
}
export function mseLoss(x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor { return t(MSE, x.id, y.id, reductionCode(reduction)); }
export function l1Loss(x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor { return t(L1, x.id, y.id, reductionCode(reduction)); }
export function smoothL1Loss(x: Tensor, y: Tensor, beta = 1, reduction: Reduction = 'mean'): Tensor {
  return t(SMOOTH_L1, x.id, y.id, reductionCode(reduction), beta);
}
export function huberLoss(x: Tensor, y: Tensor, delta = 1, reduction: Reduction = 'mean'): Tensor {
  return t(HUBER, x.id, y.id, reductionCode(reduction), delta);
}
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, o: { reduction?: Reduction; posWeight?: Tensor | null; weight?: Tensor | null } = {}): Tensor {
  return t(BCE_LOGITS, logits.id, target.id, o.weight ? o.weight.id : null, o.posWeight ? o.posWeight.id : null, reductionCode(o.reduction ?? 'mean'));
}
