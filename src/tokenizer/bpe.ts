// Byte-level BPE over one pre-token: spell its UTF-8 bytes with the byte table, mark the word end
// with '</w>', then repeatedly merge the adjacent pair with the lowest merge rank.
import { byteSymbols } from './bytes.js';

/** Marks the last symbol of a word, as in CLIP's vocabulary ("cat</w>"). */
export const END_OF_WORD = '</w>';

/**
 * A BPE vocabulary: the token <-> id tables and the merge ranks.
 *
 * @example
 * const v = loadDefaultVocab();
 * v.encoder.get('cat</w>'); // 2368
 * v.ranks.get('i n');       // 0 (the first merge)
 */
export interface BpeVocab {
  /** token -> id. */
  readonly encoder: ReadonlyMap<string, number>;
  /** id -> token (undefined for ids the vocabulary does not use). */
  readonly decoder: readonly (string | undefined)[];
  /** "left right" -> merge rank (lower merges first). */
  readonly ranks: ReadonlyMap<string, number>;
  /** Where the vocabulary came from, for error messages. */
  readonly source: string;
}

/**
 * Splits one already byte-spelled word into vocabulary symbols by applying merges in rank order.
 * All occurrences of the best pair are merged left to right before the next pair is chosen.
 *
 * @example
 * mergeWord('cat', vocab.ranks); // ['cat</w>']
 */
export function mergeWord(word: string, ranks: ReadonlyMap<string, number>): string[] {
  if (word === '') return [];
  const symbols = Array.from(word);
  symbols[symbols.length - 1] += END_OF_WORD;
  let parts = symbols;
  while (parts.length > 1) {
    let bestRank = Infinity;
    let left = '';
    let right = '';
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(`${parts[i]} ${parts[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        left = parts[i];
        right = parts[i + 1];
      }
    }
    if (bestRank === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (i + 1 < parts.length && parts[i] === left && parts[i + 1] === right) {
        merged.push(left + right);
        i++;
      } else {
        merged.push(parts[i]);
      }
    }
    parts = merged;
  }
  return parts;
}

/**
 * Encodes pre-tokens to ids with a per-word cache (captions repeat words a lot).
 *
 * @example
 * const bpe = new BpeEncoder(loadDefaultVocab());
 * bpe.encodeWord('photo'); // [1125]
 * bpe.encodeWord('naïve'); // ids of the byte-level pieces of 'naïve'
 */
export class BpeEncoder {
  private readonly cache = new Map<string, readonly number[]>();

  /**
   * @param vocab the vocabulary to encode with.
   * @param maxCacheSize cached words before the cache is cleared (bounds memory on endless streams).
   */
  constructor(readonly vocab: BpeVocab, private readonly maxCacheSize = 1_000_000) {}

  /** Ids of one pre-token (a word, a digit, a run of punctuation); cached. */
  encodeWord(token: string): readonly number[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const ids = mergeWord(byteSymbols(token), this.vocab.ranks).map((piece) => {
      const id = this.vocab.encoder.get(piece);
      if (id === undefined) {
        throw new Error(`BPE piece ${JSON.stringify(piece)} of ${JSON.stringify(token)} is not in the vocabulary (${this.vocab.source})`);
      }
      return id;
    });
    if (this.cache.size >= this.maxCacheSize) this.cache.clear();
    this.cache.set(token, ids);
    return ids;
  }

  /** Number of cached words. */
  get cacheSize(): number {
    return this.cache.size;
  }
}
