// zooclip's CLIP tokenizer as the Hugging Face files transformers.js loads with AutoTokenizer:
// tokenizer.json (byte-level BPE with '</w>' word ends, the clean-up as normalizer, CLIP's split
// pattern, start/end tokens added by the post-processor), tokenizer_config.json and
// special_tokens_map.json. Token ids are zooclip's own (the vocabulary's encoder table).
import { END_OF_TEXT, END_OF_WORD, START_OF_TEXT, type BpeVocab } from '../../tokenizer/index.js';
import { clipCleanNormalizer } from './tokenizer_normalizer.js';

/**
 * CLIP's pre-token pattern in tokenizer.json's spelling: tokenizer/clip_tokenizer.ts's PRE_TOKEN with
 * \p{White_Space} written \s (transformers.js reads \s as White_Space; Oniguruma as Unicode space).
 */
export const HF_PRE_TOKEN_PATTERN = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+";

function specialId(vocab: BpeVocab, token: string): number {
  const id = vocab.encoder.get(token);
  if (id === undefined) throw new Error(`${vocab.source}: vocabulary has no ${token} token, so it cannot be exported as a CLIP tokenizer`);
  return id;
}

/** The merges in rank order as "left right" strings (a duplicate merge keeps its first rank, as zooclip does). */
function mergesInOrder(vocab: BpeVocab): string[] {
  const merges = [...vocab.ranks].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
  const bad = merges.find((m) => m.split(' ').length !== 2);
  if (bad !== undefined) throw new Error(`${vocab.source}: merge ${JSON.stringify(bad)} is not "left right"`);
  return merges;
}

function addedToken(id: number, content: string): Record<string, unknown> {
  // normalized: matched after the clean-up, as zooclip matches them in the cleaned, lowercased text.
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
}

function postProcessor(sot: number, eot: number): Record<string, unknown> {
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const seq = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  return {
    type: 'TemplateProcessing',
    single: [special(START_OF_TEXT), seq('A'), special(END_OF_TEXT)],
    pair: [special(START_OF_TEXT), seq('A'), special(END_OF_TEXT), seq('B'), special(END_OF_TEXT)],
    special_tokens: {
      [START_OF_TEXT]: { id: START_OF_TEXT, ids: [sot], tokens: [START_OF_TEXT] },
      [END_OF_TEXT]: { id: END_OF_TEXT, ids: [eot], tokens: [END_OF_TEXT] },
    },
  };
}

/**
 * tokenizer.json for a CLIP BPE vocabulary. `contextLength` goes into its truncation block (which
 * Python `tokenizers` applies, keeping the end token; transformers.js truncates with
 * tokenizer_config.json's model_max_length instead, see docs/transformers_js.md).
 * @example
 * const json = clipTokenizerJson(loadDefaultVocab(), 77);
 * json.model.vocab['cat</w>']; // 2368
 */
export function clipTokenizerJson(vocab: BpeVocab, contextLength: number): { model: { vocab: Record<string, number>; merges: string[] } & Record<string, unknown> } & Record<string, unknown> {
  const sot = specialId(vocab, START_OF_TEXT), eot = specialId(vocab, END_OF_TEXT);
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: contextLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: [addedToken(sot, START_OF_TEXT), addedToken(eot, END_OF_TEXT)],
    normalizer: clipCleanNormalizer(),
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: HF_PRE_TOKEN_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: postProcessor(sot, eot),
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: END_OF_TEXT, continuing_subword_prefix: '', end_of_word_suffix: END_OF_WORD,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: Object.fromEntries(vocab.encoder), merges: mergesInOrder(vocab),
    },
  };
}

/**
 * tokenizer_config.json: the CLIPTokenizer class, its special tokens (padding with the end token,
 * as CLIP's Hugging Face tokenizers do) and model_max_length = the text context.
 * @example clipTokenizerConfig(77).model_max_length; // 77
 */
export function clipTokenizerConfig(contextLength: number): Record<string, unknown> {
  return {
    tokenizer_class: 'CLIPTokenizer', model_max_length: contextLength, padding_side: 'right', do_lower_case: true,
    bos_token: START_OF_TEXT, eos_token: END_OF_TEXT, unk_token: END_OF_TEXT, pad_token: END_OF_TEXT,
    clean_up_tokenization_spaces: false, add_prefix_space: false, errors: 'replace',
  };
}

/**
 * special_tokens_map.json: the same four special tokens.
 * @example clipSpecialTokensMap().pad_token; // '<|endoftext|>'
 */
export function clipSpecialTokensMap(): Record<string, string> {
  return { bos_token: START_OF_TEXT, eos_token: END_OF_TEXT, unk_token: END_OF_TEXT, pad_token: END_OF_TEXT };
}
