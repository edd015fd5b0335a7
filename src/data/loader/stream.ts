// The sample order of one pass for one rank: the source's order, split by rank, through a seeded
// shuffle buffer, numbered. Replaying it with the same seed gives the same order, which is how a
// resumed loader finds its place without storing the buffer.
import { Rng } from './rng.js';
import type { SkipInfo as ShardSkipInfo } from '../shards/skips.js';

/** A raw sample: its key, the shard it came from (for logs), and its fields by extension. */
export interface RawSample {
  key: string;
  shard?: string;
  fields: Map<string, Uint8Array>;
}

/** What a source is told about the pass it should produce. */
export interface SourceContext {
  /** Where a source reports what it drops while reading (a truncated shard, a bad member); the loader counts it. */
  onSkip?: (info: ShardSkipInfo) => void;
  epoch: number;
  rank: number;
  worldSize: number;
  seed: number;
}

/**
 * Produces the raw samples of one pass. It must give the same order for the same context (shuffle
 * shards with ctx.seed and ctx.epoch if at all). With rankSplit 'source' it must also give each
 * rank a disjoint part (e.g. `(ctx) => readShards(spec, { rank: ctx.rank, worldSize: ctx.worldSize, onSkip: ctx.onSkip })`).
 */
export type SampleSource = (ctx: SourceContext) => AsyncIterable<RawSample> | Iterable<RawSample>;

/** How ranks share the data: 'sample' keeps every worldSize-th sample here; 'source' trusts the source. */
export type RankSplit = 'sample' | 'source';

/** A sample and its position in this rank's pass. */
export interface IndexedSample {
  index: number;
  sample: RawSample;
}

/** Options of one pass's order. */
export interface StreamOptions {
  ctx: SourceContext;
  rankSplit: RankSplit;
  /** Shuffle buffer size; 0 or 1 keeps the source order. */
  shuffle: number;
  /** Positions below this are generated (to keep the shuffle in step) but not yielded. */
  skip: number;
}

/** The numbered, shuffled samples of one pass for one rank. */
export async function* indexedStream(source: SampleSource, o: StreamOptions): AsyncGenerator<IndexedSample> {
  const { ctx } = o;
  const rng = new Rng(ctx.seed, ctx.epoch, ctx.rank, 0x5f3759df);
  const buffer: RawSample[] = [];
  let index = 0, position = 0;
  for await (const sample of source(ctx)) {
    if (o.rankSplit === 'sample' && position++ % ctx.worldSize !== ctx.rank) continue;
    let out: RawSample | undefined = sample;
    if (o.shuffle > 1) {
      if (buffer.length < o.shuffle) {
        buffer.push(sample);
        out = undefined;
      } else {
        const j = rng.int(o.shuffle);
        out = buffer[j];
        buffer[j] = sample;
      }
    }
    if (out !== undefined) {
      if (index >= o.skip) yield { index, sample: out };
      index++;
    }
  }
  while (buffer.length) {
    const j = rng.int(buffer.length);
    const out = buffer[j]!;
    buffer[j] = buffer[buffer.length - 1]!;
    buffer.pop();
    if (index >= o.skip) yield { index, sample: out };
    index++;
  }
}
