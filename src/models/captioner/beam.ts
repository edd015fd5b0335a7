// Beam search over a DecodeSession: k live hypotheses per image (rows image*k .. image*k+k-1).
// A hypothesis' score is its summed token log-probability divided by length^lengthPenalty, the
// length counting generated tokens including the end token: lengthPenalty 0 ranks by raw log
// probability (favouring short captions), 1 by mean log probability per token (the default).
// Each step takes the 2k best continuations of an image: those ending in the end token among the
// first k become finished hypotheses, the best k others stay live. An image stops once it has k
// finished hypotheses and its best live one scores no better at its current length than the
// worst of them (exact for lengthPenalty 0, where scores only fall; a heuristic otherwise, as
// Hugging Face's early_stopping=false), when no live hypothesis is left, or at maxLength, where
// live hypotheses finish as they are.
import { cat, keep, tensor, tidy, topk } from '../../engine/index.js';
import { END_TOKEN, PAD_TOKEN, START_TOKEN } from './model.js';
import type { DecodeSession } from './session.js';

/** Options of beamDecode. */
export interface BeamOptions {
  /** Beam width k (>= 1). */
  beams: number;
  /** Captions returned per image (<= beams), best first. */
  n: number;
  maxLength: number;
  /** Score = log p / length^lengthPenalty (default 1). */
  lengthPenalty?: number;
}

interface Hyp { tokens: number[]; score: number }
interface Live { src: number; tok: number; logp: number }

/** The next live beams of one image from its 2k best candidates; finished ones go to `fin`. */
function expand(b: number, k: number, vocab: number, vals: number[], idx: number[], seqs: number[][], fin: Hyp[], len: number, norm: (lp: number, len: number) => number): Live[] {
  const live: Live[] = [];
  for (let j = 0; j < 2 * k && live.length < k; j++) {
    const logp = vals[b * 2 * k + j]!;
    if (logp === -Infinity) continue;
    const flat = idx[b * 2 * k + j]!, src = b * k + Math.floor(flat / vocab), tok = flat % vocab;
    if (tok === END_TOKEN) {
      if (j < k) fin.push({ tokens: seqs[src]!, score: norm(logp, len) });
    } else {
      live.push({ src, tok, logp });
    }
  }
  fin.sort((x, y) => y.score - x.score);
  fin.splice(k);
  return live;
}

/**
 * Beam search: the n best captions (token ids without start/end) of each of rows / beams images.
 * The session must have beams rows per image, image-major.
 * @example beamDecode(captionerSession(model, feats.tokens, [0, 0, 0, 1, 1, 1], true), { beams: 3, n: 1, maxLength: 30 }, 'cpu')
 */
export function beamDecode(s: DecodeSession, o: BeamOptions, device: string): number[][][] {
  const k = o.beams, alpha = o.lengthPenalty ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`beam: beams must be a positive integer, got ${k}`);
  if (o.n > k) throw new Error(`beam: ${o.n} captions per image need at least as many beams (have ${k})`);
  if (s.rows % k !== 0) throw new Error(`beam: ${s.rows} rows is not a multiple of ${k} beams`);
  const images = s.rows / k;
  const norm = (lp: number, len: number): number => lp / len ** alpha;
  const fin: Hyp[][] = Array.from({ length: images }, () => []);
  const done = new Array<boolean>(images).fill(false);
  let seqs: number[][] = Array.from({ length: s.rows }, () => []);
  // Only the first beam of each image is live at the start, so the k beams do not repeat it.
  let logps = Array.from({ length: s.rows }, (_, r) => (r % k === 0 ? 0 : -Infinity));
  let ids = keep(tensor(new Array<number>(s.rows).fill(START_TOKEN), { dtype: 'int64', device, shape: [s.rows, 1] }));
  try {
    for (let t = 0; t < o.maxLength && done.includes(false); t++) {
      const { vals, idx, vocab } = tidy(() => {
        const logits = s.next(ids);
        const v = logits.size(-1);
        const scores = logits.logSoftmax(-1).add(tensor(logps, { device, shape: [s.rows, 1] }));
        const [tv, ti] = topk(scores.reshape([images, k * v]), 2 * k, -1);
        return { vals: tv.toArray(), idx: ti.toArray(), vocab: v };
      });
      const from: number[] = [], toks: number[] = [], nextLogps: number[] = [], nextSeqs: number[][] = [];
      for (let b = 0; b < images; b++) {
        let live = done[b] ? [] : expand(b, k, vocab, vals, idx, seqs, fin[b]!, t + 1, norm);
        const last = t === o.maxLength - 1;
        if (!done[b] && last) for (const h of live) fin[b]!.push({ tokens: [...seqs[h.src]!, h.tok], score: norm(h.logp, t + 1) });
        const settled = fin[b]!.length >= k && norm(live[0]?.logp ?? -Infinity, t + 1) <= fin[b]![k - 1]!.score;
        if (!done[b] && (last || !live.length || settled)) {
          done[b] = true;
          fin[b]!.sort((x, y) => y.score - x.score);
        }
        if (done[b]) live = [];
        for (let j = 0; j < k; j++) {
          const h = live[j];
          from.push(h ? h.src : b * k);
          toks.push(h ? h.tok : PAD_TOKEN);
          nextLogps.push(h ? h.logp : -Infinity);
          nextSeqs.push(h ? [...seqs[h.src]!, h.tok] : []);
        }
      }
      seqs = nextSeqs;
      logps = nextLogps;
      if (!done.includes(false)) break;
      const fromT = keep(tensor(from, { dtype: 'int64', device }));
      try {
        s.reorder(fromT);
        const grown = keep(tidy(() => cat([ids.indexSelect(0, fromT), tensor(toks, { dtype: 'int64', device, shape: [s.rows, 1] })], 1)));
        ids.dispose();
        ids = grown;
      } finally {
        fromT.dispose();
      }
    }
  } finally {
    ids.dispose();
  }
  return fin.map((list) => list.slice(0, o.n).map((h) => h.tokens));
}
