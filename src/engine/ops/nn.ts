// Neural-network functions over tensors (the torch.nn.functional of zooclip).
import { op, optionalOp, t } from '../op.js';
import { Tensor } from '../tensor.js';
import { native } from '../native.js';

type Pair = number | readonly [number, number];
const pair = (v: Pair): number[] => (typeof v === 'number' ? [v, v] : [...v]);
const opt = (x: Tensor | null | undefined) => (x ? x.id : null);

const LINEAR = op('linear'), MATMUL = op('matmul'), BMM = op('bmm'), MM = op('mm'), EINSUM = op('einsum'), BADDBMM = op('baddbmm');
/**
 * x times w transposed, plus b, with w as [out, in], as torch.nn.functional.linear.
 * @example linear(randn([8, 512]), randn([256, 512]), zeros([256])).shape // [8, 256]
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor { return t(LINEAR, x.id, w.id, opt(b)); }
/**
 * Matrix product with batch broadcasting, as torch.matmul.
 * @example matmul(randn([2, 4, 8]), randn([8, 3])).shape // [2, 4, 3]
 * @example const logitsPerImage = matmul(imageFeatures, transpose(textFeatures, 0, 1));
 */
export function matmul(a: Tensor, b: Tensor): Tensor { return t(MATMUL, a.id, b.id); }
/**
 * Batched matrix product of [B, n, m] and [B, m, p] (no broadcasting), as torch.bmm.
 * @example bmm(randn([2, 4, 8]), randn([2, 8, 3])).shape // [2, 4, 3]
 */
export function bmm(a: Tensor, b: Tensor): Tensor { return t(BMM, a.id, b.id); }
/**
 * Product of two 2-d matrices, as torch.mm.
 * @example mm(randn([4, 8]), randn([8, 3])).shape // [4, 3]
 */
export function mm(a: Tensor, b: Tensor): Tensor { return t(MM, a.id, b.id); }
/**
 * beta * input + alpha * (a @ b), batched.
 * @example baddbmm(zeros([2, 4, 4]), randn([2, 4, 8]), randn([2, 8, 4]), 1, 0.125).shape // [2, 4, 4]: biased, scaled scores
 */
export function baddbmm(input: Tensor, a: Tensor, b: Tensor, beta = 1, alpha = 1): Tensor { return t(BADDBMM, input.id, a.id, b.id, beta, alpha); }
/**
 * Einstein summation over the tensors, as torch.einsum.
 * @example einsum('nd,md->nm', randn([4, 64]), randn([5, 64])).shape // [4, 5]
 */
export function einsum(eq: string, ...xs: Tensor[]): Tensor { return t(EINSUM, eq, xs.map((x) => x.id)); }

export interface ConvOptions { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number }
const CONV2D = op('conv2d'), CONVT2D = op('conv_transpose2d', 'input');
/**
 * 2-d convolution of NCHW input with weight [out, in/groups, kH, kW], as torch.nn.functional.conv2d.
 * @example conv2d(randn([1, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 }).shape // [1, 16, 32, 32]
 * @example const patches = conv2d(images, patchWeight, null, { stride: 16 }); // ViT patch embedding
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, o: ConvOptions = {}): Tensor {
  return t(CONV2D, x.id, w.id, opt(b), pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1);
}
/**
 * Transposed 2-d convolution with weight [in, out/groups, kH, kW], as torch.nn.functional.conv_transpose2d.
 * @example convTranspose2d(randn([1, 16, 8, 8]), randn([16, 8, 2, 2]), null, { stride: 2 }).shape // [1, 8, 16, 16]
 */
export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null, o: ConvOptions & { outputPadding?: Pair } = {}): Tensor {
  return t(CONVT2D, x.id, w.id, opt(b), pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.outputPadding ?? 0), o.groups ?? 1, pair(o.dilation ?? 1));
}

const BN = op('batch_norm'), LN = op('layer_norm'), GN = op('group_norm');
/**
 * Batch norm; in training it updates runningMean/runningVar in place.
 * @example batchNorm(randn([4, 8, 5, 5]), zeros([8]), ones([8]), null, null, true).shape // [4, 8, 5, 5]
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  return t(BN, x.id, opt(weight), opt(bias), opt(runningMean), opt(runningVar), training, momentum, eps, true);
}
/**
 * Normalises over the trailing normalizedShape dims, as torch.nn.functional.layer_norm.
 * @example layerNorm(randn([2, 10, 64]), [64], ones([64]), zeros([64])).shape // [2, 10, 64]
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return t(LN, x.id, normalizedShape, opt(weight), opt(bias), eps, true);
}
/**
 * Normalises NC... input over channel groups, as torch.nn.functional.group_norm.
 * @example groupNorm(randn([2, 32, 8, 8]), 8, ones([32]), zeros([32])).shape // [2, 32, 8, 8]
 */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return t(GN, x.id, groups, opt(weight), opt(bias), eps, true);
}

