// Emitters of the nn layers the CLIP towers use: Linear, LayerNorm, Conv2d, Embedding, LayerScale,
// the MLP (exact erf GELU or QuickGELU), multi-head self-attention in PyTorch's fused in_proj layout,
// the pre-norm residual block and the block stack. Opset 17 operators only.
import { Conv2d, Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { LayerScale, Mlp, MultiheadAttention, ResidualAttentionBlock } from '../nn/attention.js';
import { Transformer } from '../models/transformer.js';
import { type EmitContext, childOf, emitChild, emitModule, keyOf, param, registerEmitter } from './emit.js';

const pair = (v: number | readonly [number, number] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/** x W^T (+ b) for a weight [out, in] stored as PyTorch does (the Transpose folds at session load). */
function matmulWeight(e: EmitContext, x: string, weight: string, bias: string | null): string {
  const wt = e.g.node('Transpose', [weight], { perm: { ints: [1, 0] } }, `${weight}.T`);
  const y = e.g.node('MatMul', [x, wt]);
  return bias ? e.g.node('Add', [y, bias]) : y;
}

function emitLinear(e: EmitContext, m: Linear, path: string, x: string): string {
  return matmulWeight(e, x, param(e, m, path, 'weight'), m.bias ? param(e, m, path, 'bias') : null);
}

function emitLayerNorm(e: EmitContext, m: LayerNorm, path: string, x: string): string {
  const inputs = [x, param(e, m, path, 'weight'), param(e, m, path, 'bias')];
  return e.g.node('LayerNormalization', inputs, { axis: { int: -1 }, epsilon: { float: m.eps } });
}

function emitConv2d(e: EmitContext, m: Conv2d, path: string, x: string): string {
  const [ph, pw] = pair(m.opts.padding, 0);
  const inputs = [x, param(e, m, path, 'weight'), ...(m.bias ? [param(e, m, path, 'bias')] : [])];
  return e.g.node('Conv', inputs, {
    kernel_shape: { ints: [m.kernel, m.kernel] }, strides: { ints: pair(m.opts.stride, 1) }, pads: { ints: [ph, pw, ph, pw] },
    dilations: { ints: pair(m.opts.dilation, 1) }, group: { int: m.opts.groups ?? 1 },
  });
}

function emitEmbedding(e: EmitContext, m: Embedding, path: string, ids: string): string {
  return e.g.node('Gather', [param(e, m, path, 'weight'), ids], { axis: { int: 0 } });
}

/**
 * Exact GELU, 0.5 x (1 + erf(x / sqrt 2)) (opset 17 has no Gelu op).
 * @example const a = gelu(e, h);
 */
export function gelu(e: EmitContext, x: string): string {
  const erf = e.g.node('Erf', [e.g.node('Div', [x, e.g.constFloat([Math.SQRT2], [])])]);
  const half = e.g.node('Mul', [x, e.g.constFloat([0.5], [])]);
  return e.g.node('Mul', [half, e.g.node('Add', [erf, e.g.constFloat([1], [])])], {}, 'gelu');
}

function emitMlp(e: EmitContext, m: Mlp, path: string, x: string): string {
  const h = emitChild(e, m, path, 'c_fc', x);
  const a = m.act === 'gelu' ? gelu(e, h) : e.g.node('Mul', [h, e.g.node('Sigmoid', [e.g.node('Mul', [h, e.g.constFloat([1.702], [])])])], {}, 'quick_gelu');
  return emitChild(e, m, path, 'c_proj', a);
}

/** [B, L, D] -> softmax(q k^T / sqrt(d) + mask) v, heads merged back to [B, L, D], then out_proj. */
function emitAttention(e: EmitContext, m: MultiheadAttention, path: string, x: string): string {
  const g = e.g;
  const qkv = matmulWeight(e, x, param(e, m, path, 'in_proj_weight'), param(e, m, path, 'in_proj_bias'));
  const split = g.node('Transpose', [g.node('Reshape', [qkv, g.constInt64([0, 0, 3, m.heads, m.headDim])])], { perm: { ints: [2, 0, 3, 1, 4] } });
  const [q, k, v] = [0, 1, 2].map((i) => g.node('Gather', [split, g.constInt64([i], [])], { axis: { int: 0 } }, ['q', 'k', 'v'][i]));
  let scores = g.node('MatMul', [q, g.node('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } })]);
  scores = g.node('Mul', [scores, g.constFloat([1 / Math.sqrt(m.headDim)], [])]);
  if (e.mask) scores = g.node('Add', [scores, e.mask]);
  const heads = g.node('MatMul', [g.node('Softmax', [scores], { axis: { int: -1 } }), v]);
  const merged = g.node('Reshape', [g.node('Transpose', [heads], { perm: { ints: [0, 2, 1, 3] } }), g.constInt64([0, 0, m.dim])]);
  return emitChild(e, m, path, 'out_proj', merged);
}

function emitLayerScale(e: EmitContext, m: LayerScale, path: string, x: string): string {
  return e.g.node('Mul', [x, param(e, m, path, 'gamma')]);
}

function emitBlock(e: EmitContext, m: ResidualAttentionBlock, path: string, x: string): string {
  let a = emitChild(e, m, path, 'attn', emitChild(e, m, path, 'ln_1', x));
  if (m.ls_1) a = emitChild(e, m, path, 'ls_1', a);
  const h = e.g.node('Add', [x, a]);
  let f = emitChild(e, m, path, 'mlp', emitChild(e, m, path, 'ln_2', h));
  if (m.ls_2) f = emitChild(e, m, path, 'ls_2', f);
  return e.g.node('Add', [h, f], {}, 'residual');
}

function emitTransformer(e: EmitContext, m: Transformer, path: string, x: string): string {
  const blocks = childOf(m, path, 'resblocks');
  const at = keyOf(path, 'resblocks');
  return m.resblocks.items.reduce((h, _, i) => emitModule(e, childOf(blocks, at, String(i)), keyOf(at, String(i)), h), x);
}

/**
 * Registers the emitters of the nn layers and the transformer stack (idempotent).
 * @example registerNnEmitters(); emitModule(e, new LayerNorm(8), 'ln', x);
 */
export function registerNnEmitters(): void {
  registerEmitter(Linear, emitLinear);
  registerEmitter(LayerNorm, emitLayerNorm);
  registerEmitter(Conv2d, emitConv2d);
  registerEmitter(Embedding, emitEmbedding);
  registerEmitter(Mlp, emitMlp);
  registerEmitter(MultiheadAttention, emitAttention);
  registerEmitter(LayerScale, emitLayerScale);
  registerEmitter(ResidualAttentionBlock, emitBlock);
  registerEmitter(Transformer, emitTransformer);
}
