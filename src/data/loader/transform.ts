// One sample's decode + augment, as a worker thread runs it: bytes in, uint8/float32 arrays out,
// no tensors. Dense labels follow the image's crop and flip with nearest sampling.
import { type AugmentConfig, type AugmentPlan, planAugment } from './augment.js';
import { type CaptionConfig, selectCaptionIndexed } from './captions.js';
import { mapBoxes, parseDetJson, type PackedBoxes } from './det_labels.js';
import { teacherRows, type TeacherRows } from './teacher.js';
import { type DecodedImage, type DecodeMode, decodeCropResize, imageInfo } from './decode.js';
import { Rng } from './rng.js';
import { renderView, storedViewPlan } from './view.js';
import { imageErrorReason, type SkipReason } from '../shards/skips.js';
import { parsePaug, type PaugEntry } from '../shards/paug.js';

/** Labels a sample may carry: `seg.png`, `depth.png` (+ `json` depth_scale), `normal.png`, `det.json` boxes. */
export type DenseKind = 'seg' | 'depth' | 'normal' | 'det';

/** Segmentation value for pixels to ignore (also where a crop leaves the image). */
export const SEG_IGNORE = 255;

/**
 * How a training sample with stored DataCompDR augmentations (`paug.json`) is shown when teacher
 * embeddings are read: uniform: view k drawn from the sample's Rng; sequential: k = epoch mod n_aug;
 * off: a fresh random crop and teacher row epoch mod n_aug, as for a sample without paug.json.
 */
export type ReplayMode = 'uniform' | 'sequential' | 'off';

/** Everything a worker needs to turn a raw sample into arrays. */
export interface TransformConfig {
  imageSize: number;
  train: boolean;
  augment: AugmentConfig;
  captions: CaptionConfig;
  dense: DenseKind[];
  /** Read DataCompDR teacher embeddings from `npz` (a sample without one is an error). */
  teacher?: boolean;
  /** Replay of stored augmentations when `teacher` is on (default uniform; see ReplayMode). */
  replay?: ReplayMode;
  seed: number;
  /** Pixel budget per image and label map (default DEFAULT_MAX_PIXELS, see decode.ts). */
  maxPixels?: number;
}

/** A raw sample as sent to a worker; (epoch, index) seed its augmentation. */
export interface SampleTask {
  epoch: number;
  index: number;
  key: string;
  fields: Record<string, Uint8Array>;
}

/**
 * A decoded sample (imageSize^2 pixels each): image RGB HWC, seg class ids, depth (depth.png
 * values times the `json` depth_scale; 0 = invalid), normals RGB HWC (n = rgb / 127.5 - 1).
 */
export interface SampleOk {
  ok: true;
  image: Uint8Array;
  caption: string;
  /** Which caption: 0 = `txt`, 1 + k = synthetic k (the `text_emb` row). */
  captionIndex: number;
  seg?: Uint8Array;
  depth?: Float32Array;
  normal?: Uint8Array;
  /** Boxes in output pixels (see det_labels.ts); empty when the sample has none. */
  det?: PackedBoxes;
  /** Which of the requested labels the sample really carries (its field exists). */
  present?: Partial<Record<DenseKind, boolean>>;
  teacher?: TeacherRows;
}
/** Why a sample was skipped: the reason for the tally, and a message naming the field. */
export interface SampleFailed {
  ok: false;
  reason: SkipReason;
  error: string;
}
/** A worker's answer for one sample. */
export type SampleResult = SampleOk | SampleFailed;

/** normal.png value of "no normal" (a zero vector: background, and where a crop leaves the image). */
export const NORMAL_NONE = 128;

/** Whether an RGB normal encodes a real direction (length above 0.5) rather than "none". */
export function isNormal(r: number, g: number, b: number): boolean {
  return (r - 127.5) ** 2 + (g - 127.5) ** 2 + (b - 127.5) ** 2 > (0.5 * 127.5) ** 2;
}

/** Image fields, in the order they are looked for. */
export const IMAGE_KEYS = ['jpg', 'jpeg', 'png', 'webp'] as const;

