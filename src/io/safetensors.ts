// safetensors: read (streaming, one tensor at a time, header bounded and validated) and write
// (atomic). The format: u64 little-endian header length, a JSON header, then the raw data.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { native } from '../engine/native.js';
import { type DType, DTYPE_SIZE, dtypeCode } from '../engine/dtype.js';
import { Tensor } from '../engine/tensor.js';
import { writeAll, writeAtomic } from './atomic.js';

const TO_ST: Record<DType, string> = {
  float32: 'F32', float16: 'F16', bfloat16: 'BF16', float64: 'F64', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const FROM_ST = new Map(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

/** Largest header accepted (the reference implementation's bound). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo { name: string; dtype: DType; shape: number[]; begin: number; end: number }
export interface SafetensorsHeader { tensors: Map<string, TensorInfo>; metadata: Record<string, string>; dataStart: number }

function fail(file: string, msg: string): never {
  throw new Error(`safetensors ${file}: ${msg}`);
}

/** Validates a header (the JSON text) against the file size. Exported for fuzz tests. */
export function parseHeader(file: string, json: string, headerLen: number, fileSize: number): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    fail(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
        fail(file, '__metadata__ must map strings to strings');
      }
      metadata = v as Record<string, string>;
      continue;
    }
    if (v === null || typeof v !== 'object') fail(file, `tensor '${name}': entry is not an object`);
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!['dtype', 'shape', 'data_offsets'].includes(k)) fail(file, `tensor '${name}': unknown field '${k}'`);
    const dtype = FROM_ST.get(String(e.dtype));
    if (!dtype) fail(file, `tensor '${name}': unsupported dtype '${String(e.dtype)}'`);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(file, `tensor '${name}': shape must be non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(file, `tensor '${name}': data_offsets must be two non-negative integers`);
    const [begin, end] = off as [number, number];
    if (end < begin) fail(file, `tensor '${name}': data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataSize) fail(file, `tensor '${name}': data_offsets [${begin}, ${end}] past the data (${dataSize} bytes)`);
    let numel = 1;
    for (const d of shape as number[]) numel *= d;
    const need = numel * DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(need) || need !== end - begin) {
      fail(file, `tensor '${name}': ${dtype}[${(shape as number[]).join(',')}] needs ${need} bytes, data_offsets span ${end - begin}`);
    }
    tensors.set(name, { name, dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of sorted) {
    if (t.begin < cursor) fail(file, `tensor '${t.name}': data [${t.begin}, ${t.end}] overlaps the previous tensor (ends at ${cursor})`);
    if (t.begin > cursor) fail(file, `tensor '${t.name}': gap in the data before offset ${t.begin} (expected ${cursor})`);
    cursor = t.end;
  }
  if (cursor !== dataSize) fail(file, `data is ${dataSize} bytes but the tensors cover ${cursor}`);
  return { tensors, metadata, dataStart };
}

/** An open safetensors file; tensors are read on demand, one at a time. */
export class SafetensorsReader implements Disposable {
  private fd: number;
  readonly header: SafetensorsHeader;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      if (size < 8) fail(path, `file is ${size} bytes, too short for a header length`);
      const lenBuf = Buffer.alloc(8);
      readSync(this.fd, lenBuf, 0, 8, 0);
      const len = lenBuf.readBigUInt64LE(0);
      if (len > BigInt(MAX_HEADER_BYTES)) fail(path, `header length ${len} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
      if (Number(len) + 8 > size) fail(path, `header length ${len} runs past the end of the ${size}-byte file`);
      const hbuf = Buffer.alloc(Number(len));
      if (readSync(this.fd, hbuf, 0, hbuf.length, 8) !== hbuf.length) fail(path, 'short read of the header');
      this.header = parseHeader(path, hbuf.toString('utf8'), Number(len), size);
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  keys(): string[] {
    return [...this.header.tensors.keys()];
  }
  get metadata(): Record<string, string> {
    return this.header.metadata;
  }
  info(name: string): TensorInfo {
    const i = this.header.tensors.get(name);
    if (!i) throw new Error(`safetensors ${this.path}: no tensor '${name}'`);
    return i;
  }

  /** Reads one tensor (optionally straight to a device). */
  read(name: string, device?: string): Tensor {
    const i = this.info(name);
    const buf = Buffer.allocUnsafe(i.end - i.begin);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, this.header.dataStart + i.begin + got);
      if (n === 0) fail(this.path, `unexpected end of file reading '${name}'`);
      got += n;
    }
    return new Tensor(native.fromBuffer(buf, i.shape, dtypeCode(i.dtype), device));
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Loads every tensor of a file. The caller owns (disposes) the tensors.
 * @example const { tensors } = loadSafetensors('runs/train/checkpoints/step-100/model.safetensors'); // Map<key, Tensor>
 */
export function loadSafetensors(path: string, device?: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const r = new SafetensorsReader(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const k of r.keys()) tensors.set(k, r.read(k, device));
    return { tensors, metadata: r.metadata };
  } finally {
    r.close();
  }
}

/**
 * Writes tensors (in the given order) atomically, streaming one tensor at a time. A failed write
 * (full disk, I/O error) throws naming `path`, leaves no temp file and an older `path` untouched.
 * @example saveSafetensors('model.safetensors', model.stateDict(), { format: 'pt' });
 */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (t.isDisposed) throw new Error(`saveSafetensors ${path}: tensor '${name}' is disposed`);
    const bytes = t.numel * DTYPE_SIZE[t.dtype];
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const hbuf = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(hbuf.length));
  // Returning the byte count makes writeAtomic check the file's size before the rename; its errors name `path`.
  writeAtomic(path, (fd) => {
    let n = writeAll(fd, lenBuf) + writeAll(fd, hbuf);
    for (const [, t] of entries) n += writeAll(fd, new Uint8Array(native.toBuffer(t.id)));
    return n;
  });
}
