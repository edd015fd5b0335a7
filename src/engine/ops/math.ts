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
/**
 * a + alpha * b
 * @example add(tensor([1, 2]), 10).toArray() // [11, 12]
 * @example const next = add(param, grad, -lr); // param - lr * grad
 */
export function add(a: Tensor, b: Operand, alpha = 1): Tensor {
  return typeof b === 'number' ? t(ADD_S, a.id, b, alpha) : t(ADD_T, a.id, b.id, alpha);
}
/**
 * a - alpha * b
 * @example sub(tensor([5, 5]), tensor([1, 2])).toArray() // [4, 3]
 */
export function sub(a: Tensor, b: Operand, alpha = 1): Tensor {
  return typeof b === 'number' ? t(SUB_S, a.id, b, alpha) : t(SUB_T, a.id, b.id, alpha);
}
/**
 * b - a for a number b (1 - x and the like).
 * @example rsub(tensor([0.25]), 1).toArray() // [0.75]
 */
export function rsub(a: Tensor, b: number): Tensor {
  return t(RSUB_S, a.id, b);
}
/**
 * a * b elementwise with broadcasting, as torch.mul; b may be a number.
 * @example mul(tensor([1, 2]), tensor([3, 4])).toArray() // [3, 8]
 * @example const scaled = mul(logits, 1 / temperature);
 */
export const mul = binary('mul');
/**
 * a / b elementwise (true division, so integers give floats), as torch.div.
 * @example div(tensor([1, 3]), 2).toArray() // [0.5, 1.5]
 */
export const div = binary('div');
/**
 * a mod b with the sign of b (Python's %), as torch.remainder.
 * @example remainder(tensor([5, -1], { dtype: 'int64' }), 3).toArray() // [2, 2]
 */
export const remainder = binary('remainder');
const POW_TS = op('pow', 'Tensor_Scalar'), POW_TT = op('pow', 'Tensor_Tensor');
/**
 * a ** e elementwise, e a number or a tensor, as torch.pow.
 * @example pow(tensor([2, 3]), 2).toArray() // [4, 9]
 */
export function pow(a: Tensor, e: Operand): Tensor {
  return typeof e === 'number' ? t(POW_TS, a.id, e) : t(POW_TT, a.id, e.id);
}
const MINIMUM = op('minimum'), MAXIMUM = op('maximum');
/**
 * Elementwise minimum of two tensors, as torch.minimum.
 * @example minimum(tensor([1, 5]), tensor([3, 2])).toArray() // [1, 2]
 */
export function minimum(a: Tensor, b: Tensor): Tensor { return t(MINIMUM, a.id, b.id); }
/**
 * Elementwise maximum of two tensors, as torch.maximum.
 * @example maximum(tensor([1, 5]), tensor([3, 2])).toArray() // [3, 5]
 */
export function maximum(a: Tensor, b: Tensor): Tensor { return t(MAXIMUM, a.id, b.id); }
const ATAN2 = op('atan2');
/**
 * The angle of the point (b, a), atan(a / b) in (-pi, pi], as torch.atan2.
 * @example atan2(tensor([1]), tensor([0])).item() // 1.5708 (pi / 2)
 */
export function atan2(a: Tensor, b: Tensor): Tensor { return t(ATAN2, a.id, b.id); }
const LERP_S = op('lerp', 'Scalar');
/**
 * a + w * (b - a), as torch.lerp with a number weight.
 * @example lerp(tensor([0, 10]), tensor([10, 20]), 0.5).toArray() // [5, 15]
 */
export function lerp(a: Tensor, b: Tensor, w: number): Tensor { return t(LERP_S, a.id, b.id, w); }

/**
 * a == b elementwise, a bool tensor (torch.eq).
 * @example eq(tensor([1, 2, 3]), 2).toArray() // [0, 1, 0]
 */
export const eq = binary('eq');
/**
 * a != b elementwise, a bool tensor (torch.ne).
 * @example const valid = ne(labels, 255); // pixels that are not 'ignore'
 */
export const ne = binary('ne');
/**
 * a < b elementwise, a bool tensor (torch.lt).
 * @example lt(tensor([1, 2, 3]), 2).toArray() // [1, 0, 0]
 */
