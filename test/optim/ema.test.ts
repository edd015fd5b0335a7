// EMA of weights: the update arithmetic (with and without warmup), swapping in and out without
// losing identities, copyTo, save/restore through safetensors, and no leaked tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { full, liveTensors, noGrad, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { Module } from '../../src/nn/module.js';
import { EMA } from '../../src/optim/ema.js';
import { SGD } from '../../src/optim/sgd.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';

class Tiny extends Module {
  readonly w: Tensor;
  readonly steps: Tensor;
  constructor(v: number) {
    super();
    this.w = this.param('w', full([2], v));
    this.steps = this.buffer('steps', full([], 0, { dtype: 'int64' }));
  }
}

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
const set = (t: Tensor, v: number) => noGrad(() => t.fill_(v));

function leakFree(name: string, fn: () => void): void {
  test(name, () => {
    const before = liveTensors();
    tidy(fn);
    assert.equal(liveTensors(), before, 'leaked tensors');
  });
}

leakFree('update: ema = d * ema + (1 - d) * w, integer buffers copied', () => {
  const m = new Tiny(0);
  const ema = new EMA(m, 0.9);
  set(m.w, 1);
  set(m.steps, 3);
  assert.equal(ema.update(), 0.9);
  close(ema.stateDict().tensors.get('w')!.toArray()[0]!, 0.1);
  assert.equal(ema.stateDict().tensors.get('steps')!.item(), 3);
  ema.update();
  close(ema.stateDict().tensors.get('w')!.toArray()[1]!, 0.19);
  assert.equal(ema.updates, 2);
  ema.dispose();
  m.dispose();
});

leakFree('warmup: the n-th update uses min(decay, (1 + n) / (warmup + n))', () => {
  const m = new Tiny(0);
  const ema = new EMA(m, 0.99, { warmup: 10 });
  set(m.w, 1);
  close(ema.update(), 2 / 11);
  close(ema.stateDict().tensors.get('w')!.toArray()[0]!, 9 / 11);
  close(ema.decayAt(1000), 0.99);
  ema.dispose();
  m.dispose();
});

leakFree('swapIn / swapOut exchange the weights and keep the parameter (and optimizer) identity', () => {
  const m = new Tiny(1);
  const ema = new EMA(m, 0.5);
  set(m.w, 3);
  ema.update(); // ema = 2
  const id = m.w.id;
  ema.swapIn();
  assert.deepEqual(m.w.toArray(), [2, 2]);
  assert.equal(m.w.id, id);
  assert.ok(m.w.requiresGrad);
  assert.throws(() => ema.update(), /swapOut/);
  ema.swapOut();
  assert.deepEqual(m.w.toArray(), [3, 3]);
  // The optimizer still updates the module's own weights after a swap.
  const opt = new SGD([m.w], { lr: 1 });
  m.w.grad = full([2], 1);
  opt.step();
  assert.deepEqual(m.w.toArray(), [2, 2]);
  ema.swapIn();
  assert.deepEqual(m.w.toArray(), [2, 2], 'the average was not touched by the step');
  ema.swapOut();
  opt.dispose();
  const other = new Tiny(0);
  ema.copyTo(other);
  assert.deepEqual(other.w.toArray(), [2, 2]);
  other.dispose();
  ema.dispose();
  m.dispose();
});

leakFree('state save/restore through safetensors continues the same average', () => {
  const m = new Tiny(0);
  const a = new EMA(m, 0.8, { warmup: 4 });
  set(m.w, 1);
  a.update();
  a.update();
  const sd = a.stateDict();
  const path = join(mkdtempSync(join(tmpdir(), 'zooclip-ema-')), 'ema.safetensors');
  saveSafetensors(path, sd.tensors, { meta: JSON.stringify(sd.meta) });
  const loaded = loadSafetensors(path);
  const b = new EMA(m, 0.8, { warmup: 4 });
  b.loadStateDict({ tensors: loaded.tensors, meta: JSON.parse(loaded.metadata.meta!) as typeof sd.meta });
  for (const t of loaded.tensors.values()) t.dispose();
  assert.equal(b.updates, 2);
  set(m.w, 5);
  a.update();
  b.update();
  assert.deepEqual(b.stateDict().tensors.get('w')!.toArray(), a.stateDict().tensors.get('w')!.toArray());
  assert.throws(() => b.loadStateDict({ tensors: new Map([['w', tensor([1, 2])]]), meta: sd.meta }), /missing 'steps'/);
  a.dispose();
  b.dispose();
  m.dispose();
});
