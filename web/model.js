// The models in the browser, run by onnxruntime-web (WebGPU when the browser has it, else wasm,
// single-threaded): zero-shot scores through onnx/model.onnx, dense maps through
// onnx/image_features.onnx and onnx/<task>_head.onnx. The same computation as the server's
// (src/stages/serve/zero_shot.ts, served compiled): template embeddings averaged, softmax over labels.
import * as ort from '/lib/ort/ort.bundle.min.mjs';
import { loadTokenizer, tokenBatch } from './tokenizer.js';
import { softmax, templateEnsembleLogits } from '/lib/zooclip-serve/zero_shot.js';

ort.env.wasm.wasmPaths = '/lib/ort/';
ort.env.wasm.numThreads = 1;

async function session(file, ep) {
  return ort.InferenceSession.create(`/model/onnx/${file}`, { executionProviders: [ep], graphOptimizationLevel: 'all' });
}

/** The execution provider to use: ?ep=wasm|webgpu forces one; else WebGPU when an adapter exists. */
async function chooseEp() {
  const forced = new URLSearchParams(location.search).get('ep');
  if (forced) return forced;
  try {
    if (navigator.gpu && (await navigator.gpu.requestAdapter())) return 'webgpu';
  } catch { /* no WebGPU */ }
  return 'wasm';
}

/** Opens the folder's sessions; falls back to wasm when WebGPU fails. */
export async function loadModels() {
  const info = await (await fetch('/v1/info')).json();
  const tokenizer = await loadTokenizer();
  let ep = await chooseEp();
  let clip;
  try {
    clip = await session('model.onnx', ep);
  } catch (e) {
    if (ep === 'wasm') throw e;
    console.warn(`WebGPU failed (${e.message}); using wasm`);
    ep = 'wasm';
    clip = await session('model.onnx', ep);
  }
  const heads = {};
  const features = info.heads.length ? await session('image_features.onnx', ep) : null;
  for (const task of info.heads) heads[task] = await session(`${task}_head.onnx`, ep);
  return { info, tokenizer, ep, clip, features, heads };
}

/**
 * pixel_values [1, 3, S, S] from an ImageBitmap: the centered square of side min(w, h), resized to
 * S x S by the canvas (high-quality smoothing), then (v / 255 - mean) / std per channel.
 * Returns the float data and the S x S RGBA pixels (for drawing).
 */
export function pixelValues(bitmap, p) {
  const s = p.size, side = Math.min(bitmap.width, bitmap.height);
  const canvas = new OffscreenCanvas(s, s);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  g.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, s, s);
  const rgba = g.getImageData(0, 0, s, s).data;
  const n = s * s, out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = (rgba[4 * i + c] / 255 - p.mean[c]) / p.std[c];
  return { data: out, rgba };
}

/** Zero-shot scores, highest first, plus the token ids fed (for checking against Node's). */
export async function classify(m, pixels, labels, templates) {
  const texts = labels.flatMap((l) => templates.map((t) => t.replaceAll('{}', l)));
  const b = tokenBatch(m.tokenizer, texts, m.info.context_length);
  const s = m.info.image_size;
  const out = await m.clip.run({
    input_ids: new ort.Tensor('int64', b.ids, [b.rows, b.width]),
    attention_mask: new ort.Tensor('int64', b.mask, [b.rows, b.width]),
    pixel_values: new ort.Tensor('float32', pixels, [1, 3, s, s]),
  });
  const per = templateEnsembleLogits(out.image_embeds.data, out.text_embeds.data, out.logits_per_image.data, labels.length);
  const p = softmax(per);
  const scores = labels.map((label, i) => ({ label, score: p[i] })).sort((a, b2) => b2.score - a.score);
  return { scores, ids: Array.from(b.ids, Number), width: b.width };
}

/** A head's first output for the image: { data, dims } ([1, C, h, w]). */
export async function runHead(m, task, pixels) {
  const s = m.info.image_size;
  const maps = await m.features.run({ [m.features.inputNames[0]]: new ort.Tensor('float32', pixels, [1, 3, s, s]) });
  const head = m.heads[task], feeds = {};
  for (const name of head.inputNames) feeds[name] = maps[name];
  const out = (await head.run(feeds))[head.outputNames[0]];
  return { data: out.data, dims: out.dims };
}
