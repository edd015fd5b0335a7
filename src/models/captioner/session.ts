// A decoding session: the state generation keeps for a set of rows (sequences being written):
// each row's image keys/values for cross-attention and, with the cache on, every layer's
// self-attention keys/values, so each step runs only the newest position.
import { keep, tensor, tidy, type Tensor } from '../../engine/index.js';
import type { ImageKv, KvCache } from './decoder.js';
import type { CoCaCaptioner } from './model.js';

/** What the libtorch backend of the caption search (generation.ts) needs of a model. */
export interface DecodeSession {
  /** Rows the session was opened with (reorder changes how many it decodes). */
  readonly rows: number;
  /**
   * Next-token logits [R, columns] after ids [R, t] (every token so far, the start token first) of
   * its R current rows: one column per token id of outputIds when set, else per vocabulary id.
   */
  next(ids: Tensor): Tensor;
  /** The token id of each logits column (a captioner with output_ids: a few hundred of 49408). */
  readonly outputIds?: readonly number[];
  /** Row r continues from old row from[r]; `from` is int64 [R'] and may repeat rows (beams) or leave finished ones out. */
  reorder(from: Tensor): void;
  dispose(): void;
}

function swap(list: Tensor[], from: Tensor): void {
  list.forEach((t, i) => {
    list[i] = keep(t.indexSelect(0, from));
    t.dispose();
  });
}

/**
 * A session over a captioner for `rowImage.length` rows, row r captioning image rowImage[r] of
 * `imageTokens` (projected tokens [B, N, width], from model.encodeImage). Call under noGrad.
 * @example const s = captionerSession(model, feats.tokens, [0, 0, 1, 1], true);
 */
export function captionerSession(model: CoCaCaptioner, imageTokens: Tensor, rowImage: readonly number[], cache: boolean): DecodeSession {
  const dec = model.decoder;
  const kv: ImageKv = tidy(() => {
    const memory = imageTokens.indexSelect(0, tensor(Int32Array.from(rowImage)).to('int64').to(imageTokens.device));
    const r = dec.imageKv(memory);
    return { k: r.k.map((t) => keep(t.contiguous())), v: r.v.map((t) => keep(t.contiguous())) };
  });
  const kvCache: KvCache | null = cache ? dec.newCache(rowImage.length, imageTokens.device) : null;
  if (kvCache) for (const t of [...kvCache.k, ...kvCache.v]) keep(t);
  return {
    rows: rowImage.length,
    outputIds: dec.cfg.output_ids ?? undefined,
    // Output-class logits only: the search reads them on the host, and the classes are ~100x fewer.
    next(ids: Tensor): Tensor {
      return tidy(() => {
        if (!kvCache) return dec.logits(dec.features(ids, kv, undefined, true).select(1, -1));
        const fresh = ids.size(1) - kvCache.length;
        if (fresh < 1) throw new Error(`decoder session: ${ids.size(1)} tokens given, ${kvCache.length} already cached`);
        return dec.logits(dec.features(ids.narrow(1, kvCache.length, fresh), kv, kvCache, true).select(1, -1));
      });
    },
    reorder(from: Tensor): void {
      swap(kv.k, from);
      swap(kv.v, from);
      if (kvCache) { swap(kvCache.k, from); swap(kvCache.v, from); }
    },
    dispose(): void {
      for (const t of [...kv.k, ...kv.v, ...(kvCache ? [...kvCache.k, ...kvCache.v] : [])]) t.dispose();
    },
  };
}
