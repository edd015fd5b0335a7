// Elementwise arithmetic, comparisons and activations. A number operand uses aten's Scalar
// overload (no temporary tensor); integral numbers stay integral, as in PyTorch.
import { callInplace, op, optionalOp, t } from '../op.js';
import type { Tensor } from '../tensor.js';

export type Operand = Tensor | number;

function binary(name: string): (a: Tensor, b: Operand) => Tensor {
  const T = op(name, 'Tensor'), S = op(name, 'Scalar');
  return (a, b) => (typeof b === 'number' ? t(S, a.id, b) : t(T, a.id, b.id));
}
function unary(name: string, overload = ''): (a: Tensor) => Tensor {
  const U = op(name, overload);
  return (a) => t(U, a.id);
}

const ADD_T = op('add', 'Tensor'), ADD_S = op('add', 'Scalar'), SUB_T = op('sub', 'Tensor'), SUB_S = op('sub', 'Scalar');
const RSUB_S = op('rsub', 'Scalar');
/** a + alpha * b */
export function add(a: Tensor, b: Operand, alpha = 1): Tensor {
  return typeof b === 'number' ? t(ADD_S, a.id, b, alpha) : t(ADD_T, a.id, b.id, alpha);
}
/** a - alpha * b */
export function sub(a: Tensor, b: Operand, alpha = 1): Tensor {
  return typeof b === 'number' ? t(SUB_S, a.id, b, alpha) : t(SUB_T, a.id, b.id, alpha);
}
/** b - a for a number b (1 - x and the like). */
export function rsub(a: Tensor, b: number): Tensor {
  return t(RSUB_S, a.id, b);
}
export const mul = binary('mul');
export const div = binary('div');
export const remainder = binary('remainder');
const POW_TS = op('pow', 'Tensor_Scalar'), POW_TT = op('pow', 'Tensor_Tensor');
export function pow(a: Tensor, e: Operand): Tensor {
  return typeof e === 'number' ? t(POW_TS, a.id, e) : t(POW_TT, a.id, e.id);
}
const MINIMUM = op('minimum'), MAXIMUM = op('maximum');
export function minimum(a: Tensor, b: Tensor): Tensor { return t(MINIMUM, a.id, b.id); }
export function maximum(a: Tensor, b: Tensor): Tensor { return t(MAXIMUM, a.id, b.id); }
const ATAN2 = op('atan2');
export function atan2(a: Tensor, b: Tensor): Tensor { return t(ATAN2, a.id, b.id); }
const LERP_S = op('lerp', 'Scalar');
export function lerp(a: Tensor, b: Tensor, w: number): Tensor { return t(LERP_S, a.id, b.id, w); }

export const eq = binary('eq');
export const ne = binary('ne');
export const lt = binary('lt');
export const le = binary('le');
export const gt = binary('gt');
export const ge = binary('ge');
const AND = op('logical_and'), OR = op('logical_or');
export function logicalAnd(a: Tensor, b: Tensor): Tensor { return t(AND, a.id, b.id); }
export function logicalOr(a: Tensor, b: Tensor): Tensor { return t(OR, a.id, b.id); }
export const logicalNot = unary('logical_not');

