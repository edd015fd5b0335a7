// Contrastive and distillation losses: local (data-parallel) forms average to the global loss,
// logit-scale clamping, multi-caption and DataCompDR weighting, teacher distributions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eye, full, liveTensors, manualSeed, normalize, randn, tidy, type Tensor } from '../../src/engine/index.js';
import {
  clampLogitScale, clipLoss, dataCompDRLoss, distillLoss, multiCaptionLoss, siglipLoss, teacherProbs, MAX_LOGIT_SCALE,
} from '../../src/losses/index.js';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);
const unit = (b: number, d: number) => normalize(randn([b, d]), 2, 1);

function leakFree(name: string, fn: () => void): void {
  test(name, () => {
    const before = liveTensors();
    tidy(fn);
    assert.equal(liveTensors(), before, 'leaked tensors');
  });
}

/** Mean over `world` ranks of f(rank, rows of that rank). */
function overRanks(world: number, local: number, f: (rank: number, rows: (x: Tensor) => Tensor) => Tensor): number {
  let s = 0;
  for (let r = 0; r < world; r++) s += f(r, (x) => x.narrow(0, r * local, local)).item();
  return s / world;
}

leakFree('local forms averaged over ranks equal the global losses', () => {
  manualSeed(7);
  const world = 3, b = 4, n = world * b;
  const img = unit(n, 8), txt = unit(n, 8), syn = unit(n, 8), s = full([], 12), bias = full([], -2);
  const ti = randn([n, 12]), tt = randn([n, 12]), ts = randn([n, 12]);
  const all = (rank: number) => ({ image: img, text: txt, rank });
  close(overRanks(world, b, (r, rows) => clipLoss(rows(img), rows(txt), s, all(r))), clipLoss(img, txt, s).item());
  close(overRanks(world, b, (r, rows) => siglipLoss(rows(img), rows(txt), s, bias, { text: txt, rank: r })), siglipLoss(img, txt, s, bias).item());
  const teacher = { image: ti, text: tt };
  close(overRanks(world, b, (r, rows) => distillLoss(rows(img), rows(txt), s, { image: rows(ti), text: rows(tt), gathered: teacher }, all(r), { numTeachers: 2 })),
    distillLoss(img, txt, s, teacher, undefined, { numTeachers: 2 }).item());
  const o = { weights: [0.25, 0.75] as const, numTeachers: 3 };
  const global = dataCompDRLoss({ image: img, logitScale: s, teacherImage: ti, real: { text: txt, teacherText: tt }, synthetic: { text: syn, teacherText: ts } }, o);
  close(overRanks(world, b, (r, rows) => dataCompDRLoss({
    image: rows(img), logitScale: s, teacherImage: rows(ti), gathered: { image: img, teacherImage: ti, rank: r },
    real: { text: rows(txt), teacherText: rows(tt), gathered: { text: txt, teacherText: tt } },
    synthetic: { text: rows(syn), teacherText: rows(ts), gathered: { text: syn, teacherText: ts } },
  }, o).loss), global.loss.item());
  assert.throws(() => clipLoss(img.narrow(0, 0, b), txt.narrow(0, 0, b), s, all(3)), /rank 3 with 4 local rows does not fit 12/);
});

leakFree('clipLoss is unchanged: the mean of both cross-entropies; siglip is small for well separated pairs', () => {
  manualSeed(8);
  const x = unit(5, 16);
  assert.ok(clipLoss(x, x, full([], 100)).item() < 1e-3);
  close(clipLoss(x, x, full([], 0)).item(), Math.log(5));
  // SigLIP at s = 0, b = 0: every pair costs log 2, so L = B log 2.
  close(siglipLoss(x, unit(5, 16), full([], 0), 0).item(), 5 * Math.log(2));
  const orth = eye(5);
  assert.ok(siglipLoss(orth, orth, full([], 100), -10).item() < 1e-3);
});

leakFree('clampLogitScale clamps the raw parameter to [0, ln 100] in place, off the graph', () => {
  const p = full([], 7).requiresGrad_();
  const same = clampLogitScale(p);
  assert.equal(same, p);
  close(p.item(), MAX_LOGIT_SCALE);
  assert.ok(p.requiresGrad);
  assert.equal(p.grad, null);
  p.setData(full([], -1));
  clampLogitScale(p);
  assert.equal(p.item(), 0);
  p.setData(full([], 2.5));
  clampLogitScale(p);
  assert.equal(p.item(), 2.5);
});

leakFree('multi-caption and DataCompDR weights combine as documented', () => {
  manualSeed(9);
  const img = unit(6, 8), real = unit(6, 8), syn = unit(6, 8), s = full([], 10);
  const ti = randn([6, 4]), tr = randn([6, 4]), ts = randn([6, 4]);
  const c = (t: Tensor) => clipLoss(img, t, s).item();
  const d = (t: Tensor, tt: Tensor) => distillLoss(img, t, s, { image: ti, text: tt }, undefined, { numTeachers: 2 }).item();
  const m = multiCaptionLoss((t) => clipLoss(img, t, s), real, syn, { real: 2, synthetic: 0.5 });
  close(m.loss.item(), 2 * c(real) + 0.5 * c(syn));
  close(multiCaptionLoss((t) => clipLoss(img, t, s), real, null).loss.item(), c(real));
  const batch = { image: img, logitScale: s, teacherImage: ti, real: { text: real, teacherText: tr }, synthetic: { text: syn, teacherText: ts } };
  const r = dataCompDRLoss(batch, { weights: [0.25, 0.75], numTeachers: 2 });
  close(r.contrastive.item(), c(real) + c(syn));
  close(r.distill.item(), d(real, tr) + d(syn, ts));
  close(r.loss.item(), 0.25 * r.contrastive.item() + 0.75 * r.distill.item());
  close(dataCompDRLoss(batch, { weights: [0, 1], numTeachers: 2 }).loss.item(), r.distill.item());
  const realOnly = dataCompDRLoss({ ...batch, synthetic: null }, { weights: [1, 1], numTeachers: 2 });
  close(realOnly.loss.item(), c(real) + d(real, tr));
});

leakFree('teacherProbs: rows are distributions averaged over teachers, with no gradient', () => {
  manualSeed(10);
  const a = randn([4, 6]).requiresGrad_(), b = randn([5, 6]);
  const p = teacherProbs(a, b, 3);
  assert.deepEqual(p.shape, [4, 5]);
  assert.ok(!p.requiresGrad);
  for (const v of p.sum(1).toArray()) close(v, 1);
  // One teacher whose embeddings are the same as the columns: the diagonal dominates at scale 100.
  const x = randn([4, 6]);
  assert.ok(teacherProbs(x, x, 1).argmax(1).toArray().every((v, i) => v === i));
  assert.throws(() => teacherProbs(a, b, 4), /do not split into 4 teachers/);
});
