// Verdicts weigh a difference against the seeds' spread (or the metric's floor with one seed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, meanStd, overall, verdictBetter, verdictMatches } from '../../src/stages/demo/verdict.js';

test('meanStd: sample standard deviation', () => {
  const r = meanStd([1, 2, 3, 4]);
  assert.equal(r.mean, 2.5);
  assert.ok(Math.abs(r.std - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanStd([7]), { mean: 7, std: 0, n: 1 });
});

test('compare: signs follow the metric direction; the noise is the standard error of the difference, floored', () => {
  const c = compare([0.41, 0.43], [0.35, 0.36], true, 0.001);
  assert.ok(Math.abs(c.gain - 0.065) < 1e-12);
  const se = Math.sqrt(meanStd([0.41, 0.43]).std ** 2 / 2 + meanStd([0.35, 0.36]).std ** 2 / 2);
  assert.ok(Math.abs(c.noise - se) < 1e-12);
  assert.equal(verdictBetter(c), 'reproduced');
  // RMSE: lower is better.
  const d = compare([2.0], [2.5], false, 0.1);
  assert.ok(Math.abs(d.gain - 0.5) < 1e-12 && Math.abs(d.relative - 0.2) < 1e-12 && d.noise === 0.1);
  assert.equal(verdictBetter(compare([2.45], [2.5], false, 0.1)), 'inconclusive', 'within the floor');
  assert.equal(verdictBetter(compare([3.0], [2.5], false, 0.1)), 'not reproduced');
});

test('matches: reproduced only when the interval shows closeness; a noisy non-difference is inconclusive', { timeout: 10_000 }, () => {
  // gain -0.01, noise 0.0141: the interval [-0.038, 0.018] lies within a 5-point margin, not within a 2-point one.
  assert.equal(verdictMatches(compare([0.50, 0.52], [0.51, 0.53], true, 0.01), 0.05), 'reproduced');
  assert.equal(verdictMatches(compare([0.50, 0.52], [0.51, 0.53], true, 0.01), 0.02), 'inconclusive');
  // The case the issue names: depth 4.57 ± 2.31 (3 seeds) vs 3.19 is not "matching", only noisy.
  assert.equal(verdictMatches(compare([2.3, 4.6, 6.9], [3.19], false, 0.05), 0.05 * 3.19), 'inconclusive');
  assert.equal(verdictMatches(compare([0.30, 0.31], [0.50, 0.51], true, 0.01), 0.02), 'not reproduced');
  assert.deepEqual([overall(['reproduced', 'reproduced']), overall(['reproduced', 'not reproduced']), overall(['not reproduced', 'inconclusive'])],
    ['reproduced', 'inconclusive', 'not reproduced']);
});
