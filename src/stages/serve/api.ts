// The JSON API (docs/serve.md): POST /v1/classify, /v1/segment, /v1/depth, /v1/normals. Fields are
// checked here and a bad one is a 400 naming it; the models run in runner.ts.
import { encodePng } from '../../data/loader/decode.js';
import { HttpError } from './http_util.js';
import { pixelValues } from './inputs.js';
import { missingHead, type ServeTask } from './model_folder.js';
import { classifyPixels, runHead, type ServeModels } from './runner.js';

export const MAX_LABELS = 64;
export const MAX_TEMPLATES = 16;
export const DEFAULT_TEMPLATES = ['a photo of a {}.'];

function stringList(v: unknown, field: string, max: number): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > max) throw new HttpError(400, `field '${field}' must be an array of 1 to ${max} strings`);
  return v.map((s, i) => {
    if (typeof s !== 'string' || !s.trim() || s.length > 300) throw new HttpError(400, `field '${field}[${i}]' must be a non-empty string of at most 300 characters`);
    return s.trim();
  });
}

/** The request's image: base64 (or a data: URL) of JPEG, PNG or WebP bytes, made into pixel_values. */
function imageField(o: Record<string, unknown>, m: ServeModels): Float32Array {
  if (typeof o.image !== 'string' || !o.image) throw new HttpError(400, "field 'image' must be a base64 string of JPEG, PNG or WebP bytes");
  const b64 = o.image.startsWith('data:') ? o.image.slice(o.image.indexOf(',') + 1) : o.image;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64.replace(/\s/g, ''))) throw new HttpError(400, "field 'image' is not base64");
  try {
    return pixelValues(Buffer.from(b64, 'base64'), m.folder.preprocess);
  } catch (e) {
    throw new HttpError(400, `field 'image': ${(e as Error).message}`);
  }
}

/**
 * POST /v1/classify {image, labels, templates?} -> {model, scores: [{label, score}]}, highest first.
 * @example await classifyRequest(m, { image: b64, labels: ['cat', 'dog'] }) // { model: 'zooclip-tiny', scores: [...] }
 */
export async function classifyRequest(m: ServeModels, o: Record<string, unknown>): Promise<Record<string, unknown>> {
  const labels = stringList(o.labels, 'labels', MAX_LABELS);
  const templates = o.templates === undefined ? DEFAULT_TEMPLATES : stringList(o.templates, 'templates', MAX_TEMPLATES);
  templates.forEach((t, i) => { if (!t.includes('{}')) throw new HttpError(400, `field 'templates[${i}]' must contain {} where the label goes`); });
  const pixels = imageField(o, m);
  return { model: m.folder.name, templates, scores: await classifyPixels(m, pixels, labels, templates) };
}

function b64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** seg: argmax over the classes -> uint8 ids (and a gray PNG of them). */
function segMap(data: Float32Array, c: number, hw: number): { data: Uint8Array; png: Uint8Array } {
  const ids = new Uint8Array(hw);
  for (let i = 0; i < hw; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (data[k * hw + i]! > data[best * hw + i]!) best = k;
    ids[i] = best;
  }
  return { data: ids, png: ids };
}

/** depth: the map as float32, and a 16-bit PNG scaled from its min..max. */
function depthPng(data: Float32Array): Uint16Array {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return Uint16Array.from(data, (v) => (hi > lo ? Math.round(((v - lo) / (hi - lo)) * 65535) : 0));
}

/** normals: unit vectors per pixel (CHW float32), and an RGB PNG of (n + 1) / 2. */
function normalsMap(data: Float32Array, hw: number): { data: Float32Array; png: Uint8Array } {
  const out = new Float32Array(3 * hw), rgb = new Uint8Array(3 * hw);
  for (let i = 0; i < hw; i++) {
    const n = Math.hypot(data[i]!, data[hw + i]!, data[2 * hw + i]!) || 1;
    for (let c = 0; c < 3; c++) {
      out[c * hw + i] = data[c * hw + i]! / n;
      rgb[3 * i + c] = Math.round(((out[c * hw + i]! + 1) / 2) * 255);
    }
  }
  return { data: out, png: rgb };
}

/**
 * POST /v1/<task> {image} -> {task, width, height, channels, dtype, data (base64, little-endian, CHW), png (base64)};
 * 404 naming the missing files when the folder has no such head.
 * @example await denseRequest(m, 'depth', { image: b64 }) // { task: 'depth', width: 16, height: 16, channels: 1, dtype: 'float32', ... }
 */
export async function denseRequest(m: ServeModels, task: ServeTask, o: Record<string, unknown>): Promise<Record<string, unknown>> {
  const missing = missingHead(m.folder, task);
  if (missing) throw new HttpError(404, missing);
  const { data, dims } = await runHead(m, task, imageField(o, m));
  const [c, h, w] = dims.slice(-3) as [number, number, number];
  const base = { task, width: w, height: h, spec: m.folder.heads[task] };
  if (task === 'seg') {
    const s = segMap(data, c, h * w);
    return { ...base, channels: 1, dtype: 'uint8', data: b64(s.data), png: b64(encodePng(s.png, w, h, 1)) };
  }
  if (task === 'depth') return { ...base, channels: 1, dtype: 'float32', data: b64(data.subarray(0, h * w)), png: b64(encodePng(depthPng(data.subarray(0, h * w)), w, h, 1)) };
  const n = normalsMap(data, h * w);
  return { ...base, channels: 3, dtype: 'float32', data: b64(n.data), png: b64(encodePng(n.png, w, h, 3)) };
}