export const neg = unary('neg');
export const abs = unary('abs');
export const exp = unary('exp');
export const log = unary('log');
export const log1p = unary('log1p');
export const expm1 = unary('expm1');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const square = unary('square');
export const reciprocal = unary('reciprocal');
export const sin = unary('sin');
export const cos = unary('cos');
export const tanh = unary('tanh');
export const sigmoid = unary('sigmoid');
export const erf = unary('erf');
export const sign = unary('sign');
export const floor = unary('floor');
export const ceil = unary('ceil');
export const round = unary('round');
export const isfinite = unary('isfinite');
export const isnan = unary('isnan');
export const relu = unary('relu');
export const silu = unary('silu');
export const hardswish = unary('hardswish');
export const hardsigmoid = unary('hardsigmoid');
export const mish = unary('mish');
const GELU = op('gelu'), SOFTPLUS = op('softplus'), LEAKY = op('leaky_relu');
/** GELU, exact (erf) or with the tanh approximation. */
export function gelu(a: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor { return t(GELU, a.id, approximate); }
export function softplus(a: Tensor, beta = 1, threshold = 20): Tensor { return t(SOFTPLUS, a.id, beta, threshold); }
export function leakyRelu(a: Tensor, slope = 0.01): Tensor { return t(LEAKY, a.id, slope); }

const CLAMP = op('clamp'), CLAMP_T = op('clamp', 'Tensor');
/** Clamps to [min, max]; either bound may be omitted (null). */
export function clamp(a: Tensor, min: Operand | null, max: Operand | null = null): Tensor {
  if (typeof min === 'object' && min !== null || typeof max === 'object' && max !== null) {
    return t(CLAMP_T, a.id, min === null ? null : (min as Tensor).id, max === null ? null : (max as Tensor).id);
  }
  return t(CLAMP, a.id, min, max);
}

const WHERE = op('where', 'self'), WHERE_SO = op('where', 'ScalarOther'), WHERE_SS = op('where', 'ScalarSelf');
/** Elementwise cond ? a : b. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('where: one of a, b must be a tensor');
  if (typeof b === 'number') return t(WHERE_SO, cond.id, (a as Tensor).id, b);
  if (typeof a === 'number') return t(WHERE_SS, cond.id, a, b.id);
  return t(WHERE, cond.id, a.id, b.id);
}
const MASKED_FILL = op('masked_fill', 'Scalar');
export function maskedFill(a: Tensor, mask: Tensor, value: number): Tensor { return t(MASKED_FILL, a.id, mask.id, value); }

// In-place updates (return the same tensor).
const ADD_I = op('add_', 'Tensor'), ADD_IS = op('add_', 'Scalar'), MUL_I = op('mul_', 'Tensor'), MUL_IS = op('mul_', 'Scalar');
const COPY_I = op('copy_'), ZERO_I = op('zero_'), FILL_I = op('fill_', 'Scalar'), CLAMP_I = op('clamp_');
const LERP_I = op('lerp_', 'Scalar'), DIV_IS = op('div_', 'Scalar'), DIV_I = op('div_', 'Tensor');
export function add_(a: Tensor, b: Operand, alpha = 1): Tensor {
  if (typeof b === 'number') callInplace(ADD_IS, a.id, b, alpha); else callInplace(ADD_I, a.id, b.id, alpha);
  return a;
}
export function mul_(a: Tensor, b: Operand): Tensor {
  if (typeof b === 'number') callInplace(MUL_IS, a.id, b); else callInplace(MUL_I, a.id, b.id);
  return a;
}
export function div_(a: Tensor, b: Operand): Tensor {
  if (typeof b === 'number') callInplace(DIV_IS, a.id, b); else callInplace(DIV_I, a.id, b.id);
  return a;
}
export function copy_(a: Tensor, src: Tensor): Tensor { callInplace(COPY_I, a.id, src.id); return a; }
export function zero_(a: Tensor): Tensor { callInplace(ZERO_I, a.id); return a; }
export function fill_(a: Tensor, v: number): Tensor { callInplace(FILL_I, a.id, v); return a; }
export function clamp_(a: Tensor, min: number | null, max: number | null = null): Tensor { callInplace(CLAMP_I, a.id, min, max); return a; }
export function lerp_(a: Tensor, b: Tensor, w: number): Tensor { callInplace(LERP_I, a.id, b.id, w); return a; }

const UNIFORM_I = op('uniform_'), NORMAL_I = op('normal_');
/** Fills with U(low, high) from the global generator. */
export function uniform_(a: Tensor, low = 0, high = 1): Tensor { callInplace(UNIFORM_I, a.id, low, high); return a; }
/** Fills with N(mean, std^2) from the global generator. */
export function normal_(a: Tensor, mean = 0, std = 1): Tensor { callInplace(NORMAL_I, a.id, mean, std); return a; }

/** True when this libtorch has the named aten operator (feature checks for newer APIs). */
export function hasOp(name: string, overload = ''): boolean {
  return optionalOp(name, overload) >= 0;
}