export const lt = binary('lt');
/**
 * a <= b elementwise, a bool tensor (torch.le).
 * @example le(tensor([1, 2, 3]), 2).toArray() // [1, 1, 0]
 */
export const le = binary('le');
/**
 * a > b elementwise, a bool tensor (torch.gt).
 * @example gt(tensor([1, 2, 3]), 2).toArray() // [0, 0, 1]
 */
export const gt = binary('gt');
/**
 * a >= b elementwise, a bool tensor (torch.ge).
 * @example ge(tensor([1, 2, 3]), 2).toArray() // [0, 1, 1]
 */
export const ge = binary('ge');
const AND = op('logical_and'), OR = op('logical_or');
/**
 * Elementwise a AND b (nonzero is true), as torch.logical_and.
 * @example const inside = logicalAnd(ge(x, 0), lt(x, 1)); // 0 <= x < 1
 */
export function logicalAnd(a: Tensor, b: Tensor): Tensor { return t(AND, a.id, b.id); }
/**
 * Elementwise a OR b (nonzero is true), as torch.logical_or.
 * @example const bad = logicalOr(isnan(x), eq(x, Infinity));
 */
export function logicalOr(a: Tensor, b: Tensor): Tensor { return t(OR, a.id, b.id); }
/**
 * Elementwise NOT (zero becomes true), as torch.logical_not.
 * @example const blocked = logicalNot(attendMask);
 */
export const logicalNot = unary('logical_not');

/**
 * -x, as torch.neg.
 * @example neg(tensor([1, -2])).toArray() // [-1, 2]
 */
export const neg = unary('neg');
/**
 * |x|, as torch.abs.
 * @example abs(tensor([-1.5, 2])).toArray() // [1.5, 2]
 */
export const abs = unary('abs');
/**
 * e^x, as torch.exp.
 * @example const scale = exp(logitScale); // CLIP's learned temperature
 */
export const exp = unary('exp');
/**
 * Natural logarithm, as torch.log.
 * @example log(tensor([1, Math.E])).toArray() // [0, 1]
 */
export const log = unary('log');
/**
 * log(1 + x), accurate near 0, as torch.log1p.
 * @example log1p(tensor([0])).toArray() // [0]
 */
export const log1p = unary('log1p');
/**
 * e^x - 1, accurate near 0, as torch.expm1.
 * @example expm1(tensor([0])).toArray() // [0]
 */
export const expm1 = unary('expm1');
/**
 * Square root, as torch.sqrt.
 * @example sqrt(tensor([4, 9])).toArray() // [2, 3]
 */
export const sqrt = unary('sqrt');
/**
 * 1 / sqrt(x), as torch.rsqrt.
 * @example rsqrt(tensor([4])).toArray() // [0.5]
 */
export const rsqrt = unary('rsqrt');
/**
 * x * x, as torch.square.
 * @example square(tensor([-3])).toArray() // [9]
 */
export const square = unary('square');
/**
 * 1 / x, as torch.reciprocal.
 * @example reciprocal(tensor([4])).toArray() // [0.25]
 */
export const reciprocal = unary('reciprocal');
/**
 * Sine (radians), as torch.sin.
 * @example const pe = sin(mul(positions, freq)); // sinusoidal position codes
 */
export const sin = unary('sin');
/**
 * Cosine (radians), as torch.cos.
 * @example cos(tensor([0])).toArray() // [1]
 */
export const cos = unary('cos');
/**
 * Hyperbolic tangent, as torch.tanh.
 * @example tanh(tensor([0])).toArray() // [0]
 */
export const tanh = unary('tanh');
/**
 * 1 / (1 + e^-x), as torch.sigmoid.
 * @example sigmoid(tensor([0])).toArray() // [0.5]
 */
export const sigmoid = unary('sigmoid');
/**
 * The Gauss error function, as torch.erf.
 * @example erf(tensor([0])).toArray() // [0]
 */
export const erf = unary('erf');
/**
 * -1, 0 or 1 by the sign of x, as torch.sign.
 * @example sign(tensor([-2, 0, 3])).toArray() // [-1, 0, 1]
 */
export const sign = unary('sign');
/**
 * Rounds down, as torch.floor.
 * @example floor(tensor([1.7, -1.2])).toArray() // [1, -2]
 */
export const floor = unary('floor');
/**
 * Rounds up, as torch.ceil.
 * @example ceil(tensor([1.2, -1.7])).toArray() // [2, -1]
 */
