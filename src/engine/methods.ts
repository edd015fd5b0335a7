// Tensor methods: the chainable form of the functions in ops/ (x.add(y).relu()), attached to the
// Tensor prototype once, as tfjs does, so each op lives in one place.
import { Tensor } from './tensor.js';
import type { DType } from './dtype.js';
import type { Dims } from './op.js';
import * as m from './ops/math.js';
import * as r from './ops/reduce.js';
import * as s from './ops/shape.js';
import * as nn from './ops/nn.js';

type Operand = Tensor | number;

declare module './tensor.js' {
  interface Tensor {
    add(b: Operand, alpha?: number): Tensor;
    sub(b: Operand, alpha?: number): Tensor;
    mul(b: Operand): Tensor;
    div(b: Operand): Tensor;
    pow(e: Operand): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    gelu(approximate?: 'none' | 'tanh'): Tensor;
    silu(): Tensor;
    clamp(min: Operand | null, max?: Operand | null): Tensor;
    eq(b: Operand): Tensor;
    ne(b: Operand): Tensor;
    lt(b: Operand): Tensor;
    le(b: Operand): Tensor;
    gt(b: Operand): Tensor;
    ge(b: Operand): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    add_(b: Operand, alpha?: number): Tensor;
    mul_(b: Operand): Tensor;
    div_(b: Operand): Tensor;
    copy_(src: Tensor): Tensor;
    zero_(): Tensor;
    fill_(v: number): Tensor;
    lerp_(b: Tensor, w: number): Tensor;
    sum(dim?: Dims, keepdim?: boolean): Tensor;
    mean(dim?: Dims, keepdim?: boolean): Tensor;
    amax(dim: Dims, keepdim?: boolean): Tensor;
    amin(dim: Dims, keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    norm(p?: number, dim?: Dims, keepdim?: boolean): Tensor;
    logsumexp(dim: Dims, keepdim?: boolean): Tensor;
    matmul(b: Tensor): Tensor;
    reshape(shape: readonly number[]): Tensor;
    view(shape: readonly number[]): Tensor;
    permute(dims: readonly number[]): Tensor;
    transpose(d0: number, d1: number): Tensor;
    expand(shape: readonly number[]): Tensor;
    contiguous(): Tensor;
    flatten(start?: number, end?: number): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    select(dim: number, index: number): Tensor;
    slice(dim: number, start: number | null, end?: number | null, step?: number): Tensor;
    split(size: number | readonly number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    unbind(dim?: number): Tensor[];
    indexSelect(dim: number, index: Tensor): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    to(target: DType | string, dtype?: DType): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
  }
}

const P = Tensor.prototype as unknown as Record<string, unknown>;
const methods: Record<string, (...a: never[]) => unknown> = {
  add: m.add, sub: m.sub, mul: m.mul, div: m.div, pow: m.pow, neg: m.neg, abs: m.abs, exp: m.exp, log: m.log,
  sqrt: m.sqrt, rsqrt: m.rsqrt, square: m.square, reciprocal: m.reciprocal, tanh: m.tanh, sigmoid: m.sigmoid,
  relu: m.relu, gelu: m.gelu, silu: m.silu, clamp: m.clamp, eq: m.eq, ne: m.ne, lt: m.lt, le: m.le, gt: m.gt, ge: m.ge,
  maskedFill: m.maskedFill, add_: m.add_, mul_: m.mul_, div_: m.div_, copy_: m.copy_, zero_: m.zero_, fill_: m.fill_,
  lerp_: m.lerp_, sum: r.sum, mean: r.mean, amax: r.amax, amin: r.amin, argmax: r.argmax, norm: r.norm,
  logsumexp: r.logsumexp, matmul: nn.matmul, reshape: s.reshape, view: s.view, permute: s.permute,
  transpose: s.transpose, expand: s.expand, contiguous: s.contiguous, flatten: s.flatten, squeeze: s.squeeze,
  unsqueeze: s.unsqueeze, narrow: s.narrow, select: s.select, slice: s.slice, split: s.split, chunk: s.chunk,
  unbind: s.unbind, indexSelect: s.indexSelect, gather: s.gather, clone: s.clone, detach: s.detach, to: s.to,
  softmax: nn.softmax, logSoftmax: nn.logSoftmax,
};
for (const [name, fn] of Object.entries(methods)) {
  P[name] = function (this: Tensor, ...args: never[]) {
    return (fn as (x: Tensor, ...a: never[]) => unknown)(this, ...args);
  };
}
