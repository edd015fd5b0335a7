// Turning CenterNet outputs into boxes: sigmoid heatmap, 3x3 max-pool peak extraction (a cell is a
// peak when it equals the max of its neighbourhood), top-k over classes and cells, then size and
// offset read at each peak.
import { maxPool2d, noGrad, remainder, tidy, topk, type Tensor } from '../../engine/index.js';
import type { CenterNetOutput } from './centernet.js';
import type { ImageSize } from './common.js';

/** [x0, y0, x1, y1] in input pixels. */
export type Box = [number, number, number, number];

/** One detected object. */
export interface Detection { box: Box; score: number; label: number }

export interface DecodeOptions {
  /** [height, width] of the input; boxes are clipped to it. */
  imageSize: ImageSize;
  /** Peaks kept per image before thresholding. Default 100, as CenterNet. */
  topk?: number;
  /** Smallest score returned. Default 0.1. */
  scoreThreshold?: number;
}

/** Values of an [B, 2, h, w] map at flat cell indices [B, n], as a JS array [B, 2, n]. */
function readAt(map: Tensor, cells: Tensor): number[] {
  const [b, , h, w] = map.shape as [number, number, number, number];
  const n = cells.size(1);
  return map.reshape([b, 2, h * w]).gather(2, cells.unsqueeze(1).expand([b, 2, n])).to('cpu').toArray();
}

/**
 * Decodes CenterNet outputs into per-image detections, highest score first. A box is centered at
 * (cell + offset) * stride with size * stride as width and height (sizes below 0 count as 0).
 * Frees everything it makes and records no gradients.
 * @example
 * const dets = decodeCenterNet(head.forward(feats, [256, 256]), { imageSize: [256, 256], topk: 50 });
 * for (const { box, score, label } of dets[0]) console.log(label, score, box);
 */
export function decodeCenterNet(out: CenterNetOutput, o: DecodeOptions): Detection[][] {
  const [b, k, h, w] = out.heatmap.shape as [number, number, number, number];
  const [imgH, imgW] = o.imageSize;
  const thr = o.scoreThreshold ?? 0.1;
  const n = Math.min(o.topk ?? 100, k * h * w);
  if (!Number.isInteger(n) || n < 1) throw new Error(`decodeCenterNet: topk must be a positive integer, got ${o.topk}`);
  const { scores, ids, sizes, offsets } = tidy(() => noGrad(() => {
    const heat = out.heatmap.sigmoid();
    const peaks = heat.mul(heat.eq(maxPool2d(heat, 3, 1, 1)).to(heat.dtype));
    const [s, idx] = topk(peaks.reshape([b, k * h * w]), n, 1);
    const cells = remainder(idx, h * w);
    return { scores: s.to('cpu').toArray(), ids: idx.to('cpu').toArray(), sizes: readAt(out.size, cells), offsets: readAt(out.offset, cells) };
  }));
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const result: Detection[][] = [];
  for (let i = 0; i < b; i++) {
    const dets: Detection[] = [];
    for (let j = 0; j < n; j++) {
      const score = scores[i * n + j]!;
      if (score < thr) break;  // top-k is sorted, so nothing after passes either
      const id = ids[i * n + j]!, cell = id % (h * w);
      const at = (c: number) => i * 2 * n + c * n + j;
      const cx = (cell % w + offsets[at(0)]!) * out.stride, cy = (Math.floor(cell / w) + offsets[at(1)]!) * out.stride;
      const bw = Math.max(sizes[at(0)]!, 0) * out.stride, bh = Math.max(sizes[at(1)]!, 0) * out.stride;
      const box: Box = [clip(cx - bw / 2, imgW), clip(cy - bh / 2, imgH), clip(cx + bw / 2, imgW), clip(cy + bh / 2, imgH)];
      dets.push({ box, score, label: Math.floor(id / (h * w)) });
    }
    result.push(dets);
  }
  return result;
}