export const ceil = unary('ceil');
/**
 * Rounds half to even, as torch.round.
 * @example round(tensor([0.5, 1.5, 2.4])).toArray() // [0, 2, 2]
 */
export const round = unary('round');
/**
 * True where x is neither infinite nor NaN, as torch.isfinite.
 * @example isfinite(tensor([1, Infinity, NaN])).toArray() // [1, 0, 0]
 */
export const isfinite = unary('isfinite');
/**
 * True where x is NaN, as torch.isnan.
 * @example isnan(tensor([1, NaN])).toArray() // [0, 1]
 */
export const isnan = unary('isnan');
/**
 * max(x, 0), as torch.relu.
 * @example relu(tensor([-1, 2])).toArray() // [0, 2]
 */
export const relu = unary('relu');
/**
 * x * sigmoid(x) (swish), as torch.nn.functional.silu.
 * @example const h = silu(linear(x, w1));
 */
export const silu = unary('silu');
/**
 * MobileNetV3's x * relu6(x + 3) / 6, as torch.nn.functional.hardswish.
 * @example hardswish(tensor([-4, 0, 4])).toArray() // [0, 0, 4]
 */
export const hardswish = unary('hardswish');
/**
 * relu6(x + 3) / 6, as torch.nn.functional.hardsigmoid.
 * @example hardsigmoid(tensor([-4, 0, 4])).toArray() // [0, 0.5, 1]
 */
export const hardsigmoid = unary('hardsigmoid');
/**
 * x * tanh(softplus(x)), as torch.nn.functional.mish.
 * @example mish(tensor([0])).toArray() // [0]
 */
export const mish = unary('mish');
const GELU = op('gelu'), SOFTPLUS = op('softplus'), LEAKY = op('leaky_relu');
/**
 * GELU, exact (erf) or with the tanh approximation.
 * @example const h = gelu(linear(x, w1)); // exact, as open_clip's nn.GELU()
 * @example gelu(x, 'tanh') // GPT-2's approximation
 */
