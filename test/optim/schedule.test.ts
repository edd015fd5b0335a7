// Learning-rate schedules at their key steps, and applying one to an optimizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, liveTensors, zeros } from '../../src/engine/index.js';
import { AdamW } from '../../src/optim/adamw.js';
import { applySchedule, warmupConstant, warmupCosine, warmupStep } from '../../src/optim/schedule.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b), `${a} vs ${b}`);

test('warmupCosine: linear warmup, base at the end of warmup, half-way, floor at and after the end', () => {
  const lr = warmupCosine({ baseLr: 1e-3, warmupSteps: 100, totalSteps: 1100, minLr: 1e-5 });
  close(lr(0), 1e-5);
  close(lr(49), 5e-4);
  close(lr(99), 1e-3);
  close(lr(100), 1e-3);
  close(lr(600), 1e-5 + (1e-3 - 1e-5) / 2);
  close(lr(350), 1e-5 + ((1e-3 - 1e-5) * (1 + Math.cos(Math.PI / 4))) / 2);
  close(lr(1100), 1e-5);
  close(lr(5000), 1e-5);
  const noWarm = warmupCosine({ baseLr: 0.1, totalSteps: 10 });
  close(noWarm(0), 0.1);
  close(noWarm(10), 0);
  for (let s = 101; s < 1100; s += 97) assert.ok(lr(s) < lr(s - 1), 'decreasing after warmup');
});

test('warmupConstant and warmupStep', () => {
  const c = warmupConstant({ baseLr: 0.1, warmupSteps: 10 });
  close(c(0), 0.01);
  close(c(4), 0.05);
  close(c(9), 0.1);
  close(c(1e6), 0.1);
  const m = warmupStep({ baseLr: 0.1, warmupSteps: 5, milestones: [30, 60], gamma: 0.1 });
  close(m(2), 0.06);
  close(m(29), 0.1);
  close(m(30), 0.01);
  close(m(60), 0.001);
  const e = warmupStep({ baseLr: 1, every: 10, gamma: 0.5 });
  close(e(9), 1);
  close(e(10), 0.5);
  close(e(25), 0.25);
});

test('schedules reject bad settings and steps', () => {
  assert.throws(() => warmupCosine({ baseLr: 1, warmupSteps: 10, totalSteps: 10 }), /totalSteps/);
  assert.throws(() => warmupCosine({ baseLr: 1, totalSteps: 10, minLr: 2 }), /minLr/);
  assert.throws(() => warmupConstant({ baseLr: -1 }), /baseLr/);
  assert.throws(() => warmupStep({ baseLr: 1, milestones: [5, 3] }), /increasing/);
  assert.throws(() => warmupConstant({ baseLr: 1 })(-1), /step/);
});

test('applySchedule sets every group of an optimizer and returns the lr', () => {
  const before = liveTensors();
  const p = keep(zeros([2]).requiresGrad_()), q = keep(zeros([3]).requiresGrad_());
  const opt = new AdamW([{ params: [p] }, { params: [q], hyper: { lr: 5 } }], { lr: 1 });
  const lr = warmupCosine({ baseLr: 0.02, warmupSteps: 4, totalSteps: 20 });
  assert.equal(applySchedule(opt, lr, 1), 0.01);
  assert.deepEqual(opt.groups.map((g) => g.hyper.lr), [0.01, 0.01]);
  opt.dispose();
  p.dispose();
  q.dispose();
  assert.equal(liveTensors(), before);
});
