// Forward and gradient parity of every wrapped op (and a ViT block) against PyTorch, from the
// golden files written by test/parity/make_golden.py. Tolerances: rtol 1e-4, atol 1e-5 unless a
// case sets its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { type Tensor, tidy, backward } from '../../src/engine/index.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { ResidualAttentionBlock } from '../../src/nn/attention.js';
import { assertClose } from '../helpers/assert_close.js';

const dir = join(process.cwd(), 'test', 'parity');
interface Case { name: string; inputs: number; outputs: number; grads: number[]; frozen: number[]; tol: { rtol: number; atol: number } | null }
const manifest = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as { torch: string; cases: Case[]; vit_block_weights: string[] };

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];
const un = (f: (x: Tensor) => Tensor): Fn => (x) => f(x as Tensor);

let lastBlock: ResidualAttentionBlock | null = null;
function vitBlock(x: Tensor, ...weights: Tensor[]): Tensor {
  const block = new ResidualAttentionBlock(16, 4);
  lastBlock = block;
  const sd = new Map(manifest.vit_block_weights.map((n, i) => [n, weights[i] as Tensor]));
  // Route the block's own parameters to the inputs so gradients land on them.
  const own = block.stateDict();
  for (const [k, p] of own) p.setData(sd.get(k) as Tensor);
  return block.forward(x);
}

const CASES: Record<string, Fn> = {
  add: (a, b) => E.add(a!, b!, 2), add_scalar: (a) => E.add(a!, 1.5), sub: (a, b) => E.sub(a!, b!), mul: (a, b) => E.mul(a!, b!),
  div: (a, b) => E.div(a!, b!), pow: (a) => E.pow(a!, 3), pow_tensor: (a, b) => E.pow(a!, b!),
  exp: un(E.exp), tanh: un(E.tanh), sigmoid: un(E.sigmoid), relu: un(E.relu), abs: un(E.abs), neg: un(E.neg), sin: un(E.sin), cos: un(E.cos),
  log: un(E.log), sqrt: un(E.sqrt), rsqrt: un(E.rsqrt), reciprocal: un(E.reciprocal), log1p: un(E.log1p),
  gelu: (a) => E.gelu(a!), gelu_tanh: (a) => E.gelu(a!, 'tanh'), silu: un(E.silu), softplus: (a) => E.softplus(a!), hardswish: un(E.hardswish),
  clamp: (a) => E.clamp(a!, -0.5, 0.7), minimum: (a, b) => E.minimum(a!, b!), maximum: (a, b) => E.maximum(a!, b!),
  where: (c, a, b) => E.where(c!, a!, b!), masked_fill: (a, m) => E.maskedFill(a!, m!, -2), lt: (a, b) => E.lt(a!, b!),
  sum_all: (a) => E.sum(a!), sum_dim: (a) => E.sum(a!, [0, 2], true), mean_dim: (a) => E.mean(a!, 1), max_all: (a) => E.max(a!),
  max_dim: (a) => E.max(a!, 1), min_dim: (a) => E.min(a!, -1), amax: (a) => E.amax(a!, [1, 2]), argmax: (a) => E.argmax(a!, -1),
  var: (a) => E.variance(a!, 1), std: (a) => E.std(a!, -1, false, 0), norm: (a) => E.norm(a!, 2, -1), logsumexp: (a) => E.logsumexp(a!, 1),
  cumsum: (a) => E.cumsum(a!, 2), prod: (a) => E.prod(a!, 1),
  matmul: (a, b) => E.matmul(a!, b!), bmm: (a, b) => E.bmm(a!, b!), linear: (x, w, b) => E.linear(x!, w!, b),
  einsum: (a, b) => E.einsum('bij,bjk->bik', a!, b!), baddbmm: (i, a, b) => E.baddbmm(i!, a!, b!, 0.5, 2),
  conv2d: (x, w, b) => E.conv2d(x!, w!, b, { stride: 2, padding: 1 }), conv2d_groups: (x, w) => E.conv2d(x!, w!, null, { padding: 1, groups: 4 }),
  conv2d_dilation: (x, w) => E.conv2d(x!, w!, null, { padding: 2, dilation: 2 }),
  conv_transpose2d: (x, w, b) => E.convTranspose2d(x!, w!, b, { stride: 2, padding: 1, outputPadding: 1 }),
  batch_norm_train: (x, w, b) => {
    const rm = E.zeros([6], { device: DEVICE }), rv = E.ones([6], { device: DEVICE });
    return [E.batchNorm(x!, rm, rv, w!, b!, true, 0.1, 1e-5), rm, rv];
  },
  batch_norm_eval: (x, m, v, w, b) => E.batchNorm(x!, m!, v!, w!, b!, false, 0.1, 1e-5),
  layer_norm: (x, w, b) => E.layerNorm(x!, [5], w, b), group_norm: (x, w, b) => E.groupNorm(x!, 3, w, b),
  softmax: (a) => E.softmax(a!, -1), log_softmax: (a) => E.logSoftmax(a!, 1), normalize: (a) => E.normalize(a!, 2, -1),
  cosine_similarity: (a, b) => E.cosineSimilarity(a!, b!, 1),
  embedding: (i, w) => E.embedding(w!, i!), index_select: (a, i) => E.indexSelect(a!, 1, i!), gather: (a, i) => E.gather(a!, 1, i!),
  scatter: (a, i, s) => E.scatter(a!, 1, i!, s!), scatter_add: (a, i, s) => E.scatterAdd(a!, 1, i!, s!), index: (a, i, j) => E.index(a!, [i!, j!]),
  cat: (a, b) => E.cat([a!, b!], 1), stack: (a, b) => E.stack([a!, b!], 0), split: (a) => E.split(a!, 2, 1), chunk: (a) => E.chunk(a!, 3, 0),
  unbind: (a) => E.unbind(a!, 1),
  views: (a) => a!.reshape([2, 3, 5]).permute([2, 0, 1]).transpose(0, 1).flatten(1).unsqueeze(0).expand([3, 2, 15]),
  narrow_select: (a) => a!.narrow(1, 1, 3).select(0, 2), slice_step: (a) => E.slice(a!, 1, 1, 6, 2), triu: (a) => E.triu(a!, 1),
  tril: (a) => E.tril(a!, -1), topk: (a) => E.topk(a!, 3, -1)[0], flip: (a) => E.flip(a!, 0), repeat: (a) => E.repeat(a!, [2, 1]),
  interp_nearest: (x) => E.interpolate(x!, { size: [12, 11], mode: 'nearest' }),
  interp_bilinear: (x) => E.interpolate(x!, { size: [9, 13], mode: 'bilinear' }),
  interp_bilinear_ac: (x) => E.interpolate(x!, { size: [9, 13], mode: 'bilinear', alignCorners: true }),
  interp_bicubic: (x) => E.interpolate(x!, { scaleFactor: 2, mode: 'bicubic' }),
  avg_pool2d: (x) => E.avgPool2d(x!, 3, 2, 1), max_pool2d: (x) => E.maxPool2d(x!, 2), adaptive_avg_pool2d: (x) => E.adaptiveAvgPool2d(x!, [3, 2]),
  pad_constant: (x) => E.pad(x!, [1, 2, 0, 3], 'constant', 0.5), pad_reflect: (x) => E.pad(x!, [2, 1, 1, 2], 'reflect'),
  pad_replicate: (x) => E.pad(x!, [2, 1, 1, 2], 'replicate'), pixel_shuffle: (x) => E.pixelShuffle(x!, 2),
  cross_entropy: (x, t) => E.crossEntropy(x!, t!), cross_entropy_smooth: (x, t) => E.crossEntropy(x!, t!, { labelSmoothing: 0.1 }),
  cross_entropy_2d_ignore: (x, t) => E.crossEntropy(x!, t!, { ignoreIndex: 255 }), mse: (a, b) => E.mseLoss(a!, b!),
  l1: (a, b) => E.l1Loss(a!, b!), smooth_l1: (a, b) => E.smoothL1Loss(a!, b!, 0.5), bce_logits: (a, b) => E.binaryCrossEntropyWithLogits(a!, b!),
  sdpa: (q, k, v) => E.scaledDotProductAttention(q!, k!, v!), sdpa_causal: (q, k, v) => E.scaledDotProductAttention(q!, k!, v!, { causal: true }),
  sdpa_mask: (q, k, v, m) => E.scaledDotProductAttention(q!, k!, v!, { mask: m }),
  vit_block: (x, ...w) => vitBlock(x!, ...w),
};

