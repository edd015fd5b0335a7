// The shared training loop on a two-weight least-squares problem: the synchronous and async drivers
// take identical steps, micro-batches accumulate, non-finite steps are skipped and counted (and
// too many in a row stop the run after saving), checkpoints and metrics come at their cadence, and
// a rank that sees a non-finite loss makes every rank skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { keep, liveTensors, tensor, type Tensor } from '../../src/engine/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { MetricsLog, readMetrics } from '../../src/training/metrics.js';
import { trainLoop, trainLoopSync, type LoopCounters, type SaveReason, type TrainLoopSpec } from '../../src/training/loop.js';

/** Rows x of a batch; the target is x . [2, -1]. */
type Rows = number[][];

function batchSource(): () => Rows {
  let i = 0;
  return () => {
    const out: Rows = [];
    for (let k = 0; k < 4; k++, i++) out.push([Math.sin(i), Math.cos(3 * i)]);
    return out;
  };
}

function lsq(w: Tensor): (b: Rows) => { total: Tensor; values: Record<string, number> } {
  return (b) => {
    const x = tensor(b.flat(), { shape: [b.length, 2] });
    const y = tensor(b.map(([p, q]) => 2 * p! - q!));
    const total = x.matmul(w).sub(y).square().mean();
    return { total, values: { total: total.item(), rows: b.length } };
  };
}

function setup(): { w: Tensor; opt: SGD; spec: TrainLoopSpec<Rows>; done: () => void } {
  const w = keep(tensor([0, 0]).requiresGrad_());
  const opt = new SGD([w], { lr: 0.1 });
  const spec: TrainLoopSpec<Rows> = { who: 'lsq', params: [w], opt, setLr: () => { opt.setLr(0.1); return 0.1; }, lossOf: lsq(w), steps: 30, samplesPerStep: 4 };
  return { w, opt, spec, done: () => { opt.dispose(); w.dispose(); } };
}

test('the sync and async drivers take identical steps; the loss falls; nothing leaks', { timeout: 60_000 }, async () => {
  const before = liveTensors();
  const a = setup(), b = setup();
  const la: number[] = [], lb: number[] = [];
  const ra = trainLoopSync({ ...a.spec, onStep: (r) => la.push(r.values.total!) }, batchSource());
  const next = batchSource();
  const rb = await trainLoop({ ...b.spec, onStep: (r) => lb.push(r.values.total!) }, async () => next());
  assert.deepEqual(la, lb);
  assert.deepEqual(a.w.toArray(), b.w.toArray());
  assert.deepEqual(ra.counters, { step: 30, skipped: 0, badInARow: 0, samples: 120 });
  assert.deepEqual(rb.counters, ra.counters);
  assert.ok(la.at(-1)! < 0.05 * la[0]!, `loss ${la[0]} -> ${la.at(-1)}`);
  a.done();
  b.done();
  assert.equal(liveTensors(), before);
});

test('micro-batches: the loss sees each micro index, values are their mean, batches are disposed', { timeout: 60_000 }, () => {
  const s = setup();
  const seen: string[] = [], disposed: Rows[] = [];
  let n = 0;
  const r = trainLoopSync({
    ...s.spec, steps: 3, accum: 2, samplesPerStep: 8, lossOf: (b, step, m) => { seen.push(`${step}.${m}`); return lsq(s.w)(b); },
    disposeBatch: (b) => disposed.push(b), onStep: (x) => assert.equal(x.values.rows, 4),
  }, () => { n++; return batchSource()(); });
  assert.deepEqual(seen, ['0.0', '0.1', '1.0', '1.1', '2.0', '2.1']);
  assert.equal(n, 6);
  assert.equal(disposed.length, 6);
  assert.equal(r.counters.samples, 24);
  s.done();
});

