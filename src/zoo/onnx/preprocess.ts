// Images -> one float32 input batch as an ONNX image input spec asks: resize (bilinear), value
// scale, channel order, mean/std, NCHW or NHWC.
import type { RgbImage } from '../types.js';
import type { ImageInputSpec } from '../onnx_spec.js';
import { resizeBilinearHwc } from './resize.js';

/**
 * The [height, width] an image is fed at: the spec's fixed size, or (dynamic) the image's own size
 * rounded to the nearest multiple of `spec.multiple` (halves up, at least one multiple).
 *
 * @example inputSizeFor({ height: 40, width: 48 } as RgbImage, { size: 'dynamic', multiple: 16 } as ImageInputSpec); // [48, 48]
 */
export function inputSizeFor(img: Pick<RgbImage, 'height' | 'width'>, spec: Pick<ImageInputSpec, 'size' | 'multiple'>): [number, number] {
  if (spec.size !== 'dynamic') return spec.size;
  const m = spec.multiple;
  const round = (v: number): number => Math.max(m, Math.floor(v / m + 0.5) * m);
  return [round(img.height), round(img.width)];
}

function checkImage(img: RgbImage, i: number): void {
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3) {
    throw new Error(`image ${i}: expected ${img.width}x${img.height}x3 = ${img.width * img.height * 3} bytes of RGB, got ${img.data.length}`);
  }
}

/**
 * Builds the input tensor data of `images` (all fed at `size`), in the spec's layout.
 *
 * @example
 * const { data, dims } = imagesToInput([img], spec, [224, 224]); // dims [1, 3, 224, 224] for NCHW
 */
export function imagesToInput(images: readonly RgbImage[], spec: ImageInputSpec, size: [number, number]): { data: Float32Array; dims: number[] } {
  const [h, w] = size;
  const plane = h * w;
  const data = new Float32Array(images.length * 3 * plane);
  const k = spec.scale === '0-1' ? 1 / 255 : 1;
  const order = spec.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const mul = order.map((_, c) => k / spec.std[c]);
  const add = order.map((_, c) => -spec.mean[c] / spec.std[c]);
  images.forEach((img, i) => {
    checkImage(img, i);
    const px = img.height === h && img.width === w ? img.data : resizeBilinearHwc(img.data, img.height, img.width, 3, h, w);
    const base = i * 3 * plane;
    for (let c = 0; c < 3; c++) {
      const src = order[c], m = mul[c], a = add[c];
      if (spec.layout === 'NCHW') {
        const o = base + c * plane;
        for (let p = 0; p < plane; p++) data[o + p] = px[p * 3 + src] * m + a;
      } else {
        for (let p = 0; p < plane; p++) data[base + p * 3 + c] = px[p * 3 + src] * m + a;
      }
    }
  });
  const dims = spec.layout === 'NCHW' ? [images.length, 3, h, w] : [images.length, h, w, 3];
  return { data, dims };
}
