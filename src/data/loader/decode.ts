// Typed wrappers over the native image codecs (native/image_*.cc). Importing this file loads only
// the addon, not the engine, so it is safe in worker threads; nothing here makes tensors.
import { native, type NativeImage, type NativeImageInfo } from '../../engine/native.js';

/** Raw bytes as the loader passes them around. */
export type Bytes = Uint8Array | ArrayBuffer;

export { DEFAULT_MAX_PIXELS } from '../limits.js';

/** A crop in source pixels (fractional allowed). */
export interface CropBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Resampling filter: bilinear/bicubic are antialiased when downscaling (PIL-style); nearest never mixes values. */
export type Filter = 'bilinear' | 'bicubic' | 'nearest';

/**
 * Output layout: `rgb` forces 3 channels of 8 bits (gray replicated, alpha dropped), `native` keeps
 * what is stored (16-bit PNG stays 16-bit), `raw` is native but palette PNGs give their indices.
 */
export type DecodeMode = 'rgb' | 'native' | 'raw';

/** A decoded image (HWC, row-major). `scale` is the JPEG DCT scale used: 1, 7/8, ..., 1/8. */
export type DecodedImage = NativeImage;
/** What an image header says. */
export type ImageInfo = NativeImageInfo;

/**
 * Reads the header of a JPEG, PNG or WebP image without decoding pixels.
 * @example imageInfo(jpegBytes) // { format: 'jpeg', width: 640, height: 480, channels: 3, bits: 8 }
 */
export function imageInfo(buf: Bytes): ImageInfo {
  return native.imageInfo(buf);
}

/**
 * Decodes a JPEG (TurboJPEG), PNG (libspng; 8-bit, and 16-bit kept as Uint16Array) or WebP
 * (libwebp). With minWidth/minHeight, a JPEG is decoded at the smallest DCT scale k/8 that keeps
 * at least that many pixels. Throws an Error naming the format and the failure on bad input, and
 * ("image too large") on an image that declares more than `maxPixels` (default DEFAULT_MAX_PIXELS).
 * @example decodeImage(depthPng).data  // Uint16Array for a 16-bit depth map
 */
export function decodeImage(buf: Bytes, opts: { minWidth?: number; minHeight?: number; mode?: DecodeMode; maxPixels?: number } = {}): DecodedImage {
  return native.decodeImage(buf, opts);
}

/**
 * Decodes, crops `crop` (original pixels), resizes to outW x outH and mirrors when `flip`, in one
 * native call. JPEGs decode at the smallest DCT scale that leaves the crop at least outW x outH
 * pixels. Default filter bilinear with mode 'rgb' (3 x uint8 out); nearest defaults to mode 'raw'
 * and writes `fill` (default 0) where the crop leaves the image. `maxPixels` as in decodeImage.
 * @example decodeCropResize(jpg, { x: 10, y: 20, w: 300, h: 200 }, 224, 224, true).data // 224*224*3 bytes
 */
export function decodeCropResize(buf: Bytes, crop: CropBox, outW: number, outH: number, flip: boolean,
  opts: { filter?: Filter; fill?: number; mode?: DecodeMode; dctScale?: boolean; maxPixels?: number } = {}): DecodedImage {
  return native.decodeCropResize(buf, crop, outW, outH, flip, opts);
}

/** Colour jitter operations, as [op, factor] pairs applied in order. */
export const JITTER_OP = { brightness: 0, contrast: 1, saturation: 2 } as const;

/** Applies [op, factor] pairs to an 8-bit RGB buffer in place (torchvision's blend formulas). */
export function colorJitter(rgb: Uint8Array, width: number, height: number, ops: number[]): void {
  native.colorJitter(rgb, width, height, ops);
}

/**
 * Encodes 8-bit gray or RGB pixels as a JPEG (4:2:0 for RGB).
 * @example writeFileSync('red.jpg', encodeJpeg(new Uint8Array(64 * 64 * 3).fill(200), 64, 64, 3));
 */
export function encodeJpeg(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, quality = 90): Buffer {
  return native.encodeJpeg(pixels, width, height, channels, quality);
}

/**
 * Encodes 8-bit (Uint8Array) or 16-bit (Uint16Array) pixels of 1..4 channels as a PNG.
 * @example const depthPng = encodePng(new Uint16Array(32 * 32).fill(1000), 32, 32, 1); // 16-bit gray
 */
export function encodePng(pixels: Uint8Array | Uint16Array, width: number, height: number, channels: number): Buffer {
  return native.encodePng(pixels, width, height, channels, pixels instanceof Uint16Array ? 16 : 8);
}
