// Creating tensors: from JS data and by aten's factories. CPU random numbers come from the global
// generator that manualSeed() seeds, so runs are deterministic.
import { native } from './native.js';
import { type DType, dtypeCode, dtypeOfArray } from './dtype.js';
import { op, t } from './op.js';
import type { Tensor } from './tensor.js';
import { Tensor as TensorClass } from './tensor.js';

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

function finish(x: Tensor, o: TensorOptions): Tensor {
  if (o.requiresGrad) x.requiresGrad = true;
  return x;
}

function flatten(data: unknown, shape: number[], out: number[], depth = 0): void {
  if (Array.isArray(data)) {
    if (shape.length <= depth) shape.push(data.length);
    else if (shape[depth] !== data.length) throw new Error(`tensor: ragged nested array at depth ${depth} (${data.length} vs ${shape[depth]})`);
    for (const v of data) flatten(v, shape, out, depth + 1);
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    if (depth !== shape.length) throw new Error('tensor: ragged nested array');
    out.push(Number(data));
  } else {
    throw new Error(`tensor: unsupported element ${String(data)}`);
  }
}

function arrayFor(dtype: DType, values: number[]): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int64': return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'int32': return Int32Array.from(values);
    case 'int16': return Int16Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'uint8': case 'bool': return Uint8Array.from(values, (v) => (dtype === 'bool' ? (v ? 1 : 0) : v));
    default: return Float32Array.from(values);
  }
}

/**
 * A tensor from a number, nested arrays or a typed array (copied).
 * @example tensor([[1, 2], [3, 4]])            // float32 [2,2]
 * @example tensor(new Int32Array(6), { shape: [2, 3] })
 */
export function tensor(data: number | boolean | unknown[] | ArrayBufferView, o: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const shape = o.shape ?? [(data as unknown as { length: number }).length];
    // A Uint16Array with dtype float16/bfloat16 holds raw half-precision bits (what data() returns).
    const rawHalf = data instanceof Uint16Array && (o.dtype === 'float16' || o.dtype === 'bfloat16');
    const natural = rawHalf ? (o.dtype as DType) : dtypeOfArray(data);
    const want = o.dtype ?? natural;
    let x = new TensorClass(native.fromBuffer(data, shape, dtypeCode(natural), o.device));
    if (want !== natural) {
      const y = x.to(want);
      x.dispose();
      x = y;
    }
    return finish(x, o);
  }
  const shape: number[] = [];
  const values: number[] = [];
  flatten(data, shape, values);
  const dtype = o.dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32');
  const store: DType = dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
  let x = new TensorClass(native.fromBuffer(arrayFor(store, values), o.shape ?? shape, dtypeCode(store), o.device));
  if (store !== dtype) {
    const y = x.to(dtype);
    x.dispose();
    x = y;
  }
  return finish(x, o);
}

const ZEROS = op('zeros'), ONES = op('ones'), FULL = op('full'), EMPTY = op('empty', 'memory_format');
const ARANGE = op('arange', 'start_step'), LINSPACE = op('linspace');
const RAND = op('rand'), RANDN = op('randn'), RANDINT = op('randint', 'low'), EYE = op('eye');
const ZEROS_LIKE = op('zeros_like'), ONES_LIKE = op('ones_like'), RANDN_LIKE = op('randn_like'), RAND_LIKE = op('rand_like');
const FULL_LIKE = op('full_like');

const dt = (o: TensorOptions, dflt?: DType) => (o.dtype ?? dflt) === undefined ? null : dtypeCode((o.dtype ?? dflt) as DType);
const dev = (o: TensorOptions) => o.device ?? null;

/**
 * A tensor of zeros, as torch.zeros (float32 unless dtype says).
 * @example zeros([2, 3]).toArray() // [0, 0, 0, 0, 0, 0]
 * @example const mask = zeros([2, 196], { dtype: 'bool' });
 */
export function zeros(shape: readonly number[], o: TensorOptions = {}): Tensor {
  return finish(t(ZEROS, shape, dt(o), null, dev(o)), o);
}
/**
 * A tensor of ones, as torch.ones.
 * @example ones([3], { dtype: 'int64' }).toArray() // [1, 1, 1]
 */
export function ones(shape: readonly number[], o: TensorOptions = {}): Tensor {
  return finish(t(ONES, shape, dt(o), null, dev(o)), o);
}
/**
 * Uninitialised memory; fill it before reading.
 * @example const buf = empty([8, 512]); fill_(buf, 0);
 */
