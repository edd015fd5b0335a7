// Tensor data as ONNX stores it: an element type, dims and little-endian raw bytes (TensorProto's
// raw_data), made from an engine Tensor or from plain numbers for the graph's small constants.
import { endianness } from 'node:os';
import type { DType, Tensor } from '../../engine/index.js';

/** ONNX element types zooclip writes, by engine dtype name (TensorProto.DataType codes). */
export const ONNX_ELEM_TYPE = {
  float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16,
} as const satisfies Record<DType, number>;

/** An element type by engine dtype name. */
export type ElemType = keyof typeof ONNX_ELEM_TYPE;

/** Tensor contents ready for a TensorProto: element type, dims and the little-endian bytes. */
export interface TensorData {
  dtype: ElemType;
  dims: readonly number[];
  bytes: Uint8Array;
}

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('ONNX writer: raw_data is little-endian and this machine is big-endian');
}

/**
 * A copy of an engine tensor's data (on the CPU) as ONNX tensor data.
 * @example graph.initializer('visual.proj', tensorDataOf(model.visual.proj));
 */
export function tensorDataOf(t: Tensor): TensorData {
  checkLittleEndian();
  let a;
  if (t.device === 'cpu') a = t.data();
  else {
    const onCpu = t.to('cpu');
    a = onCpu.data();
    onCpu.dispose();
  }
  return { dtype: t.dtype, dims: [...t.shape], bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) };
}

function checkCount(n: number, dims: readonly number[], what: string): void {
  const want = dims.reduce((a, b) => a * b, 1);
  if (want !== n) throw new Error(`ONNX ${what} constant: ${n} values do not fill dims [${dims.join(', ')}]`);
}

/**
 * int64 tensor data from numbers (shapes, axes, indices); dims default to a 1-D vector.
 * @example int64Data([0, 0, -1]) // a Reshape target keeping the first two dims
 */
export function int64Data(values: readonly number[], dims: readonly number[] = [values.length]): TensorData {
  checkLittleEndian();
  checkCount(values.length, dims, 'int64');
  const a = BigInt64Array.from(values, (v) => BigInt(v));
  return { dtype: 'int64', dims, bytes: new Uint8Array(a.buffer) };
}

/**
 * float32 tensor data from numbers; dims default to a 1-D vector ([] for a scalar).
 * @example float32Data([Math.SQRT1_2], []) // a scalar
 */
export function float32Data(values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): TensorData {
  checkLittleEndian();
  checkCount(values.length, dims, 'float32');
  const a = Float32Array.from(values);
  return { dtype: 'float32', dims, bytes: new Uint8Array(a.buffer) };
}

/**
 * The TensorProto object (for protobufjs) of named tensor data.
 * @example tensorProto('visual.proj', tensorDataOf(proj)) // { name, dims, dataType: 1, rawData }
 */
export function tensorProto(name: string, d: TensorData): Record<string, unknown> {
  return { name, dims: [...d.dims], dataType: ONNX_ELEM_TYPE[d.dtype], rawData: d.bytes };
}
