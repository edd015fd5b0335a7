// Colour maps of the sample images: a fixed palette for segmentation classes, viridis for depth,
// and the dataset's own RGB encoding for surface normals. Pure functions on pixel arrays.

/** Class 255 (ignore) is drawn in this grey. */
export const IGNORE_COLOUR: readonly [number, number, number] = [128, 128, 128];

/**
 * The colour of segmentation class c: bits of c spread over the high bits of R, G and B (the
 * PASCAL VOC palette scheme), so neighbouring ids differ strongly and the palette never changes.
 * @example classColour(1) // [128, 0, 0]
 */
export function classColour(c: number): [number, number, number] {
  if (c === 255) return [...IGNORE_COLOUR];
  let r = 0, g = 0, b = 0;
  for (let j = 0, v = c; j < 8; j++, v >>= 3) {
    r |= (v & 1) << (7 - j);
    g |= ((v >> 1) & 1) << (7 - j);
    b |= ((v >> 2) & 1) << (7 - j);
  }
  return [r, g, b];
}

// Viridis sampled at t = 0, 1/8, ..., 1; colours between are interpolated linearly.
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140], [40, 174, 128], [94, 201, 98], [173, 220, 48], [253, 231, 37],
];

/**
 * Viridis at t in [0, 1] (clamped).
 * @example viridis(0) // [68, 1, 84]
 */
export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u)), w = u - i;
  const a = VIRIDIS[i]!, b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * w)) as [number, number, number];
}

/** Segmentation ids (H x W) as RGB (H x W x 3) with classColour. */
export function segToRgb(seg: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(seg.length * 3);
  for (let i = 0; i < seg.length; i++) out.set(classColour(seg[i]!), i * 3);
  return out;
}

/**
 * An RGB image with segmentation colours blended over it (alpha of the colour); ignore pixels
 * (255) keep the image.
 */
export function segOverlay(rgb: Uint8Array, seg: ArrayLike<number>, alpha = 0.5): Uint8Array {
  if (rgb.length !== seg.length * 3) throw new Error(`segOverlay: ${rgb.length / 3} image pixels vs ${seg.length} label pixels`);
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!, col = classColour(c);
    for (let k = 0; k < 3; k++) out[i * 3 + k] = c === 255 ? rgb[i * 3 + k]! : Math.round(rgb[i * 3 + k]! * (1 - alpha) + col[k]! * alpha);
  }
  return out;
}

/** The [min, max] of the valid (finite, > 0) values of depth maps, so several share one colour scale. */
export function depthRange(...maps: ArrayLike<number>[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const m of maps) for (let i = 0; i < m.length; i++) { const d = m[i]!; if (d > 0 && Number.isFinite(d)) { lo = Math.min(lo, d); hi = Math.max(hi, d); } }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** Depth (H x W) as RGB with viridis, near = yellow, far = purple; invalid (<= 0 or non-finite) black. */
export function depthToRgb(depth: ArrayLike<number>, range: [number, number] = depthRange(depth)): Uint8Array {
  const [lo, hi] = range, span = hi - lo || 1;
  const out = new Uint8Array(depth.length * 3);
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i]!;
    if (d > 0 && Number.isFinite(d)) out.set(viridis(1 - (d - lo) / span), i * 3);
  }
  return out;
}

/**
 * Unit normals, planar [3, H, W] (as tensors hold them), as RGB = (n + 1) * 127.5: the encoding
 * of normal.png. Vectors shorter than 0.5 (no normal) are mid grey.
 */
export function normalsToRgb(chw: ArrayLike<number>, width: number, height: number): Uint8Array {
  const n = width * height;
  if (chw.length !== 3 * n) throw new Error(`normalsToRgb: ${chw.length} values for 3 x ${height} x ${width}`);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const x = chw[i]!, y = chw[n + i]!, z = chw[2 * n + i]!;
    const valid = x * x + y * y + z * z > 0.25;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = valid ? Math.min(255, Math.max(0, Math.round(([x, y, z][k]! + 1) * 127.5))) : 128;
  }
  return out;
}
