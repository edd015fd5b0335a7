// Reductions. `dim` omitted means all dimensions.
import { type Dims, dimList, op, t, ts } from '../op.js';
import type { Tensor } from '../tensor.js';

const SUM = op('sum'), SUM_DIM = op('sum', 'dim_IntList'), MEAN = op('mean'), MEAN_DIM = op('mean', 'dim');
const MAX = op('max'), MAX_DIM = op('max', 'dim'), MIN = op('min'), MIN_DIM = op('min', 'dim');
const AMAX = op('amax'), AMIN = op('amin'), ARGMAX = op('argmax'), ARGMIN = op('argmin');
const VAR = op('var', 'correction'), STD = op('std', 'correction'), NORM = op('linalg_vector_norm');
const LSE = op('logsumexp'), PROD = op('prod'), PROD_DIM = op('prod', 'dim_int'), CUMSUM = op('cumsum');
const ALL = op('all'), ANY = op('any'), ALL_DIM = op('all', 'dim'), ANY_DIM = op('any', 'dim');

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return dim === undefined ? t(SUM, x.id) : t(SUM_DIM, x.id, dimList(dim), keepdim);
}
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return dim === undefined ? t(MEAN, x.id) : t(MEAN_DIM, x.id, dimList(dim), keepdim);
}
/** Maximum of all elements, or [values, indices] along dim. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return dim === undefined ? t(MAX, x.id) : (ts(MAX_DIM, x.id, dim, keepdim) as [Tensor, Tensor]);
}
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return dim === undefined ? t(MIN, x.id) : (ts(MIN_DIM, x.id, dim, keepdim) as [Tensor, Tensor]);
}
export function amax(x: Tensor, dim: Dims, keepdim = false): Tensor { return t(AMAX, x.id, dimList(dim), keepdim); }
export function amin(x: Tensor, dim: Dims, keepdim = false): Tensor { return t(AMIN, x.id, dimList(dim), keepdim); }
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor { return t(ARGMAX, x.id, dim ?? null, keepdim); }
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor { return t(ARGMIN, x.id, dim ?? null, keepdim); }
/** Variance with Bessel's correction by default (correction = 1), as torch.var. */
export function variance(x: Tensor, dim?: Dims, keepdim = false, correction = 1): Tensor {
  return t(VAR, x.id, dim === undefined ? null : dimList(dim), correction, keepdim);
}
export function std(x: Tensor, dim?: Dims, keepdim = false, correction = 1): Tensor {
  return t(STD, x.id, dim === undefined ? null : dimList(dim), correction, keepdim);
}
/** Vector p-norm over dim (all elements when omitted). */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  return t(NORM, x.id, p, dim === undefined ? null : dimList(dim), keepdim);
}
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor { return t(LSE, x.id, dimList(dim), keepdim); }
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  return dim === undefined ? t(PROD, x.id) : t(PROD_DIM, x.id, dim, keepdim);
}
export function cumsum(x: Tensor, dim: number): Tensor { return t(CUMSUM, x.id, dim); }
export function all(x: Tensor, dim?: number, keepdim = false): Tensor {
  return dim === undefined ? t(ALL, x.id) : t(ALL_DIM, x.id, dim, keepdim);
}
export function any(x: Tensor, dim?: number, keepdim = false): Tensor {
  return dim === undefined ? t(ANY, x.id) : t(ANY_DIM, x.id, dim, keepdim);
}