const SOFTMAX = op('softmax', 'int'), LOG_SOFTMAX = op('log_softmax', 'int');
/**
 * e^x normalised to sum to 1 along dim, as torch.softmax.
 * @example softmax(tensor([0, 0]), 0).toArray() // [0.5, 0.5]
 */
export function softmax(x: Tensor, dim: number): Tensor { return t(SOFTMAX, x.id, dim, null); }
/**
 * log(softmax(x)) along dim, computed stably, as torch.log_softmax.
 * @example logSoftmax(tensor([0, 0]), 0).toArray() // [-0.6931, -0.6931]
 */
export function logSoftmax(x: Tensor, dim: number): Tensor { return t(LOG_SOFTMAX, x.id, dim, null); }

const DROPOUT = op('dropout');
/**
 * Inverted dropout; identity when not training or p = 0.
 * @example dropout(ones([4]), 0.5, false).toArray() // [1, 1, 1, 1]: identity in eval
 * @example const h = dropout(attnOut, 0.1, training);
 */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (p < 0 || p > 1) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  return t(DROPOUT, x.id, p, training && p > 0);
}

const EMBEDDING = op('embedding');
/**
 * The rows of weight at int64 indices, as torch.nn.functional.embedding; the paddingIdx row gets no gradient.
 * @example embedding(randn([1000, 64]), tensor([[1, 5, 7]], { dtype: 'int64' })).shape // [1, 3, 64]
 */
export function embedding(weight: Tensor, indices: Tensor, paddingIdx = -1): Tensor { return t(EMBEDDING, weight.id, indices.id, paddingIdx); }

const UP_BILINEAR = op('upsample_bilinear2d', 'vec'), UP_NEAREST = op('upsample_nearest2d', 'vec'), UP_BICUBIC = op('upsample_bicubic2d', 'vec');
export interface InterpolateOptions { size?: readonly [number, number]; scaleFactor?: number; mode?: 'nearest' | 'bilinear' | 'bicubic'; alignCorners?: boolean }
/**
 * Resizes NCHW maps, as torch.nn.functional.interpolate.
 * @example interpolate(randn([1, 21, 14, 14]), { size: [224, 224], mode: 'bilinear' }).shape // [1, 21, 224, 224]
 * @example interpolate(images, { scaleFactor: 2 }) // nearest, twice the size
 */
export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  const size = o.size ? [...o.size] : null;
  const scales = o.size ? null : [o.scaleFactor ?? 1, o.scaleFactor ?? 1];
  if (!size && o.scaleFactor === undefined) throw new Error('interpolate: give size or scaleFactor');
  switch (o.mode ?? 'nearest') {
    case 'nearest': return t(UP_NEAREST, x.id, size, scales);
    case 'bilinear': return t(UP_BILINEAR, x.id, size, o.alignCorners ?? false, scales);
    case 'bicubic': return t(UP_BICUBIC, x.id, size, o.alignCorners ?? false, scales);
  }
}

const AVG_POOL = op('avg_pool2d'), MAX_POOL = op('max_pool2d'), ADAPTIVE_AVG = op('adaptive_avg_pool2d'), ADAPTIVE_MAX = op('adaptive_max_pool2d');
/**
 * Average pooling of NCHW maps (stride defaults to the kernel), as torch.nn.functional.avg_pool2d.
 * @example avgPool2d(randn([1, 8, 16, 16]), 2).shape // [1, 8, 8, 8]
 */
export function avgPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0, countIncludePad = true): Tensor {
  return t(AVG_POOL, x.id, pair(kernel), pair(stride ?? kernel), pair(padding), false, countIncludePad, null);
}
/**
 * Max pooling of NCHW maps (stride defaults to the kernel), as torch.nn.functional.max_pool2d.
 * @example maxPool2d(randn([1, 8, 16, 16]), 3, 2, 1).shape // [1, 8, 8, 8]: a ResNet stem's pool
 */
