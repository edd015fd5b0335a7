// Data-efficiency subsets of a probe training split: one seeded permutation per seed, each
// fraction taking its first share, so the 1% subset lies inside the 10% one, and so on.
import { Rng } from '../../data/loader/index.js';

/** Samples a fraction of n keeps: round(f * n), at least 2 (a batch-normalised head needs 2), at most n. */
export function subsetSize(n: number, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`probe: fractions must be in (0, 1], got ${fraction}`);
  return Math.min(n, Math.max(2, Math.round(fraction * n)));
}

/**
 * Sample indices per fraction, nested (smaller fractions are prefixes of larger ones) and
 * chosen by `seed`; each list is sorted.
 * @example nestedSubsets(1000, [0.01, 0.1, 1], 0) // [[10 indices], [100 indices containing them], [0..999]]
 */
export function nestedSubsets(n: number, fractions: readonly number[], seed: number): number[][] {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`probe: need at least 2 training samples, got ${n}`);
  const rng = new Rng(seed, 0x5b5e7);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
  return fractions.map((f) => order.slice(0, subsetSize(n, f)).sort((a, b) => a - b));
}
