// Image-text retrieval: recall@1/5/10 in both directions over a shard set's (image, caption) pairs.
// With several captions per image (syn.json, or txt + syn.json) an image counts as retrieved by any
// of its captions and a caption retrieves its own image, as COCO's 5-captions protocol.
// The metric math works on similarity matrices and is pure, so it can be checked by hand.
import { any, arange, cat, keep, logicalAnd, logicalNot, noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import { syntheticCaptions } from '../data/loader/captions.js';
import { readShards } from '../data/shards/index.js';
import { evalLoader, type DualEncoder, type EvalBatching } from './zero_shot.js';

/** Which captions are the texts: `txt`, every `syn.json` caption, or both (duplicates removed). */
export type CaptionSet = 'txt' | 'syn' | 'all';

/** Recall at 1, 5 and 10. */
export interface Recalls { r1: number; r5: number; r10: number }

/** Retrieval result over a shard set. */
export interface RetrievalResult {
  images: number;
  texts: number;
  captions: CaptionSet;
  /** Images skipped for having no caption of the chosen set. */
  skipped: number;
  imageToText: Recalls;
  textToImage: Recalls;
  /** Mean of the six recalls (CLIP_benchmark's "mean recall"). */
  meanRecall: number;
}

/**
 * Where each query's best positive lands among the negatives: how many negatives score higher
 * (`greater`) and how many tie with it (`ties`). sim is [Q, C], pos a bool [Q, C] with at least
 * one positive per row.
 * @example positiveRanks(tensor([[0.9, 0.1], [0.8, 0.3]]), tensor([[true, false], [false, true]])) // { greater: [0, 1], ties: [0, 0] }
 */
export function positiveRanks(sim: Tensor, pos: Tensor): Ranks {
  return tidy(() => {
    const neg = logicalNot(pos);
    const best = sim.maskedFill(neg, -Infinity).amax(1, true);
    const hasPos = any(pos, 1).toArray();
    hasPos.forEach((h, i) => { if (!h) throw new Error(`retrieval: query ${i} has no positive candidate`); });
    return { greater: logicalAnd(sim.gt(best), neg).sum(1).toArray(), ties: logicalAnd(sim.eq(best), neg).sum(1).toArray() };
  });
}

/** Per query: negatives scoring above its best positive, and negatives tied with it. */
export interface Ranks { greater: number[]; ties: number[] }

/**
 * Recall at 1, 5 and 10, expected over random tie-breaking: a query with g negatives above its
 * best positive and e tied with it is found in the top k with probability clamp((k - g) / (e + 1), 0, 1).
 * So identical features score chance, neither 0 nor 1.
 * @example recallAtK({ greater: [0, 3, 12], ties: [0, 0, 0] }) // { r1: 1/3, r5: 2/3, r10: 2/3 }
 */
export function recallAtK(r: Ranks): Recalls {
  const n = r.greater.length;
  const at = (k: number): number => (n ? r.greater.reduce((a, g, i) => a + Math.min(1, Math.max(0, (k - g) / (r.ties[i]! + 1))), 0) / n : 0);
  return { r1: at(1), r5: at(5), r10: at(10) };
}

/**
 * Both directions' ranks from normalised features: images [N, D], texts [T, D], `owner[t]` the
 * image of text t. Queries go in chunks so the similarity matrix is never whole in memory.
 * @example const { imageToText, textToImage } = retrievalRanks(img, txt, [0, 0, 1, 1]);
 */
export function retrievalRanks(images: Tensor, texts: Tensor, owner: readonly number[], chunk = 1024): { imageToText: Ranks; textToImage: Ranks } {
  const n = images.size(0), t = texts.size(0);
  if (owner.length !== t) throw new Error(`retrieval: ${owner.length} owners for ${t} texts`);
  const bad = owner.findIndex((o) => !(Number.isInteger(o) && o >= 0 && o < n));
  if (bad >= 0) throw new Error(`retrieval: text ${bad} belongs to image ${owner[bad]}, not in [0, ${n})`);
  const imageToText: Ranks = { greater: [], ties: [] }, textToImage: Ranks = { greater: [], ties: [] };
  const append = (to: Ranks, r: Ranks): void => { to.greater.push(...r.greater); to.ties.push(...r.ties); };
  noGrad(() => tidy(() => {
    const own = tensor([...owner], { dtype: 'int64' }).to(images.device);
    for (let s = 0; s < n; s += chunk) {
      tidy(() => {
        const q = Math.min(chunk, n - s);
        const sim = images.narrow(0, s, q).matmul(texts.transpose(0, 1));
        const pos = own.unsqueeze(0).eq(arange(s, s + q, 1, { dtype: 'int64' }).to(images.device).unsqueeze(1));
        append(imageToText, positiveRanks(sim, pos));
      });
    }
    for (let s = 0; s < t; s += chunk) {
      tidy(() => {
        const q = Math.min(chunk, t - s);
        const sim = texts.narrow(0, s, q).matmul(images.transpose(0, 1));
        const pos = arange(0, n, 1, { dtype: 'int64' }).to(images.device).unsqueeze(0).eq(own.narrow(0, s, q).unsqueeze(1));
        append(textToImage, positiveRanks(sim, pos));
      });
    }
  }));
  return { imageToText, textToImage };
}

/** Captions of each sample key: `txt`, syn.json's list, or both (first seen kept, duplicates dropped). */
export async function captionIndex(shards: string | string[], set: CaptionSet): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const dec = new TextDecoder();
  for await (const s of readShards(shards)) {
    const txt = s.fields.get('txt');
    const list = [...(set !== 'syn' && txt ? [dec.decode(txt).trim()] : []), ...(set !== 'txt' ? syntheticCaptions(s.fields.get('syn.json')) : [])];
    out.set(s.key, [...new Set(list.filter((c) => c.length > 0))]);
  }
  return out;
}

