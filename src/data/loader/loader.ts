// The training data loader: `for await (const batch of loader)` gives batches of normalised image
// tensors, token ids and dense targets, decoded by worker threads ahead of the consumer.
import type { Tensor } from '../../engine/index.js';
import { type AugmentConfig, DEFAULT_AUGMENT, OPENAI_MEAN, OPENAI_STD } from './augment.js';
import type { CaptionConfig } from './captions.js';
import { type Batch, collate } from './collate.js';
import { Pipeline } from './pipeline.js';
import { resolveRandAugment } from './rand_augment_space.js';
import { mixSeed } from './rng.js';
import { DecodePool } from './pool.js';
import type { RankSplit, SampleSource } from './stream.js';
import { type DenseKind, type ReplayMode, type SampleOk, type TransformConfig, neededFields } from './transform.js';
import { checkSkipRate, DEFAULT_MAX_SKIP_RATE, SkipStats, type SkipInfo as ShardSkipInfo, type SkipReason, type SkipSummary } from '../shards/skips.js';

/** Where a loader stands: enough to continue with exactly the batches an uninterrupted run gives. */
export interface LoaderState {
  version: 1;
  seed: number;
  rank: number;
  worldSize: number;
  /** The pass in progress. */
  epoch: number;
  /** Samples of this pass (in this rank's shuffled order) already used or skipped. */
  consumed: number;
}

/** A skipped sample (or, for a truncated shard, `count` samples), as reported to onSkip. */
export interface SkipInfo {
  key: string;
  shard?: string;
  reason: SkipReason;
  error: string;
  count?: number;
}

/** What a loader delivered and skipped, for a stage's result file. */
export interface DataCounts { samples: number; skipped: SkipSummary }

/**
 * One log line of DataCounts.
 * @example countsLine({ samples: 98, skipped }, 'images') // "read 100 images: 98 used, 2 skipped (bad-image 2)"
 */
export function countsLine(c: DataCounts, noun: string): string {
  const why = Object.entries(c.skipped.byReason).map(([k, v]) => `${k} ${v}`).join(', ');
  return `read ${c.samples + c.skipped.total} ${noun}: ${c.samples} used, ${c.skipped.total} skipped${why ? ` (${why})` : ''}`;
}

/** Samples seen before the running skip rate is checked mid-pass (a pass's end always checks). */
const RATE_CHECK_AFTER = 200;

/** Loader settings; only source and batchSize are required. */
export interface LoaderOptions {
  /** Raw samples of one pass (see SampleSource). */
  source: SampleSource;
  batchSize: number;
  /** Output side in pixels (default 224). */
  imageSize?: number;
  /** Training augmentation (default) or eval transform (resize short side + center crop, bicubic). */
  train?: boolean;
  /** Training augmentation settings (default torchvision RandomResizedCrop + flip, no jitter, no RandAugment). */
  augment?: Partial<AugmentConfig>;
  /** Per-channel normalisation of [0, 1] pixels (default OpenAI CLIP's). */
  mean?: readonly number[];
  std?: readonly number[];
  /** Caption selection (default the original `txt`). */
  captions?: CaptionConfig;
  /** Turns captions into int64 [B, context] token ids, e.g. (t) => tokenize(t, 77). */
  tokenize?: (texts: string[]) => Tensor;
  /** Labels to load (default none): dense maps and `det` boxes, with per-sample presence masks. */
  dense?: DenseKind[];
  /** Load DataCompDR teacher embeddings from each sample's `npz` (default false). */
  teacher?: boolean;
  /**
   * With teacher: how a training sample with stored DataCompDR augmentations (`paug.json`) is shown:
   * 'uniform' (default) replays stored view k drawn from the sample's Rng, 'sequential' view epoch
   * mod n_aug, each with teacher image row k; 'off' crops at random (teacher row epoch mod n_aug).
   */
  replay?: ReplayMode;
  /** Decode worker threads (default 2; 0 decodes on the main thread). */
  workers?: number;
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /** Shuffle buffer size in samples (default 1000 when training, 0 otherwise). */
  shuffle?: number;
  /** Seeds the shuffle and every sample's augmentation (default 0). */
  seed?: number;
  /** This process's rank among worldSize (default 0 of 1). */
  rank?: number;
  worldSize?: number;
  /** Who splits samples between ranks (default 'sample': every worldSize-th sample). */
  rankSplit?: RankSplit;
  /** 'epoch': each `for await` runs to the end of a pass; 'resampled': endless, passes chained. */
  iteration?: 'epoch' | 'resampled';
  /** Drop a pass's last incomplete batch (default false). */
  dropLast?: boolean;
  /** Continue from a saved state(). */
  resume?: LoaderState;
  /** Called for each corrupt sample (default: a console.warn line naming shard and key). */
  onSkip?: (info: SkipInfo) => void;
  /**
   * Fail (throw from the iteration) when more than this share of the samples seen were skipped
   * (default 0.05; 1 never fails). Checked at the end of every pass and, after 200 samples, at
   * every skip: a damaged data set must not train or score as if it were whole.
   */
  maxSkipRate?: number;
  /** Pixel budget per image (default DEFAULT_MAX_PIXELS); larger images are skipped as image-too-large. */
  maxPixels?: number;
}

