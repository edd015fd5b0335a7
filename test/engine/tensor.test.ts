// Tensor basics: creation, dtypes, data export, randomness, autograd, and errors that name the op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange, full, linspace, manualSeed, noGrad, ones, rand, randint, randn, tensor, tidy, zeros, liveTensors, enableGrad,
  isGradEnabled, add, conv2d, type DType, cat, autocast, dropout, getNumThreads, setNumThreads, configureRuntime, loadedBlas, buildInfo, cudaAvailable,
} from '../../src/engine/index.js';
import { cpus } from 'node:os';

test('tensor() from nested arrays and typed arrays keeps values, shape and dtype', () => tidy(() => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.toArray(), [1, 2, 3, 4, 5, 6]);
  const b = tensor(new Int32Array([7, 8, 9, 10]), { shape: [2, 2] });
  assert.equal(b.dtype, 'int32');
  assert.deepEqual(b.toArray(), [7, 8, 9, 10]);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => tensor(new Float32Array(5), { shape: [2, 3] }), /needs 24 bytes.*holds 20/);
}));

test('every dtype round-trips through creation, cast and export', () => tidy(() => {
  const dtypes: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];
  for (const d of dtypes) {
    const x = tensor([0, 1, 2, 3], { dtype: d });
    assert.equal(x.dtype, d, `dtype ${d}`);
    const expect = d === 'bool' ? [0, 1, 1, 1] : [0, 1, 2, 3];
    assert.deepEqual(x.toArray(), expect, `values of ${d}`);
  }
  assert.equal(tensor([1.5], { dtype: 'bfloat16' }).data().constructor.name, 'Uint16Array');
  assert.equal(tensor([3], { dtype: 'int64' }).data()[0], 3n);
  const bits = tensor([1.5, -2], { dtype: 'bfloat16' }).data() as Uint16Array;
  assert.deepEqual(tensor(bits, { dtype: 'bfloat16' }).toArray(), [1.5, -2], 'raw bfloat16 bits round-trip');
}));

test('factories: zeros, ones, full, arange, linspace', () => tidy(() => {
  assert.deepEqual(zeros([2, 2]).toArray(), [0, 0, 0, 0]);
  assert.deepEqual(ones([3], { dtype: 'int32' }).toArray(), [1, 1, 1]);
  assert.deepEqual(full([2], 2.5).toArray(), [2.5, 2.5]);
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(arange(5).dtype, 'int64');
  assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(full([1], 3).item(), 3);
}));

test('manualSeed makes rand, randn and randint repeat exactly', () => tidy(() => {
  manualSeed(42);
  const a = [rand([5]).toArray(), randn([5]).toArray(), randint(0, 10, [5]).toArray()];
  manualSeed(42);
  const b = [rand([5]).toArray(), randn([5]).toArray(), randint(0, 10, [5]).toArray()];
  assert.deepEqual(a, b);
  assert.ok((a[2] as number[]).every((v) => v >= 0 && v < 10 && Number.isInteger(v)));
  manualSeed(43);
  assert.notDeepEqual(rand([5]).toArray(), a[0]);
}));

test('autograd: backward, accumulation across calls, noGrad, detach', () => tidy(() => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [5, 7, 9], 'gradients accumulate across backward calls');
  x.grad = null;
  assert.equal(x.grad, null);
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(x.detach().requiresGrad, false);
  noGrad(() => {
    assert.equal(isGradEnabled(), false);
    enableGrad(() => assert.equal(isGradEnabled(), true));
  });
  assert.throws(() => tensor([1]).backward(), /does not require grad/);
}));

test('libtorch errors name the op, the arguments shapes and the cause', () => tidy(() => {
  const a = zeros([2, 3]), b = zeros([4]);
  assert.throws(() => add(a, b), /aten::add\.Tensor\(self=float32\[2,3\], other=float32\[4\].*size of tensor a \(3\) must match/);
  assert.throws(() => conv2d(zeros([1, 3, 8, 8]), zeros([4, 2, 3, 3])), /aten::conv2d\(input=float32\[1,3,8,8\], weight=float32\[4,2,3,3\].*channels/);
  assert.throws(() => cat([zeros([2]), zeros([2], { dtype: 'int64' }).reshape([1, 2])]), /aten::cat/);
}));

test('using a disposed tensor is a clear error, never a crash', () => {
  const x = zeros([3]);
  const y = zeros([3]);
  x.dispose();
  x.dispose();
  assert.throws(() => add(y, x), /disposed/);
  assert.throws(() => x.toArray(), /disposed/);
  y.dispose();
});

test('threads default to the core count and can be changed', () => {
  configureRuntime();
  assert.equal(getNumThreads(), Number(process.env.ZOOCLIP_NUM_THREADS ?? cpus().length));
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  setNumThreads(cpus().length);
  assert.throws(() => setNumThreads(0), /at least 1/);
});

test('Debian libtorch runs on the OpenMP OpenBLAS (no BLAS thread oversubscription)', (t) => {
  const blas = loadedBlas().filter((p) => /openblas/.test(p));
  if (!blas.length) return t.skip('this libtorch does not use OpenBLAS');
  assert.ok(blas.every((p) => p.includes('openblas-openmp')), `mapped BLAS: ${blas.join(', ')}`);
  assert.match(buildInfo().parallelInfo, /OpenMP/);
});

test('CUDA tensors work when this build has CUDA', (t) => {
  if (!cudaAvailable()) return t.skip('no CUDA device');
  tidy(() => {
    const x = randn([4, 4], { device: 'cuda:0' });
    assert.equal(x.device, 'cuda:0');
    assert.deepEqual(x.to('cpu').toArray().length, 16);
  });
});

test('bf16 autocast on CUDA runs matmuls in bfloat16 and keeps gradients float32', (t) => {
  if (!cudaAvailable()) return t.skip('no CUDA device');
  tidy(() => {
    const w = randn([8, 8], { device: 'cuda:0' }).requiresGrad_();
    const y = autocast('cuda', 'bfloat16', () => randn([4, 8], { device: 'cuda:0' }).matmul(w));
    assert.equal(y.dtype, 'bfloat16');
    y.to('float32').sum().backward();
    assert.equal(w.grad!.dtype, 'float32');
  });
});

test('live tensor count returns to where it was', () => {
  const before = liveTensors();
  tidy(() => { for (let i = 0; i < 100; i++) randn([10]).add(1).mul(2); });
  assert.equal(liveTensors(), before);
});

test('dropout zeroes about p of the values and rescales the rest; identity in eval', () => tidy(() => {
  manualSeed(5);
  const x = ones([10000]);
  const y = dropout(x, 0.3, true).toArray();
  const zeros = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(zeros - 0.3) < 0.03, `dropped share ${zeros}`);
  assert.ok(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  assert.deepEqual(dropout(x, 0.3, false).toArray().slice(0, 3), [1, 1, 1]);
  assert.throws(() => dropout(x, 1.5, true), /p must be in \[0, 1\]/);
}));
