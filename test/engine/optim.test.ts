// Optimizers against torch.optim trajectories (golden), and exact save/restore of their state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { keep, liveTensors, randn, tidy, manualSeed, type Tensor } from '../../src/engine/index.js';
import { AdamW } from '../../src/optim/adamw.js';
import { SGD } from '../../src/optim/sgd.js';
import { clipGradNorm, gradsFinite } from '../../src/optim/clip_grad.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { SafetensorsReader, loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { assertClose } from '../helpers/assert_close.js';

const golden = new SafetensorsReader(join(process.cwd(), 'test', 'parity', 'golden.safetensors'));
const tol = { rtol: 1e-5, atol: 1e-6 };
// ZOOCLIP_TEST_DEVICE=cuda:0 runs the trajectories on the GPU (the multi-tensor path).
const DEVICE = process.env.ZOOCLIP_TEST_DEVICE ?? 'cpu';
const read = (name: string) => golden.read(name, DEVICE);

function trajectory(kind: string, make: (p: Tensor, q: Tensor) => Optimizer<unknown>): void {
  const before = liveTensors();
  const p = keep(read('optim.p0').requiresGrad_()), q = keep(read('optim.q0').requiresGrad_());
  const opt = make(p, q);
  for (let i = 0; i < 3; i++) {
    tidy(() => {
      p.grad = read(`optim.g${i}`);
      q.grad = read(`optim.h${i}`);
      opt.step();
      assertClose(p, golden.read(`optim.${kind}.p${i}`), `${kind} p step ${i}`, tol);
      assertClose(q, golden.read(`optim.${kind}.q${i}`), `${kind} q step ${i}`, tol);
    });
  }
  opt.zeroGrad();
  assert.equal(p.grad, null);
  opt.dispose();
  p.dispose();
  q.dispose();
  assert.equal(liveTensors(), before, 'optimizer leaked tensors');
}

test('AdamW with two parameter groups matches torch.optim.AdamW', () => {
  trajectory('adamw', (p, q) => new AdamW([{ params: [p] }, { params: [q], hyper: { weightDecay: 0, lr: 0.05 } }],
    { lr: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.2 }));
});

test('SGD with Nesterov momentum and weight decay matches torch.optim.SGD', () => {
  trajectory('sgd', (p, q) => new SGD([p, q], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }));
});

test('SGD with dampening matches torch.optim.SGD', () => {
  trajectory('sgd_damp', (p, q) => new SGD([p, q], { lr: 0.1, momentum: 0.5, dampening: 0.3 }));
});

test('clipGradNorm returns the total norm and scales as torch.nn.utils.clip_grad_norm_', () => {
  tidy(() => {
    const p = read('optim.p0').requiresGrad_(), q = read('optim.q0').requiresGrad_();
    p.grad = read('optim.g0');
    q.grad = read('optim.h0');
    const norm = clipGradNorm([p, q], 1.5);
    assert.ok(Math.abs(norm - golden.read('optim.clip.norm').item()) < 1e-5);
    assertClose(p.grad!, golden.read('optim.clip.g'), 'clipped g', tol);
    assertClose(q.grad!, golden.read('optim.clip.h'), 'clipped h', tol);
    assert.ok(gradsFinite([p, q]));
    p.grad = p.grad!.mul(Number.NaN);
    assert.equal(gradsFinite([p, q]), false);
  });
});

test('AdamW state saved to safetensors and restored continues exactly', () => {
  manualSeed(7);
  const dir = mkdtempSync(join(tmpdir(), 'zc-optim-'));
  const start = tidy(() => [keep(randn([8, 4])), keep(randn([4]))]);
  const grads = tidy(() => Array.from({ length: 6 }, () => [keep(randn([8, 4])), keep(randn([4]))]));
  const run = (from: number, to: number, params: Tensor[], opt: AdamW) => {
    for (let i = from; i < to; i++) {
      params.forEach((p, j) => { p.grad = grads[i]![j]!.clone(); });
      opt.step();
    }
  };
  const a = start.map((s) => keep(s.clone().requiresGrad_()));
  const optA = new AdamW(a, { lr: 0.01, weightDecay: 0.1 });
  tidy(() => run(0, 6, a, optA));

  const b = start.map((s) => keep(s.clone().requiresGrad_()));
  const optB = new AdamW(b, { lr: 0.01, weightDecay: 0.1 });
  tidy(() => run(0, 3, b, optB));
  const sd = optB.stateDict();
  saveSafetensors(join(dir, 'opt.safetensors'), sd.tensors);
  const c = b.map((p) => keep(p.detach().clone().requiresGrad_()));
  const optC = new AdamW(c, { lr: 0.5 });
  const loaded = loadSafetensors(join(dir, 'opt.safetensors'));
  optC.loadStateDict({ tensors: loaded.tensors, meta: JSON.parse(JSON.stringify(sd.meta)) });
  for (const t of loaded.tensors.values()) t.dispose();
  tidy(() => run(3, 6, c, optC));
  a.forEach((p, i) => assert.deepEqual(c[i]!.toArray(), p.toArray(), 'resumed AdamW must match bit for bit'));
  for (const x of [...start, ...grads.flat(), ...a, ...b, ...c]) x.dispose();
  optA.dispose(); optB.dispose(); optC.dispose();
});
