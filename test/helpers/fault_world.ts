// Copies of a synthetic world's shards with damage put in on purpose: corrupt images of every
// kind at chosen samples, and shards cut short, without an end-of-archive marker, or with unsafe
// and duplicate members. Each copy says which samples a reader must skip and why, so a test can
// check a stage's counts exactly and that no good sample was lost.
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, encodePng } from '../../src/data/loader/decode.js';
import { readShards, ShardWriter, type RawSample } from '../../src/data/shards/index.js';
import { imageErrorReason, type SkipReason } from '../../src/data/shards/skips.js';
import { damage, type Damage, type ImageFormat } from './bad_images.js';

/** One damaged image: its format and the damage done to it. */
export interface ImageFault { format: ImageFormat; damage: Damage; variant?: number }

/** Every kind of damaged image, for the "1% of each kind" sets. */
export const EVERY_IMAGE_FAULT: readonly ImageFault[] = [
  { format: 'jpg', damage: 'bad-header', variant: 0 }, { format: 'jpg', damage: 'bad-header', variant: 1 }, { format: 'jpg', damage: 'bad-header', variant: 2 },
  { format: 'jpg', damage: 'truncated' }, { format: 'jpg', damage: 'empty' }, { format: 'jpg', damage: 'flipped' }, { format: 'jpg', damage: 'oversized' },
  { format: 'png', damage: 'bad-header' }, { format: 'png', damage: 'truncated' }, { format: 'png', damage: 'empty' }, { format: 'png', damage: 'flipped' }, { format: 'png', damage: 'oversized' },
  { format: 'webp', damage: 'bad-header' }, { format: 'webp', damage: 'truncated' }, { format: 'webp', damage: 'empty' }, { format: 'webp', damage: 'flipped' }, { format: 'webp', damage: 'oversized' },
];

/** What a damaged copy holds. */
export interface DamagedSet {
  dir: string;
  shards: string[];
  /** Every sample key written, in order. */
  keys: string[];
  /** Keys a reader must skip, with the reason it must give. */
  bad: Map<string, SkipReason>;
  /** The skip counts a stage must report. */
  byReason: Partial<Record<SkipReason, number>>;
}

/** The sample's image re-encoded as `format` (the damage then applies to that format's bytes). */
async function asFormat(jpg: Buffer, format: ImageFormat): Promise<Buffer> {
  if (format === 'jpg') return jpg;
  const d = decodeImage(jpg, { mode: 'rgb' });
  if (format === 'png') return encodePng(d.data as Uint8Array, d.width, d.height, 3);
  return sharp(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength), { raw: { width: d.width, height: d.height, channels: 3 } }).webp({ quality: 90 }).toBuffer();
}

/** The reason a reader gives for these image bytes, or undefined when they decode (a flip that lands in entropy data can). */
function expectedReason(bytes: Buffer): SkipReason | undefined {
  try {
    decodeImage(bytes, { mode: 'rgb' });
    return undefined;
  } catch (e) {
    return imageErrorReason((e as Error).message);
  }
}

/**
 * Copies the samples of `src` into `dir` (shards of `shardSize`, a manifest), replacing the image
 * of every sample for which `fault(index)` gives a fault by a damaged one of that format.
 * @example await damagedCopy(tarsIn('w/web'), 'w/web-bad', 'web-bad', 100, (i) => i % 100 === 7 ? EVERY_IMAGE_FAULT[i / 100 | 0] : undefined)
 */
export async function damagedCopy(src: string[], dir: string, prefix: string, shardSize: number, fault: (index: number) => ImageFault | undefined): Promise<DamagedSet> {
  const w = new ShardWriter({ dir, prefix, maxSamples: shardSize });
  const set: DamagedSet = { dir, shards: [], keys: [], bad: new Map(), byReason: {} };
  let i = 0;
  for await (const s of readShards(src)) {
    const fields = Object.fromEntries(s.fields) as Record<string, Buffer>;
    const f = fault(i++);
    if (f) {
      const bytes = damage(f.format, await asFormat(fields.jpg!, f.format), f.damage, f.variant ?? 0);
      delete fields.jpg;
      fields[f.format] = bytes;
      const reason = expectedReason(bytes);
      if (reason) { set.bad.set(s.key, reason); set.byReason[reason] = (set.byReason[reason] ?? 0) + 1; }
    }
    await w.write(s.key, fields);
    set.keys.push(s.key);
  }
  const m = await w.close();
  set.shards = m.shards.map((e) => join(dir, e.name));
  return set;
}

/** Cuts a shard to `fraction` of its bytes (inside a member, as a crash or a partial download leaves it). */
export function truncateShard(path: string, fraction: number): void {
  const size = readFileSync(path).length;
  truncateSync(path, Math.floor(size * fraction / 512) * 512 + 100);
}

/** Removes the end-of-archive marker (the last 1024 zero bytes) of a shard. */
export function dropEndMarker(path: string): void {
  const size = readFileSync(path).length;
  truncateSync(path, size - 1024);
}

/** Keys of a shard's samples, in order, as a plain tar lists them. */
export async function keysOf(shards: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const s of readShards(shards, { onSkip: () => undefined })) out.push(s.key);
  return out;
}

/** Writes a raw tar (ustar, no checks) of [name, data] members: for unsafe names and duplicate keys. */
export function writeRawTar(path: string, members: [string, Buffer][]): void {
  writeFileSync(path, Buffer.alloc(0));
  for (const [name, data] of members) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257); h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    appendFileSync(path, Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  }
  appendFileSync(path, Buffer.alloc(1024));
}

/** The samples of shards as [member name, data] pairs (fields sorted), for rewriting them raw. */
export function members(samples: RawSample[]): [string, Buffer][] {
  return samples.flatMap((s) => [...s.fields.keys()].sort().map((ext) => [`${s.key}.${ext}`, s.fields.get(ext)!] as [string, Buffer]));
}
