// NumPy's .npy format for the dtypes teacher embeddings and labels use: little-endian
// f2/f4/f8/i4/i8, u1 and b1, C order. f2 data stays as raw half bits (Uint16Array).

/** Supported dtypes (numpy's short codes). */
export type NpyDType = 'f2' | 'f4' | 'f8' | 'i4' | 'i8' | 'u1' | 'b1';
/** Element storage per dtype: f2 -> Uint16Array (half bits), i8 -> BigInt64Array, u1/b1 -> Uint8Array. */
export type NpyData = Uint16Array | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
/** An n-d array: dtype, shape (C order) and flat data. */
export interface NpyArray { dtype: NpyDType; shape: number[]; data: NpyData }

const KINDS: Record<NpyDType, { descr: string; size: number; make: (b: ArrayBuffer) => NpyData; is: (d: NpyData) => boolean }> = {
  f2: { descr: '<f2', size: 2, make: (b) => new Uint16Array(b), is: (d) => d instanceof Uint16Array },
  f4: { descr: '<f4', size: 4, make: (b) => new Float32Array(b), is: (d) => d instanceof Float32Array },
  f8: { descr: '<f8', size: 8, make: (b) => new Float64Array(b), is: (d) => d instanceof Float64Array },
  i4: { descr: '<i4', size: 4, make: (b) => new Int32Array(b), is: (d) => d instanceof Int32Array },
  i8: { descr: '<i8', size: 8, make: (b) => new BigInt64Array(b), is: (d) => d instanceof BigInt64Array },
  u1: { descr: '|u1', size: 1, make: (b) => new Uint8Array(b), is: (d) => d instanceof Uint8Array },
  b1: { descr: '|b1', size: 1, make: (b) => new Uint8Array(b), is: (d) => d instanceof Uint8Array },
};
const BY_DESCR = new Map<string, NpyDType>(Object.entries(KINDS).map(([k, v]) => [v.descr, k as NpyDType]));
for (const d of ['<u1', '<b1', '>u1', '>b1'] as const) BY_DESCR.set(d, d.endsWith('u1') ? 'u1' : 'b1');
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parses one .npy file; `where` (e.g. `sample.npz: member 'image_emb'`) names it in errors. */
export function parseNpy(buf: Buffer, where: string): NpyArray {
  const fail = (msg: string): never => { throw new Error(`${where}: ${msg}`); };
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) fail('not a .npy array (bad magic)');
  const major = buf[6];
  if (major < 1 || major > 3) fail(`unsupported .npy version ${major}.${buf[7]}`);
  const hstart = major === 1 ? 10 : 12;
  if (buf.length < hstart) fail('header truncated');
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  if (hstart + hlen > buf.length) fail(`header length ${hlen} runs past the end (${buf.length} bytes)`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', hstart, hstart + hlen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`header is not a numpy array header: ${header.trim()}`);
  const dtype = BY_DESCR.get(descr!);
  if (!dtype) fail(`dtype '${descr}' is not supported (little-endian f2/f4/f8/i4/i8, u1, b1)`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported (C order only)');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const k = KINDS[dtype!];
  const bytes = numel(shape) * k.size;
  const body = buf.subarray(hstart + hlen);
  if (body.length !== bytes) fail(`shape (${shape.join(', ')}) of ${descr} needs ${bytes} data bytes, found ${body.length}`);
  const ab = new ArrayBuffer(bytes);
  new Uint8Array(ab).set(body);
  return { dtype: dtype!, shape, data: k.make(ab) };
}

/** Encodes an array as .npy (version 1.0, header padded to 64 bytes as numpy does). */
export function encodeNpy(a: NpyArray, where = 'npy'): Buffer {
  const k = KINDS[a.dtype];
  if (!k) throw new Error(`${where}: unsupported dtype '${String(a.dtype)}'`);
  if (!k.is(a.data)) throw new Error(`${where}: ${a.dtype} data must be a ${k.make(new ArrayBuffer(0)).constructor.name}`);
  if (a.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${where}: bad shape [${a.shape.join(', ')}]`);
  if (a.data.length !== numel(a.shape)) throw new Error(`${where}: shape [${a.shape.join(', ')}] needs ${numel(a.shape)} elements, data has ${a.data.length}`);
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${k.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)]);
}
