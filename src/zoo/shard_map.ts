// Shard-to-shard mapping, the machinery of `zooclip caption` and `zooclip label`: every input
// shard becomes an output shard of the same name holding the same samples, their fields byte for
// byte, plus the fields the stage adds. Ranks split the shards; finished shards carry a done
// marker, so a rerun skips them and redoes (from scratch) any shard an interrupted run left.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../data/loader/decode.js';
import { IMAGE_KEYS } from '../data/loader/transform.js';
import { readShards, type FieldValue, type RawSample, type SkipInfo } from '../data/shards/index.js';
import { checkSkipRate, DEFAULT_MAX_SKIP_RATE, imageErrorReason, skip, SkipStats, type SkipSummary } from '../data/shards/skips.js';
import { writeFileAtomic } from '../io/atomic.js';
import { TarSink } from '../data/shards/tar_sink.js';
import { clearUnfinished, readDone, stableJson, writeDone } from './shard_map/done.js';
import { planJobs, resolveRank, type ShardJob } from './shard_map/inputs.js';
import { RateProgress } from './shard_map/progress.js';
import type { RgbImage } from './types.js';

export { inputShards, planJobs, resolveRank, type ShardJob } from './shard_map/inputs.js';
export { donePath, readDone, type DoneRecord } from './shard_map/done.js';

/** What every shard-mapping stage (caption, label, reinforce) takes besides its own settings. */
export interface StageRunOptions {
  in: string | readonly string[];
  out: string;
  /** Samples per model call. */
  batch?: number;
  /** Overwrite the fields the stage adds instead of failing on a sample that has them. */
  replace?: boolean;
  rank?: number;
  worldSize?: number;
  log?: (line: string) => void;
  tty?: boolean;
  /** Fail a shard (and the stage; the shard is not marked done) when more than this share of its samples is skipped (default 0.05). */
  maxSkipRate?: number;
  /** Pixel budget per image (default DEFAULT_MAX_PIXELS): larger images are skipped as image-too-large. */
  maxPixels?: number;
}

/**
 * The StageRunOptions fields that mapShards takes as they are, from a stage's options.
 * @example mapShards({ stage: 'caption', ...stageRunFields(o), batch: 32, adds: ['syn.json'], settings, map })
 */
export function stageRunFields(o: StageRunOptions): Pick<ShardMapOptions, 'in' | 'out' | 'replace' | 'rank' | 'worldSize' | 'log' | 'tty' | 'maxSkipRate' | 'maxPixels'> {
  return { in: o.in, out: o.out, replace: o.replace, rank: o.rank, worldSize: o.worldSize, log: o.log, tty: o.tty, maxSkipRate: o.maxSkipRate, maxPixels: o.maxPixels };
}

/** A sample handed to the stage: its stored fields and its image decoded at full size (RGB). */
export interface MapSample {
  key: string;
  shard: string;
  fields: ReadonlyMap<string, Buffer>;
  image: RgbImage;
}

/** The stage's work: new fields for each sample of a batch, in order. */
export type MapBatch = (batch: MapSample[]) => Promise<Record<string, FieldValue>[]>;

/** Options of {@link mapShards}. */
export interface ShardMapOptions {
  /** Stage name, for messages and done markers ('caption', 'label'). */
  stage: string;
  /** Input shards: a folder, a `.txt` list, brace specs, or paths. */
  in: string | readonly string[];
  /** Output folder (created). Must differ from the inputs' folder. */
  out: string;
  /** Rank among worldSize (default RANK / WORLD_SIZE, else 0 of 1). */
  rank?: number;
  worldSize?: number;
  /** Samples per call of `map`. */
  batch: number;
  /** Fields the stage adds; a sample that already has one is an error unless `replace`. */
  adds: readonly string[];
  /** Fields the stage may rewrite when present (e.g. `json`, to merge a key into it). */
  updates?: readonly string[];
  replace?: boolean;
  /** Settings that shape the output; a finished shard made with other settings is an error, not a skip. */
  settings: unknown;
  map: MapBatch;
  /** More for the progress line after each batch (e.g. the reinforce stage's teacher passes per second). */
  progressNote?: () => string;
  log?: (line: string) => void;
  /** Progress line rewritten in place (default: stdout is a TTY). */
  tty?: boolean;
  /** See StageRunOptions. */
  maxSkipRate?: number;
  maxPixels?: number;
}