/** The full augment settings, checked here so a bad RandAugment setting fails at construction, not per sample in a worker. */
function resolveAugment(a: Partial<AugmentConfig> | undefined): AugmentConfig {
  const out = { ...DEFAULT_AUGMENT, ...a };
  if (out.randAugment) out.randAugment = resolveRandAugment(out.randAugment, 'Loader: augment.randAugment');
  return out;
}

/**
 * Batches from a sample source, decoded and augmented by worker threads, deterministic given the
 * seed (each sample's randomness comes from (seed, epoch, index)) and resumable.
 * @example
 * const loader = new Loader({ source, batchSize: 64, tokenize: (t) => tokenize(t, 77) });
 * for await (const batch of loader) { step(batch.images, batch.tokens!); batch.dispose(); }
 * await loader.close();
 */
export class Loader implements AsyncIterable<Batch> {
  /** Samples delivered, samples skipped (all reasons, = skips.total), batches delivered (this process). */
  readonly stats = { samples: 0, skipped: 0, batches: 0 };
  /** The skips by reason, read errors of the source (truncated shards) included. */
  readonly skips = new SkipStats();
  private readonly cfg: TransformConfig;
  private readonly pool: DecodePool;
  private readonly o: LoaderOptions & { seed: number; rank: number; worldSize: number };
  private epoch: number;
  private consumed: number;
  private active = false;
  private okSamples = 0;

  constructor(opts: LoaderOptions) {
    const seed = opts.seed ?? 0, rank = opts.rank ?? 0, worldSize = opts.worldSize ?? 1;
    if (!(opts.batchSize >= 1)) throw new Error('Loader: batchSize must be at least 1');
    if (!(rank >= 0 && rank < worldSize)) throw new Error(`Loader: rank ${rank} is not in [0, ${worldSize})`);
    const r = opts.resume;
    if (r && (r.version !== 1 || r.seed !== seed || r.rank !== rank || r.worldSize !== worldSize)) {
      throw new Error(`Loader: resume state is for seed ${r.seed}, rank ${r.rank}/${r.worldSize}, not seed ${seed}, rank ${rank}/${worldSize}`);
    }
    this.o = { ...opts, seed, rank, worldSize };
    this.epoch = r?.epoch ?? 0;
    this.consumed = r?.consumed ?? 0;
    const train = opts.train ?? true;
    this.cfg = {
      imageSize: opts.imageSize ?? 224, train, augment: resolveAugment(opts.augment),
      captions: opts.captions ?? { mode: 'txt' }, dense: opts.dense ?? [], teacher: opts.teacher ?? false, replay: opts.replay ?? 'uniform',
      // Ranks number their samples from 0 each; without the rank in the seed they would share augmentations.
      seed: worldSize > 1 ? mixSeed(seed, 0x7a4c, rank) : seed, maxPixels: opts.maxPixels,
    };
    this.pool = new DecodePool(opts.workers ?? 2, this.cfg);
  }

  /** Samples delivered and skipped (by reason) so far, as result files record them. */
  counts(): DataCounts {
    return { samples: this.stats.samples, skipped: this.skips.toJSON() };
  }

  /** The position after the last batch handed out; pass it as `resume` to continue from there. */
  state(): LoaderState {
    const { seed, rank, worldSize } = this.o;
    return { version: 1, seed, rank, worldSize, epoch: this.epoch, consumed: this.consumed };
  }

