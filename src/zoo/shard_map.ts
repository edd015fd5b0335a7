// Shard-to-shard mapping, the machinery of `zooclip caption` and `zooclip label`: every input
// shard becomes an output shard of the same name holding the same samples, their fields byte for
// byte, plus the fields the stage adds. Ranks split the shards; finished shards carry a done
// marker, so a rerun skips them and redoes (from scratch) any shard an interrupted run left.
import { mkdirSync } from 'node:fs';
import { decodeImage } from '../data/loader/decode.js';
import { IMAGE_KEYS } from '../data/loader/transform.js';
import { readShards, type FieldValue, type RawSample, type SkipInfo } from '../data/shards/index.js';
import { TarSink } from '../data/shards/tar_sink.js';
import { clearUnfinished, readDone, stableJson, writeDone } from './shard_map/done.js';
import { planJobs, resolveRank, type ShardJob } from './shard_map/inputs.js';
import { RateProgress } from './shard_map/progress.js';
import type { RgbImage } from './types.js';

export { inputShards, planJobs, resolveRank, type ShardJob } from './shard_map/inputs.js';
export { donePath, readDone, type DoneRecord } from './shard_map/done.js';

/** What every shard-mapping stage (caption, label) takes besides its own settings. */
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
  log?: (line: string) => void;
  /** Progress line rewritten in place (default: stdout is a TTY). */
  tty?: boolean;
}

/** What a run did (this rank). */
export interface ShardMapResult {
  /** Shards written now, and shards found finished and skipped. */
  written: string[];
  kept: string[];
  /** Samples written now; input samples dropped (unreadable, no image, undecodable). */
  samples: number;
  skipped: number;
  seconds: number;
  imagesPerSecond: number;
}

/** The first image field of a sample decoded to RGB; throws naming the field. */
function decodeSampleImage(s: RawSample): RgbImage {
  const ext = IMAGE_KEYS.find((k) => s.fields.has(k));
  if (!ext) throw new Error(`no image field (${IMAGE_KEYS.join(', ')})`);
  try {
    const d = decodeImage(s.fields.get(ext)!, { mode: 'rgb' });
    return { data: d.data as Uint8Array, width: d.width, height: d.height };
  } catch (e) {
    throw new Error(`${ext}: ${(e as Error).message}`);
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

interface ShardCounts { samples: number; skipped: number }

/** Maps one shard into its temp file, renames it into place and marks it done. */
async function mapOneShard(job: ShardJob, o: ShardMapOptions, progress: RateProgress, warn: (m: string) => void): Promise<ShardCounts> {
  const sink = new TarSink(job.output);
  const counts = { samples: 0, skipped: 0 };
  const onSkip = (i: SkipInfo): void => { counts.skipped++; warn(`${o.stage}: skipped ${i.message}`); };
  let batch: MapSample[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const added = await o.map(batch);
    if (added.length !== batch.length) throw new Error(`${o.stage}: shard ${job.input}: the stage returned ${added.length} results for ${batch.length} samples`);
    for (let i = 0; i < batch.length; i++) await Promise.all(outputMembers(batch[i]!, added[i]!, o).map((m) => sink.add(m.name, m.data)));
    counts.samples += batch.length;
    progress.add(batch.length, `shard ${job.name}`);
    batch = [];
  };
  try {
    for await (const raw of readShards([job.input], { onSkip })) {
      if (!o.replace) {
        const has = o.adds.find((f) => raw.fields.has(f));
        if (has) throw new Error(`${o.stage}: shard ${job.input} key ${raw.key} already has ${has} (use --replace to overwrite it)`);
      }
      let image: RgbImage;
      try {
        image = decodeSampleImage(raw);
      } catch (e) {
        counts.skipped++;
        warn(`${o.stage}: skipped shard ${job.input} key ${raw.key}: ${(e as Error).message}`);
        continue;
      }
      batch.push({ key: raw.key, shard: job.input, fields: raw.fields, image });
      if (batch.length >= o.batch) await flush();
    }
    await flush();
  } catch (e) {
    await sink.abort();
    throw e;
  }
  const { bytes, sha256 } = await sink.finish();
  writeDone(job.output, { stage: o.stage, input: job.input, samples: counts.samples, skipped: counts.skipped, bytes, sha256, settings: o.settings });
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
  const result: ShardMapResult = { written: [], kept: [], samples: 0, skipped: 0, seconds: 0, imagesPerSecond: 0 };
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
      result.kept.push(job.output);
      progress.drop(done.samples);
      continue;
    }
    const c = await mapOneShard(job, o, progress, (m) => log(m));
    result.written.push(job.output);
    result.samples += c.samples;
    result.skipped += c.skipped;
  }
  result.seconds = (performance.now() - t0) / 1000;
  result.imagesPerSecond = result.seconds > 0 ? result.samples / result.seconds : 0;
  progress.done(`${result.written.length} shard(s) written, ${result.kept.length} already finished${result.skipped ? `, ${result.skipped} sample(s) skipped` : ''}`);
  return result;
}