const golden = new SafetensorsReader(join(dir, 'golden.safetensors'));
// ZOOCLIP_TEST_DEVICE=cuda:0 replays every case on the GPU (TF32 off, so tolerances hold).
const DEVICE = process.env.ZOOCLIP_TEST_DEVICE ?? 'cpu';
E.setAllowTF32(false);
const read = (name: string) => golden.read(name, DEVICE);

test(`golden files cover every parity case (made with torch ${manifest.torch})`, () => {
  const missing = manifest.cases.map((c) => c.name).filter((n) => !(n in CASES));
  assert.deepEqual(missing, [], 'cases in golden.json without a zooclip replay');
  assert.ok(manifest.cases.length >= 100);
});

for (const c of manifest.cases) {
  test(`parity: ${c.name} on ${DEVICE}`, () => {
    const before = E.liveTensors();
    tidy(() => {
      const ins = Array.from({ length: c.inputs }, (_, i) => {
        const x = read(`${c.name}.in${i}`);
        if (c.grads.includes(i)) x.requiresGrad = true;
        return x;
      });
      const out = CASES[c.name]!(...ins);
      const outs = Array.isArray(out) ? out : [out];
      assert.equal(outs.length, c.outputs, 'number of outputs');
      const tol = c.tol ?? {};
      outs.forEach((o, i) => assertClose(o.dtype === 'bool' ? o.to('float32') : o, golden.read(`${c.name}.out${i}`), `${c.name} out${i}`, tol));
      if (c.grads.length) {
        const diff = outs.filter((o) => o.requiresGrad);
        backward(diff, diff.map((_, i) => read(`${c.name}.up${i}`)));
        for (const i of c.grads) {
          const g = c.name === 'vit_block' && i > 0
            ? lastBlock!.stateDict().get(manifest.vit_block_weights[i - 1]!)!.grad
            : ins[i]!.grad;
          assert.ok(g, `${c.name}: input ${i} got no gradient`);
          assertClose(g, golden.read(`${c.name}.grad${i}`), `${c.name} grad${i}`, tol);
        }
      }
    });
    lastBlock?.dispose();
    lastBlock = null;
    assert.equal(E.liveTensors(), before, `${c.name} leaked tensors`);
  });
}