/** What a run did (this rank); also written as `<out>/<stage>.json` (`<stage>-rank<R>-of-<N>.json` with several ranks). */
export interface ShardMapResult {
  stage: string;
  /** Shards written now, and shards found finished and skipped. */
  written: string[];
  kept: string[];
  /** Input samples of the shards written now: read (kept + skipped, lost ones of a truncated shard included), written, skipped. */
  read: number;
  samples: number;
  skipped: number;
  /** The skips by reason. */
  skips: SkipSummary;
  /** Samples in the shards found finished (from their done markers). */
  keptSamples: number;
  seconds: number;
  imagesPerSecond: number;
}

/** The first image field of a sample decoded to RGB, or why not (a skip naming the shard, key and field). */
function decodeSampleImage(s: RawSample, maxPixels: number | undefined): RgbImage | SkipInfo {
  const ext = IMAGE_KEYS.find((k) => s.fields.has(k));
  if (!ext) return skip('missing-field', s.shard, `no image field (${IMAGE_KEYS.join(', ')})`, s.key);
  try {
    const d = decodeImage(s.fields.get(ext)!, { mode: 'rgb', maxPixels });
    return { data: d.data as Uint8Array, width: d.width, height: d.height };
  } catch (e) {
    const message = (e as Error).message;
    return skip(imageErrorReason(message), s.shard, message, s.key, ext);
  }
}

