// Token ids -> caption text for ONNX captioners: the CLIP BPE vocabulary of src/tokenizer, or a
// JSON list of token strings (one per id; WordPiece '##' pieces join the previous word, as BLIP's
// BERT vocabulary writes them).
import { readFileSync } from 'node:fs';
import { defaultTokenizer } from '../../tokenizer/index.js';

/** Turns generated ids (without start/end) into text. */
export interface TokenText {
  /** Ids the vocabulary covers (ids >= size cannot be decoded). */
  readonly size: number;
  decode(ids: readonly number[]): string;
}

/**
 * The CLIP vocabulary (49408 ids), or the token list in `vocab` (a JSON array of strings); `special`
 * ids (start, end, pad) are dropped from the text.
 *
 * @example tokenText('clip', [49406, 49407, 0]).decode([320, 2368]); // 'a cat'
 */
export function tokenText(vocab: 'clip' | string, special: readonly number[]): TokenText {
  const skip = new Set(special);
  if (vocab === 'clip') {
    const tok = defaultTokenizer();
    return {
      size: tok.vocabSize,
      decode: (ids) => tok.decode(ids.filter((i) => !skip.has(i)), { skipSpecial: true }).trim(),
    };
  }
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(vocab, 'utf8'));
  } catch (e) {
    throw new Error(`tokenizer.vocab: cannot read ${vocab} as JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string')) {
    throw new Error(`tokenizer.vocab: ${vocab} must be a non-empty JSON array of token strings`);
  }
  const tokens = list as string[];
  return {
    size: tokens.length,
    decode: (ids) => {
      let text = '';
      for (const id of ids) {
        if (skip.has(id)) continue;
        const t = tokens[id];
        if (t === undefined) throw new Error(`token id ${id} is outside the vocabulary ${vocab} (${tokens.length} tokens)`);
        text += t.startsWith('##') ? t.slice(2) : (text ? ' ' : '') + t;
      }
      return text;
    },
  };
}
