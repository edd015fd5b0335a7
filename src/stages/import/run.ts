// `zooclip import`: a folder of images with captions into WebDataset shards, like img2dataset
// for local files. Resumable: a rerun keeps the finished shards and redoes the partial one.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { ShardWriter } from '../../data/shards/writer.js';
import { checkSkipRate, DEFAULT_MAX_SKIP_RATE, imageErrorReason, skip, SkipStats, type SkipInfo } from '../../data/shards/skips.js';
import { decodeImage } from '../../data/loader/decode.js';
import type { ShardManifest } from '../../data/shards/manifest.js';
import { sniffImage } from './images.js';
import { listFingerprint, listInputs, type ImportItem } from './inputs.js';
import { planResume, recordImportRun } from './resume.js';

/** Options of {@link runImport}. */
export interface ImportOptions {
  /** Folder of images (and sidecar .txt captions); table paths are relative to it. */
  in: string;
  /** Output folder for the shards, the manifest and the import state. */
  out: string;
  /** Caption table (.csv, .tsv, .jsonl) with path and caption columns; else sidecar .txt files. */
  captions?: string;
  /** Shard name prefix (default 'data'). */
  prefix?: string;
  /** Samples per shard (default 1000). */
  shardSize?: number;
  /** Files read ahead of the writer (default 16). */
  readAhead?: number;
  /** Called per skipped image (default: a console warning). */
  onSkip?: (info: SkipInfo) => void;
  /** Called after each sample written, with the count so far this run. */
  onProgress?: (written: number) => void;
  /** Stops the run as a crash would (the partial shard is dropped); for tests and Ctrl-C. */
  signal?: AbortSignal;
  /** Fail when more than this share of the images read this run are skipped (default 0.05). */
  maxSkipRate?: number;
  /** Pixel budget per image (default DEFAULT_MAX_PIXELS): larger images are skipped as image-too-large. */
  maxPixels?: number;
}

/** What a run did. */
export interface ImportReport { items: number; written: number; keptShards: number; removed: string[]; skipped: SkipStats; manifest: ShardManifest }

type Loaded = { fields: Record<string, Buffer | string> } | { skip: SkipInfo };

/**
 * Why an image would not decode, or undefined when it does: the whole image is decoded (at the
 * smallest JPEG DCT scale, which still reads every coefficient), so a corrupt header, truncated
 * data or an oversized image is refused here rather than lost in every later stage.
 */
function undecodable(img: Buffer, file: string, key: string, maxPixels: number | undefined): SkipInfo | undefined {
  if (!sniffImage(img)) return skip('bad-image', file, 'contents are not a JPEG, PNG or WebP image', key);
  try {
    decodeImage(img, { mode: 'rgb', minWidth: 1, minHeight: 1, maxPixels });
    return undefined;
  } catch (e) {
    const message = (e as Error).message;
    return skip(imageErrorReason(message), file, `does not decode: ${message}`, key);
  }
}

/** Reads one input: image bytes decoded once to check them, caption from the table or the sidecar. */
async function load(it: ImportItem, key: string, maxPixels: number | undefined): Promise<Loaded> {
  if (!it.field) return { skip: skip('bad-image', it.file, 'not a .jpg/.jpeg/.png/.webp file', key) };
  let img: Buffer;
  try {
    img = await readFile(it.file);
  } catch (e) {
    return { skip: skip('missing-file', it.file, (e as Error).message, key) };
  }
  const bad = undecodable(img, it.file, key, maxPixels);
  if (bad) return { skip: bad };
  let caption = it.caption;
  if (it.sidecar) caption = await readFile(it.sidecar, 'utf8').then((t) => t.trim(), () => undefined);
  if (!caption) return { skip: skip('missing-caption', it.sidecar ?? it.file, 'no caption', key) };
  const sha256 = createHash('sha256').update(img).digest('hex');
  return { fields: { [it.field]: img, txt: caption, json: JSON.stringify({ key, path: it.rel, caption, sha256 }) } };
}

/** Input index -> sample key (img2dataset-like, 9 digits, wider when needed). */
export function itemKey(i: number): string {
  return String(i).padStart(9, '0');
}

/** Loads items from `start` in order, `ahead` at a time. */
async function* loadAll(items: ImportItem[], start: number, ahead: number, maxPixels: number | undefined): AsyncGenerator<[string, Loaded]> {
  const queue: Promise<[string, Loaded]>[] = [];
  let next = start;
  const fill = (): void => {
    while (queue.length < ahead && next < items.length) {
      const key = itemKey(next);
      queue.push(load(items[next++], key, maxPixels).then((l) => [key, l]));
    }
  };
  for (fill(); queue.length > 0; fill()) yield await queue.shift()!;
}

/**
 * Imports a folder of captioned images into shards (see ImportOptions), resuming an earlier run.
 * @example
 * const r = await runImport({ in: 'photos', out: 'shards', captions: 'photos/captions.csv', shardSize: 1000 });
 * console.log(r.written, r.skipped.summary());
 */
export async function runImport(o: ImportOptions): Promise<ImportReport> {
  const prefix = o.prefix ?? 'data';
  const shardSize = o.shardSize ?? 1000;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new Error(`import: --shard-size must be a positive integer, got ${shardSize}`);
  const items = listInputs(o.in, o.captions);
  const plan = planResume(o.out, prefix, { version: 1, items: items.length, fingerprint: listFingerprint(items), shardSize });
  const skipped = new SkipStats();
  const warn = o.onSkip ?? ((i: SkipInfo) => console.warn(`zooclip import: ${i.message}`));
  const writer = new ShardWriter({ dir: o.out, prefix, maxSamples: shardSize, existing: plan.existing });
  let written = 0;
  const rate = (): void => checkSkipRate(skipped, written + skipped.total, o.maxSkipRate ?? DEFAULT_MAX_SKIP_RATE, `import ${o.in}`);
  try {
    for await (const [key, l] of loadAll(items, plan.nextItem, o.readAhead ?? 16, o.maxPixels)) {
      if (o.signal?.aborted) throw new Error(`import into ${o.out} interrupted`);
      if ('skip' in l) {
        skipped.add(l.skip);
        warn(l.skip);
        if (written + skipped.total >= 200) rate();
        continue;
      }
      await writer.write(key, l.fields);
      written++;
      o.onProgress?.(written);
    }
    rate();  // before the last shard is finished and the manifest marked complete
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const manifest = await writer.close();
  recordImportRun(o.out, prefix, { read: written + skipped.total, written, skipped: skipped.toJSON() });
  return { items: items.length, written, keptShards: plan.existing.length, removed: plan.removed, skipped, manifest };
}