/** Normalised text features [T, D] of texts, encoded `batch` at a time. */
export function encodeTexts(model: DualEncoder, texts: readonly string[], tokenize: (t: string[]) => Tensor, device: string, batch: number): Tensor {
  return noGrad(() => tidy(() => {
    const parts: Tensor[] = [];
    for (let s = 0; s < texts.length; s += batch) parts.push(tidy(() => model.encodeText(tokenize(texts.slice(s, s + batch)).to(device))));
    return cat(parts, 0);
  }));
}

/**
 * Retrieval recall@1/5/10 both ways over the (image, caption) pairs of `shards`.
 * @example const r = await retrievalEval(model, shardsIn('world/probe-test'), tok, 'cpu', { batch: 64, imageSize: 64, workers: 2, captions: 'all' });
 */
export async function retrievalEval(model: DualEncoder, shards: string | string[], tokenize: (t: string[]) => Tensor, device: string,
  o: EvalBatching & { captions?: CaptionSet }): Promise<RetrievalResult> {
  const set = o.captions ?? 'txt';
  const index = await captionIndex(shards, set);
  const wasTraining = model.training;
  model.train(false);
  const parts: Tensor[] = [], texts: string[] = [], owner: number[] = [];
  let images = 0, skipped = 0;
  const loader = evalLoader(shards, o);
  try {
    for await (const batch of loader) {
      try {
        const rows = batch.keys.map((k, i) => [i, index.get(k) ?? []] as const).filter(([, c]) => c.length > 0);
        skipped += batch.keys.length - rows.length;
        if (!rows.length) continue;
        parts.push(keep(noGrad(() => tidy(() => {
          const f = model.encodeImage(batch.images.to(device));
          return f.indexSelect(0, tensor(rows.map(([i]) => i), { dtype: 'int64' }).to(f.device));
        }))));
        for (const [, caps] of rows) { for (const c of caps) { texts.push(c); owner.push(images); } images++; }
      } finally {
        batch.dispose();
      }
    }
    o.onData?.(loader.counts());
    if (images === 0) throw new Error(`retrieval: no image with a '${set}' caption in ${Array.isArray(shards) ? shards.join(', ') : shards}`);
    const r = tidy(() => retrievalRanks(cat(parts, 0), encodeTexts(model, texts, tokenize, device, o.batch), owner));
    const imageToText = recallAtK(r.imageToText), textToImage = recallAtK(r.textToImage);
    const all = [...Object.values(imageToText), ...Object.values(textToImage)];
    return { images, texts: texts.length, captions: set, skipped, imageToText, textToImage, meanRecall: all.reduce((a, b) => a + b, 0) / all.length };
  } finally {
    await loader.close();
    for (const p of parts) p.dispose();
    model.train(wasTraining);
  }
}