/** The fields of a raw sample that the transform reads (the rest never leaves the main thread). */
export function neededFields(cfg: TransformConfig): string[] {
  const keys: string[] = [...IMAGE_KEYS, 'txt', 'syn.json'];
  for (const d of cfg.dense) keys.push(d === 'det' ? 'det.json' : `${d}.png`);
  if (cfg.dense.includes('depth')) keys.push('json');
  if (cfg.teacher) keys.push('npz');
  if (cfg.teacher && cfg.train && cfg.replay !== 'off') keys.push('paug.json');
  return keys;
}

/** The arrays a result owns, for postMessage's transfer list. */
export function transferables(r: SampleResult): ArrayBuffer[] {
  if (!r.ok) return [];
  return [r.image, r.seg, r.depth, r.normal, r.det, r.teacher?.image, r.teacher?.text].filter((a) => a !== undefined).map((a) => a!.buffer as ArrayBuffer);
}

function labelCrop(buf: Uint8Array, name: string, plan: AugmentPlan, imgW: number, imgH: number, size: number, fill: number, mode: DecodeMode, maxPixels?: number): DecodedImage {
  try {
    const info = imageInfo(buf);
    const sx = info.width / imgW, sy = info.height / imgH;
    const box = { x: plan.crop.x * sx, y: plan.crop.y * sy, w: plan.crop.w * sx, h: plan.crop.h * sy };
    return decodeCropResize(buf, box, size, size, plan.flip, { filter: 'nearest', fill, mode, maxPixels });
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}

/** First channel of a nearest-resampled label map. */
function firstChannel(img: DecodedImage): Uint8Array | Uint16Array {
  if (img.channels === 1) return img.data;
  const out = img.bits === 16 ? new Uint16Array(img.width * img.height) : new Uint8Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i * img.channels]!;
  return out;
}

function depthScale(json: Uint8Array | undefined): number {
  if (!json) return 1;
  try {
    const meta = JSON.parse(new TextDecoder().decode(json)) as { depth_scale?: unknown };
    return typeof meta.depth_scale === 'number' ? meta.depth_scale : 1;
  } catch {
    return 1;
  }
}

function denseTargets(out: SampleOk, task: SampleTask, cfg: TransformConfig, plan: AugmentPlan, w: number, h: number): void {
  const s = cfg.imageSize, f = task.fields;
  const present: Partial<Record<DenseKind, boolean>> = {};
  for (const d of cfg.dense) present[d] = f[d === 'det' ? 'det.json' : `${d}.png`] !== undefined;
  out.present = present;
  if (cfg.dense.includes('seg')) {
    const seg = f['seg.png'] ? firstChannel(labelCrop(f['seg.png'], 'seg.png', plan, w, h, s, SEG_IGNORE, 'raw', cfg.maxPixels)) : null;
    if (seg instanceof Uint16Array) throw new Error('seg.png: 16-bit masks are not supported (class ids must fit 8 bits)');
    out.seg = seg ?? new Uint8Array(s * s).fill(SEG_IGNORE);
  }
  if (cfg.dense.includes('depth')) {
    const depth = new Float32Array(s * s);
    if (f['depth.png']) {
      const raw = firstChannel(labelCrop(f['depth.png'], 'depth.png', plan, w, h, s, 0, 'native', cfg.maxPixels));
      const scale = depthScale(f.json);
      for (let i = 0; i < depth.length; i++) depth[i] = raw[i]! * scale;
    }
    out.depth = depth;
  }
  if (cfg.dense.includes('normal')) {
    const n = f['normal.png'] ? labelCrop(f['normal.png'], 'normal.png', plan, w, h, s, NORMAL_NONE, 'rgb', cfg.maxPixels).data as Uint8Array
      : new Uint8Array(s * s * 3).fill(NORMAL_NONE);
    // n = rgb / 127.5 - 1, so negating x on a flip is r -> 255 - r (only on real normals: the
    // "no normal" gray stays as it is).
    if (plan.flip) for (let i = 0; i < n.length; i += 3) if (isNormal(n[i]!, n[i + 1]!, n[i + 2]!)) n[i] = 255 - n[i]!;
    out.normal = n;
  }
  if (cfg.dense.includes('det')) {
    const d = f['det.json'] ? parseDetJson(f['det.json']) : { boxes: [], labels: [] };
    out.det = mapBoxes(d.boxes, d.labels, plan.crop, s, plan.flip);
  }
}

