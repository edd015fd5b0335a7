// Expert outputs as WebDataset label fields, in the synthetic world's formats (so the loader and
// the training heads read pseudo-labels and ground truth alike): seg.png 8-bit class ids (255 =
// ignore), depth.png 16-bit with `depth_scale` (metres per unit) in `json`, normal.png RGB with
// n = rgb / 127.5 - 1 (128 grey = none), det.json {boxes, labels, names, scores}.
import { encodePng } from '../data/loader/decode.js';
import type { DepthMap, Detections, NormalMap, SegLabels } from './outputs.js';

/** Metres per depth.png unit when depths fit (millimetres, as the synthetic world). */
export const LABEL_DEPTH_SCALE = 0.001;

function checkSize(what: string, w: number, h: number, len: number, per: number, width: number, height: number): void {
  if (w !== width || h !== height) throw new Error(`${what} is ${w}x${h}, the image ${width}x${height}`);
  if (len !== w * h * per) throw new Error(`${what} holds ${len} values, ${w}x${h}${per > 1 ? `x${per}` : ''} expected`);
}

/**
 * seg.png of hard labels at the image's size.
 * @example segPng({ width: 2, height: 1, labels: Uint8Array.of(0, 255) }, 2, 1)  // a PNG Buffer
 */
export function segPng(s: SegLabels, width: number, height: number): Buffer {
  checkSize('seg labels', s.width, s.height, s.labels.length, 1, width, height);
  return encodePng(s.labels, s.width, s.height, 1);
}

/**
 * depth.png (16-bit) and its scale: millimetres, or a coarser unit when the farthest depth would
 * not fit 16 bits. 0 stays invalid; any positive depth is at least 1 unit.
 * @example depthPng({ width: 1, height: 1, depth: Float32Array.of(2.5) }, 1, 1).scale  // 0.001
 */
export function depthPng(d: DepthMap, width: number, height: number): { png: Buffer; scale: number } {
  checkSize('depth map', d.width, d.height, d.depth.length, 1, width, height);
  let max = 0;
  for (const v of d.depth) if (v > max) max = v;
  const scale = max / 65535 > LABEL_DEPTH_SCALE ? max / 65535 : LABEL_DEPTH_SCALE;
  const u = new Uint16Array(d.depth.length);
  for (let i = 0; i < u.length; i++) {
    const v = d.depth[i]!;
    u[i] = v > 0 ? Math.min(65535, Math.max(1, Math.round(v / scale))) : 0;
  }
  return { png: encodePng(u, d.width, d.height, 1), scale };
}

/**
 * normal.png: rgb = round((n + 1) * 127.5), so a zero vector ("none") is 128 grey.
 * @example normalPng({ width: 1, height: 1, normals: Float32Array.of(0, 0, 1) }, 1, 1)  // a PNG Buffer
 */
export function normalPng(n: NormalMap, width: number, height: number): Buffer {
  checkSize('normal map', n.width, n.height, n.normals.length, 3, width, height);
  const rgb = new Uint8Array(n.normals.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.min(255, Math.max(0, Math.round((n.normals[i]! + 1) * 127.5)));
  return encodePng(rgb, n.width, n.height, 3);
}

/**
 * det.json: boxes [x0, y0, x1, y1] in pixels, class ids, names (from the detections or the expert's classes), scores.
 * @example detJson({ boxes: [[0, 0, 4, 4]], labels: [1], scores: [0.9] }, ['sphere', 'cube'])  // names: ['cube']
 */
export function detJson(d: Detections, classes?: readonly string[]): string {
  const k = d.boxes.length;
  if (d.labels.length !== k || d.scores.length !== k) throw new Error(`detections: ${k} boxes, ${d.labels.length} labels, ${d.scores.length} scores`);
  const names = d.boxes.map((_, i) => d.names?.[i] ?? classes?.[d.labels[i]!] ?? String(d.labels[i]));
  const r = (x: number): number => Math.round(x * 100) / 100;
  return JSON.stringify({ boxes: d.boxes.map((b) => b.map(r)), labels: d.labels, names, scores: d.scores.map((s) => Math.round(s * 1e4) / 1e4),
    ...(classes ? { classes } : {}) });
}

/**
 * The sample's `json` with `patch` merged in (a new object when there was none); throws on a non-object json.
 * @example mergeJson(Buffer.from('{"key":"a"}'), { depth_scale: 0.001 })  // '{"key":"a","depth_scale":0.001}'
 */
export function mergeJson(json: Buffer | undefined, patch: Record<string, unknown>): string {
  let base: Record<string, unknown> = {};
  if (json) {
    const parsed = JSON.parse(json.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('json is not an object, cannot record depth_scale in it');
    base = parsed as Record<string, unknown>;
  }
  return JSON.stringify({ ...base, ...patch });
}
