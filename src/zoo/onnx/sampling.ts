// Choosing the next token from one row of logits: greedy, or nucleus (top-p) sampling with a
// temperature, drawn from a generator seeded per (seed, image key, caption index) so an image's
// captions do not depend on how images were batched.
import { Rng, mixSeed } from '../../data/loader/rng.js';

/** A 32-bit hash of a sample key (FNV-1a over its UTF-8 bytes). */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(key, 'utf8')) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/**
 * The generator of caption `index` of the image with `key`.
 * @example captionRng(0, 'shard-000/42', 3).next(); // the same number in every batch layout
 */
export function captionRng(seed: number, key: string, index: number): Rng {
  return new Rng(mixSeed(seed), keyHash(key), index);
}

/** Index of the largest logit in row `logits[off, off + v)` (the first one on ties). */
export function argmaxRow(logits: Float32Array, off: number, v: number): number {
  let best = 0, max = -Infinity;
  for (let k = 0; k < v; k++) {
    if (logits[off + k] > max) { max = logits[off + k]; best = k; }
  }
  return best;
}

/** Log-probabilities of one row (float64). */
export function logSoftmaxRow(logits: Float32Array, off: number, v: number): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < v; k++) max = Math.max(max, logits[off + k]);
  let sum = 0;
  for (let k = 0; k < v; k++) sum += Math.exp(logits[off + k] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(v);
  for (let k = 0; k < v; k++) out[k] = logits[off + k] - lse;
  return out;
}

/**
 * Samples a token from the smallest set of most likely tokens whose probability reaches `topP`
 * (after dividing logits by `temperature`); temperature 0 is greedy.
 *
 * @example sampleTopP(logits, row * vocab, vocab, 0.9, 1, captionRng(0, key, i));
 */
export function sampleTopP(logits: Float32Array, off: number, v: number, topP: number, temperature: number, rng: Rng): number {
  if (temperature <= 0 || topP <= 0) return argmaxRow(logits, off, v);
  let max = -Infinity;
  for (let k = 0; k < v; k++) max = Math.max(max, logits[off + k]);
  const p = new Float64Array(v);
  let sum = 0;
  for (let k = 0; k < v; k++) sum += p[k] = Math.exp((logits[off + k] - max) / temperature);
  // Sorting a whole 49k vocabulary every step is slow: sort the tokens above a tiny probability
  // floor, and all tokens only when those do not reach topP.
  let order = candidates(p, sum * 1e-8);
  if (mass(p, order) < topP * sum) order = candidates(p, -1);
  const r = rng.next();
  let kept = 0, n = 0;
  for (; n < order.length; n++) {
    kept += p[order[n]];
    if (kept >= topP * sum) { n++; break; }
  }
  let acc = 0;
  const target = r * kept;
  for (let i = 0; i < n; i++) {
    acc += p[order[i]];
    if (acc > target) return order[i];
  }
  return order[n - 1];
}

function candidates(p: Float64Array, floor: number): number[] {
  const idx: number[] = [];
  for (let k = 0; k < p.length; k++) if (p[k] > floor) idx.push(k);
  return idx.sort((a, b) => p[b] - p[a] || a - b);
}

function mass(p: Float64Array, idx: readonly number[]): number {
  let s = 0;
  for (const k of idx) s += p[k];
  return s;
}
