// The dense heads (models/heads) as ONNX: each head over its one feature map, emitted as its
// forward runs in eval mode, to the raw output its libtorch forward returns (seg logits, depth in
// the head's units after its activation, unit normals, CenterNet heatmap logits / size / offset).
// The sizes a head needs (its map's and the input image's) are fixed at export, as the towers'.
import { ConvBnRelu } from '../nn/layers.js';
import { CenterNetHead } from '../models/heads/centernet.js';
import { DepthHead } from '../models/heads/depth.js';
import { LinearSegHead } from '../models/heads/linear_seg.js';
import { NormalsHead } from '../models/heads/normals.js';
import { PyramidSegHead } from '../models/heads/psp_seg.js';
import type { Module } from '../nn/module.js';
import { type EmitContext, childOf, emitChild, keyOf, registerEmitter } from './emit.js';
import { adaptivePoolNode, l2NormalizeNode, resizeNode } from './map_ops.js';

/** [height, width] in pixels or cells. */
export type Size2 = readonly [number, number];

/** Where a head runs: its feature map's size and the input image's (its per-pixel outputs' size). */
export interface HeadSizes { map: Size2; image: Size2 }

/** A head's output values by name (`logits`, `depth`, `normals`, or `heatmap` / `size` / `offset`). */
export type HeadValues = Record<string, string>;

function emitConvBnRelu(e: EmitContext, m: ConvBnRelu, path: string, x: string): string {
  return e.g.node('Relu', [emitChild(e, m, path, 'bn', emitChild(e, m, path, 'conv', x))]);
}

function linearSeg(e: EmitContext, m: LinearSegHead, path: string, x: string, s: HeadSizes): HeadValues {
  const h = m.bn ? emitChild(e, m, path, 'bn', x) : x;
  return { logits: resizeNode(e, emitChild(e, m, path, 'conv_seg', h), s.image) };
}

function pyramidSeg(e: EmitContext, m: PyramidSegHead, path: string, x: string, s: HeadSizes): HeadValues {
  const ppm = childOf(m, path, 'ppm'), at = keyOf(path, 'ppm');
  const branches = m.ppm.items.map((b, i) => {
    const p = keyOf(at, String(i)), branch = childOf(ppm, at, String(i));
    const y = emitConvBnRelu(e, branch as ConvBnRelu, p, adaptivePoolNode(e, x, s.map, b.bin));
    return resizeNode(e, y, s.map);
  });
  const fused = emitChild(e, m, path, 'bottleneck', e.g.node('Concat', [x, ...branches], { axis: { int: 1 } }));
  return { logits: resizeNode(e, emitChild(e, m, path, 'conv_seg', emitChild(e, m, path, 'drop', fused)), s.image) };
}

/** Depth after the head's activation, in its units: exp(lo + (hi - lo) sigmoid), the bounded sigmoid, or exp / softplus. */
function depth(e: EmitContext, m: DepthHead, path: string, x: string, s: HeadSizes): HeadValues {
  const g = e.g, c = (v: number) => g.constFloat([v], []);
  const raw = resizeNode(e, emitChild(e, m, path, 'pred', emitChild(e, m, path, 'block', x)), s.image);
  const affine = (v: string, mul: number, add: number) => g.node('Add', [g.node('Mul', [v, c(mul)]), c(add)]);
  if (m.logRange) return { depth: g.node('Exp', [affine(g.node('Sigmoid', [raw]), m.logRange[1] - m.logRange[0], m.logRange[0])], {}, 'depth_m') };
  if (m.maxDepth !== null) return { depth: affine(g.node('Sigmoid', [raw]), m.maxDepth - m.minDepth, m.minDepth) };
  const pos = g.node((m.opts.activation ?? 'softplus') === 'exp' ? 'Exp' : 'Softplus', [raw]);
  const scale = m.opts.scale ?? 1;
  const scaled = scale === 1 ? pos : g.node('Mul', [pos, c(scale)]);
  return { depth: m.minDepth === 0 ? scaled : g.node('Add', [scaled, c(m.minDepth)], {}, 'depth_m') };
}

function normals(e: EmitContext, m: NormalsHead, path: string, x: string, s: HeadSizes): HeadValues {
  const raw = resizeNode(e, emitChild(e, m, path, 'pred', emitChild(e, m, path, 'block', x)), s.image);
  return { normals: l2NormalizeNode(e, raw, 1) };
}

/** One CenterNet prediction branch: 3x3 conv, ReLU, 1x1 conv (keys conv.*, out.*). */
function branch(e: EmitContext, m: Module, path: string, x: string): string {
  return emitChild(e, m, path, 'out', e.g.node('Relu', [emitChild(e, m, path, 'conv', x)]));
}

function centerNet(e: EmitContext, m: CenterNetHead, path: string, x: string, s: HeadSizes): HeadValues {
  let h = emitChild(e, m, path, 'neck', x), size = s.map;
  const up = childOf(m, path, 'up'), at = keyOf(path, 'up');
  m.up.items.forEach((_, i) => {
    size = [size[0] * 2, size[1] * 2];
    h = emitChild(e, up, at, String(i), resizeNode(e, h, size));
  });
  const out = (name: 'hm' | 'wh' | 'reg') => branch(e, childOf(m, path, name), keyOf(path, name), h);
  return { heatmap: out('hm'), size: out('wh'), offset: out('reg') };
}

/**
 * Emits a dense head (LinearSegHead, PyramidSegHead, DepthHead, NormalsHead or CenterNetHead) over
 * its one feature map `x` and returns its named outputs; any other module is refused with its path.
 * @example const { logits } = emitDenseHead(e, head, 'head', 'features_3', { map: [4, 4], image: [64, 64] });
 */
export function emitDenseHead(e: EmitContext, head: Module, path: string, x: string, s: HeadSizes): HeadValues {
  if (head instanceof LinearSegHead) return linearSeg(e, head, path, x, s);
  if (head instanceof PyramidSegHead) return pyramidSeg(e, head, path, x, s);
  if (head instanceof DepthHead) return depth(e, head, path, x, s);
  if (head instanceof NormalsHead) return normals(e, head, path, x, s);
  if (head instanceof CenterNetHead) return centerNet(e, head, path, x, s);
  throw new Error(`ONNX export: no head graph for ${head.constructor.name} at '${path || '(root)'}' (heads with one: LinearSegHead, PyramidSegHead, DepthHead, NormalsHead, CenterNetHead)`);
}

/**
 * Registers the emitter of the heads' conv + BN + ReLU block (idempotent).
 * @example registerHeadEmitters(); emitModule(e, new ConvBnRelu(64, 32, 3), 'head.block', x);
 */
export function registerHeadEmitters(): void {
  registerEmitter(ConvBnRelu, emitConvBnRelu);
}
