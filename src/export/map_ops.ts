// Emitters and node helpers for NCHW feature maps shared by the MCi tower and the dense heads:
// BatchNorm2d in eval mode (running statistics), Dropout (identity at inference), bilinear resize
// to a fixed size (PyTorch's align_corners false), adaptive average pooling to a fixed grid (a
// constant pooling matrix, exact for any input size known at export), the mean over H and W,
// and the per-pixel L2 normalisation over channels.
import { BatchNorm2d, Dropout } from '../nn/layers.js';
import { float32Data } from '../io/onnx/index.js';
import { type EmitContext, param, registerEmitter } from './emit.js';

function emitBatchNorm(e: EmitContext, m: BatchNorm2d, path: string, x: string): string {
  const inputs = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => param(e, m, path, n));
  return e.g.node('BatchNormalization', [x, ...inputs], { epsilon: { float: m.eps } }, 'bn');
}

/**
 * Bilinear resize of NCHW `x` to [h, w] as torch's interpolate(align_corners=false) (Resize with
 * pytorch_half_pixel; the batch and channels read from the input's shape, so the batch stays dynamic).
 * @example const full = resizeNode(e, logits, [64, 64]);
 */
export function resizeNode(e: EmitContext, x: string, size: readonly [number, number]): string {
  const g = e.g;
  const sizes = g.node('Concat', [g.node('Shape', [x], { start: { int: 0 }, end: { int: 2 } }), g.constInt64([size[0], size[1]])], { axis: { int: 0 } });
  return g.node('Resize', [x, '', '', sizes], {
    mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'pytorch_half_pixel' }, nearest_mode: { string: 'floor' },
  }, 'resize');
}

/** torch's adaptive_avg_pool2d bins along one axis: [start, end) of bin i of n over `size` cells. */
function adaptiveBins(size: number, n: number): [number, number][] {
  return Array.from({ length: n }, (_, i) => [Math.floor((i * size) / n), Math.ceil(((i + 1) * size) / n)]);
}

/**
 * Adaptive average pooling of NCHW `x` (spatial size `inSize`, fixed at export) to a bin x bin
 * grid, as torch's adaptive_avg_pool2d: x [B, C, h*w] times a constant [h*w, bin*bin] matrix.
 * @example const pooled = adaptivePoolNode(e, x, [4, 4], 6);   // [B, C, 6, 6]
 */
export function adaptivePoolNode(e: EmitContext, x: string, inSize: readonly [number, number], bin: number): string {
  const g = e.g, [h, w] = inSize, rows = adaptiveBins(h, bin), cols = adaptiveBins(w, bin);
  const p = new Float32Array(h * w * bin * bin);
  rows.forEach(([r0, r1], i) => cols.forEach(([c0, c1], j) => {
    const share = 1 / ((r1 - r0) * (c1 - c0));
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) p[(r * w + c) * bin * bin + i * bin + j] = share;
  }));
  const name = g.has(`adaptive_pool_${h}x${w}_to_${bin}`) ? `adaptive_pool_${h}x${w}_to_${bin}`
    : g.initializer(`adaptive_pool_${h}x${w}_to_${bin}`, float32Data(p, [h * w, bin * bin]));
  const flat = g.node('Reshape', [x, g.constInt64([0, 0, h * w])]);
  return g.node('Reshape', [g.node('MatMul', [flat, name]), g.constInt64([0, 0, bin, bin])], {}, 'adaptive_pool');
}

/**
 * Mean over H and W of NCHW `x`, keeping [B, C, 1, 1] or dropping to [B, C].
 * @example const pooled = spatialMeanNode(e, x, false);   // [B, C]
 */
export function spatialMeanNode(e: EmitContext, x: string, keepdims: boolean): string {
  return e.g.node('ReduceMean', [x], { axes: { ints: [2, 3] }, keepdims: { int: keepdims ? 1 : 0 } }, 'spatial_mean');
}

/**
 * x / max(||x||_2, 1e-12) over `axis`, as F.normalize.
 * @example const unit = l2NormalizeNode(e, normals, 1);
 */
export function l2NormalizeNode(e: EmitContext, x: string, axis: number): string {
  const norm = e.g.node('ReduceL2', [x], { axes: { ints: [axis] }, keepdims: { int: 1 } });
  return e.g.node('Div', [x, e.g.node('Max', [norm, e.g.constFloat([1e-12], [])])], {}, 'l2_normalized');
}

/**
 * Registers BatchNorm2d (eval mode) and Dropout (identity) emitters (idempotent).
 * @example registerMapEmitters(); const y = emitModule(e, new BatchNorm2d(8), 'bn', x);
 */
export function registerMapEmitters(): void {
  registerEmitter(BatchNorm2d, emitBatchNorm);
  registerEmitter(Dropout, (_e, _m, _path, x) => x);
}