export function empty(shape: readonly number[], o: TensorOptions = {}): Tensor {
  return finish(t(EMPTY, shape, dt(o), null, dev(o)), o);
}
/**
 * A tensor filled with one value, as torch.full (float32 unless dtype says).
 * @example full([2], 0.5).toArray() // [0.5, 0.5]
 * @example const causal = triu(full([77, 77], -Infinity), 1); // open_clip's additive causal mask
 */
export function full(shape: readonly number[], value: number, o: TensorOptions = {}): Tensor {
  return finish(t(FULL, shape, value, dt(o, 'float32'), null, dev(o)), o);
}
/**
 * Values from start to end (exclusive) by step; int64 unless a number is fractional or dtype says.
 * @example arange(4).toArray() // [0, 1, 2, 3], int64
 * @example arange(0, 1, 0.25).toArray() // [0, 0.25, 0.5, 0.75], float32
 */
export function arange(start: number, end?: number, step = 1, o: TensorOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  return finish(t(ARANGE, start, end, step, dt(o), null, dev(o)), o);
}
/**
 * `steps` evenly spaced values from start to end inclusive, as torch.linspace.
 * @example linspace(0, 1, 5).toArray() // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, o: TensorOptions = {}): Tensor {
  return finish(t(LINSPACE, start, end, steps, dt(o), null, dev(o)), o);
}
/**
 * The n x n identity matrix, as torch.eye.
 * @example eye(2).toArray() // [1, 0, 0, 1]
 */
export function eye(n: number, o: TensorOptions = {}): Tensor {
  return finish(t(EYE, n, dt(o), null, dev(o)), o);
}
/**
 * Uniform in [0, 1), as torch.rand.
 * @example const u = rand([2, 3, 224, 224]); // float32 in [0, 1)
 */
export function rand(shape: readonly number[], o: TensorOptions = {}): Tensor {
  return finish(t(RAND, shape, dt(o), null, dev(o)), o);
}
/**
 * Standard normal, as torch.randn.
 * @example const w = randn([512, 768]).mul(0.02); // a small-normal init
 */
export function randn(shape: readonly number[], o: TensorOptions = {}): Tensor {
  return finish(t(RANDN, shape, dt(o), null, dev(o)), o);
}
/**
 * Integers in [low, high), int64 by default, as torch.randint.
 * @example const labels = randint(0, 10, [8]); // int64 in [0, 10), shape [8]
 */
export function randint(low: number, high: number, shape: readonly number[], o: TensorOptions = {}): Tensor {
  return finish(t(RANDINT, low, high, shape, dt(o, 'int64'), null, dev(o)), o);
}
/**
 * Zeros with x's shape, dtype and device unless overridden, as torch.zeros_like.
 * @example const acc = zerosLike(param); // a gradient accumulator
 */
export function zerosLike(x: Tensor, o: TensorOptions = {}): Tensor {
  return finish(t(ZEROS_LIKE, x.id, dt(o), null, dev(o)), o);
}
/**
 * Ones with x's shape, dtype and device unless overridden, as torch.ones_like.
 * @example const keepAll = onesLike(mask, { dtype: 'bool' });
 */
export function onesLike(x: Tensor, o: TensorOptions = {}): Tensor {
  return finish(t(ONES_LIKE, x.id, dt(o), null, dev(o)), o);
}
/**
 * x's shape filled with one value, as torch.full_like.
 * @example fullLike(tensor([1, 2]), 7).toArray() // [7, 7]
 */
export function fullLike(x: Tensor, value: number, o: TensorOptions = {}): Tensor {
  return finish(t(FULL_LIKE, x.id, value, dt(o), null, dev(o)), o);
}
/**
 * Standard normal noise with x's shape, dtype and device, as torch.randn_like.
 * @example const noisy = add(param, mul(randnLike(param), 0.01));
 */
export function randnLike(x: Tensor): Tensor {
  return t(RANDN_LIKE, x.id);
}
/**
 * Uniform [0, 1) noise with x's shape, dtype and device, as torch.rand_like.
 * @example const keepMask = lt(randLike(param), 0.9); // true with probability 0.9
 */
export function randLike(x: Tensor): Tensor {
  return t(RAND_LIKE, x.id);
}
