// Training targets for the CenterNet head, rendered in JS and returned as tensors: a gaussian peak
// per object in its class heatmap, and size and offset at the object's center cell with a mask.
import { tensor } from '../../engine/index.js';
import type { Box } from './centernet_decode.js';
import type { CenterNetTargets } from '../../losses/centernet.js';

export type { CenterNetTargets };

/**
 * CenterNet's gaussian radius (in cells) for a box of the given size: the smallest of the three
 * corner-shift cases whose shifted box still overlaps the original by minOverlap. It keeps
 * CenterNet's arithmetic (each quadratic root divided by 2, not 2a), since its heatmaps were trained so.
 * @example gaussianRadius(10, 10) // ~2.73
 */
export function gaussianRadius(height: number, width: number, minOverlap = 0.7): number {
  const root = (a: number, b: number, c: number) => (b + Math.sqrt(b * b - 4 * a * c)) / 2;
  const sum = height + width, area = height * width;
  const bothInside = root(1, sum, (area * (1 - minOverlap)) / (1 + minOverlap));
  const bothShrunk = root(4, 2 * sum, (1 - minOverlap) * area);
  const bothGrown = root(4 * minOverlap, -2 * minOverlap * sum, (minOverlap - 1) * area);
  return Math.min(bothInside, bothShrunk, bothGrown);
}

/** Takes the max of a gaussian of the given radius and one plane of `heat` around (cx, cy). */
function drawGaussian(heat: Float32Array, base: number, h: number, w: number, cx: number, cy: number, radius: number): void {
  const sigma = (2 * radius + 1) / 6;
  for (let dy = -radius; dy <= radius; dy++) {
    const y = cy + dy;
    if (y < 0 || y >= h) continue;
    for (let dx = -radius; dx <= radius; dx++) {
      const x = cx + dx;
      if (x < 0 || x >= w) continue;
      let g = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      if (g < Number.EPSILON) g = 0;
      const i = base + y * w + x;
      if (g > heat[i]!) heat[i] = g;
    }
  }
}

/**
 * Renders CenterNet targets for a batch: boxes (input pixels, [x0, y0, x1, y1]) and labels per
 * image, on a featureSize = [h, w] grid of the given stride. Boxes are clipped to the grid; empty
 * ones are skipped; when two centers share a cell the later box's size and offset win.
 * @example
 * const t = centerNetTargets([[[8, 8, 40, 56]]], [[3]], [16, 16], 4, 10);
 * // t.heatmap [1, 10, 16, 16] peaks at cell (x 6, y 8) of class 3; t.size there is (8, 12)
 */
export function centerNetTargets(boxes: readonly (readonly Box[])[], labels: readonly (readonly number[])[],
  featureSize: readonly [number, number], stride: number, numClasses: number,
  o: { minOverlap?: number; device?: string } = {}): CenterNetTargets {
  const [h, w] = featureSize;
  const b = boxes.length;
  if (labels.length !== b) throw new Error(`centerNetTargets: ${b} images of boxes but ${labels.length} of labels`);
  const heat = new Float32Array(b * numClasses * h * w), size = new Float32Array(b * 2 * h * w);
  const offset = new Float32Array(b * 2 * h * w), mask = new Float32Array(b * h * w);
  for (let i = 0; i < b; i++) {
    const bs = boxes[i]!, ls = labels[i]!;
    if (bs.length !== ls.length) throw new Error(`centerNetTargets: image ${i} has ${bs.length} boxes but ${ls.length} labels`);
    bs.forEach((box, j) => {
      const label = ls[j]!;
      if (!Number.isInteger(label) || label < 0 || label >= numClasses) throw new Error(`centerNetTargets: label ${label} not in [0, ${numClasses})`);
      const [x0, x1] = [box[0], box[2]].map((v) => Math.min(Math.max(v / stride, 0), w)) as [number, number];
      const [y0, y1] = [box[1], box[3]].map((v) => Math.min(Math.max(v / stride, 0), h)) as [number, number];
      const bw = x1 - x0, bh = y1 - y0;
      if (!(bw > 0 && bh > 0)) return;
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      const ix = Math.min(Math.floor(cx), w - 1), iy = Math.min(Math.floor(cy), h - 1);
      const radius = Math.max(0, Math.floor(gaussianRadius(Math.ceil(bh), Math.ceil(bw), o.minOverlap)));
      drawGaussian(heat, (i * numClasses + label) * h * w, h, w, ix, iy, radius);
      const cell = iy * w + ix, at = (c: number) => (i * 2 + c) * h * w + cell;
      size[at(0)] = bw; size[at(1)] = bh;
      offset[at(0)] = cx - ix; offset[at(1)] = cy - iy;
      mask[i * h * w + cell] = 1;
    });
  }
  const make = (data: Float32Array, c: number) => tensor(data, { shape: [b, c, h, w], device: o.device });
  return { heatmap: make(heat, numClasses), size: make(size, 2), offset: make(offset, 2), mask: make(mask, 1) };
}
