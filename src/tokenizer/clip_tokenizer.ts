// CLIP's tokenizer as OpenAI CLIP and open_clip apply it: clean, split with CLIP's pattern, byte-level
// BPE, then rows of [start, ...ids, end] zero-padded (or truncated, end token kept) to the context.
import { tensor, type Tensor } from '../engine/index.js';
import { symbolsToText } from './bytes.js';
import { BpeEncoder, END_OF_WORD, type BpeVocab } from './bpe.js';
import { cleanText } from './text_clean.js';
import { END_OF_TEXT, START_OF_TEXT, loadDefaultVocab } from './vocab_sources.js';

/** CLIP's text context length: 77 tokens including start and end. */
export const DEFAULT_CONTEXT_LENGTH = 77;

/** OpenAI's pre-token pattern; `regex`'s \s is Unicode White_Space, which JS spells \p{White_Space}. */
export const PRE_TOKEN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}]+/giu;

/** Options for ClipTokenizer. */
export interface ClipTokenizerOptions {
  /** Run the ftfy stand-in (fixText) before HTML unescaping, as OpenAI runs ftfy. Default true. */
  fixText?: boolean;
}

/**
 * A CLIP BPE tokenizer over a vocabulary (the standard one by default).
 *
 * @example
 * const tok = new ClipTokenizer();
 * tok.encode('a photo of a cat');        // [320, 1125, 539, 320, 2368]
 * tok.tokenizeToArray(['hi'], 8);        // BigInt64Array [49406n, 1883n, 49407n, 0n, 0n, 0n, 0n, 0n]
 * const t = tok.tokenize(['a cat', 'a dog']); // int64 Tensor [2, 77]
 */
export class ClipTokenizer {
  /** Id of '<|startoftext|>' (49406 in the standard vocabulary). */
  readonly startId: number;
  /** Id of '<|endoftext|>' (49407 in the standard vocabulary). */
  readonly endId: number;
  private readonly bpe: BpeEncoder;

  constructor(readonly vocab: BpeVocab = loadDefaultVocab(), private readonly options: ClipTokenizerOptions = {}) {
    this.bpe = new BpeEncoder(vocab);
    this.startId = this.special(START_OF_TEXT);
    this.endId = this.special(END_OF_TEXT);
  }

  private special(token: string): number {
    const id = this.vocab.encoder.get(token);
    if (id === undefined) throw new Error(`${this.vocab.source}: vocabulary has no ${token} token`);
    return id;
  }

  /** Words whose BPE result is cached (each distinct pre-token is merged once). */
  get cachedWords(): number {
    return this.bpe.cacheSize;
  }

  /** Number of token ids (49408 for CLIP). */
  get vocabSize(): number {
    return this.vocab.decoder.length;
  }

  /**
   * Token ids of a text, without start/end tokens. Special-token text in the input
   * ('<|endoftext|>') becomes the special id, as in OpenAI's tokenizer.
   *
   * @example
   * tok.encode('How are you doing?'); // [829, 631, 592, 1960, 286]
   */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const [word] of cleanText(text, this.options).matchAll(PRE_TOKEN)) {
      if (word === START_OF_TEXT) ids.push(this.startId);
      else if (word === END_OF_TEXT) ids.push(this.endId);
      else for (const id of this.bpe.encodeWord(word)) ids.push(id);
    }
    return ids;
  }

  /**
   * Text of token ids: word ends ('</w>') become spaces, invalid UTF-8 becomes U+FFFD. With
   * `skipSpecial`, start tokens are dropped and the text stops at the first end token (so a padded
   * row decodes to its caption).
   *
   * @example
   * tok.decode([320, 2368]);                                 // 'a cat '
   * tok.decode([49406, 320, 2368, 49407, 0, 0], { skipSpecial: true }); // 'a cat '
   */
  decode(ids: Iterable<number | bigint>, options: { skipSpecial?: boolean } = {}): string {
    let symbols = '';
    for (const raw of ids) {
      const id = Number(raw);
      if (options.skipSpecial) {
        if (id === this.endId) break;
        if (id === this.startId) continue;
      }
      const token = this.vocab.decoder[id];
      if (token === undefined) throw new Error(`decode: ${id} is not a token id of ${this.vocab.source}`);
      symbols += token;
    }
    return symbolsToText(symbols).replaceAll(END_OF_WORD, ' ');
  }

  /**
   * Rows of [start, ...ids, end] padded with 0 to `contextLength`, as one flat BigInt64Array
   * (row-major [N, contextLength]). Too-long texts are cut and their last token set to the end id.
   *
   * @example
   * tok.tokenizeToArray('a photo of a cat').subarray(0, 8);
   * // BigInt64Array [49406n, 320n, 1125n, 539n, 320n, 2368n, 49407n, 0n]
   */
  tokenizeToArray(texts: string | readonly string[], contextLength = DEFAULT_CONTEXT_LENGTH): BigInt64Array {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(`tokenize: contextLength must be an integer >= 2, got ${contextLength}`);
    }
    const list = typeof texts === 'string' ? [texts] : texts;
    const out = new BigInt64Array(list.length * contextLength);
    const start = BigInt(this.startId), end = BigInt(this.endId);
    list.forEach((text, row) => {
      const ids = this.encode(text);
      const base = row * contextLength;
      // Too long: keep the first contextLength - 2 ids and end with the end token, as open_clip does.
      const n = Math.min(ids.length, contextLength - 2);
      out[base] = start;
      for (let i = 0; i < n; i++) out[base + 1 + i] = BigInt(ids[i]);
      out[base + n + 1] = end;
    });
    return out;
  }

  /**
   * The int64 tensor [N, contextLength] of tokenizeToArray; a single string gives N = 1.
   *
   * @example
   * tidy(() => tok.tokenize(['a photo of a cat', 'a dog']).shape); // [2, 77]
   */
  tokenize(texts: string | readonly string[], contextLength = DEFAULT_CONTEXT_LENGTH): Tensor {
    const rows = typeof texts === 'string' ? 1 : texts.length;
    return tensor(this.tokenizeToArray(texts, contextLength), { shape: [rows, contextLength], dtype: 'int64' });
  }
}