test('a non-finite step is skipped and counted; too many in a row save and stop', { timeout: 60_000 }, () => {
  const s = setup(), lines: string[] = [];
  let wAt2: number[] = [];
  trainLoopSync({
    ...s.spec, steps: 4, log: (l) => lines.push(l), hooks: { corruptLoss: (step) => step === 2 },
    onStep: (x) => { if (x.step === 2) wAt2 = s.w.toArray() as number[]; if (x.step === 3) { assert.equal(x.stepped, false); assert.deepEqual(s.w.toArray(), wAt2); } },
  }, batchSource());
  assert.deepEqual(lines, ['step 2: non-finite loss or gradients, skipped (1 in a row, 1 in all)']);
  const saves: [SaveReason, number][] = [];
  assert.throws(() => trainLoopSync({
    ...s.spec, steps: 10, maxBadSteps: 3, hooks: { corruptLoss: (step) => step >= 1 },
    checkpoint: { every: 0, save: (reason, c) => { saves.push([reason, c.step]); return { at: `ckpt-${c.step}` }; }, newest: () => '' },
  }, batchSource()), /^Error: lsq: 3 non-finite steps in a row \(guard.maxBadSteps 3\); stopped at step 4, last good weights saved in ckpt-4$/);
  assert.deepEqual(saves, [['non-finite', 4]]);
  assert.throws(() => trainLoopSync({ ...s.spec, steps: 10, maxBadSteps: 2, hooks: { corruptLoss: () => true } }, batchSource()),
    /stopped at step 2, the weights are not saved \(no checkpoint policy\)$/, 'a single process without a policy does not point at a rank 0');
  s.done();
});

test('checkpoints every N steps and at the end, resumed counters, metrics lines at the log cadence', { timeout: 60_000 }, () => {
  const s = setup(), out = mkdtempSync(join(tmpdir(), 'zc-loop-'));
  const saves: [SaveReason, LoopCounters][] = [];
  const r = trainLoopSync({
    ...s.spec, steps: 7, start: { step: 2, skipped: 1 }, logEvery: 2, metrics: new MetricsLog(join(out, 'metrics.jsonl')),
    describe: (v) => ({ loss: { total: v.total! }, logitScale: 2 }),
    checkpoint: { every: 2, save: (reason, c) => { saves.push([reason, { ...c }]); return c.step === 4 ? { bad: "model.safetensors 'w'" } : { at: `ckpt-${c.step}` }; }, newest: () => '' },
  }, batchSource());
  assert.deepEqual(saves.map(([reason, c]) => [reason, c.step, c.skipped]), [['periodic', 4, 1], ['periodic', 6, 1], ['final', 7, 1]]);
  assert.equal(r.checkpoint, 'ckpt-7');
  assert.equal(r.startStep, 2);
  const m = readMetrics(join(out, 'metrics.jsonl'));
  assert.deepEqual(m.map((x) => x.step), [4, 6, 7]);
  assert.ok(m.every((x) => x.logitScale === 2 && x.temperature === 0.5 && x.skipped === 1 && Object.keys(x.loss).join() === 'total'));
  assert.equal(r.firstLoss, m[0]!.loss.total);
  assert.equal(r.lastLoss, m[2]!.loss.total);
  s.done();
});

test('ranks: a non-finite loss on another rank skips the step everywhere; logged values are the ranks\' mean', { timeout: 60_000 }, () => {
  const s = setup();
  const steps: { stepped: boolean; rows: number }[] = [];
  let synced = 0;
  // A fake second rank: always finite, with twice this rank's row count in its values.
  const ranks = { worldSize: 2, sum: (v: number[]) => v.map((x, i) => (i === 0 ? x + (steps.length === 1 ? 1 : 0) : i === 1 ? 3 * x : 2 * x)) };
  trainLoopSync({ ...s.spec, steps: 3, hooks: { ranks, gradSync: () => synced++ }, onStep: (x) => steps.push({ stepped: x.stepped, rows: x.values.rows! }) }, batchSource());
  assert.deepEqual(steps.map((x) => x.stepped), [true, false, true]);
  assert.deepEqual(steps.map((x) => x.rows), [6, 6, 6]);
  assert.equal(synced, 2);
  s.done();
});

test('bad loop options are errors naming the trainer and the option', { timeout: 10_000 }, () => {
  const s = setup();
  assert.throws(() => trainLoopSync({ ...s.spec, accum: 0 }, batchSource()), /^Error: lsq: training loop option accum must be an integer >= 1, got 0$/);
  assert.throws(() => trainLoopSync({ ...s.spec, steps: 2.5 }, batchSource()), /lsq: training loop option steps must be an integer >= 0, got 2.5/);
  assert.throws(() => trainLoopSync({ ...s.spec, checkpoint: { every: -1, save: () => ({ at: '' }), newest: () => '' } }, batchSource()), /lsq: checkpoint every must be an integer >= 0, got -1/);
  s.done();
});