/** Members of one output sample: stored fields untouched, new ones added, sorted by extension. */
function outputMembers(s: MapSample, added: Record<string, FieldValue>, o: ShardMapOptions): { name: string; data: Buffer }[] {
  const fields = new Map(s.fields);
  for (const [ext, v] of Object.entries(added)) {
    if (!o.adds.includes(ext) && !o.updates?.includes(ext)) throw new Error(`${o.stage}: shard ${s.shard} key ${s.key}: the stage returned field '${ext}', which it does not declare`);
    fields.set(ext, typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  }
  return [...fields.keys()].sort().map((ext) => ({ name: `${s.key}.${ext}`, data: fields.get(ext)! }));
}

interface ShardCounts { samples: number; skips: SkipStats }

/**
 * Maps one shard into its temp file, renames it into place and marks it done; a shard that skips
 * more than maxSkipRate of its samples is dropped and fails the stage.
 */
async function mapOneShard(job: ShardJob, o: ShardMapOptions, progress: RateProgress, warn: (m: string) => void): Promise<ShardCounts> {
  const sink = new TarSink(job.output);
  const counts: ShardCounts = { samples: 0, skips: new SkipStats() };
  const onSkip = (i: SkipInfo): void => { counts.skips.add(i); warn(`${o.stage}: skipped ${i.message}`); };
  let batch: MapSample[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const added = await o.map(batch);
    if (added.length !== batch.length) throw new Error(`${o.stage}: shard ${job.input}: the stage returned ${added.length} results for ${batch.length} samples`);
    for (let i = 0; i < batch.length; i++) await Promise.all(outputMembers(batch[i]!, added[i]!, o).map((m) => sink.add(m.name, m.data)));
    counts.samples += batch.length;
    progress.add(batch.length, `shard ${job.name}${o.progressNote ? `  ${o.progressNote()}` : ''}`);
    batch = [];
  };
  try {
    for await (const raw of readShards([job.input], { onSkip })) {
      if (!o.replace) {
        const has = o.adds.find((f) => raw.fields.has(f));
        if (has) throw new Error(`${o.stage}: shard ${job.input} key ${raw.key} already has ${has} (use --replace to overwrite it)`);
      }
      const image = decodeSampleImage(raw, o.maxPixels);
      if ('reason' in image) { onSkip(image); continue; }
      batch.push({ key: raw.key, shard: job.input, fields: raw.fields, image });
      if (batch.length >= o.batch) await flush();
    }
    await flush();
    checkSkipRate(counts.skips, counts.samples + counts.skips.total, o.maxSkipRate ?? DEFAULT_MAX_SKIP_RATE, `${o.stage}: shard ${job.input} (not marked done)`);
  } catch (e) {
    await sink.abort();
    throw e;
  }
  const { bytes, sha256 } = await sink.finish();
  writeDone(job.output, { stage: o.stage, input: job.input, samples: counts.samples, skipped: counts.skips.total, skips: counts.skips.toJSON(), bytes, sha256, settings: o.settings });
  return counts;
}

/**
 * Maps this rank's input shards to output shards of the same names in `o.out`. A shard already
 * finished (with the same settings) is kept; leftovers of an interrupted run are removed and
 * the shard is redone, so every input sample ends up in the output exactly once.
 * @example
 * await mapShards({ stage: 'caption', in: 'data/web', out: 'data/web-cap', batch: 32, adds: ['syn.json'], settings: { model },
 *   map: async (b) => (await captioner.caption(b.map((s) => s.image), b.map((s) => s.key), opts)).map((t) => ({ 'syn.json': JSON.stringify({ syn_text: t }) })) });
 */
export async function mapShards(o: ShardMapOptions): Promise<ShardMapResult> {
  if (!(Number.isInteger(o.batch) && o.batch >= 1)) throw new Error(`${o.stage}: --batch must be a positive integer, got ${o.batch}`);
  const log = o.log ?? ((m: string) => console.log(m));
  const { rank, worldSize } = resolveRank(o.rank, o.worldSize);
  mkdirSync(o.out, { recursive: true });
  const jobs = planJobs(o.in, o.out, rank, worldSize);
  const known = jobs.every((j) => j.samples !== undefined);
  const total = known ? jobs.reduce((a, j) => a + j.samples!, 0) : undefined;
  const progress = new RateProgress({ unit: 'img', total, label: `${o.stage}${worldSize > 1 ? ` [rank ${rank}/${worldSize}]` : ''}`, log, tty: o.tty });
  const written: string[] = [], kept: string[] = [], skips = new SkipStats();
  let samples = 0, keptSamples = 0;
  const want = stableJson(o.settings);
  const t0 = performance.now();
  for (const job of jobs) {
    const removed = clearUnfinished(job.output);
    if (removed.length) log(`${o.stage}: removed ${removed.length} leftover file(s) of an interrupted run for ${job.output}`);
    const done = readDone(job.output);
    if (done) {
      if (stableJson(done.settings) !== want) {
        throw new Error(`${o.stage}: ${job.output} was finished with other settings (${stableJson(done.settings)}, now ${want}); use another --out or remove it`);
      }
      kept.push(job.output);
      keptSamples += done.samples;
      progress.drop(done.samples);
      continue;
    }
    const c = await mapOneShard(job, o, progress, (m) => log(m));
    written.push(job.output);
    samples += c.samples;
    skips.merge(c.skips);
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: ShardMapResult = { stage: o.stage, written, kept, read: samples + skips.total, samples, skipped: skips.total, skips: skips.toJSON(), keptSamples,
    seconds, imagesPerSecond: seconds > 0 ? samples / seconds : 0 };
  writeFileAtomic(join(o.out, worldSize > 1 ? `${o.stage}-rank${rank}-of-${worldSize}.json` : `${o.stage}.json`), JSON.stringify(result, null, 1) + '\n');
  progress.done(`${result.written.length} shard(s) written, ${result.kept.length} already finished; read ${result.read}, wrote ${result.samples}, ${skips.summary()}`);
  return result;
}
