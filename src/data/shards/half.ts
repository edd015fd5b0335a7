// IEEE half <-> single conversion for f2 arrays (DataCompDR stores teacher embeddings as f2).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One half (as its 16 bits) to a number. */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** One number to half bits, rounding to nearest even (overflow to infinity). */
export function numberToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const e = (b >>> 23) & 0xff;
  let m = b & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  let he = e - 127 + 15;
  if (he >= 31) return sign | 0x7c00;
  if (he <= 0) {
    if (he < -10) return sign;
    m |= 0x800000;
    const shift = 14 - he;
    let hm = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && hm & 1)) hm++;
    return sign | hm;
  }
  let hm = m >>> 13;
  const rest = m & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && hm & 1)) { hm++; if (hm === 0x400) { hm = 0; he++; } }
  return he >= 31 ? sign | 0x7c00 : sign | (he << 10) | hm;
}

/**
 * Any numeric array's data as Float32Array (f2 decoded from half bits).
 * @example const emb = toFloat32(readNpz(buf).get('image_emb')!); // [n_aug * 1536]
 */
export function toFloat32(a: { dtype: string; data: ArrayLike<number> | BigInt64Array }): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  if (a.data instanceof BigInt64Array) { a.data.forEach((v, i) => { out[i] = Number(v); }); return out; }
  const src = a.data as ArrayLike<number>;
  if (a.dtype === 'f2') for (let i = 0; i < src.length; i++) out[i] = halfToNumber(src[i]);
  else for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}

/**
 * Float values to half bits, for writing f2 arrays.
 * @example writeNpz({ image_emb: { dtype: 'f2', shape: [2, 3], data: toHalf([1, 2, 3, 4, 5, 6]) } });
 */
export function toHalf(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToHalf(values[i]);
  return out;
}
