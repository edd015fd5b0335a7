// The JSON API's models, run in Node by onnxruntime-node: onnx/model.onnx for zero-shot scores, and
// the dense heads (onnx/image_features.onnx then onnx/<task>_head.onnx, decoded as their specs say)
// through the same OnnxHeads as the public API's onnx backend, so both answer the same maps.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ClipTokenizer } from '../../tokenizer/index.js';
import { OnnxHeads } from '../../zoo/onnx/heads.js';
import * as ortSessions from '../../zoo/onnx/session.js';
import { folderVocab, tokenBatch } from './inputs.js';
import { softmax, templateEnsembleLogits } from './zero_shot.js';
import { type ModelFolder, SERVE_TASKS } from './model_folder.js';

/** Open sessions of one folder; `release()` frees them all. */
export interface ServeModels {
  folder: ModelFolder;
  tokenizer: ClipTokenizer;
  clip: ort.InferenceSession;
  /** The folder's dense heads (sessions of the tasks in folder.heads opened at start). */
  heads: OnnxHeads;
  release(): Promise<void>;
}

async function open(file: string, threads: number): Promise<ort.InferenceSession> {
  const o: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (threads > 0) { o.intraOpNumThreads = threads; o.interOpNumThreads = 1; }
  try {
    return await ort.InferenceSession.create(file, o);
  } catch (e) {
    throw new Error(`serve: cannot load ${file}: ${(e as Error).message}`);
  }
}

/**
 * Opens the folder's sessions on the CPU (`threads` 0 = onnxruntime's default).
 * @example const m = await openServeModels(readModelFolder('out/tiny'), 1); await m.release();
 */
export async function openServeModels(folder: ModelFolder, threads = 0): Promise<ServeModels> {
  const tokenizer = new ClipTokenizer(folderVocab(folder.tokenizerJson));   // a bad tokenizer.json fails before any session is open
  const clip = await open(join(folder.dir, 'onnx', 'model.onnx'), threads);
  const heads = new OnnxHeads(join(folder.dir, 'onnx'), ortSessions, threads || undefined);
  try {
    // opened now, so a bad head fails the start and the first request does not wait for it
    for (const t of SERVE_TASKS) if (folder.heads[t]) await heads.head(t);
  } catch (e) {
    heads.dispose();
    await clip.release();
    throw new Error(`serve: ${(e as Error).message}`);
  }
  return {
    folder, tokenizer, clip, heads,
    release: async () => { heads.dispose(); await clip.release(); },
  };
}

/** One zero-shot score. */
export interface LabelScore { label: string; score: number }

/**
 * Zero-shot scores of one image (pixel_values of its S x S crop), as the public API's `classify`
 * and evaluation score them (open_clip's zero-shot classifier): every label under every template
 * through onnx/model.onnx; each label's normalised text embeddings averaged over its templates and
 * renormalised; logits = logit scale x cosine to the image; a softmax over the labels; highest first.
 * @example await classifyPixels(m, px, ['cat', 'dog'], ['a photo of a {}.']) // [{ label: 'cat', score: 0.9 }, ...]
 */
export async function classifyPixels(m: ServeModels, pixels: Float32Array, labels: readonly string[], templates: readonly string[]): Promise<LabelScore[]> {
  const texts = labels.flatMap((l) => templates.map((t) => t.replaceAll('{}', l)));
  const b = tokenBatch(m.tokenizer, texts, m.folder.contextLength);
  const s = m.folder.imageSize;
  const out = await m.clip.run({
    input_ids: new ort.Tensor('int64', b.ids, [b.rows, b.width]),
    attention_mask: new ort.Tensor('int64', b.mask, [b.rows, b.width]),
    pixel_values: new ort.Tensor('float32', pixels, [1, 3, s, s]),
  });
  const logits = templateEnsembleLogits(out.image_embeds!.data as Float32Array, out.text_embeds!.data as Float32Array,
    out.logits_per_image!.data as Float32Array, labels.length);
  return softmax(logits).map((score, i) => ({ label: labels[i]!, score })).sort((a, b2) => b2.score - a.score);
}

