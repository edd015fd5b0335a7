// Greedy non-maximum suppression over boxes of any class: a box is dropped when it overlaps a
// better-scored kept box by more than the IoU limit (CenterNet's top-k repeats one box per class).

/** Intersection over union of two [x0, y0, x1, y1] boxes. */
export function boxIou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Indices of the boxes kept, best score first.
 * @example nms([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5); // [0, 2]
 */
export function nms(boxes: readonly (readonly number[])[], scores: readonly number[], iouLimit: number): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => boxIou(boxes[k], boxes[i]) <= iouLimit)) kept.push(i);
  }
  return kept;
}
