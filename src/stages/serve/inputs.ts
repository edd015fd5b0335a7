// Model inputs in Node, the same way the page makes them in the browser (web/model.js): pixel_values
// by open_clip's eval transform (short side resized, center crop, mean/std), and input_ids padded to
// the batch's longest text (transformers.js's rule), start/end tokens as CLIP's tokenizer writes them.
import { centerCropBox } from '../../data/loader/augment.js';
import { decodeCropResize, imageInfo } from '../../data/loader/decode.js';
import { ClipTokenizer, loadDefaultVocab, loadHfTokenizerJson, type BpeVocab } from '../../tokenizer/index.js';
import type { ServePreprocess } from './model_folder.js';

/**
 * pixel_values [1, 3, S, S] (CHW, float32) of one encoded image (JPEG, PNG or WebP).
 * @example const px = pixelValues(readFileSync('cat.png'), folder.preprocess); // Float32Array(3 * S * S)
 */
export function pixelValues(bytes: Uint8Array, p: ServePreprocess): Float32Array {
  const info = imageInfo(bytes);
  const rgb = decodeCropResize(bytes, centerCropBox(info.width, info.height), p.size, p.size, false, { filter: p.interpolation }).data as Uint8Array;
  return normalizeRgb(rgb, p);
}

/**
 * Interleaved 8-bit RGB of S x S pixels -> normalised CHW floats ((v / 255 - mean) / std).
 * @example normalizeRgb(new Uint8Array(3 * 64 * 64), folder.preprocess).length // 12288
 */
export function normalizeRgb(rgb: Uint8Array, p: ServePreprocess): Float32Array {
  const n = p.size * p.size;
  if (rgb.length !== 3 * n) throw new Error(`normalizeRgb: expected ${3 * n} bytes (${p.size}x${p.size} RGB), got ${rgb.length}`);
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) out[c * n + i] = (rgb[3 * i + c] / 255 - p.mean[c]) / p.std[c];
  }
  return out;
}

/**
 * The tokenizer of a folder: its tokenizer.json when it has one, else the standard CLIP vocabulary.
 * @example new ClipTokenizer(folderVocab(folder.tokenizerJson)).encode('a cat') // [320, 2368]
 */
export function folderVocab(tokenizerJson: string | undefined): BpeVocab {
  return tokenizerJson ? loadHfTokenizerJson(tokenizerJson) : loadDefaultVocab();
}

/** A text batch as the CLIP graphs take it. */
export interface TokenBatch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  rows: number;
  width: number;
}

/**
 * Token rows [start, ids..., end] padded with 0 to the longest row, cut to `contextLength` (the end token kept).
 * @example tokenBatch(new ClipTokenizer(), ['a cat', 'a photo of a dog'], 32).width // 7
 */
export function tokenBatch(tok: ClipTokenizer, texts: readonly string[], contextLength: number): TokenBatch {
  const rows = texts.map((t) => {
    const r = [tok.startId, ...tok.encode(t)].slice(0, contextLength - 1);
    return [...r, tok.endId];
  });
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width), mask = new BigInt64Array(rows.length * width);
  rows.forEach((r, i) => r.forEach((id, j) => { ids[i * width + j] = BigInt(id); mask[i * width + j] = 1n; }));
  return { ids, mask, rows: rows.length, width };
}

/**
 * The vocabulary as the page loads it (GET /v1/vocab): tokens by id and merges by rank.
 * @example vocabJson(loadDefaultVocab()).merges[0] // 'i n'
 */
export function vocabJson(v: BpeVocab): { tokens: (string | null)[]; merges: string[] } {
  const merges: string[] = [];
  for (const [pair, rank] of v.ranks) merges[rank] = pair;
  return { tokens: v.decoder.map((t) => t ?? null), merges: merges.filter((m) => m !== undefined) };
}
