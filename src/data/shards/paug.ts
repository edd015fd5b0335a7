// DataCompDR's stored augmentations (`paug.json`, REFERENCE.md section 7): {"param_aug": [p_0, ...]}
// with one entry per stored view; each p_k lists the random transforms' parameters in the order
// random_resized_crop [top, left, height, width], random_horizontal_flip (a bool, only when the
// flip is configured), rand_augment ([[op, magnitude], ...] or null when skipped; only when
// configured). Transforms without random parameters take no place.
import type { RandAugmentStep } from '../loader/rand_augment_space.js';
import { RAND_AUGMENT_OPS } from '../loader/rand_augment_space.js';

/** torchvision's RandomResizedCrop.get_params result: [top, left, height, width] in source pixels. */
export type RrcParams = [top: number, left: number, height: number, width: number];

/**
 * One stored view. `flip` undefined: no flip transform configured (so no place in the entry);
 * `randAugment` undefined: not configured, null: configured but skipped for this view.
 */
export interface PaugEntry {
  crop: RrcParams;
  flip?: boolean;
  randAugment?: RandAugmentStep[] | null;
}

/** The image resampling of a stored crop: DataCompDR's RandomResizedCrop is bicubic (reinforce and replay both use it). */
export const PAUG_FILTER = 'bicubic' as const;

function fail(where: string, what: string): never {
  throw new Error(`${where}: paug.json ${what} (DataCompDR layout: {"param_aug": [[[top, left, height, width], flip?, [[op, magnitude], ...] | null], ...]})`);
}

function parseCrop(v: unknown, where: string, at: string): RrcParams {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => Number.isInteger(x))) fail(where, `${at}[0] must be [top, left, height, width] integers, got ${JSON.stringify(v)}`);
  const [top, left, h, w] = v as RrcParams;
  if (top < 0 || left < 0 || h < 1 || w < 1) fail(where, `${at}[0] = ${JSON.stringify(v)} is not a box (top, left >= 0; height, width >= 1)`);
  return [top, left, h, w];
}

function parseSteps(v: unknown, where: string, at: string): RandAugmentStep[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) fail(where, `${at} rand_augment must be a list of [op, magnitude] or null, got ${JSON.stringify(v)}`);
  return v.map((s: unknown, i) => {
    const ok = Array.isArray(s) && s.length === 2 && Number.isInteger(s[0]) && s[0] >= 0 && s[0] < RAND_AUGMENT_OPS.length && typeof s[1] === 'number' && Number.isFinite(s[1]);
    if (!ok) fail(where, `${at} rand_augment step ${i} must be [op index 0..${RAND_AUGMENT_OPS.length - 1}, finite magnitude], got ${JSON.stringify(s)}`);
    return [s[0], s[1]] as RandAugmentStep;
  });
}

/** One p_k: the crop first, then an optional flip bool, then an optional rand_augment list / null. */
function parseEntry(v: unknown, where: string, at: string): PaugEntry {
  if (!Array.isArray(v) || v.length < 1 || v.length > 3) fail(where, `${at} must be a list of 1 to 3 transform parameters, got ${JSON.stringify(v)}`);
  const entry: PaugEntry = { crop: parseCrop(v[0], where, at) };
  let i = 1;
  if (typeof v[i] === 'boolean') entry.flip = v[i++] as boolean;
  if (i < v.length) entry.randAugment = parseSteps(v[i++], where, at);
  if (i !== v.length) fail(where, `${at} has ${v.length} parameters; after the crop only a flip bool and a rand_augment list may follow, got ${JSON.stringify(v)}`);
  return entry;
}

/**
 * Parses a sample's paug.json; errors name `where` (e.g. "shard web-000001.tar key web-0000042"),
 * the key and the entry.
 * @example const entries = parsePaug(sample.fields.get('paug.json')!, `shard ${sample.shard} key ${sample.key}`); entries[3].crop // [top, left, h, w]
 */
export function parsePaug(bytes: Uint8Array, where = 'paug.json'): PaugEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    fail(where, `is not JSON (${(e as Error).message})`);
  }
  const list = (doc as { param_aug?: unknown } | null)?.param_aug;
  if (!Array.isArray(list)) fail(where, `has no 'param_aug' list`);
  if (list.length === 0) fail(where, `'param_aug' is empty`);
  return list.map((v, k) => parseEntry(v, where, `param_aug[${k}]`));
}

/**
 * A paug.json document for stored views (the transforms each entry carries are written, in DataCompDR's order).
 * @example encodePaug([{ crop: [10, 4, 120, 96], randAugment: [[3, -0.3], [0, 0]] }]) // '{"param_aug":[[[10,4,120,96],[[3,-0.3],[0,0]]]]}'
 */
export function encodePaug(entries: readonly PaugEntry[]): string {
  const list = entries.map((e) => {
    const p: unknown[] = [[...e.crop]];
    if (e.flip !== undefined) p.push(e.flip);
    if (e.randAugment !== undefined) p.push(e.randAugment === null ? null : e.randAugment.map((s) => [s[0], s[1]]));
    return p;
  });
  return JSON.stringify({ param_aug: list });
}

/**
 * A stored crop as the loader's crop box {x: left, y: top, w: width, h: height}, checked to lie in the image.
 * @example paugCropBox(entries[k], 640, 480, 'shard s key k param_aug[3]') // { x: 4, y: 10, w: 96, h: 120 }
 */
export function paugCropBox(e: PaugEntry, width: number, height: number, where: string): { x: number; y: number; w: number; h: number } {
  const [top, left, h, w] = e.crop;
  if (top + h > height || left + w > width) throw new Error(`${where}: paug.json crop [top ${top}, left ${left}, height ${h}, width ${w}] leaves the ${width}x${height} image`);
  return { x: left, y: top, w, h };
}
