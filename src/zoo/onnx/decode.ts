// Decoding one image's slice of an expert model's raw output into the plugin contract's results at
// the image's size: hard seg labels, metric depth, unit normals, boxes in image pixels.
import type { DepthMap, Detections, NormalMap, SegLabels } from '../types.js';
import type { BoxColumn } from '../onnx_spec.js';
import { resizeBilinearChw, resizeNearestLabels } from './resize.js';

/** Label of pixels whose confidence is below the threshold. */
export const IGNORE_LABEL = 255;

/**
 * Seg logits [C, h, w] -> hard labels at outH x outW: argmax per pixel, 255 where the max softmax
 * probability is below `threshold`, resized nearest.
 *
 * @example decodeSegLogits(logits, 21, 64, 64, 480, 640, 0.5).labels; // Uint8Array(480 * 640)
 */
export function decodeSegLogits(logits: Float32Array, c: number, h: number, w: number, outH: number, outW: number, threshold: number): SegLabels {
  if (c > IGNORE_LABEL) throw new Error(`seg logits have ${c} classes; hard labels hold at most ${IGNORE_LABEL} (255 = ignore)`);
  const plane = h * w;
  const low = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    let best = 0, max = logits[p];
    for (let k = 1; k < c; k++) {
      const v = logits[k * plane + p];
      if (v > max) { max = v; best = k; }
    }
    if (threshold > 0) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(logits[k * plane + p] - max);
      if (1 / sum < threshold) best = IGNORE_LABEL;
    }
    low[p] = best;
  }
  return { width: outW, height: outH, labels: h === outH && w === outW ? low : resizeNearestLabels(low, h, w, outH, outW) };
}

/**
 * Raw depth [h, w] -> metres at outH x outW: raw * scale, or scale / raw for inverse depth; bilinear;
 * non-positive or non-finite values become 0 (invalid).
 *
 * @example decodeDepth(raw, 64, 64, 480, 640, 10, 'depth').depth[0];
 */
export function decodeDepth(raw: Float32Array, h: number, w: number, outH: number, outW: number, scale: number, values: 'depth' | 'inverse_depth'): DepthMap {
  const metres = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    const v = values === 'depth' ? raw[p] * scale : scale / raw[p];
    metres[p] = Number.isFinite(v) && v > 0 ? v : 0;
  }
  const depth = h === outH && w === outW ? metres : resizeBilinearChw(metres, 1, h, w, outH, outW);
  return { width: outW, height: outH, depth };
}

/**
 * Normals [3, h, w] -> unit normals HWC at outH x outW (bilinear, then normalised; zero vectors stay 0).
 * @example decodeNormals(raw, 64, 64, 480, 640).normals.length; // 480 * 640 * 3
 */
export function decodeNormals(raw: Float32Array, h: number, w: number, outH: number, outW: number): NormalMap {
  const chw = h === outH && w === outW ? raw : resizeBilinearChw(raw, 3, h, w, outH, outW);
  const plane = outH * outW;
  const normals = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    const x = chw[p], y = chw[plane + p], z = chw[2 * plane + p];
    const n = Math.hypot(x, y, z);
    if (!(n > 1e-12) || !Number.isFinite(n)) continue;
    normals[p * 3] = x / n;
    normals[p * 3 + 1] = y / n;
    normals[p * 3 + 2] = z / n;
  }
  return { width: outW, height: outH, normals };
}

/** How box rows map to image pixels. */
export interface BoxLayout {
  columns: readonly BoxColumn[];
  coords: 'input_pixels' | 'normalized';
  labelOffset: number;
  /** [height, width] the model saw. */
  inputSize: [number, number];
  classes?: readonly string[];
}

/**
 * Box rows [n, K] -> detections in image pixels (clipped to the image), keeping scores >= threshold,
 * best first. Rows with a non-finite score or label are skipped.
 *
 * @example decodeBoxes(rows, 100, 6, layout, [480, 640], 0.5).boxes[0]; // [x0, y0, x1, y1]
 */
export function decodeBoxes(rows: Float32Array, n: number, k: number, layout: BoxLayout, imageSize: [number, number], threshold: number): Detections {
  const col = (name: BoxColumn): number => layout.columns.indexOf(name);
  const [ix0, iy0, ix1, iy1, isc, ilab] = (['x0', 'y0', 'x1', 'y1', 'score', 'label'] as const).map(col);
  const [ih, iw] = imageSize;
  const sx = layout.coords === 'normalized' ? iw : iw / layout.inputSize[1];
  const sy = layout.coords === 'normalized' ? ih : ih / layout.inputSize[0];
  const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const found: { box: [number, number, number, number]; label: number; score: number }[] = [];
  for (let r = 0; r < n; r++) {
    const row = r * k;
    const score = rows[row + isc];
    const label = ilab < 0 ? 0 : Math.round(rows[row + ilab]) - layout.labelOffset;
    if (!Number.isFinite(score) || !Number.isFinite(label) || score < threshold || label < 0) continue;
    const x0 = clip(Math.min(rows[row + ix0], rows[row + ix1]) * sx, iw), x1 = clip(Math.max(rows[row + ix0], rows[row + ix1]) * sx, iw);
    const y0 = clip(Math.min(rows[row + iy0], rows[row + iy1]) * sy, ih), y1 = clip(Math.max(rows[row + iy0], rows[row + iy1]) * sy, ih);
    if (x1 <= x0 || y1 <= y0) continue;
    found.push({ box: [x0, y0, x1, y1], label, score });
  }
  found.sort((a, b) => b.score - a.score);
  const det: Detections = { boxes: found.map((f) => f.box), labels: found.map((f) => f.label), scores: found.map((f) => f.score) };
  if (layout.classes) det.names = found.map((f) => layout.classes![f.label] ?? `class_${f.label}`);
  return det;
}
