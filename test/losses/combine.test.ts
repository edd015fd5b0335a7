// combineLosses: weighted total, per-part numbers in one read-back, zero weights, no leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { full, liveTensors, tidy } from '../../src/engine/index.js';
import { combineLosses } from '../../src/losses/index.js';

test('combineLosses sums weighted parts and reports every value', () => {
  const before = liveTensors();
  tidy(() => {
    const a = full([], 2).requiresGrad_(), b = full([], 3).requiresGrad_(), nan = full([], NaN).requiresGrad_();
    const { total, values } = combineLosses({ a: { loss: a, weight: 1 }, b: { loss: b, weight: 0.5 }, off: { loss: nan, weight: 0 } },
      { extra: { seg_samples: full([], 7, { dtype: 'int64' }) } });
    assert.equal(total.item(), 3.5);
    assert.equal(values.a, 2);
    assert.equal(values.b, 3);
    assert.ok(Number.isNaN(values.off!), 'a zero-weight part is logged');
    assert.equal(values.total, 3.5, 'but not added');
    assert.equal(values.seg_samples, 7);
    total.backward();
    assert.equal(a.grad!.item(), 1);
    assert.equal(b.grad!.item(), 0.5);
    assert.equal(nan.grad, null);
    const quiet = combineLosses({ a: { loss: a, weight: 2 } }, { read: false });
    assert.deepEqual(quiet.values, {});
    assert.equal(quiet.total.item(), 4);
    const zero = combineLosses({ a: { loss: a, weight: 0 } });
    assert.equal(zero.values.total, 0);
    assert.throws(() => combineLosses({ total: { loss: a, weight: 1 } }), /reserved/);
    assert.throws(() => combineLosses({ v: { loss: full([2], 1), weight: 1 } }), /not a scalar/);
  });
  assert.equal(liveTensors(), before, 'leaked tensors');
});
