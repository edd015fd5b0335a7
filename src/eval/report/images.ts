// Sample images for the report: pixels to PNG data URIs (the engine's PNG encoder), model inputs
// back to RGB, and one row of input / prediction / ground truth per sample for dense tasks.
import { encodePng } from '../../data/loader/index.js';
import { depthRange, depthToRgb, normalsToRgb, segOverlay } from './colormap.js';
import type { ImageCell } from './types.js';

/**
 * A PNG data URI of 8-bit pixels (1 to 4 channels, row-major, channels last).
 * @example pngDataUri(new Uint8Array([255, 0, 0]), 1, 1, 3) // 'data:image/png;base64,iVBOR...'
 */
export function pngDataUri(pixels: Uint8Array, width: number, height: number, channels = 3): string {
  if (pixels.length !== width * height * channels) throw new Error(`pngDataUri: ${pixels.length} bytes for ${width}x${height}x${channels}`);
  return `data:image/png;base64,${encodePng(pixels, width, height, channels).toString('base64')}`;
}

/** An image cell from RGB pixels. */
export function imageCell(rgb: Uint8Array, width: number, height: number, caption?: string): ImageCell {
  return { uri: pngDataUri(rgb, width, height, 3), ...(caption !== undefined ? { caption } : {}) };
}

/** One sample's maps for a dense row; any may be absent. Depth is H x W, normals planar [3, H, W]. */
export interface DenseSample {
  /** Input RGB (H x W x 3). */
  rgb: Uint8Array;
  width: number;
  height: number;
  seg?: ArrayLike<number>;
  segTruth?: ArrayLike<number>;
  depth?: ArrayLike<number>;
  depthTruth?: ArrayLike<number>;
  normals?: ArrayLike<number>;
  normalsTruth?: ArrayLike<number>;
}

/**
 * The columns and cells of one image-grid row: the input, then each present map next to its
 * ground truth (segmentation over the image, depth with one colour scale for both, normals as RGB).
 * @example const { columns, cells } = denseRow({ rgb, width: 64, height: 64, seg: pred, segTruth: gt });
 */
export function denseRow(s: DenseSample): { columns: string[]; cells: ImageCell[] } {
  const { width: w, height: h } = s;
  const columns = ['input'], cells = [imageCell(s.rgb, w, h)];
  const add = (name: string, rgb: Uint8Array | null): void => { if (rgb) { columns.push(name); cells.push(imageCell(rgb, w, h)); } };
  add('segmentation', s.seg ? segOverlay(s.rgb, s.seg) : null);
  add('segmentation (truth)', s.segTruth ? segOverlay(s.rgb, s.segTruth) : null);
  const range = depthRange(...[s.depthTruth, s.depth].filter((d) => d !== undefined));
  add('depth', s.depth ? depthToRgb(s.depth, range) : null);
  add('depth (truth)', s.depthTruth ? depthToRgb(s.depthTruth, range) : null);
  add('normals', s.normals ? normalsToRgb(s.normals, w, h) : null);
  add('normals (truth)', s.normalsTruth ? normalsToRgb(s.normalsTruth, w, h) : null);
  return { columns, cells };
}
