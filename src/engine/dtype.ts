// Data types by name, mapped to libtorch's ScalarType codes (stable across 1.13 and 2.x).

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const CODES: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11, bfloat16: 15,
};
const NAMES = new Map<number, DType>(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

/**
 * Bytes per element.
 * @example const bytes = x.numel * DTYPE_SIZE[x.dtype];
 */
export const DTYPE_SIZE: Record<DType, number> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8, bool: 1, bfloat16: 2,
};

export function dtypeCode(d: DType): number {
  const c = CODES[d];
  if (c === undefined) throw new Error(`unknown dtype '${String(d)}' (one of ${Object.keys(CODES).join(', ')})`);
  return c;
}

export function dtypeName(code: number): DType {
  const n = NAMES.get(code);
  if (!n) throw new Error(`unsupported dtype code ${code}`);
  return n;
}

/**
 * Whether a dtype is floating point (only those can require grad).
 * @example isFloating('bfloat16') // true
 * @example isFloating(labels.dtype) // false for int64 labels
 */
export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** The typed array that holds a dtype's raw bytes (float16/bfloat16 as raw Uint16 bits). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | BigInt64Array;

export function typedArrayFor(d: DType, buf: ArrayBuffer): TypedArray {
  switch (d) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'int8': return new Int8Array(buf);
    case 'uint8': case 'bool': return new Uint8Array(buf);
    case 'float16': case 'bfloat16': return new Uint16Array(buf);
  }
}

/** The dtype that a typed array's elements naturally are. */
export function dtypeOfArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  throw new Error(`no dtype for ${a.constructor.name}; pass { dtype } explicitly`);
}