export function gelu(a: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor { return t(GELU, a.id, approximate); }
/**
 * log(1 + e^(beta x)) / beta, linear above threshold, as torch.nn.functional.softplus.
 * @example softplus(tensor([0])).toArray() // [0.6931] (log 2)
 */
export function softplus(a: Tensor, beta = 1, threshold = 20): Tensor { return t(SOFTPLUS, a.id, beta, threshold); }
/**
 * x for x > 0, else slope * x, as torch.nn.functional.leaky_relu.
 * @example leakyRelu(tensor([-10, 3]), 0.1).toArray() // [-1, 3]
 */
export function leakyRelu(a: Tensor, slope = 0.01): Tensor { return t(LEAKY, a.id, slope); }

const CLAMP = op('clamp'), CLAMP_T = op('clamp', 'Tensor');
/**
 * Clamps to [min, max]; either bound may be omitted (null).
 * @example clamp(tensor([-1, 0.5, 2]), 0, 1).toArray() // [0, 0.5, 1]
 * @example const scale = clamp(logitScale, null, Math.log(100)); // open_clip's cap
 */
export function clamp(a: Tensor, min: Operand | null, max: Operand | null = null): Tensor {
  if (typeof min === 'object' && min !== null || typeof max === 'object' && max !== null) {
    return t(CLAMP_T, a.id, min === null ? null : (min as Tensor).id, max === null ? null : (max as Tensor).id);
  }
  return t(CLAMP, a.id, min, max);
}

const WHERE = op('where', 'self'), WHERE_SO = op('where', 'ScalarOther'), WHERE_SS = op('where', 'ScalarSelf');
/**
 * Elementwise cond ? a : b.
 * @example where(tensor([1, 0], { dtype: 'bool' }), tensor([1, 2]), 0).toArray() // [1, 0]
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('where: one of a, b must be a tensor');
  if (typeof b === 'number') return t(WHERE_SO, cond.id, (a as Tensor).id, b);
  if (typeof a === 'number') return t(WHERE_SS, cond.id, a, b.id);
  return t(WHERE, cond.id, a.id, b.id);
}
const MASKED_FILL = op('masked_fill', 'Scalar');
/**
 * value where mask is true, x elsewhere, as torch.Tensor.masked_fill.
 * @example const scores = maskedFill(logits, padMask, -Infinity); // padded keys get no attention
 */
export function maskedFill(a: Tensor, mask: Tensor, value: number): Tensor { return t(MASKED_FILL, a.id, mask.id, value); }

// In-place updates (return the same tensor).
const ADD_I = op('add_', 'Tensor'), ADD_IS = op('add_', 'Scalar'), MUL_I = op('mul_', 'Tensor'), MUL_IS = op('mul_', 'Scalar');
const COPY_I = op('copy_'), ZERO_I = op('zero_'), FILL_I = op('fill_', 'Scalar'), CLAMP_I = op('clamp_');
const LERP_I = op('lerp_', 'Scalar'), DIV_IS = op('div_', 'Scalar'), DIV_I = op('div_', 'Tensor');
/**
 * In place a += alpha * b, as torch.Tensor.add_; returns a.
 * @example add_(param, grad, -lr); // an SGD step
 */
export function add_(a: Tensor, b: Operand, alpha = 1): Tensor {
  if (typeof b === 'number') callInplace(ADD_IS, a.id, b, alpha); else callInplace(ADD_I, a.id, b.id, alpha);
  return a;
}
/**
 * In place a *= b, as torch.Tensor.mul_; returns a.
 * @example mul_(param, 1 - lr * weightDecay); // decoupled weight decay
 */
export function mul_(a: Tensor, b: Operand): Tensor {
  if (typeof b === 'number') callInplace(MUL_IS, a.id, b); else callInplace(MUL_I, a.id, b.id);
  return a;
}
/**
 * In place a /= b, as torch.Tensor.div_; returns a.
 * @example div_(grad, accumSteps); // average accumulated gradients
 */
export function div_(a: Tensor, b: Operand): Tensor {
  if (typeof b === 'number') callInplace(DIV_IS, a.id, b); else callInplace(DIV_I, a.id, b.id);
  return a;
}
/**
 * In place copy of src into a (same shape or broadcastable), as torch.Tensor.copy_; returns a.
 * @example noGrad(() => copy_(param, loaded)); // load weights into an existing parameter
 */
export function copy_(a: Tensor, src: Tensor): Tensor { callInplace(COPY_I, a.id, src.id); return a; }
/**
 * In place a = 0, as torch.Tensor.zero_; returns a.
 * @example zero_(grad);
 */
export function zero_(a: Tensor): Tensor { callInplace(ZERO_I, a.id); return a; }
/**
 * In place a = v everywhere, as torch.Tensor.fill_; returns a.
 * @example fill_(bias, 0);
 */
export function fill_(a: Tensor, v: number): Tensor { callInplace(FILL_I, a.id, v); return a; }
/**
 * In place clamp to [min, max] (null for no bound), as torch.Tensor.clamp_; returns a.
 * @example noGrad(() => clamp_(logitScale, 0, Math.log(100)));
 */
export function clamp_(a: Tensor, min: number | null, max: number | null = null): Tensor { callInplace(CLAMP_I, a.id, min, max); return a; }
/**
 * In place a += w * (b - a), as torch.Tensor.lerp_; returns a.
 * @example lerp_(emaParam, param, 1 - decay); // an EMA update
 */
export function lerp_(a: Tensor, b: Tensor, w: number): Tensor { callInplace(LERP_I, a.id, b.id, w); return a; }

const UNIFORM_I = op('uniform_'), NORMAL_I = op('normal_');
/**
 * Fills with U(low, high) from the global generator.
 * @example noGrad(() => uniform_(weight, -bound, bound));
 */
export function uniform_(a: Tensor, low = 0, high = 1): Tensor { callInplace(UNIFORM_I, a.id, low, high); return a; }
/**
 * Fills with N(mean, std^2) from the global generator.
 * @example noGrad(() => normal_(tokenEmbedding, 0, 0.02));
 */
export function normal_(a: Tensor, mean = 0, std = 1): Tensor { callInplace(NORMAL_I, a.id, mean, std); return a; }

/**
 * True when this libtorch has the named aten operator (feature checks for newer APIs).
 * @example hasOp('scaled_dot_product_attention') // true on libtorch 2.x
 */
export function hasOp(name: string, overload = ''): boolean {
  return optionalOp(name, overload) >= 0;
}