  /** Resolves once the worker threads are up. */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.run();
  }

  private async *run(): AsyncGenerator<Batch> {
    if (this.active) throw new Error('Loader: already being iterated (finish or break out of the other loop first)');
    this.active = true;
    const o = this.o, endless = o.iteration === 'resampled';
    const pipe = new Pipeline({
      source: o.source, pool: this.pool, fields: neededFields(this.cfg), seed: o.seed, rank: o.rank, worldSize: o.worldSize,
      rankSplit: o.rankSplit ?? 'sample', shuffle: o.shuffle ?? (this.cfg.train ? 1000 : 0), endless,
      inFlight: Math.max(1, (o.prefetch ?? 2) * o.batchSize), chunk: 8, start: { epoch: this.epoch, consumed: this.consumed },
      onSourceSkip: (i) => this.recordSourceSkip(i),
    });
    const collateCfg = { imageSize: this.cfg.imageSize, mean: o.mean ?? OPENAI_MEAN, std: o.std ?? OPENAI_STD, dense: this.cfg.dense, teacher: this.cfg.teacher, tokenize: o.tokenize };
    let samples: SampleOk[] = [], keys: string[] = [];
    let position = { epoch: this.epoch, consumed: this.consumed };
    try {
      // A pass with skipped samples and no good one would repeat forever in resampled mode: stop.
      let pass = { epoch: this.epoch, ok: 0, skipped: 0, lastError: '' };
      for (let d = await pipe.next(); d; d = await pipe.next()) {
        if (d.epoch !== pass.epoch) {
          if (pass.ok === 0 && pass.skipped > 0) throw new Error(`Loader: all ${pass.skipped} samples of pass ${pass.epoch} were skipped (last: ${pass.lastError})`);
          this.enforceSkipRate(true);
          pass = { epoch: d.epoch, ok: 0, skipped: 0, lastError: '' };
        }
        position = { epoch: d.epoch, consumed: d.index + 1 };
        if (!d.result.ok) {
          pass.skipped++;
          pass.lastError = d.result.error;
          this.recordSkip({ key: d.key, shard: d.shard, reason: d.result.reason, error: d.result.error });
          this.enforceSkipRate(false);
          continue;
        }
        pass.ok++;
        this.okSamples++;
        samples.push(d.result);
        keys.push(d.key);
        if (samples.length === o.batchSize) {
          const batch = collate(samples, keys, collateCfg);
          samples = [];
          keys = [];
          this.delivered(batch, position);
          yield batch;
        }
      }
      this.enforceSkipRate(true);
      if (samples.length && !o.dropLast) {
        const batch = collate(samples, keys, collateCfg);
        this.delivered(batch, position);
        yield batch;
      }
      this.epoch = position.epoch + 1;
      this.consumed = 0;
    } finally {
      pipe.stop();
      this.active = false;
    }
  }

  /** A sample the workers could not use: counted, reported. */
  private recordSkip(info: SkipInfo): void {
    this.skips.add({ reason: info.reason, shard: info.shard ?? '', key: info.key, message: info.error, count: info.count });
    this.stats.skipped = this.skips.total;
    this.onSkip(info);
  }

  /** What the source dropped while reading (a truncated shard counts every sample it lost). */
  private recordSourceSkip(info: ShardSkipInfo): void {
    this.skips.add(info);
    this.stats.skipped = this.skips.total;
    this.onSkip({ key: info.key ?? '', shard: info.shard, reason: info.reason, error: info.message, count: info.count });
  }

  private onSkip(info: SkipInfo): void {
    if (this.o.onSkip) this.o.onSkip(info);
    else console.warn(`[loader] skipped ${info.shard ? `shard ${info.shard} ` : ''}key ${info.key}: ${info.error}`);
  }

  /** Throws when the share of skipped samples passes maxSkipRate (mid-pass only after RATE_CHECK_AFTER samples). */
  private enforceSkipRate(passEnd: boolean): void {
    const seen = this.okSamples + this.skips.total;
    if (!passEnd && seen < RATE_CHECK_AFTER) return;
    checkSkipRate(this.skips, seen, this.o.maxSkipRate ?? DEFAULT_MAX_SKIP_RATE, 'Loader');
  }

  private delivered(batch: Batch, position: { epoch: number; consumed: number }): void {
    this.epoch = position.epoch;
    this.consumed = position.consumed;
    this.stats.samples += batch.keys.length;
    this.stats.batches++;
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