export function maxPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0): Tensor {
  return t(MAX_POOL, x.id, pair(kernel), pair(stride ?? kernel), pair(padding), [1, 1], false);
}
/**
 * Average pooling of NCHW maps to a fixed output size, as torch.nn.functional.adaptive_avg_pool2d.
 * @example adaptiveAvgPool2d(randn([2, 512, 7, 7]), 1).shape // [2, 512, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, size: Pair): Tensor { return t(ADAPTIVE_AVG, x.id, pair(size)); }
/**
 * Max pooling of NCHW maps to a fixed output size (values only), as torch.nn.functional.adaptive_max_pool2d.
 * @example adaptiveMaxPool2d(randn([2, 64, 9, 9]), [3, 3]).shape // [2, 64, 3, 3]
 */
export function adaptiveMaxPool2d(x: Tensor, size: Pair): Tensor {
  const [values, indices] = native.call(ADAPTIVE_MAX, x.id, pair(size)) as [number, number];
  native.dispose(indices);
  return new Tensor(values);
}

const COSINE = op('cosine_similarity'), NORM = op('linalg_vector_norm'), CLAMP_MIN = op('clamp_min'), DIV = op('div', 'Tensor');
/**
 * Cosine of the angle between a and b along dim, as torch.nn.functional.cosine_similarity.
 * @example cosineSimilarity(tensor([[1, 0]]), tensor([[1, 1]])).toArray() // [0.7071]
 */
export function cosineSimilarity(a: Tensor, b: Tensor, dim = 1, eps = 1e-8): Tensor { return t(COSINE, a.id, b.id, dim, eps); }
/**
 * x / max(||x||_p, eps) along dim, as torch.nn.functional.normalize.
 * @example normalize(tensor([[3, 4]])).toArray() // [0.6, 0.8]
 * @example const imageEmbeds = normalize(imageFeatures, 2, -1); // unit vectors, as CLIP compares them
 */
export function normalize(x: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  const n = native.call(NORM, x.id, p, [dim], true) as number;
  const c = native.call(CLAMP_MIN, n, eps) as number;
  native.dispose(n);
  try {
    return t(DIV, x.id, c);
  } finally {
    native.dispose(c);
  }
}

const SDPA = optionalOp('scaled_dot_product_attention');
/**
 * Attention softmax(q k^T * scale + mask) v over [..., L, E] inputs. Uses libtorch's fused kernel
 * (flash / memory-efficient on CUDA) where this libtorch has it (2.x), composed ops otherwise.
 * A boolean mask marks positions that may attend; a float mask is added to the scores.
 * @example
 * const [q, k, v] = chunk(randn([2, 8, 77, 192]), 3, -1);
 * scaledDotProductAttention(q, k, v, { causal: true }).shape // [2, 8, 77, 64]
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, o: { mask?: Tensor | null; dropout?: number; causal?: boolean; training?: boolean } = {}): Tensor {
  const p = o.training === false ? 0 : (o.dropout ?? 0);
  if (SDPA >= 0) return t(SDPA, q.id, k.id, v.id, opt(o.mask), p, o.causal ?? false);
  return composedAttention(q, k, v, o.mask ?? null, p, o.causal ?? false);
}

const TRANSPOSE = op('transpose', 'int'), MUL_S = op('mul', 'Scalar'), ADD_T = op('add', 'Tensor');
const MASKED_FILL = op('masked_fill', 'Scalar'), LOGICAL_NOT = op('logical_not'), ONES = op('ones'), TRIU = op('triu');
function composedAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, p: number, causal: boolean): Tensor {
  const e = q.shape[q.ndim - 1] as number;
  const tmp: number[] = [];
  const keep = (h: unknown) => { tmp.push(h as number); return h as number; };
  try {
    const kt = keep(native.call(TRANSPOSE, k.id, -2, -1));
    const qs = keep(native.call(MUL_S, q.id, 1 / Math.sqrt(e)));
    let s = keep(native.call(MATMUL, qs, kt));
    if (causal) {
      const l = q.shape[q.ndim - 2] as number, sk = k.shape[k.ndim - 2] as number;
      const ones = keep(native.call(ONES, [l, sk], 11, null, q.device));
      const upper = keep(native.call(TRIU, ones, 1));
      s = keep(native.call(MASKED_FILL, s, upper, -Infinity));
    }
    if (mask) {
      if (mask.dtype === 'bool') {
        const inv = keep(native.call(LOGICAL_NOT, mask.id));
        s = keep(native.call(MASKED_FILL, s, inv, -Infinity));
      } else {
        s = keep(native.call(ADD_T, s, mask.id, 1));
      }
    }
    let a = keep(native.call(SOFTMAX, s, -1, null));
    if (p > 0) a = keep(native.call(DROPOUT, a, p, true));
    return t(MATMUL, a, v.id);
  } finally {
    for (const h of tmp) native.dispose(h);
  }
}
