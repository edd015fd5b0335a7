// The JSON API (docs/serve.md): POST /v1/classify, /v1/segment, /v1/depth, /v1/normals, /v1/detect.
// Fields are checked here and a bad one is a 400 naming it; the models run in runner.ts.
import { decodeImage, encodePng, imageInfo } from '../../data/loader/decode.js';
import type { ExpertOutput } from '../../zoo/types.js';
import { HttpError } from './http_util.js';
import { pixelValues } from './inputs.js';
import { missingHead, type ServeTask } from './model_folder.js';
import { classifyPixels, type ServeModels } from './runner.js';

export const MAX_LABELS = 64;
export const MAX_TEMPLATES = 16;
export const DEFAULT_TEMPLATES = ['a photo of a {}.'];
/** Largest image (width x height) the dense routes answer: their maps come back at the image's size. */
export const MAX_DENSE_PIXELS = 4096 * 4096;

function stringList(v: unknown, field: string, max: number): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > max) throw new HttpError(400, `field '${field}' must be an array of 1 to ${max} strings`);
  return v.map((s, i) => {
    if (typeof s !== 'string' || !s.trim() || s.length > 300) throw new HttpError(400, `field '${field}[${i}]' must be a non-empty string of at most 300 characters`);
    return s.trim();
  });
}

/** The request's image bytes: base64 (or a data: URL) of JPEG, PNG or WebP. */
function imageBytes(o: Record<string, unknown>): Buffer {
  if (typeof o.image !== 'string' || !o.image) throw new HttpError(400, "field 'image' must be a base64 string of JPEG, PNG or WebP bytes");
  const b64 = o.image.startsWith('data:') ? o.image.slice(o.image.indexOf(',') + 1) : o.image;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64.replace(/\s/g, ''))) throw new HttpError(400, "field 'image' is not base64");
  return Buffer.from(b64, 'base64');
}

/** Runs `decode` on the image, a decoding failure being a 400 naming the field. */
function decoded<T>(o: Record<string, unknown>, decode: (bytes: Buffer) => T): T {
  const bytes = imageBytes(o);
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, `field 'image': ${(e as Error).message}`);
  }
}

/** The optional `threshold` (seg: lowest max-softmax probability labelled; det: lowest box score kept). */
function thresholdField(o: Record<string, unknown>): number | undefined {
  const t = o.threshold;
  if (t === undefined) return undefined;
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new HttpError(400, "field 'threshold' must be a number from 0 to 1");
  return t;
}

/**
 * POST /v1/classify {image, labels, templates?} -> {model, scores: [{label, score}]}, highest first.
 * @example await classifyRequest(m, { image: b64, labels: ['cat', 'dog'] }) // { model: 'zooclip-tiny', scores: [...] }
 */
export async function classifyRequest(m: ServeModels, o: Record<string, unknown>): Promise<Record<string, unknown>> {
  const labels = stringList(o.labels, 'labels', MAX_LABELS);
  const templates = o.templates === undefined ? DEFAULT_TEMPLATES : stringList(o.templates, 'templates', MAX_TEMPLATES);
  templates.forEach((t, i) => { if (!t.includes('{}')) throw new HttpError(400, `field 'templates[${i}]' must contain {} where the label goes`); });
  const pixels = decoded(o, (bytes) => pixelValues(bytes, m.folder.preprocess));
  return { model: m.folder.name, templates, scores: await classifyPixels(m, pixels, labels, templates) };
}

function b64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** A 16-bit PNG of a map scaled from its min..max (the preview; the data field holds the values). */
function depthPng(data: Float32Array): Uint16Array {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return Uint16Array.from(data, (v) => (hi > lo ? Math.round(((v - lo) / (hi - lo)) * 65535) : 0));
}

/** HWC unit normals -> CHW float32 (the data field) and an RGB PNG of (n + 1) / 2. */
function normalsChw(hwc: Float32Array, hw: number): { data: Float32Array; png: Uint8Array } {
  const chw = new Float32Array(3 * hw), rgb = new Uint8Array(3 * hw);
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < 3; c++) {
      chw[c * hw + i] = hwc[3 * i + c]!;
      rgb[3 * i + c] = Math.round(((hwc[3 * i + c]! + 1) / 2) * 255);
    }
  }
  return { data: chw, png: rgb };
}

/** One image's decoded prediction as the API answers it (maps at the image's size). */
function denseAnswer(task: ServeTask, out: ExpertOutput, classes: string[]): Record<string, unknown> {
  if (out.seg) {
    const { labels, width: w, height: h } = out.seg;
    return { width: w, height: h, channels: 1, dtype: 'uint8', classes, data: b64(labels), png: b64(encodePng(labels, w, h, 1)) };
  }
  if (out.depth) {
    const { depth, width: w, height: h } = out.depth;
    return { width: w, height: h, channels: 1, dtype: 'float32', units: 'm', data: b64(depth), png: b64(encodePng(depthPng(depth), w, h, 1)) };
  }
  if (out.normals) {
    const { normals, width: w, height: h } = out.normals, n = normalsChw(normals, w * h);
    return { width: w, height: h, channels: 3, dtype: 'float32', data: b64(n.data), png: b64(encodePng(n.png, w, h, 3)) };
  }
  if (!out.det) throw new Error(`the ${task} head gave no ${task} output`);
  const d = out.det;
  const boxes = d.boxes.map(([x0, y0, x1, y1], i) => ({ x0, y0, x1, y1, score: d.scores[i]!, label: classes[d.labels[i]!] ?? String(d.labels[i]), class_id: d.labels[i]! }));
  return { classes, boxes: boxes.sort((a, b2) => b2.score - a.score) };
}

/**
 * POST /v1/<task> {image, threshold?}: the folder's head through OnnxHeads (as the public API's onnx
 * backend), decoded at the uploaded image's size. seg/depth/normals -> {task, width, height, channels,
 * dtype, data (base64, little-endian, CHW), png (base64), spec} (seg adds classes, depth units 'm');
 * det -> {task, width, height, boxes: [{x0, y0, x1, y1, score, label, class_id}] in input pixels, best
 * first, classes, spec}. 404 naming the missing files when the folder has no such head.
 * @example await denseRequest(m, 'depth', { image: b64 }) // { task: 'depth', width: 640, height: 480, channels: 1, dtype: 'float32', units: 'm', ... }
 */
export async function denseRequest(m: ServeModels, task: ServeTask, o: Record<string, unknown>): Promise<Record<string, unknown>> {
  const missing = missingHead(m.folder, task);
  if (missing) throw new HttpError(404, missing);
  const threshold = thresholdField(o);
  const image = decoded(o, (bytes) => {
    const { width, height } = imageInfo(bytes);
    if (width * height > MAX_DENSE_PIXELS) throw new HttpError(413, `field 'image': ${width}x${height} is over the ${MAX_DENSE_PIXELS} pixels a dense answer is made for (maps come back at the image's size)`);
    const d = decodeImage(bytes, { mode: 'rgb' });
    return { data: d.data as Uint8Array, width: d.width, height: d.height };
  });
  const [out] = await m.heads.predict(task, [image], threshold);
  return { task, width: image.width, height: image.height, ...denseAnswer(task, out!, m.heads.classes(task)), spec: m.folder.heads[task] };
}
