// Detection labels through the augmentation: `det.json` boxes (source-image pixels) mapped into the
// output crop (scaled, flipped, clipped), boxes mostly cut away by the crop dropped.
import type { CropBox } from './decode.js';

/** Boxes of one sample in output pixels, packed [x0, y0, x1, y1, label] per box. */
export type PackedBoxes = Float32Array;

/** A box keeps at least this share of its (mapped) area inside the crop, else it is dropped. */
export const MIN_VISIBLE = 0.25;

/** Parses `det.json` ({boxes: [[x0, y0, x1, y1], ...], labels: [...]}, as the synthetic world and `zooclip label` write). */
export function parseDetJson(bytes: Uint8Array): { boxes: number[][]; labels: number[] } {
  let d: { boxes?: unknown; labels?: unknown };
  try {
    d = JSON.parse(new TextDecoder().decode(bytes)) as typeof d;
  } catch (e) {
    throw new Error(`det.json: not JSON (${(e as Error).message})`);
  }
  const { boxes, labels } = d;
  if (!Array.isArray(boxes) || !Array.isArray(labels) || boxes.length !== labels.length) {
    throw new Error('det.json: needs "boxes" and "labels" arrays of the same length');
  }
  boxes.forEach((b, i) => {
    if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error(`det.json: boxes[${i}] is not [x0, y0, x1, y1]`);
    if (!Number.isInteger(labels[i]) || (labels[i] as number) < 0) throw new Error(`det.json: labels[${i}] is not a class id`);
  });
  return { boxes: boxes as number[][], labels: labels as number[] };
}

/**
 * Maps boxes from the source image into a size x size output of `crop` (flipped horizontally when
 * `flip`), clips them, and drops those with less than MIN_VISIBLE of their area left or under a pixel.
 * @example mapBoxes([[10, 10, 30, 30]], [2], { x: 0, y: 0, w: 40, h: 40 }, 20, false) // [5, 5, 15, 15, 2]
 */
export function mapBoxes(boxes: readonly number[][], labels: readonly number[], crop: CropBox, size: number, flip: boolean): PackedBoxes {
  const sx = size / crop.w, sy = size / crop.h;
  const out: number[] = [];
  boxes.forEach((b, i) => {
    let x0 = (b[0]! - crop.x) * sx, x1 = (b[2]! - crop.x) * sx;
    const y0 = (b[1]! - crop.y) * sy, y1 = (b[3]! - crop.y) * sy;
    if (flip) [x0, x1] = [size - x1, size - x0];
    const area = (x1 - x0) * (y1 - y0);
    const cx0 = Math.max(0, x0), cy0 = Math.max(0, y0), cx1 = Math.min(size, x1), cy1 = Math.min(size, y1);
    const w = cx1 - cx0, h = cy1 - cy0;
    if (w < 1 || h < 1 || area <= 0 || (w * h) / area < MIN_VISIBLE) return;
    out.push(cx0, cy0, cx1, cy1, labels[i]!);
  });
  return Float32Array.from(out);
}

/** Unpacks PackedBoxes into boxes and labels. */
export function unpackBoxes(p: PackedBoxes): { boxes: [number, number, number, number][]; labels: number[] } {
  const boxes: [number, number, number, number][] = [], labels: number[] = [];
  for (let i = 0; i + 4 < p.length; i += 5) {
    boxes.push([p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!]);
    labels.push(p[i + 4]!);
  }
  return { boxes, labels };
}