/** A sample's skip, as a worker returns it. */
function failed(reason: SkipReason, error: string): SampleFailed {
  return { ok: false, reason, error };
}

/** A stored view to replay: its index k (the teacher row) and its parameters. */
interface Replay { k: number; entries: PaugEntry[] }

/** The stored view this sample shows, or null (no paug.json, no teacher, not training, or replay off). */
function pickReplay(task: SampleTask, cfg: TransformConfig, rng: Rng): Replay | null {
  const bytes = task.fields['paug.json'];
  if (!cfg.teacher || !cfg.train || cfg.replay === 'off' || !bytes) return null;
  const entries = parsePaug(bytes, `key ${task.key}`);
  const k = cfg.replay === 'sequential' ? task.epoch % entries.length : rng.int(entries.length);
  return { k, entries };
}

/** The image decoded, cropped and augmented (or replayed), or why it could not be. */
function transformImage(task: SampleTask, ext: string, cfg: TransformConfig, rng: Rng, replay: Replay | null): { image: Uint8Array; plan: AugmentPlan; w: number; h: number } | SampleFailed {
  const buf = task.fields[ext]!;
  let info;
  try {
    info = imageInfo(buf);
  } catch (e) {
    const message = (e as Error).message;
    return failed(imageErrorReason(message), `${ext}: ${message}`);
  }
  let plan: AugmentPlan;
  try {
    plan = replay ? storedViewPlan(replay.entries[replay.k]!, info.width, info.height, `key ${task.key} param_aug[${replay.k}]`) : planAugment(info.width, info.height, cfg.train, cfg.augment, rng, cfg.imageSize);
  } catch (e) {
    return failed('bad-field', (e as Error).message);
  }
  try {
    return { image: renderView(buf, plan, cfg.imageSize, cfg.maxPixels), plan, w: info.width, h: info.height };
  } catch (e) {
    const message = (e as Error).message;
    return failed(imageErrorReason(message), `${ext}: ${message}`);
  }
}

/** The teacher image row: the replayed view's (its paug.json and npz must agree on n_aug), else epoch mod n_aug. */
function replayRow(replay: Replay | null, nAug: number, epoch: number): number {
  if (!replay) return epoch % nAug;
  if (replay.entries.length !== nAug) throw new Error(`paug.json has ${replay.entries.length} stored views but npz image_emb has ${nAug} rows`);
  return replay.k;
}

/**
 * Decodes and augments one sample; never throws: failures come back as { ok: false, reason, error }
 * (the image: bad-image or image-too-large; captions, labels, teacher rows: bad-field; a missing
 * image or npz: missing-field). Randomness comes only from Rng(seed, epoch, index), so results do
 * not depend on the worker.
 * @example const r = transformSample({ epoch: 0, index: 3, key: 'k', fields: { jpg, txt } }, cfg); if (!r.ok) stats.add(skip(r.reason, shard, r.error, 'k'));
 */
export function transformSample(task: SampleTask, cfg: TransformConfig): SampleResult {
  const key = IMAGE_KEYS.find((k) => task.fields[k] !== undefined);
  if (!key) return failed('missing-field', `no image field (${IMAGE_KEYS.join(', ')})`);
  const rng = new Rng(cfg.seed, task.epoch, task.index);
  let replay: Replay | null;
  try {
    replay = pickReplay(task, cfg, rng);
  } catch (e) {
    return failed('bad-field', (e as Error).message);
  }
  const img = transformImage(task, key, cfg, rng, replay);
  if ('ok' in img) return img;
  if (cfg.teacher && !task.fields.npz) return failed('missing-field', 'no npz field (teacher embeddings were asked for)');
  try {
    const chosen = selectCaptionIndexed(task.fields.txt, task.fields['syn.json'], cfg.captions, task.epoch, rng);
    const out: SampleOk = { ok: true, image: img.image, caption: chosen.text, captionIndex: chosen.index };
    if (cfg.dense.length) denseTargets(out, task, cfg, img.plan, img.w, img.h);
    if (cfg.teacher) out.teacher = teacherRows(task.fields.npz!, (n) => replayRow(replay, n, task.epoch));
    return out;
  } catch (e) {
    const message = (e as Error).message;
    return failed(imageErrorReason(message) === 'image-too-large' ? 'image-too-large' : 'bad-field', message);  // a label PNG over the budget
  }
}
