// CLIP's tokenizer in the browser: zooclip's own BPE and text cleaning modules (the same compiled
// files Node runs, served from /lib/zooclip/), over the vocabulary the server sends (/v1/vocab: the
// folder's tokenizer.json, or the standard CLIP vocabulary). Only the pre-token pattern and the
// row layout are written here; they mirror src/tokenizer/clip_tokenizer.ts and
// src/stages/serve/inputs.ts (tokenBatch), and the browser test checks that the ids are identical.
import { BpeEncoder } from '/lib/zooclip/bpe.js';
import { cleanText } from '/lib/zooclip/text_clean.js';

const START = '<|startoftext|>';
const END = '<|endoftext|>';
// OpenAI's pattern, as src/tokenizer/clip_tokenizer.ts spells it.
const PRE_TOKEN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}]+/giu;

/** Loads the vocabulary and returns { encode(text) -> ids, startId, endId }. */
export async function loadTokenizer(url = '/v1/vocab') {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const { tokens, merges } = await res.json();
  const encoder = new Map();
  tokens.forEach((t, i) => { if (t !== null) encoder.set(t, i); });
  const ranks = new Map(merges.map((m, i) => [m, i]));
  const bpe = new BpeEncoder({ encoder, decoder: tokens.map((t) => t ?? undefined), ranks, source: url });
  const startId = encoder.get(START), endId = encoder.get(END);
  const encode = (text) => {
    const ids = [];
    for (const [word] of cleanText(text).matchAll(PRE_TOKEN)) {
      if (word === START) ids.push(startId);
      else if (word === END) ids.push(endId);
      else ids.push(...bpe.encodeWord(word));
    }
    return ids;
  };
  return { encode, startId, endId };
}

/** Rows [start, ids..., end] padded with 0 to the longest, cut to contextLength (end kept), with the attention mask. */
export function tokenBatch(tok, texts, contextLength) {
  const rows = texts.map((t) => [...[tok.startId, ...tok.encode(t)].slice(0, contextLength - 1), tok.endId]);
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width), mask = new BigInt64Array(rows.length * width);
  rows.forEach((r, i) => r.forEach((id, j) => { ids[i * width + j] = BigInt(id); mask[i * width + j] = 1n; }));
  return { ids, mask, rows: rows.length, width };
}
