// Module bookkeeping and the basic layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, noGrad, ones, randn, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { Module } from '../../src/nn/module.js';
import { BatchNorm2d, Conv2d, DropPath, Dropout, GroupNorm, Linear } from '../../src/nn/layers.js';

class Toy extends Module {
  readonly w: Tensor;
  readonly fc: Linear;
  readonly bn: BatchNorm2d;
  constructor() {
    super();
    this.w = this.param('w', ones([2]));
    this.buffer('scratch', zeros([3]), false);
    this.buffer('counts', zeros([1]));
    this.fc = this.child('fc', new Linear(4, 3));
    this.bn = this.child('bn', new BatchNorm2d(3));
  }
}

test('state dict: own params, persistent buffers, then children, in declaration order', () => {
  const m = new Toy();
  assert.deepEqual([...m.stateDict().keys()], ['w', 'counts', 'fc.weight', 'fc.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
  assert.deepEqual([...m.namedParameters()].map(([k]) => k), ['w', 'fc.weight', 'fc.bias', 'bn.weight', 'bn.bias']);
  m.eval();
  assert.equal(m.bn.training, false);
  m.train();
  assert.equal(m.fc.training, true);
  const before = liveTensors();
  const ids = m.parameters().map((p) => p.id);
  m.to('float64');
  assert.equal(m.fc.weight.dtype, 'float64');
  assert.deepEqual(m.parameters().map((p) => p.id), ids, 'to() keeps parameter identity');
  assert.equal(m.bn.num_batches_tracked.dtype, 'int64', 'integer buffers are not cast');
  assert.equal(liveTensors(), before);
  m.dispose();
});

test('BatchNorm2d updates running stats in training and uses them in eval', () => {
  manualSeed(0);
  const bn = new BatchNorm2d(2);
  tidy(() => {
    const x = randn([8, 2, 4, 4]).mul(3).add(5);
    bn.forward(x);
    const mean = bn.running_mean.toArray();
    assert.ok(mean.every((v) => v > 0.3 && v < 0.7), `running mean after one step ${mean}`);
    assert.equal(bn.num_batches_tracked.item(), 1);
    bn.eval();
    const y = noGrad(() => bn.forward(x));
    assert.ok(Math.abs(y.mean().item()) > 1, 'eval normalises with running statistics, not the batch');
  });
  bn.dispose();
});

test('GroupNorm, Conv2d shapes; DropPath drops whole samples; Dropout is identity in eval', () => {
  manualSeed(1);
  const gn = new GroupNorm(2, 4), conv = new Conv2d(4, 6, 3, { padding: 1, groups: 2 }), dp = new DropPath(0.5), drop = new Dropout(0.5);
  tidy(() => {
    const x = randn([16, 4, 5, 5]);
    assert.deepEqual(conv.forward(gn.forward(x)).shape, [16, 6, 5, 5]);
    const y = dp.forward(ones([16, 3]));
    const rows = y.sum(1).toArray();
    assert.ok(rows.every((r) => r === 0 || Math.abs(r - 6) < 1e-6), `DropPath rows ${rows}`);
    assert.ok(rows.some((r) => r === 0) && rows.some((r) => r !== 0));
    drop.eval();
    assert.deepEqual(drop.forward(ones([3])).toArray(), [1, 1, 1]);
  });
  [gn, conv, dp, drop].forEach((m) => m.dispose());
  assert.throws(() => new GroupNorm(3, 4), /do not split into 3 groups/);
});
