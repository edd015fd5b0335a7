// Served folders for the serve tests: a seeded zooclip-tiny exported to onnx/model.onnx with
// exportClipOnnx and a zooclip_export.json manifest (no heads), one with real CLIPTeX heads (the
// export helper the public API's tests use), and deterministic fixture images.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { exportClipOnnx } from '../../src/export/index.js';
import { encodePng } from '../../src/data/loader/decode.js';
import { ClipTokenizer } from '../../src/tokenizer/index.js';
import { classifyPixels, openServeModels, pixelValues, readModelFolder, type LabelScore } from '../../src/stages/serve/index.js';
import { checkpointAndExport } from '../helpers/heads_export.js';

export const LABELS = ['a red square', 'a blue circle', 'green grass', "the cat's toy", 'Café 東京 🐱'];
export const TEMPLATES = ['a photo of {}.'];

/**
 * Writes DIR/onnx/model.onnx (seeded zooclip-tiny: 64 px, context 32) and DIR/zooclip_export.json.
 * @example makeServeFolder('/tmp/f') // '/tmp/f'
 */
export function makeServeFolder(dir: string): string {
  manualSeed(14);
  const model = createModel('zooclip-tiny').eval();
  exportClipOnnx(model, join(dir, 'onnx'), ['model']);
  const manifest = { format: 'zooclip-export', version: 1, model: { name: 'zooclip-tiny', embed_dim: 128, image_size: 64, context_length: 32, tower: 'vit' }, files: [], heads: [] };
  writeFileSync(join(dir, 'zooclip_export.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/**
 * A deterministic RGB picture (gradient, a square and a disc) as PNG bytes.
 * @example writeFileSync('x.png', fixturePng(64, 64));
 */
export function fixturePng(w: number, h: number): Buffer {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x), inSquare = x > w * 0.15 && x < w * 0.45 && y > h * 0.2 && y < h * 0.5;
      const inDisc = (x - w * 0.65) ** 2 + (y - h * 0.65) ** 2 < (Math.min(w, h) * 0.2) ** 2;
      px[i] = inSquare ? 220 : (x * 255) / w;
      px[i + 1] = inDisc ? 40 : (y * 255) / h;
      px[i + 2] = inDisc ? 230 : 90 + ((x + y) % 7) * 10;
    }
  }
  return encodePng(px, w, h, 3);
}

/**
 * Reference scores: the folder's model.onnx run by onnxruntime-node on Node's preprocessing.
 * @example await referenceScores(dir, png, LABELS, TEMPLATES)
 */
export async function referenceScores(dir: string, png: Uint8Array, labels: readonly string[], templates: readonly string[]): Promise<LabelScore[]> {
  const m = await openServeModels(readModelFolder(dir), 1);
  try {
    return await classifyPixels(m, pixelValues(png, m.folder.preprocess), labels, templates);
  } finally {
    await m.release();
  }
}

/** Node's token ids of texts (what the page must reproduce). */
export function nodeIds(texts: readonly string[]): number[][] {
  const tok = new ClipTokenizer();
  return texts.map((t) => [tok.startId, ...tok.encode(t), tok.endId]);
}

export { ort };

/** Seg and det classes of the heads folder. */
export const HEAD_CLASSES = ['floor', 'cube', 'sphere'];

/**
 * A served folder with real CLIPTeX heads: a seeded zooclip-tiny checkpoint with seg, depth, normals
 * and det heads, exported (CLIP graphs, image_features.onnx, <task>_head.onnx + .json) into DIR/export.
 * @example const folder = makeHeadsFolder(mkdtempSync(join(tmpdir(), 'x-'))); // '.../export'
 */
export function makeHeadsFolder(dir: string): string {
  return checkpointAndExport(dir, HEAD_CLASSES).exported;
}
