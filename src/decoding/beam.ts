// Beam search: up to k live hypotheses per image. A hypothesis' score is its summed token log
// probability divided by length^lengthPenalty, the length counting generated tokens including the
// end token: lengthPenalty 0 ranks by raw log probability (favouring short captions), 1 by mean
// log probability per token (the default). Each step takes the 2k best continuations of an image:
// those ending in the end token among the first k become finished hypotheses, the best k others
// stay live. An image stops once it has k finished hypotheses and its best live one scores no
// better at its current length than the worst of them (exact for lengthPenalty 0, where scores only
// fall; a heuristic otherwise, as Hugging Face's early_stopping=false), when no live hypothesis is
// left, or at maxLength, where live hypotheses finish as they are.
import { logSumExpRow, tokenAt, type Logits } from './choose.js';
import type { Search, Stopping } from './search.js';

/** Options of beamSearch. */
export interface BeamOptions extends Stopping {
  /** Beam width k (>= 1). */
  beams: number;
  /** Captions returned per image (<= beams), best first. */
  n: number;
  /** Score = log p / length^lengthPenalty (default 1). */
  lengthPenalty?: number;
}

/** A live hypothesis: its image, tokens (start first) and summed log probability. */
interface Live { image: number; tokens: number[]; logp: number }
/** A finished hypothesis: its tokens (no start/end) and score. */
interface Done { tokens: number[]; score: number }
/** A continuation: live row `row` followed by token `tok`, with the summed log probability. */
interface Cand { row: number; tok: number; logp: number }

/** The 2k best continuations of live rows [lo, hi), best first (lower row, then lower id on ties). */
function bestContinuations(l: Logits, live: readonly Live[], lo: number, hi: number, count: number): Cand[] {
  const best: Cand[] = [];
  for (let row = lo; row < hi; row++) {
    const base = live[row].logp - logSumExpRow(l, row), off = row * l.vocab;
    for (let col = 0; col < l.vocab; col++) {
      const logp = base + l.data[off + col];
      if (logp === -Infinity || (best.length === count && !(logp > best[count - 1].logp))) continue;
      let j = best.length < count ? best.length : count - 1;
      best[j] = { row, tok: tokenAt(l, col), logp };
      while (j > 0 && best[j - 1].logp < best[j].logp) { [best[j - 1], best[j]] = [best[j], best[j - 1]]; j--; }
    }
  }
  return best;
}

/** One image's step: moves finished continuations to `fin`, returns the next live rows (with their parents). */
function advance(cands: readonly Cand[], live: readonly Live[], fin: Done[], k: number, end: number, score: (logp: number) => number): { hyp: Live; parent: number }[] {
  const next: { hyp: Live; parent: number }[] = [];
  for (let j = 0; j < cands.length && next.length < k; j++) {
    const c = cands[j], src = live[c.row];
    if (c.tok === end) {
      if (j < k) fin.push({ tokens: src.tokens.slice(1), score: score(c.logp) });
    } else {
      next.push({ hyp: { image: src.image, tokens: [...src.tokens, c.tok], logp: c.logp }, parent: c.row });
    }
  }
  fin.sort((x, y) => y.score - x.score);
  fin.splice(k);
  return next;
}

/**
 * Beam search over `images` images: the n best captions (token ids without start/end) of each.
 * Rows of a request are image-major; the first request has one row per image.
 * @example runSearch(beamSearch(2, { beams: 3, n: 1, maxLength: 30, start: 49406, end: 49407 }), step); // [[[320, ...]], [[...]]]
 */
export function* beamSearch(images: number, o: BeamOptions): Search<number[][][]> {
  const k = o.beams, alpha = o.lengthPenalty ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`caption options: beams must be a positive integer, got ${k}`);
  if (o.n > k) throw new Error(`caption options: beam search returns at most beams=${k} captions, asked for n=${o.n}`);
  const fin: Done[][] = Array.from({ length: images }, () => []);
  let live: Live[] = Array.from({ length: images }, (_, i) => ({ image: i, tokens: [o.start], logp: 0 }));
  let parent = live.map((_, r) => r);
  for (let t = 0; t < o.maxLength && live.length > 0; t++) {
    const logits = yield { rows: live.map((h) => h.tokens), image: live.map((h) => h.image), parent };
    const len = t + 1, score = (logp: number): number => logp / len ** alpha;
    const nextLive: Live[] = [], nextParent: number[] = [];
    for (let lo = 0; lo < live.length;) {
      const b = live[lo].image;
      let hi = lo;
      while (hi < live.length && live[hi].image === b) hi++;
      const next = advance(bestContinuations(logits, live, lo, hi, 2 * k), live, fin[b], k, o.end, score);
      const last = t === o.maxLength - 1;
      if (last) for (const h of next) fin[b].push({ tokens: h.hyp.tokens.slice(1), score: score(h.hyp.logp) });
      const settled = fin[b].length >= k && score(next[0]?.hyp.logp ?? -Infinity) <= fin[b][k - 1].score;
      if (!last && !settled) for (const h of next) { nextLive.push(h.hyp); nextParent.push(h.parent); }
      lo = hi;
    }
    live = nextLive;
    parent = nextParent;
  }
  return fin.map((list) => list.sort((x, y) => y.score - x.score).slice(0, o.n).map((h) => h.tokens));
}
