// Training and evaluation data of a run: the split's shards through the Loader, with the caption
// mode of the config, and (multi mode) a synthetic caption per sample beside the real one.
import type { ImageNorm } from '../../data/loader/preprocess.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Loader, Rng, shardSource, type LoaderState, type CaptionConfig } from '../../data/loader/index.js';
import { readShards } from '../../data/shards/index.js';
import { syntheticCaptions } from '../../data/loader/captions.js';
import type { TrainConfig } from './config.js';
import { labelKinds } from './task_heads.js';
import { tarsIn } from '../../data/shards/folder.js';

/** The .tar shards of a folder, sorted; an error naming the folder when there are none. */
export function shardsIn(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`train: no data folder ${dir} (make one with: zooclip synth --out <root>)`);
  const tars = tarsIn(dir);
  if (!tars.length) throw new Error(`train: no .tar shards in ${dir}`);
  return tars;
}

/** The Loader's caption selection for a run's caption mode (multi trains on the real one plus a synthetic one). */
export function captionConfig(c: TrainConfig['data']): CaptionConfig {
  switch (c.captions) {
    case 'synthetic': return { mode: 'syn' };
    case 'mixed': return { mode: 'mix', realProb: c.realProb };
    default: return { mode: 'txt' };
  }
}

/** This process's share of the data: rank among worldSize (every worldSize-th sample). */
export interface RankShare { rank: number; worldSize: number }

/**
 * An endless, resumable training loader of micro-batches: batch / accum / worldSize samples each
 * (data.batch is the global batch), this rank taking its shards (shard count divisible by
 * worldSize) or else every worldSize-th sample of each pass. Images are normalised with `norm`
 * (the model's preprocess_cfg; default OpenAI's), as evaluation and export will.
 */
export function trainLoader(cfg: TrainConfig, imageSize: number, tokenize: (t: string[]) => import('../../engine/index.js').Tensor, resume?: LoaderState,
  share: RankShare = { rank: 0, worldSize: 1 }, norm?: ImageNorm): Loader {
  const d = cfg.data;
  if (d.batch % (d.accum * share.worldSize) !== 0) {
    throw new Error(`train: data.batch ${d.batch} must be divisible by data.accum ${d.accum} x ${share.worldSize} processes`);
  }
  // Whole shards per rank when they split evenly (each rank reads only its own); else every rank
  // reads all shards and keeps every worldSize-th sample.
  const shards = shardsIn(join(d.root, d.split));
  const byShard = share.worldSize === 1 || shards.length % share.worldSize === 0;
  return new Loader({
    source: byShard ? shardSource(shards) : (ctx) => readShards(shards, { onSkip: ctx.onSkip }), rankSplit: byShard ? 'source' : 'sample',
    batchSize: d.batch / d.accum / share.worldSize, imageSize, train: true, rank: share.rank, worldSize: share.worldSize,
    augment: { scale: [d.minCropScale, 1], randAugment: d.randAugment.numOps > 0 ? d.randAugment : null }, captions: captionConfig(d), tokenize, workers: d.workers, shuffle: d.shuffle,
    seed: cfg.run.seed, iteration: 'resampled', dropLast: true, resume, dense: labelKinds(cfg), teacher: cfg.loss.distill > 0, replay: d.replay,
    maxSkipRate: d.maxSkipRate, maxPixels: d.maxPixels, mean: norm?.mean, std: norm?.std,
  });
}

/** Synthetic captions by sample key, read once from a split's syn.json fields (multi-caption mode). */
export async function syntheticIndex(dir: string): Promise<Map<string, string[]>> {
  const index = new Map<string, string[]>();
  for await (const s of readShards(shardsIn(dir))) index.set(s.key, syntheticCaptions(s.fields.get('syn.json')));
  return index;
}

/**
 * One synthetic caption per key, chosen by (seed, step, position) so a resumed run picks the same;
 * the real caption when a sample has none. `index` is each caption's teacher text row (1 + k for
 * synthetic caption k, 0 for the real fallback).
 */
export function pickSynthetic(index: Map<string, string[]>, keys: readonly string[], real: readonly string[], seed: number, step: number, micro: number): { texts: string[]; index: number[] } {
  const rng = new Rng(seed, 0x5e1ec7, step, micro);
  const rows: number[] = [];
  const texts = keys.map((k, i) => {
    const list = index.get(k) ?? [];
    const n = rng.int(Math.max(1, list.length));
    rows.push(list.length ? 1 + n : 0);
    return list.length ? list[n]! : real[i]!;
  });
  return { texts, index: rows };
}
