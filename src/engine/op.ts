// Resolving aten operators once and wrapping their results. Each typed wrapper in ops/ names its
// operator here at module load, so a missing operator fails at import with a clear message.
import { native } from './native.js';
import { Tensor } from './tensor.js';

/**
 * Resolves `aten::name.overload` to an id; throws if this libtorch lacks it.
 * @example const SCATTER = op('scatter', 'src'); // aten::scatter.src
 */
export function op(name: string, overload = ''): number {
  const id = native.findOp(`aten::${name}`, overload);
  if (id < 0) throw new Error(`libtorch ${native.buildInfo().torchVersion} has no operator aten::${name}${overload ? '.' + overload : ''}`);
  return id;
}

/**
 * Like op() but returns -1 when the operator does not exist in this libtorch (newer APIs).
 * @example const SDPA = optionalOp('scaled_dot_product_attention'); // -1 before libtorch 2.0: compose it instead
 */
export function optionalOp(name: string, overload = ''): number {
  return native.findOp(`aten::${name}`, overload);
}

export const call = native.call;
export const callInplace = native.callInplace;

/** Calls an operator that returns one tensor. */
export function t(opId: number, ...args: unknown[]): Tensor {
  return new Tensor(native.call(opId, ...args) as number);
}

/** Calls an operator that returns several tensors (a tuple or a list). */
export function ts(opId: number, ...args: unknown[]): Tensor[] {
  return (native.call(opId, ...args) as number[]).map((h) => new Tensor(h));
}

export type Dims = number | readonly number[];
export function dimList(d: Dims): number[] {
  return typeof d === 'number' ? [d] : [...d];
}

/** Loss reductions as libtorch numbers them. */
export type Reduction = 'none' | 'mean' | 'sum';
export function reductionCode(r: Reduction): number {
  switch (r) {
    case 'none': return 0;
    case 'mean': return 1;
    case 'sum': return 2;
  }
  throw new Error(`unknown reduction '${String(r)}' (none, mean or sum)`);
}
