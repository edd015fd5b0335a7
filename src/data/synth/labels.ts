// Labels derived from the instance mask: tight boxes, visible pixel counts, and the "main" object
// (the one covering the most pixels), used by detection targets and the classify split.
import { SEG_CLASSES, shapeClass, type SceneObject } from './world.js';

/** A tight box around one visible object, in pixels; x1/y1 are exclusive (width = x1 - x0). */
export interface Box {
  /** Instance id (object index + 1). */
  instance: number;
  /** Segmentation class id of the object's shape. */
  label: number;
  /** The class name (the shape). */
  name: string;
  box: [number, number, number, number];
  /** Visible pixel count. */
  pixels: number;
}

/**
 * Tight boxes of every object with at least one visible pixel, in instance order.
 * @example boxesFromInstances(r.inst, 64, 64, scene.objects)[0].box // [x0, y0, x1, y1]
 */
export function boxesFromInstances(inst: Uint8Array, width: number, height: number, objects: readonly SceneObject[]): Box[] {
  const k = objects.length;
  const x0 = new Int32Array(k + 1).fill(width), y0 = new Int32Array(k + 1).fill(height);
  const x1 = new Int32Array(k + 1), y1 = new Int32Array(k + 1), count = new Int32Array(k + 1);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const id = inst[i]!;
      if (id === 0) continue;
      count[id]!++;
      if (x < x0[id]!) x0[id] = x;
      if (x >= x1[id]!) x1[id] = x + 1;
      if (y < y0[id]!) y0[id] = y;
      if (y >= y1[id]!) y1[id] = y + 1;
    }
  }
  const boxes: Box[] = [];
  for (let id = 1; id <= k; id++) {
    if (count[id] === 0) continue;
    const label = shapeClass(objects[id - 1]!.shape);
    boxes.push({ instance: id, label, name: SEG_CLASSES[label]!, box: [x0[id]!, y0[id]!, x1[id]!, y1[id]!], pixels: count[id]! });
  }
  return boxes;
}

/** Visible pixel count per object (index k for scene.objects[k]). */
export function visiblePixels(boxes: readonly Box[], objectCount: number): number[] {
  const px = new Array<number>(objectCount).fill(0);
  for (const b of boxes) px[b.instance - 1] = b.pixels;
  return px;
}

/** Index of the object that covers the most pixels (ties: the lower index), or -1 when none shows. */
export function mainObject(boxes: readonly Box[]): number {
  let best = -1, most = 0;
  for (const b of boxes) if (b.pixels > most) { most = b.pixels; best = b.instance - 1; }
  return best;
}
