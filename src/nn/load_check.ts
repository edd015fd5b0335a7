// Checks on tensors about to be copied into parameters, buffers or optimiser state: the stored
// dtype must be the target's or widen to it without loss, and floats must be finite. A file whose
// F32 tensors were relabelled I32 keeps its byte size and shapes, and a file of NaNs is well
// formed, so without these checks both would load silently and evaluate to plausible numbers.
import type { DType, Tensor } from '../engine/index.js';
import { native } from '../engine/native.js';

/**
 * Stored dtype -> the dtypes it may be loaded into: every value of the stored dtype is exactly
 * representable in each target (F16/BF16 -> F32/F64, F32 -> F64, narrower ints -> wider ints).
 * Anything else, int -> float (a relabelled float file) and float narrowing included, is refused.
 */
export const LOSSLESS_CASTS: Readonly<Partial<Record<DType, readonly DType[]>>> = {
  float16: ['float32', 'float64'],
  bfloat16: ['float32', 'float64'],
  float32: ['float64'],
  int8: ['int16', 'int32', 'int64'],
  uint8: ['int16', 'int32', 'int64'],
  int16: ['int32', 'int64'],
  int32: ['int64'],
};

/**
 * Whether a tensor stored as `stored` may be copied into one of dtype `target` (equal, or a cast in LOSSLESS_CASTS).
 * @example canLoadDtype('float16', 'float32'); // true
 * @example canLoadDtype('int32', 'float32');   // false
 */
export function canLoadDtype(stored: DType, target: DType): boolean {
  return stored === target || (LOSSLESS_CASTS[stored]?.includes(target) ?? false);
}

/**
 * Whether every element of `t` is finite (no NaN or Inf); integer and bool tensors always are.
 * One isfinite-all reduction in libtorch, no tensors left on the JS side.
 * @example if (!isAllFinite(w)) throw new Error('weights are NaN');
 */
export function isAllFinite(t: Tensor): boolean {
  return native.allFinite([t.id], false);
}

/** Options shared by every loader of stored tensors. */
export interface FiniteOptions {
  /** Accept NaN/Inf in float tensors (default false: they are an error naming the tensor). */
  allowNonFinite?: boolean;
}

/** At most this many keys are named in one error; the rest are counted. */
const MAX_NAMED = 8;

function listed(items: readonly string[]): string {
  const more = items.length > MAX_NAMED ? `; and ${items.length - MAX_NAMED} more` : '';
  return items.slice(0, MAX_NAMED).join('; ') + more;
}

/**
 * Problems that forbid copying each `src` into its `dst`: dtype changes outside LOSSLESS_CASTS and,
 * unless allowed, non-finite floats. The first item of a triple names the tensor in messages, as
 * the caller wants it shown. Pairs whose shapes differ are the caller's to report.
 * Returns the messages (empty when all is well).
 * @example const bad = loadProblems([["'w'", stored, param]]); // ["dtype mismatches: 'w' is stored as int32, expected float32 ..."]
 */
export function loadProblems(pairs: Iterable<[string, Tensor, Tensor]>, o: FiniteOptions = {}): string[] {
  const wrongType: string[] = [], nonFinite: string[] = [];
  for (const [key, src, dst] of pairs) {
    if (!canLoadDtype(src.dtype, dst.dtype)) wrongType.push(`${key} is stored as ${src.dtype}, expected ${dst.dtype}`);
    else if (!o.allowNonFinite && !isAllFinite(src)) nonFinite.push(key);
  }
  const out: string[] = [];
  if (wrongType.length) {
    const casts = Object.entries(LOSSLESS_CASTS).map(([s, ts]) => `${s} -> ${ts!.join('/')}`).join(', ');
    out.push(`dtype mismatches: ${listed(wrongType)} (lossless casts allowed: ${casts})`);
  }
  if (nonFinite.length) out.push(`non-finite values (NaN/Inf) in ${listed(nonFinite)} (pass allowNonFinite to load them anyway)`);
  return out;
}

/**
 * The key of the first tensor of `named` holding NaN or Inf, or null when all are finite.
 * @example const bad = firstNonFinite(model.stateDict()); // 'visual.conv1.weight' or null
 */
export function firstNonFinite(named: Iterable<[string, Tensor]>): string | null {
  for (const [key, t] of named) if (!isAllFinite(t)) return key;
  return null;
}
