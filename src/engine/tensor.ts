// The Tensor: a JS handle on a libtorch tensor. Data stays native; JS sees shape, dtype, device.
import { native } from './native.js';
import { type DType, dtypeCode, dtypeName, typedArrayFor, type TypedArray } from './dtype.js';
import { track } from './scope.js';

const leakCheck = process.env.ZOOCLIP_LEAK_CHECK === '1';
let leaked = 0;
const finalizer = leakCheck
  ? new FinalizationRegistry<number>((id) => {
      leaked++;
      if (leaked <= 5) process.emitWarning(`zooclip: tensor handle ${id} was garbage-collected without dispose()`);
    })
  : null;

/**
 * Tensors that were garbage-collected undisposed (counted only with ZOOCLIP_LEAK_CHECK=1).
 * @example if (leakedCount() > 0) console.warn(`${leakedCount()} tensors were never disposed`); // run with ZOOCLIP_LEAK_CHECK=1
 */
export function leakedCount(): number {
  return leaked;
}

/**
 * A handle on a libtorch tensor (torch.Tensor): the data stays native, so dispose() it or make it inside tidy().
 * @example const x = randn([2, 3]).requiresGrad_(); x.square().sum().backward(); x.grad!.shape // [2, 3]
 */
export class Tensor {
  /** Native handle; -1 once disposed. */
  id: number;
  /** Exempt from tidy scopes (see keep()). */
  kept = false;
  readonly isTensor = true;
  private metaCache: [number, string, boolean, ...number[]] | null = null;

  /** Wraps a native handle; prefer the creation functions. */
  constructor(id: number) {
    this.id = id;
    track(this);
    finalizer?.register(this, id, this);
  }

  private meta(): [number, string, boolean, ...number[]] {
    if (this.metaCache === null) this.metaCache = native.meta(this.id);
    return this.metaCache;
  }

  get shape(): number[] {
    return this.meta().slice(3) as number[];
  }
  get ndim(): number {
    return this.meta().length - 3;
  }
  get dtype(): DType {
    return dtypeName(this.meta()[0]);
  }
  get device(): string {
    return this.meta()[1];
  }
  /** Number of elements. */
  get numel(): number {
    let n = 1;
    const m = this.meta();
    for (let i = 3; i < m.length; i++) n *= m[i] as number;
    return n;
  }
  /** Size of one dimension; negative dims count from the end. */
  size(dim: number): number {
    const m = this.meta();
    const nd = m.length - 3;
    const d = dim < 0 ? dim + nd : dim;
    if (d < 0 || d >= nd) throw new Error(`size: dim ${dim} out of range for a ${nd}-d tensor`);
    return m[3 + d] as number;
  }

  get requiresGrad(): boolean {
    return native.meta(this.id)[2];
  }
  set requiresGrad(on: boolean) {
    native.setRequiresGrad(this.id, on);
    this.metaCache = null;
  }
  /** Sets requiresGrad and returns this, for chaining. */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** The accumulated gradient (a new handle each read), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.id);
    return g < 0 ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.id, g ? g.id : -1);
  }

  get isDisposed(): boolean {
    return this.id < 0;
  }

  /** Frees the native tensor. Safe to call twice. */
  dispose(): void {
    if (this.id < 0) return;
    finalizer?.unregister(this);
    native.dispose(this.id);
    this.id = -1;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Swaps in other data while keeping this tensor's identity (as `param.data = src`). */
  setData(src: Tensor): void {
    native.setData(this.id, src.id);
    this.metaCache = null;
  }

  /** Backpropagates from this tensor (a scalar unless grad is given). */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    native.backward([this.id], [grad ? grad.id : -1], opts.retainGraph ?? false);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    const v = native.item(this.id);
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  /** A copy of the data as the dtype's typed array (float16/bfloat16 as raw Uint16 bits). */
  data(): TypedArray {
    return typedArrayFor(this.dtype, native.toBuffer(this.id));
  }

  /** A copy of the data as numbers, converting through float64 for non-float32 dtypes. */
  toArray(): number[] {
    const d = this.dtype;
    if (d === 'float32' || d === 'int32' || d === 'uint8' || d === 'int8' || d === 'int16' || d === 'float64' || d === 'bool') {
      return Array.from(this.data() as Float32Array);
    }
    if (d === 'int64') return Array.from(this.data() as BigInt64Array, (x) => Number(x));
    const h = native.call(TO_DTYPE, this.id, dtypeCode('float32')) as number;
    try {
      return Array.from(new Float32Array(native.toBuffer(h)));
    } finally {
      native.dispose(h);
    }
  }

  toString(): string {
    return this.isDisposed ? 'Tensor(disposed)' : `Tensor(${this.dtype}[${this.shape.join(',')}] ${this.device})`;
  }
}

const TO_DTYPE = native.findOp('aten::to', 'dtype');

/**
 * Wraps one native tensor handle (from the addon) in a Tensor, which then owns it.
 * @example const rng = wrap(native.getRngState()); // the CPU generator's state as a uint8 tensor
 */
export function wrap(h: number): Tensor {
  return new Tensor(h);
}
/**
 * Wraps a list of native tensor handles, one Tensor each.
 * @example const [q, k, v] = wrapList(native.call(op('chunk'), qkv.id, 3, -1) as number[]);
 */
export function wrapList(hs: number[]): Tensor[] {
  return hs.map((h) => new Tensor(h));
}

/**
 * Live native tensors (every handle not yet disposed), for leak tests.
 * @example const before = liveTensors(); tidy(() => randn([4]).exp().sum()).dispose(); liveTensors() === before // true
 */
export function liveTensors(): number {
  return native.liveCount();
}
/**
 * Bytes held by live handles (views count their own extent).
 * @example console.log(`${(liveBytes() / 2 ** 20).toFixed(1)} MiB in live tensors`);
 */
export function liveBytes(): number {
  return native.liveBytes();
}
