// Encoding a made sample as WebDataset fields. Image bytes come from sharp with fixed settings, so
// the same sample always gives the same bytes. Labelled samples carry every field; web samples
// carry only image + caption, with the ground truth in a parallel sidecar sample (`gt`).
import sharp from 'sharp';
import { describeScene } from './describe.js';
import type { SynthSample } from './make_sample.js';
import { MAX_DEPTH, SEG_CLASSES } from './world.js';

/** Field name -> bytes or text, as a shard writer takes them. */
export type Fields = Record<string, Uint8Array | string>;

/** How to encode: image format, and whether the sample is labelled or web-only. */
export interface EncodeOptions {
  image: 'jpg' | 'png';
  layout: 'labelled' | 'web';
  /** JPEG quality (default 90; 4:4:4 chroma so small objects keep their colour). */
  jpegQuality?: number;
}

/** The encoded sample: fields for its own split, and for web samples the ground-truth sidecar. */
export interface EncodedSample {
  key: string;
  fields: Fields;
  gt?: Fields;
}

/** Metres per unit of depth.png. */
export const DEPTH_SCALE = 0.001;

/** Encodes RGB bytes as JPEG or PNG. */
export async function encodeRgb(rgb: Uint8Array, width: number, height: number, format: 'jpg' | 'png', quality = 90): Promise<Buffer> {
  const img = sharp(rgb, { raw: { width, height, channels: 3 } });
  return format === 'jpg' ? img.jpeg({ quality, chromaSubsampling: '4:4:4', optimiseCoding: true }).toBuffer() : img.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

/** Encodes one byte per pixel as an 8-bit grey PNG (class or instance ids). */
export async function encodeGray8(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

/** Encodes metric depth as a 16-bit grey PNG in millimetres (0 = no depth; clipped at 65.535 m). */
export async function encodeDepth(depth: Float32Array, width: number, height: number): Promise<Buffer> {
  const mm = new Uint16Array(depth.length);
  for (let i = 0; i < depth.length; i++) mm[i] = Math.min(65535, Math.max(0, Math.round(depth[i]! / DEPTH_SCALE)));
  return sharp(mm, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

/** Encodes unit normals as RGB with n = rgb / 127.5 - 1 (zero vectors become 128, 128, 128). */
export async function encodeNormals(normals: Float32Array, width: number, height: number): Promise<Buffer> {
  const rgb = new Uint8Array(normals.length);
  for (let i = 0; i < normals.length; i++) rgb[i] = Math.min(255, Math.max(0, Math.round((normals[i]! + 1) * 127.5)));
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

/** The `det.json` of a sample: boxes, class ids, names, instance ids, scores (1 for ground truth). */
export function detectionJson(s: SynthSample): string {
  const b = s.render.boxes;
  return JSON.stringify({ boxes: b.map((x) => x.box), labels: b.map((x) => x.label), names: b.map((x) => x.name), instances: b.map((x) => x.instance),
    scores: b.map(() => 1), classes: SEG_CLASSES });
}

/** The full metadata `json` of a labelled sample (or of a web sample's sidecar). */
export function labelJson(s: SynthSample, image: string): string {
  const { spec, render } = s;
  return JSON.stringify({
    key: s.key, split: spec.split, index: spec.index, seed: spec.seed, width: render.width, height: render.height, image,
    depth_scale: DEPTH_SCALE, depth_unit: 'mm', depth_max: MAX_DEPTH, depth_invalid: 0,
    normal_frame: 'camera: +x right, +y up, +z towards the viewer; n = rgb / 127.5 - 1; background (128, 128, 128)',
    seg_classes: SEG_CLASSES, noise: spec.noise, scene: describeScene(s), quality_captions: s.quality, web_caption: s.web,
  });
}

/** Every ground-truth field of a sample (the dense maps, boxes, captions and metadata). */
async function labelFields(s: SynthSample, image: string): Promise<Fields> {
  const { width, height } = s.render;
  const [seg, inst, depth, normal] = await Promise.all([encodeGray8(s.render.seg, width, height), encodeGray8(s.render.inst, width, height),
    encodeDepth(s.render.depth, width, height), encodeNormals(s.render.normals, width, height)]);
  return { 'syn.json': JSON.stringify({ syn_text: s.quality }), 'seg.png': seg, 'inst.png': inst, 'depth.png': depth, 'normal.png': normal,
    'det.json': detectionJson(s), json: labelJson(s, image) };
}

/**
 * Encodes a sample. Labelled: image, `txt` (a quality caption) and every label field. Web: image,
 * `txt` (the web caption) and a bare `json`; the labels go to `gt` under the same key.
 * @example const e = await encodeSample(makeSample(spec), { image: 'jpg', layout: 'labelled' }); e.fields['seg.png']
 */
export async function encodeSample(s: SynthSample, opts: EncodeOptions): Promise<EncodedSample> {
  const { width, height } = s.render;
  const image = await encodeRgb(s.render.rgb, width, height, opts.image, opts.jpegQuality);
  const labels = await labelFields(s, opts.image);
  if (opts.layout === 'labelled') return { key: s.key, fields: { [opts.image]: image, txt: s.quality[0]!, ...labels } };
  const bare = JSON.stringify({ key: s.key, split: s.spec.split, index: s.spec.index, seed: s.spec.seed, width, height, image: opts.image });
  return { key: s.key, fields: { [opts.image]: image, txt: s.web.text, json: bare }, gt: { txt: s.web.text, ...labels } };
}
