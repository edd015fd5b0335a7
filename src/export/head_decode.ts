// Decoding a head graph's raw output into the task's result, as the head spec says, in plain JS
// over typed arrays (onnxruntime-node / onnxruntime-web tensors are { data, dims }): the compiled
// file imports nothing at run time, so the web page can load it as is. One pass per output over
// flat arrays, no tensor library; results match the libtorch decoding of src/tasks/predict.ts at
// the graph's output size (resizing to another image size is the caller's, as with any image).
import type { HeadSpecJson } from './head_spec.js';

/** A float32 tensor as onnxruntime returns it: flat data, NCHW dims. */
export interface FlatTensor { data: Float32Array; dims: readonly number[] }

/** seg of one image: class id per pixel (ignore_label where under the threshold) and the top probability. */
export interface SegResult { width: number; height: number; labels: Uint8Array; confidence: Float32Array }
/** depth of one image in metres, HW. */
export interface DepthResult { width: number; height: number; depth: Float32Array }
/** unit normals of one image, HWC (x, y, z per pixel), camera frame. */
export interface NormalsResult { width: number; height: number; normals: Float32Array }
/** detections of one image: boxes [x0, y0, x1, y1] in input pixels, best first. */
export interface DetResult { boxes: [number, number, number, number][]; labels: number[]; scores: number[]; names: string[] }

function plane(t: FlatTensor, i: number): { c: number; h: number; w: number; at: number } {
  const [b, c, h, w] = t.dims as [number, number, number, number];
  if (t.dims.length !== 4 || !(i >= 0 && i < b)) throw new Error(`head decode: expected NCHW output and image index < ${b}, got dims [${t.dims}] index ${i}`);
  return { c, h, w, at: i * c * h * w };
}

/**
 * seg logits [B, K, H, W] -> image i's labels: softmax over classes, argmax, ignore_label where the top probability is under decode.threshold.
 * @example const { labels } = decodeSeg(spec, out.logits, 0);   // labels[y * width + x]
 */
export function decodeSeg(spec: HeadSpecJson, logits: FlatTensor, i: number): SegResult {
  if (spec.decode.type !== 'seg') throw new Error(`decodeSeg: spec is for ${spec.task}`);
  const { c, h, w, at } = plane(logits, i), n = h * w, d = logits.data, thr = spec.decode.threshold;
  const labels = new Uint8Array(n), confidence = new Float32Array(n), top = new Float32Array(n).fill(-Infinity), sum = new Float32Array(n);
  for (let k = 0; k < c; k++) for (let p = 0; p < n; p++) {
    const v = d[at + k * n + p]!;
    if (v > top[p]!) { top[p] = v; labels[p] = k; }
  }
  for (let k = 0; k < c; k++) for (let p = 0; p < n; p++) sum[p]! += Math.exp(d[at + k * n + p]! - top[p]!);
  for (let p = 0; p < n; p++) {
    confidence[p] = 1 / sum[p]!;
    if (confidence[p]! < thr) labels[p] = spec.decode.ignore_label;
  }
  return { width: w, height: h, labels, confidence };
}

/**
 * depth [B, 1, H, W] -> image i's depth in metres (the graph's output times decode.scale).
 * @example const { depth } = decodeDepth(spec, out.depth, 0);
 */
export function decodeDepth(spec: HeadSpecJson, depth: FlatTensor, i: number): DepthResult {
  if (spec.decode.type !== 'depth') throw new Error(`decodeDepth: spec is for ${spec.task}`);
  const { h, w, at } = plane(depth, i), scale = spec.decode.scale;
  const out = depth.data.slice(at, at + h * w);
  if (scale !== 1) for (let p = 0; p < out.length; p++) out[p]! *= scale;
  return { width: w, height: h, depth: out };
}

/**
 * normals [B, 3, H, W] -> image i's unit normals HWC (normalised again, so a resized map stays unit length).
 * @example const { normals } = decodeNormals(spec, out.normals, 0);   // rgb = (n + 1) * 127.5
 */
