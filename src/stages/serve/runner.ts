// The JSON API's models, run in Node by onnxruntime-node: onnx/model.onnx for zero-shot scores, and
// onnx/image_features.onnx followed by onnx/<task>_head.onnx for the dense maps.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ClipTokenizer } from '../../tokenizer/index.js';
import { folderVocab, tokenBatch } from './inputs.js';
import { type ModelFolder, type ServeTask, SERVE_TASKS } from './model_folder.js';

/** Open sessions of one folder; `release()` frees them all. */
export interface ServeModels {
  folder: ModelFolder;
  tokenizer: ClipTokenizer;
  clip: ort.InferenceSession;
  features?: ort.InferenceSession;
  heads: Partial<Record<ServeTask, ort.InferenceSession>>;
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
  const onnx = (f: string): string => join(folder.dir, 'onnx', f);
  const clip = await open(onnx('model.onnx'), threads);
  const tasks = SERVE_TASKS.filter((t) => folder.heads[t]);
  const features = tasks.length ? await open(onnx('image_features.onnx'), threads) : undefined;
  const heads: ServeModels['heads'] = {};
  for (const t of tasks) heads[t] = await open(onnx(`${t}_head.onnx`), threads);
  const all = [clip, ...(features ? [features] : []), ...Object.values(heads)];
  return {
    folder, tokenizer: new ClipTokenizer(folderVocab(folder.tokenizerJson)), clip, features, heads,
    release: async () => { for (const s of all) await s.release(); },
  };
}

/** One zero-shot score. */
export interface LabelScore { label: string; score: number }

/**
 * Zero-shot scores of one image (pixel_values of its S x S crop): every label under every template
 * through onnx/model.onnx, each label's logits averaged over its templates, then a softmax over the
 * labels; sorted by score, highest first.
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
  const logits = out.logits_per_image!.data as Float32Array;
  const perLabel = labels.map((_, i) => {
    let sum = 0;
    for (let j = 0; j < templates.length; j++) sum += logits[i * templates.length + j]!;
    return sum / templates.length;
  });
  return softmax(perLabel).map((score, i) => ({ label: labels[i]!, score })).sort((a, b2) => b2.score - a.score);
}

/**
 * The softmax of a list (max subtracted first).
 * @example softmax([0, 0]) // [0.5, 0.5]
 */
export function softmax(x: readonly number[]): number[] {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const z = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / z);
}

/**
 * A dense head's raw output for one image: image_features.onnx, then the head fed every feature map
 * whose name it declares as an input; returns the head's first output.
 * @example const { data, dims } = await runHead(m, 'depth', px); // dims [1, 1, h, w]
 */
export async function runHead(m: ServeModels, task: ServeTask, pixels: Float32Array): Promise<{ data: Float32Array; dims: number[] }> {
  const head = m.heads[task], features = m.features;
  if (!head || !features) throw new Error(`the model folder has no ${task} head`);
  const s = m.folder.imageSize;
  const maps = await features.run({ [features.inputNames[0]!]: new ort.Tensor('float32', pixels, [1, 3, s, s]) });
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of head.inputNames) {
    const t = maps[name];
    if (!t) throw new Error(`onnx/${task}_head.onnx wants input '${name}', which onnx/image_features.onnx does not output (outputs: ${features.outputNames.join(', ')})`);
    feeds[name] = t;
  }
  const out = (await head.run(feeds))[head.outputNames[0]!]!;
  return { data: out.data as Float32Array, dims: [...out.dims] };
}
