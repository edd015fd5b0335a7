// Caption generation over a decoder that sees the whole prefix each step (no cache): greedy, top-p /
// temperature sampling, and beam search. Each step feeds only unfinished rows; all of them have the
// same length, so one decoder run serves every image and caption of a batch.
import type { CaptionOptions } from '../types.js';
import { argmaxRow, captionRng, logSoftmaxRow, sampleTopP } from './sampling.js';

/** Last-position logits [rows, vocab] of the decoder for token rows (each of one length) over their images. */
export type DecodeStep = (rows: readonly number[][], imageOf: readonly number[]) => Promise<{ logits: Float32Array; vocab: number }>;

/** Ids the generator needs. */
export interface GenTokens { start: number; end: number }

/**
 * `o.n` token-id captions per image (without start/end), by `o.strategy`, at most `maxLength` tokens.
 *
 * @example
 * const ids = await generateIds(keys, { ...DEFAULT_CAPTION_OPTIONS, n: 2 }, { start: 49406, end: 49407 }, 30, step);
 */
export async function generateIds(keys: readonly string[], o: CaptionOptions, tok: GenTokens, maxLength: number, step: DecodeStep): Promise<number[][][]> {
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`caption options: n must be a positive integer, got ${o.n}`);
  if (o.strategy === 'beam') return beamSearch(keys.length, o, tok, maxLength, step);
  if (o.strategy !== 'greedy' && o.strategy !== 'sample') throw new Error(`caption options: unknown strategy '${String(o.strategy)}'`);
  const perImage = o.strategy === 'greedy' ? 1 : o.n;
  const imageOf = keys.flatMap((_, i) => Array<number>(perImage).fill(i));
  const rngs = o.strategy === 'sample' ? imageOf.map((img, r) => captionRng(o.seed, keys[img], r % perImage)) : [];
  const seqs = imageOf.map(() => [tok.start]);
  let live = imageOf.map((_, r) => r);
  for (let t = 0; t < maxLength && live.length > 0; t++) {
    const { logits, vocab } = await step(live.map((r) => seqs[r]), live.map((r) => imageOf[r]));
    const next: number[] = [];
    live.forEach((r, j) => {
      const id = o.strategy === 'greedy' ? argmaxRow(logits, j * vocab, vocab) : sampleTopP(logits, j * vocab, vocab, o.topP, o.temperature, rngs[r]);
      if (id === tok.end) return;
      seqs[r].push(id);
      next.push(r);
    });
    live = next;
  }
  return keys.map((_, i) => Array.from({ length: o.n }, (_, c) => seqs[i * perImage + (perImage === 1 ? 0 : c)].slice(1)));
}

interface Beam { ids: number[]; score: number }

/** Indices of the `k` largest values (best first). */
function topK(v: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (best.length === k && v[i] <= v[best[k - 1]]) continue;
    let j = best.length < k ? best.length : k - 1;
    best[j] = i;
    while (j > 0 && v[best[j - 1]] < v[best[j]]) { [best[j - 1], best[j]] = [best[j], best[j - 1]]; j--; }
  }
  return best;
}

/** Beam search per image; finished beams rank by log-probability per generated token (end included). */
async function beamSearch(nImages: number, o: CaptionOptions, tok: GenTokens, maxLength: number, step: DecodeStep): Promise<number[][][]> {
  const width = o.beams;
  if (!Number.isInteger(width) || width < 1) throw new Error(`caption options: beams must be a positive integer, got ${width}`);
  if (o.n > width) throw new Error(`caption options: beam search returns at most beams=${width} captions, asked for n=${o.n}`);
  let beams: Beam[][] = Array.from({ length: nImages }, () => [{ ids: [tok.start], score: 0 }]);
  const done: Beam[][] = Array.from({ length: nImages }, () => []);
  for (let t = 0; t < maxLength && beams.some((b) => b.length > 0); t++) {
    const rows = beams.flatMap((bs) => bs.map((b) => b.ids));
    const imageOf = beams.flatMap((bs, i) => bs.map(() => i));
    const { logits, vocab } = await step(rows, imageOf);
    let row = 0;
    beams = beams.map((bs, i) => {
      const cands: Beam[] = [];
      for (const b of bs) {
        const lp = logSoftmaxRow(logits, row++ * vocab, vocab);
        for (const id of topK(lp, width + 1)) cands.push({ ids: [...b.ids, id], score: b.score + lp[id] });
      }
      cands.sort((a, b) => b.score - a.score);
      const keep: Beam[] = [];
      for (const c of cands) {
        if (keep.length === width || done[i].length >= width) break;
        if (c.ids[c.ids.length - 1] === tok.end) done[i].push(c);
        else keep.push(c);
      }
      return done[i].length >= width ? [] : keep;
    });
  }
  const norm = (b: Beam): number => b.score / (b.ids.length - 1);
  return done.map((d, i) => {
    const all = [...d, ...beams[i]].sort((a, b) => norm(b) - norm(a));
    return all.slice(0, o.n).map((b) => b.ids.slice(1).filter((id) => id !== tok.end));
  });
}
