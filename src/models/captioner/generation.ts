// Caption search over a DecodeSession, batched over rows: greedy, beam search, and nucleus (top-p)
// sampling with a temperature. Sampling draws one uniform number per row and step from that row's
// own generator, seeded from (seed, sample key, caption index), so a caption does not depend on
// which other images shared its batch. Every strategy stops a row at the end token or after
// maxLength tokens.
import { cat, full, keep, sort, tensor, tidy, topk, cumsum, type Tensor } from '../../engine/index.js';
import { Rng, mixSeed } from '../../data/loader/rng.js';
import { END_TOKEN, START_TOKEN } from './model.js';
import type { DecodeSession } from './session.js';

/** A 32-bit FNV-1a hash of a string's UTF-16 code units. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The sampling seed of one image: a function of (seed, sample key) only. Caption j of the image
 * then draws from `new Rng(imageSeed(seed, key), j)`.
 * @example imageSeed(0, 'zoo-000042')
 */
export function imageSeed(seed: number, key: string): number {
  return mixSeed(seed, hashKey(key), key.length);
}

/** One row's chooser: the next token of every row from logits [rows, vocab]. */
type Chooser = (logits: Tensor) => number[];

/** Greedy or sampled decoding of all rows, one token per step; returns each row's tokens (no start/end). */
function stepwise(s: DecodeSession, maxLength: number, choose: Chooser, device: string): number[][] {
  const out: number[][] = Array.from({ length: s.rows }, () => []);
  const done = new Array<boolean>(s.rows).fill(false);
  let ids = keep(full([s.rows, 1], START_TOKEN, { dtype: 'int64', device }));
  try {
    for (let t = 0; t < maxLength && done.includes(false); t++) {
      const next = tidy(() => choose(s.next(ids)));
      next.forEach((tok, r) => {
        if (done[r]) return;
        if (tok === END_TOKEN) done[r] = true;
        else out[r]!.push(tok);
      });
      const grown = keep(tidy(() => cat([ids, tensor(next.map((tok, r) => (done[r] ? END_TOKEN : tok)), { dtype: 'int64', device, shape: [s.rows, 1] })], 1)));
      ids.dispose();
      ids = grown;
    }
  } finally {
    ids.dispose();
  }
  return out;
}

/**
 * The most likely next token of every row.
 * @example greedyDecode(session, 30, 'cpu') // [[320, 1125, ...], ...]
 */
export function greedyDecode(s: DecodeSession, maxLength: number, device: string): number[][] {
  return stepwise(s, maxLength, (logits) => logits.argmax(-1).toArray(), device);
}

/** Candidates kept by the fast path of nucleus sampling before it falls back to a full sort. */
const NUCLEUS_FAST_K = 64;

/**
 * Nucleus sampling of one token per row: softmax(logits / temperature), the smallest set of most
 * likely tokens whose mass reaches topP (the top token always), then the token where that set's
 * cumulative mass crosses u[r] times its total. Exact: a top-64 pass is used when its mass already
 * reaches topP for every row, else a full sort.
 */
export function nucleusPick(logits: Tensor, topP: number, temperature: number, u: readonly number[]): number[] {
  return tidy(() => {
    const probs = logits.div(temperature).softmax(-1);
    const k = Math.min(NUCLEUS_FAST_K, probs.size(-1));
    let [vals, idx] = topk(probs, k, -1);
    let c = cumsum(vals, -1);
    const reached = c.select(-1, k - 1).toArray();
    if (k < probs.size(-1) && reached.some((m) => !(m >= topP))) {
      [vals, idx] = sort(probs, -1, true);
      c = cumsum(vals, -1);
    }
    const kept = vals.mul(c.sub(vals).lt(topP));
    const kc = cumsum(kept, -1);
    const thresh = tensor([...u], { device: logits.device, shape: [u.length, 1] }).mul(kc.narrow(-1, kc.size(-1) - 1, 1));
    const pos = kc.lt(thresh).sum(-1, true).clamp(0, kc.size(-1) - 1);
    return idx.gather(-1, pos).reshape([-1]).toArray();
  });
}

/** Options of sampleDecode. */
export interface SampleOptions {
  topP: number;
  temperature: number;
  maxLength: number;
  /** One generator seed per row (see imageSeed); row r draws from new Rng(...rowSeeds[r]). */
  rowSeeds: readonly (readonly number[])[];
}

/**
 * Top-p / temperature sampling of every row.
 * @example sampleDecode(session, { topP: 0.9, temperature: 1, maxLength: 30, rowSeeds: [[imageSeed(0, key), 0]] }, 'cpu')
 */
export function sampleDecode(s: DecodeSession, o: SampleOptions, device: string): number[][] {
  if (!(o.temperature > 0)) throw new Error(`sample: temperature must be > 0, got ${o.temperature}`);
  if (!(o.topP > 0)) throw new Error(`sample: topP must be > 0, got ${o.topP}`);
  if (o.rowSeeds.length !== s.rows) throw new Error(`sample: ${o.rowSeeds.length} row seeds for ${s.rows} rows`);
  const rngs = o.rowSeeds.map((seed) => new Rng(...seed));
  return stepwise(s, o.maxLength, (logits) => nucleusPick(logits, o.topP, o.temperature, rngs.map((r) => r.next())), device);
}

export { beamDecode, type BeamOptions } from './beam.js';