export function decodeNormals(spec: HeadSpecJson, normals: FlatTensor, i: number): NormalsResult {
  if (spec.decode.type !== 'normals') throw new Error(`decodeNormals: spec is for ${spec.task}`);
  const { h, w, at } = plane(normals, i), n = h * w, d = normals.data, eps = spec.decode.epsilon;
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    const x = d[at + p]!, y = d[at + n + p]!, z = d[at + 2 * n + p]!;
    const len = Math.max(Math.sqrt(x * x + y * y + z * z), eps);
    out[3 * p] = x / len; out[3 * p + 1] = y / len; out[3 * p + 2] = z / len;
  }
  return { width: w, height: h, normals: out };
}

/** Scores of the peak cells (sigmoid, equal to the max of the 3x3 neighbourhood, as a 3x3 max-pool) of one image, else 0. */
function peakScores(heat: FlatTensor, i: number): Float32Array {
  const { c, h, w, at } = plane(heat, i), prob = heat.data.slice(at, at + c * h * w), out = new Float32Array(c * h * w);
  for (let j = 0; j < prob.length; j++) prob[j] = 1 / (1 + Math.exp(-prob[j]!));
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const j = (k * h + y) * w + x, v = prob[j]!;
    let peak = true;
    for (let yy = Math.max(y - 1, 0); yy <= Math.min(y + 1, h - 1) && peak; yy++) {
      for (let xx = Math.max(x - 1, 0); xx <= Math.min(x + 1, w - 1); xx++) if (prob[(k * h + yy) * w + xx]! > v) { peak = false; break; }
    }
    if (peak) out[j] = v;
  }
  return out;
}

/**
 * CenterNet outputs (heatmap [B, K, h, w], size and offset [B, 2, h, w]) -> image i's boxes in input
 * pixels, best first: the topk peaks with score >= score_threshold, box centre (cell + offset) * stride,
 * size max(size, 0) * stride, clipped to spec.image_size.
 * @example const dets = decodeDetections(spec, { heatmap, size, offset }, 0);
 */
export function decodeDetections(spec: HeadSpecJson, out: { heatmap: FlatTensor; size: FlatTensor; offset: FlatTensor }, i: number): DetResult {
  const dec = spec.decode;
  if (dec.type !== 'centernet') throw new Error(`decodeDetections: spec is for ${spec.task}`);
  const { h, w } = plane(out.heatmap, i), n = h * w, scores = peakScores(out.heatmap, i);
  const order = Array.from(scores.keys()).filter((j) => scores[j]! >= dec.score_threshold && scores[j]! > 0);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const [imgH, imgW] = spec.image_size, s = dec.stride, sz = out.size.data, off = out.offset.data, base = i * 2 * n;
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const r: DetResult = { boxes: [], labels: [], scores: [], names: [] };
  for (const j of order.slice(0, dec.topk)) {
    const cell = j % n, label = Math.floor(j / n);
    const cx = (cell % w + off[base + cell]!) * s, cy = (Math.floor(cell / w) + off[base + n + cell]!) * s;
    const bw = Math.max(sz[base + cell]!, 0) * s, bh = Math.max(sz[base + n + cell]!, 0) * s;
    r.boxes.push([clip(cx - bw / 2, imgW), clip(cy - bh / 2, imgH), clip(cx + bw / 2, imgW), clip(cy + bh / 2, imgH)]);
    r.labels.push(label); r.scores.push(scores[j]!); r.names.push(spec.classes[label] ?? String(label));
  }
  return r;
}

/** Any task's decoded result for one image. */
export type HeadResult = { seg: SegResult } | { depth: DepthResult } | { normals: NormalsResult } | { det: DetResult };

/**
 * The one entry point for a page or an API: a head graph's outputs by name -> image i's result for the spec's task.
 * @example const r = decodeHeadOutputs(spec, await session.run({ features_3: maps.features_3 }), 0);  // { seg: { labels, ... } }
 */
export function decodeHeadOutputs(spec: HeadSpecJson, outputs: Record<string, FlatTensor>, i: number): HeadResult {
  const need = (name: string): FlatTensor => outputs[name] ?? (() => { throw new Error(`head decode: no output '${name}' for ${spec.task} (have ${Object.keys(outputs).join(', ')})`); })();
  switch (spec.task) {
    case 'seg': return { seg: decodeSeg(spec, need('logits'), i) };
    case 'depth': return { depth: decodeDepth(spec, need('depth'), i) };
    case 'normals': return { normals: decodeNormals(spec, need('normals'), i) };
    case 'det': return { det: decodeDetections(spec, { heatmap: need('heatmap'), size: need('size'), offset: need('offset') }, i) };
  }
}
