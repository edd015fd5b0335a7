// Reductions. `dim` omitted means all dimensions.
import { type Dims, dimList, op, t, ts } from '../op.js';
import type { Tensor } from '../tensor.js';

const SUM = op('sum'), SUM_DIM = op('sum', 'dim_IntList'), MEAN = op('mean'), MEAN_DIM = op('mean', 'dim');
const MAX = op('max'), MAX_DIM = op('max', 'dim'), MIN = op('min'), MIN_DIM = op('min', 'dim');
const AMAX = op('amax'), AMIN = op('amin'), ARGMAX = op('argmax'), ARGMIN = op('argmin');
const VAR = op('var', 'correction'), STD = op('std', 'correction'), NORM = op('linalg_vector_norm');
const LSE = op('logsumexp'), PROD = op('prod'), PROD_DIM = op('prod', 'dim_int'), CUMSUM = op('cumsum');
const ALL = op('all'), ANY = op('any'), ALL_DIM = op('all', 'dim'), ANY_DIM = op('any', 'dim');

/**
 * Sum over dim (all elements when omitted), as torch.sum.
 * @example sum(tensor([[1, 2], [3, 4]]), 1).toArray() // [3, 7]
 * @example sum(x) // a 0-d tensor
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return dim === undefined ? t(SUM, x.id) : t(SUM_DIM, x.id, dimList(dim), keepdim);
}
/**
 * Mean over dim (all elements when omitted), as torch.mean.
 * @example mean(randn([2, 8, 7, 7]), [2, 3]).shape // [2, 8]: global average pooling
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return dim === undefined ? t(MEAN, x.id) : t(MEAN_DIM, x.id, dimList(dim), keepdim);
}
/**
 * Maximum of all elements, or [values, indices] along dim, as torch.max.
 * @example max(tensor([3, 9, 4])).item() // 9
 * @example const [best, cls] = max(logits, 1); // per-row maximum and its index
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return dim === undefined ? t(MAX, x.id) : (ts(MAX_DIM, x.id, dim, keepdim) as [Tensor, Tensor]);
}
/**
 * Minimum of all elements, or [values, indices] along dim, as torch.min.
 * @example min(tensor([3, 9, 4])).item() // 3
 * @example const [nearest, which] = min(distances, -1);
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return dim === undefined ? t(MIN, x.id) : (ts(MIN_DIM, x.id, dim, keepdim) as [Tensor, Tensor]);
}
/**
 * Maxima over one or more dims, without indices, as torch.amax.
 * @example amax(tensor([[1, 5], [7, 2]]), 1).toArray() // [5, 7]
 */
export function amax(x: Tensor, dim: Dims, keepdim = false): Tensor { return t(AMAX, x.id, dimList(dim), keepdim); }
/**
 * Minima over one or more dims, without indices, as torch.amin.
 * @example amin(tensor([[1, 5], [7, 2]]), 1).toArray() // [1, 2]
 */
export function amin(x: Tensor, dim: Dims, keepdim = false): Tensor { return t(AMIN, x.id, dimList(dim), keepdim); }
/**
 * int64 indices of the maxima along dim (of the flattened tensor when omitted), as torch.argmax.
 * @example argmax(tensor([[1, 5], [7, 2]]), 1).toArray() // [1, 0]
 * @example const pred = argmax(segLogits, 1); // [N, H, W] class map
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor { return t(ARGMAX, x.id, dim ?? null, keepdim); }
/**
 * int64 indices of the minima along dim (of the flattened tensor when omitted), as torch.argmin.
 * @example argmin(tensor([[1, 5], [7, 2]]), 1).toArray() // [0, 1]
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor { return t(ARGMIN, x.id, dim ?? null, keepdim); }
/**
 * Variance with Bessel's correction by default (correction = 1), as torch.var.
 * @example variance(tensor([1, 2, 3, 4])).item() // 1.6667
 * @example variance(x, -1, true, 0) // population variance per row
 */
export function variance(x: Tensor, dim?: Dims, keepdim = false, correction = 1): Tensor {
  return t(VAR, x.id, dim === undefined ? null : dimList(dim), correction, keepdim);
}
/**
 * Standard deviation with Bessel's correction by default (correction = 1), as torch.std.
 * @example std(tensor([1, 2, 3, 4]), 0, false, 0).item() // 1.118 (population)
 */
export function std(x: Tensor, dim?: Dims, keepdim = false, correction = 1): Tensor {
  return t(STD, x.id, dim === undefined ? null : dimList(dim), correction, keepdim);
}
/**
 * Vector p-norm over dim (all elements when omitted), as torch.linalg.vector_norm.
 * @example norm(tensor([3, 4])).item() // 5
 * @example const lengths = norm(features, 2, -1, true); // [N, 1]
 */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  return t(NORM, x.id, p, dim === undefined ? null : dimList(dim), keepdim);
}
/**
 * log(sum(exp(x))) over dim, computed stably, as torch.logsumexp.
 * @example logsumexp(tensor([0, 0]), 0).item() // 0.6931 (log 2)
 */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor { return t(LSE, x.id, dimList(dim), keepdim); }
/**
 * Product of all elements, or along one dim, as torch.prod.
 * @example prod(tensor([2, 3, 4])).item() // 24
 */
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  return dim === undefined ? t(PROD, x.id) : t(PROD_DIM, x.id, dim, keepdim);
}
/**
 * Running sum along dim, as torch.cumsum.
 * @example cumsum(tensor([1, 2, 3]), 0).toArray() // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor { return t(CUMSUM, x.id, dim); }
/**
 * Whether every element (or every one along dim) is nonzero, as torch.all; a bool tensor.
 * @example all(gt(tensor([1, 2]), 0)).item() // 1 (true)
 */
export function all(x: Tensor, dim?: number, keepdim = false): Tensor {
  return dim === undefined ? t(ALL, x.id) : t(ALL_DIM, x.id, dim, keepdim);
}
/**
 * Whether some element (or some along dim) is nonzero, as torch.any; a bool tensor.
 * @example if (any(isnan(loss)).item()) throw new Error('loss is NaN');
 */
export function any(x: Tensor, dim?: number, keepdim = false): Tensor {
  return dim === undefined ? t(ANY, x.id) : t(ANY_DIM, x.id, dim, keepdim);
}
