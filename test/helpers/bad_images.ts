// Damaged images of every kind the loader and the stages must survive: a corrupt header, a cut,
// an empty file, flipped bytes, and a header that declares far more pixels than the budget.
import { crc32 } from 'node:zlib';

/** The kinds of damage. */
export type Damage = 'bad-header' | 'truncated' | 'empty' | 'flipped' | 'oversized';
export const DAMAGES: readonly Damage[] = ['bad-header', 'truncated', 'empty', 'flipped', 'oversized'];
export type ImageFormat = 'jpg' | 'png' | 'webp';

function find(buf: Buffer, bytes: number[], what: string): number {
  const i = buf.indexOf(Buffer.from(bytes));
  if (i < 0) throw new Error(`bad_images: no ${what} in the image`);
  return i;
}

/** JPEG header damage, four ways (variant % 4): garbage after SOI, a bogus DQT, a bogus Huffman table, zero frame size. */
function jpegHeader(b: Buffer, variant: number): Buffer {
  switch (variant % 4) {
    case 0: return Buffer.concat([b.subarray(0, 3), Buffer.alloc(200, 0x41)]);
    case 1: { const i = find(b, [0xff, 0xdb], 'DQT'); b[i + 4] = 0x1f; return b; }
    case 2: { const i = find(b, [0xff, 0xc4], 'DHT'); b.fill(0xff, i + 5, i + 21); return b; }
    default: { const i = find(b, [0xff, 0xc0], 'SOF0'); b.writeUInt16BE(0, i + 5); b.writeUInt16BE(0, i + 7); return b; }
  }
}

/** Rewrites a PNG's IHDR width and height (with a valid CRC, so only the size is wrong). */
function pngSize(b: Buffer, w: number, h: number): Buffer {
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)) >>> 0, 29);
  return b;
}

function header(format: ImageFormat, b: Buffer, variant: number): Buffer {
  if (format === 'jpg') return jpegHeader(b, variant);
  if (format === 'png') { b[17] ^= 0x5a; return b; }  // IHDR width changed, CRC left: a corrupt header
  b.write('XXXX', 12, 'latin1');  // the VP8 chunk's fourcc
  return b;
}

function oversized(format: ImageFormat, b: Buffer): Buffer {
  if (format === 'png') return pngSize(b, 30000, 30000);
  if (format === 'jpg') { const i = find(b, [0xff, 0xc0], 'SOF0'); b.writeUInt16BE(30000, i + 5); b.writeUInt16BE(30000, i + 7); return b; }
  if (b.toString('latin1', 12, 16) !== 'VP8 ') throw new Error('bad_images: oversized WebP needs a simple lossy file (VP8 chunk)');
  b.writeUInt16LE(0x3fff, 26);  // 14-bit width and height in the VP8 frame header: 16383 x 16383
  b.writeUInt16LE(0x3fff, 28);
  return b;
}

/**
 * A damaged copy of `good` (a `format` image). `variant` picks among the JPEG header damages.
 * @example damage('jpg', encodeJpeg(px, 32, 32, 3), 'bad-header', 1) // a bogus DQT
 */
export function damage(format: ImageFormat, good: Buffer, kind: Damage, variant = 0): Buffer {
  const b = Buffer.from(good);
  switch (kind) {
    case 'empty': return Buffer.alloc(0);
    case 'truncated': return b.subarray(0, Math.floor(b.length * 0.6));
    case 'flipped': { const from = Math.floor(b.length / 3); for (let i = from; i < from + 24 && i < b.length; i++) b[i] ^= 0xff; return b; }
    case 'bad-header': return header(format, b, variant);
    default: return oversized(format, b);
  }
}
