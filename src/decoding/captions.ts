// n captions per image by the strategy the caption options name, for any backend: the one place
// that validates the options, lays out rows (one per image for greedy and beam, n per image for
// sampling) and seeds sampling per (seed, sample key, caption index), so a caption does not depend
// on the backend, on which images shared its batch, or on their order.
import { Rng, keyHash, mixSeed } from '../data/loader/rng.js';
import { beamSearch } from './beam.js';
import { greedySearch, sampleSearch, type Search, type SpecialTokens } from './search.js';

/** How to decode (the fields of the zoo's CaptionOptions, plus the beam length penalty). */
export interface DecodeOptions {
  strategy: 'greedy' | 'beam' | 'sample';
  /** Captions per image (greedy repeats its one caption). */
  n: number;
  /** Nucleus mass for sampling (> 0). */
  topP: number;
  /** Sampling temperature (> 0). */
  temperature: number;
  /** Sampling keeps the topK most likely tokens only (0 or absent: all). */
  topK?: number;
  /** Beam width for beam search. */
  beams: number;
  /** Most tokens per caption, without start/end (the backend caps it at its context). */
  maxLength: number;
  /** With a sample's key, it seeds that sample's sampling. */
  seed: number;
  /** Beam scores divide the log probability by length^lengthPenalty (default 1). */
  lengthPenalty?: number;
}

/**
 * The generator of caption `index` of the sample with `key`: seeded from (seed, keyHash(key),
 * index) only, the same for every backend and batch layout. (The seed goes through mixSeed first
 * as the ONNX captioner always did, so captions it sampled before stay reproducible.)
 * @example captionRng(0, 'shard-000/42', 3).next(); // the same number in every batch layout
 */
export function captionRng(seed: number, key: string, index: number): Rng {
  return new Rng(mixSeed(seed), keyHash(key), index);
}

function checkOptions(o: DecodeOptions): void {
  if (!['greedy', 'beam', 'sample'].includes(o.strategy)) throw new Error(`caption options: unknown strategy '${String(o.strategy)}' (greedy, beam, sample)`);
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`caption options: n must be a positive integer, got ${o.n}`);
  if (!Number.isInteger(o.maxLength) || o.maxLength < 1) throw new Error(`caption options: maxLength must be a positive integer, got ${o.maxLength}`);
}

/** Groups rows laid out `per` to an image back into images. */
function byImage<T>(rows: T[], per: number): T[][] {
  return Array.from({ length: rows.length / per }, (_, i) => rows.slice(i * per, (i + 1) * per));
}

/**
 * The search that writes `o.n` captions (token ids without start/end) for each sample of `keys`,
 * image i being the sample keys[i]. Run it with runSearch or runSearchAsync on a backend's step.
 * @example const ids = await runSearchAsync(captionSearch(['k0', 'k1'], { ...DEFAULT_CAPTION_OPTIONS, n: 2 }, { start: 49406, end: 49407 }), step);
 */
export function* captionSearch(keys: readonly string[], o: DecodeOptions, tok: SpecialTokens): Search<number[][][]> {
  checkOptions(o);
  const stop = { ...tok, maxLength: o.maxLength };
  if (o.strategy === 'beam') return yield* beamSearch(keys.length, { ...stop, beams: o.beams, n: o.n, lengthPenalty: o.lengthPenalty });
  if (o.strategy === 'greedy') {
    const one = yield* greedySearch(keys.map((_, i) => i), stop);
    return one.map((c) => Array.from({ length: o.n }, () => [...c]));
  }
  const imageOf = keys.flatMap((_, i) => Array<number>(o.n).fill(i));
  const rngs = imageOf.map((img, r) => captionRng(o.seed, keys[img], r % o.n));
  return byImage(yield* sampleSearch(imageOf, rngs, { ...stop, topP: o.topP, temperature: o.temperature, topK: o.topK }), o.n);
}
