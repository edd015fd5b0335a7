// tidy/keep scopes and leak accounting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, liveTensors, ones, scopeDepth, tidy, zeros, type Tensor } from '../../src/engine/index.js';

test('tidy disposes temporaries and keeps what fn returns', () => {
  const before = liveTensors();
  const out = tidy(() => {
    const a = ones([3]);
    const b = a.add(1);
    return { sum: b.mul(2), list: [b.sub(1)] };
  });
  assert.equal(liveTensors(), before + 2);
  assert.deepEqual(out.sum.toArray(), [4, 4, 4]);
  out.sum.dispose();
  out.list[0]!.dispose();
  assert.equal(liveTensors(), before);
});

test('returned tensors move to the enclosing scope, kept ones survive all scopes', () => {
  const before = liveTensors();
  let kept: Tensor | null = null;
  tidy(() => {
    const inner = tidy(() => ones([2]).add(1));
    assert.equal(inner.isDisposed, false);
    kept = keep(zeros([2]));
    return null;
  });
  assert.equal(liveTensors(), before + 1);
  assert.equal(kept!.isDisposed, false);
  kept!.dispose();
  assert.equal(liveTensors(), before);
});

test('a throw inside tidy still frees its tensors and pops the scope', () => {
  const before = liveTensors();
  assert.throws(() => tidy(() => { ones([4]); throw new Error('boom'); }), /boom/);
  assert.equal(liveTensors(), before);
  assert.equal(scopeDepth(), 0);
});

test('tidy refuses async functions (scopes are synchronous)', () => {
  assert.throws(() => tidy(async () => 1), /synchronous/);
});

test('Symbol.dispose frees a tensor with `using`-style disposal', () => {
  const before = liveTensors();
  const t = ones([1]);
  t[Symbol.dispose]();
  assert.equal(t.isDisposed, true);
  assert.equal(liveTensors(), before);
});
