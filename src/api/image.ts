// Images as the task functions take them: a file path, encoded bytes (JPEG, PNG, WebP) or decoded
// RGB pixels. readImage decodes once and keeps the encoded bytes, so classification and embedding
// preprocess exactly as open_clip's eval transform (and the loader) does, from the bytes.
import { readFileSync } from 'node:fs';
import { decodeImage, encodePng } from '../data/loader/decode.js';
import type { RgbImage } from '../zoo/types.js';

export type { RgbImage } from '../zoo/types.js';

/** A decoded image (RGB, HWC uint8) with the encoded bytes it came from and where they came from. */
export interface ImageFile extends RgbImage {
  /** The encoded image (JPEG, PNG or WebP). */
  bytes: Uint8Array;
  /** The file path, or 'buffer' for bytes handed over. */
  source: string;
}

/** What the task functions accept per image: a path, encoded bytes, or decoded RGB pixels. */
export type ImageInput = string | Uint8Array | RgbImage;

/**
 * Reads and decodes an image file or encoded bytes (JPEG, PNG or WebP) to 8-bit RGB (gray
 * replicated, alpha dropped). Errors name the file.
 * @example
 * import { readImage } from 'zooclip';
 * const img = readImage('cat.jpg');                     // { data: Uint8Array(w*h*3), width, height, bytes, source }
 * const same = readImage(readFileSync('cat.jpg'));      // from a Buffer
 */
export function readImage(fileOrBuffer: string | Uint8Array): ImageFile {
  const source = typeof fileOrBuffer === 'string' ? fileOrBuffer : 'buffer';
  let bytes: Uint8Array;
  try {
    bytes = typeof fileOrBuffer === 'string' ? readFileSync(fileOrBuffer) : fileOrBuffer;
  } catch (e) {
    throw new Error(`readImage: ${source}: ${(e as Error).message}`);
  }
  try {
    const d = decodeImage(bytes, { mode: 'rgb' });
    return { data: d.data as Uint8Array, width: d.width, height: d.height, bytes, source };
  } catch (e) {
    throw new Error(`readImage: ${source}: not a readable JPEG, PNG or WebP image (${(e as Error).message})`);
  }
}

function isRgb(x: ImageInput): x is RgbImage {
  return typeof x === 'object' && !(x instanceof Uint8Array) && 'data' in x;
}

function checkRgb(x: RgbImage, i: number): RgbImage {
  if (!(x.width > 0 && x.height > 0) || x.data.length !== x.width * x.height * 3) {
    throw new Error(`image ${i}: ${x.data.length} bytes for ${x.width}x${x.height}: expected RGB HWC uint8 (width * height * 3 bytes)`);
  }
  return x;
}

/**
 * Each input as decoded RGB pixels (paths and bytes read with readImage; decoded images checked).
 * @example const [a, b] = toRgbImages(['a.jpg', pngBytes]);
 */
export function toRgbImages(inputs: readonly ImageInput[]): RgbImage[] {
  return inputs.map((x, i) => (isRgb(x) ? checkRgb(x, i) : readImage(x)));
}

/**
 * Each input as encoded bytes (a decoded image without its bytes is encoded losslessly as PNG).
 * @example preprocessImages(encodedImages([readImage('a.jpg'), 'b.png']), cfg)
 */
export function encodedImages(inputs: readonly ImageInput[]): Uint8Array[] {
  return inputs.map((x, i) => {
    if (typeof x === 'string') return readImage(x).bytes;
    if (x instanceof Uint8Array) {
      if (!x.length) throw new Error(`image ${i}: empty buffer`);
      return x;
    }
    const bytes = (x as Partial<ImageFile>).bytes;
    if (bytes instanceof Uint8Array) return bytes;
    checkRgb(x, i);
    return encodePng(x.data, x.width, x.height, 3);
  });
}
