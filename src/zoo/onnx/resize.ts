// Image and map resizing for model inputs and outputs, in plain TypeScript. Bilinear uses half-pixel
// centres without antialiasing (PyTorch's interpolate(align_corners=False), what the fixtures are
// made with); label maps take the source pixel under each target pixel centre (nearest-exact).

/** Per output coordinate: the two source indices and the weight of the second. */
interface Taps { i0: Int32Array; i1: Int32Array; w: Float32Array }

function bilinearTaps(inSize: number, outSize: number): Taps {
  const t: Taps = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w: new Float32Array(outSize) };
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max((o + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    t.i0[o] = i0;
    t.i1[o] = Math.min(i0 + 1, inSize - 1);
    t.w[o] = src - i0;
  }
  return t;
}

function nearestTaps(inSize: number, outSize: number): Int32Array {
  const t = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) t[o] = Math.min(Math.floor(((o + 0.5) * inSize) / outSize), inSize - 1);
  return t;
}

/**
 * Resizes interleaved HWC data with `c` channels (uint8 or float) to float32 HWC, bilinear.
 * @example resizeBilinearHwc(rgb, 300, 451, 3, 224, 224); // Float32Array(224 * 224 * 3), values 0-255
 */
export function resizeBilinearHwc(src: ArrayLike<number>, h: number, w: number, c: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(oh * ow * c);
  const ty = bilinearTaps(h, oh), tx = bilinearTaps(w, ow);
  for (let y = 0; y < oh; y++) {
    const r0 = ty.i0[y] * w * c, r1 = ty.i1[y] * w * c, wy = ty.w[y];
    for (let x = 0; x < ow; x++) {
      const a = tx.i0[x] * c, b = tx.i1[x] * c, wx = tx.w[x];
      const o = (y * ow + x) * c;
      for (let k = 0; k < c; k++) {
        const top = src[r0 + a + k] + (src[r0 + b + k] - src[r0 + a + k]) * wx;
        const bot = src[r1 + a + k] + (src[r1 + b + k] - src[r1 + a + k]) * wx;
        out[o + k] = top + (bot - top) * wy;
      }
    }
  }
  return out;
}

/**
 * Resizes planar CHW float data to float32 CHW, bilinear (used for depth and normals maps).
 * @example resizeBilinearChw(depth, 1, 64, 64, 480, 640);
 */
export function resizeBilinearChw(src: ArrayLike<number>, c: number, h: number, w: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(c * oh * ow);
  const ty = bilinearTaps(h, oh), tx = bilinearTaps(w, ow);
  for (let k = 0; k < c; k++) {
    const plane = k * h * w;
    for (let y = 0; y < oh; y++) {
      const r0 = plane + ty.i0[y] * w, r1 = plane + ty.i1[y] * w, wy = ty.w[y];
      const o = (k * oh + y) * ow;
      for (let x = 0; x < ow; x++) {
        const a = tx.i0[x], b = tx.i1[x], wx = tx.w[x];
        const top = src[r0 + a] + (src[r0 + b] - src[r0 + a]) * wx;
        const bot = src[r1 + a] + (src[r1 + b] - src[r1 + a]) * wx;
        out[o + x] = top + (bot - top) * wy;
      }
    }
  }
  return out;
}

/**
 * Resizes a label map (one byte per pixel), nearest at pixel centres: labels are never blended.
 * @example resizeNearestLabels(labels, 64, 64, 480, 640); // Uint8Array(480 * 640)
 */
export function resizeNearestLabels(src: Uint8Array, h: number, w: number, oh: number, ow: number): Uint8Array {
  const out = new Uint8Array(oh * ow);
  const ty = nearestTaps(h, oh), tx = nearestTaps(w, ow);
  for (let y = 0; y < oh; y++) {
    const row = ty[y] * w, o = y * ow;
    for (let x = 0; x < ow; x++) out[o + x] = src[row + tx[x]];
  }
  return out;
}
