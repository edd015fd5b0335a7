// Choosing the next token from one row of a [rows, vocab] float32 logits block: greedy, or nucleus
// (top-p) sampling with a temperature from one uniform number. Every backend's logits go through
// these same functions (float64 arithmetic on the host), so the same logits and the same uniform
// number give the same token whichever backend computed the logits.

/**
 * Next-token logits of a step: `data` is [rows, vocab] row-major; -Infinity marks ids a model
 * cannot emit. With `ids`, column c holds the logit of token ids[c] (increasing ids; every other
 * token is impossible): a decoder with a restricted output vocabulary sends only those columns.
 */
export interface Logits {
  data: Float32Array;
  /** Columns per row: the vocabulary size, or ids.length. */
  vocab: number;
  ids?: ArrayLike<number>;
}

/**
 * The token id of column `col`.
 * @example tokenAt({ data, vocab: 3, ids: [7, 9, 12] }, 1); // 9
 */
export function tokenAt(l: Logits, col: number): number {
  return l.ids ? l.ids[col] : col;
}

/**
 * The token of the largest logit of row `row` (the first one on ties).
 * @example argmaxRow({ data: Float32Array.of(0, 3, 1), vocab: 3 }, 0); // 1
 */
export function argmaxRow(l: Logits, row: number): number {
  const off = row * l.vocab;
  let best = 0, max = -Infinity;
  for (let k = 0; k < l.vocab; k++) {
    if (l.data[off + k] > max) { max = l.data[off + k]; best = k; }
  }
  return tokenAt(l, best);
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

/** Width, in nats of probability, of the buckets that pre-select nucleus candidates. */
const BUCKET_NATS = 0.25;
/** Buckets: tokens more than 64 nats below the top one (p < 1.6e-28 of it) share the last. */
const BUCKETS = 256;

/**
 * Top-k / nucleus sampling of a token for row `row`: probabilities softmax(logits / temperature),
 * restricted to the topK most likely tokens when topK > 0; then the smallest set of most likely
 * of those whose mass reaches topP of theirs (the top token always); then the token at which that
 * set's cumulative mass first exceeds u times its total (u uniform in [0, 1)). Exact: only the
 * tokens that can be in that set are sorted (see candidates).
 * @example sampleTopP({ data: Float32Array.of(2, 1, 0), vocab: 3 }, 0, 0.9, 1, rng.next());
 */
export function sampleTopP(l: Logits, row: number, topP: number, temperature: number, u: number, topK = 0): number {
  const off = row * l.vocab, v = l.vocab;
  let max = -Infinity;
  for (let k = 0; k < v; k++) max = Math.max(max, l.data[off + k]);
  if (!(max > -Infinity) || max === Infinity) throw new Error(`decoding: logits row ${row} is not finite (max ${max}): nothing to sample`);
  const p = new Float64Array(v), bucket = new Uint8Array(v), buckets: Buckets = { mass: new Float64Array(BUCKETS), count: new Uint32Array(BUCKETS) };
  let sum = 0;
  for (let k = 0; k < v; k++) {
    const nats = (max - l.data[off + k]) / temperature;
    p[k] = Math.exp(-nats);
    sum += p[k];
    bucket[k] = Math.min(BUCKETS - 1, Math.floor(nats / BUCKET_NATS));
    buckets.mass[bucket[k]] += p[k];
    buckets.count[bucket[k]]++;
  }
  const limit = topK > 0 ? Math.min(topK, v) : v;
  let order = candidates(p, bucket, buckets, topP * sum, limit < v ? limit : 1);
  let total = sum;
  if (limit < v) {
    order = order.slice(0, limit);
    total = order.reduce((s, k) => s + p[k], 0);
  }
  let kept = 0, n = 0;
  while (n < order.length) {
    kept += p[order[n++]];
    if (kept >= topP * total) break;
  }
  const target = u * kept;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += p[order[i]];
    if (acc > target) return tokenAt(l, order[i]);
  }
  return tokenAt(l, order[n - 1]);
}

/** Probability mass and token count of each log-probability bucket. */
interface Buckets { mass: Float64Array; count: Uint32Array }

/**
 * The most likely tokens, sorted (most likely first, lower id first on ties), that surely hold the
 * nucleus of mass `need` and the `count` most likely tokens: every token of the buckets (by log
 * probability) whose cumulative mass and count reach both, plus one bucket against rounding; all
 * tokens when those still fall short. Sorting the whole 49k vocabulary each step would dominate
 * decoding.
 */
function candidates(p: Float64Array, bucket: Uint8Array, b: Buckets, need: number, count: number): number[] {
  let last = 0, mass = b.mass[0], n = b.count[0];
  while ((mass < need || n < count) && last < BUCKETS - 1) {
    last++;
    mass += b.mass[last];
    n += b.count[last];
  }
  last = Math.min(BUCKETS - 1, last + 1);
  const idx: number[] = [];
  let kept = 0;
  for (let k = 0; k < p.length; k++) if (bucket[k] <= last) { idx.push(k); kept += p[k]; }
  if ((kept < need || idx.length < count) && idx.length < p.length) return sortByProbability(p, Array.from(p.keys()));
  return sortByProbability(p, idx);
}

function sortByProbability(p: Float64Array, idx: number[]): number[] {
  return idx.sort((a, b) => p[b] - p[a] || a - b);
}
