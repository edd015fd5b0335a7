// Choosing the next token from one row of a [rows, vocab] float32 logits block: greedy, or nucleus
// (top-p) sampling with a temperature from one uniform number. Every backend's logits go through
// these same functions (float64 arithmetic on the host), so the same logits and the same uniform
// number give the same token whichever backend computed the logits.

/** Next-token logits of a step: `data` is [rows, vocab] row-major; -Infinity marks ids a model cannot emit. */
export interface Logits {
  data: Float32Array;
  vocab: number;
}

/**
 * Index of the largest logit of row `row` (the first one on ties).
 * @example argmaxRow({ data: Float32Array.of(0, 3, 1), vocab: 3 }, 0); // 1
 */
export function argmaxRow(l: Logits, row: number): number {
  const off = row * l.vocab;
  let best = 0, max = -Infinity;
  for (let k = 0; k < l.vocab; k++) {
    if (l.data[off + k] > max) { max = l.data[off + k]; best = k; }
  }
  return best;
}

/**
 * log(sum(exp(logits))) of row `row`, so logit - logSumExpRow is the token's log probability.
 * @example logSumExpRow({ data: Float32Array.of(0, 0), vocab: 2 }, 0); // Math.LN2
 */
export function logSumExpRow(l: Logits, row: number): number {
  const off = row * l.vocab;
  let max = -Infinity;
  for (let k = 0; k < l.vocab; k++) max = Math.max(max, l.data[off + k]);
  if (max === -Infinity) throw new Error(`decoding: logits row ${row} is -Infinity everywhere (no token can follow)`);
  let sum = 0;
  for (let k = 0; k < l.vocab; k++) sum += Math.exp(l.data[off + k] - max);
  return max + Math.log(sum);
}

/** Below this fraction of the total mass a token is left out of the first, cheaper sort. */
const SORT_FLOOR = 1e-8;

/**
 * Nucleus sampling of row `row`: probabilities softmax(logits / temperature), the smallest set of
 * most likely tokens whose mass reaches topP (the top token always), then the token at which that
 * set's cumulative mass first exceeds u times its total (u uniform in [0, 1)). Exact: only the
 * tokens above a tiny probability floor are sorted, all of them when those miss topP.
 * @example sampleTopP({ data: Float32Array.of(2, 1, 0), vocab: 3 }, 0, 0.9, 1, rng.next());
 */
export function sampleTopP(l: Logits, row: number, topP: number, temperature: number, u: number): number {
  const off = row * l.vocab, v = l.vocab;
  let max = -Infinity;
  for (let k = 0; k < v; k++) max = Math.max(max, l.data[off + k]);
  const p = new Float64Array(v);
  let sum = 0;
  for (let k = 0; k < v; k++) sum += p[k] = Math.exp((l.data[off + k] - max) / temperature);
  // Sorting a whole 49k vocabulary every step is slow; the floor leaves out what cannot matter.
  let order = sortedAbove(p, sum * SORT_FLOOR);
  if (massOf(p, order) < topP * sum) order = sortedAbove(p, -1);
  let kept = 0, n = 0;
  while (n < order.length) {
    kept += p[order[n++]];
    if (kept >= topP * sum) break;
  }
  const target = u * kept;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += p[order[i]];
    if (acc > target) return order[i];
  }
  return order[n - 1];
}

/** Token ids with probability above `floor`, most likely first (lower id first on ties). */
function sortedAbove(p: Float64Array, floor: number): number[] {
  const idx: number[] = [];
  for (let k = 0; k < p.length; k++) if (p[k] > floor) idx.push(k);
  return idx.sort((a, b) => p[b] - p[a] || a - b);
}

function massOf(p: Float64Array, idx: readonly number[]): number {
  let s = 0;
  for (const k of idx) s += p[k];
  return s;
}
