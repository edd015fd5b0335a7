// The prefetching pump: reads samples in this rank's order and hands them to the decode pool ahead
// of the consumer (up to `inFlight` at once), so workers decode while the training step computes.
// Results are handed out strictly in stream order, whatever order the workers finish in.
import type { DecodePool } from './pool.js';
import { type IndexedSample, indexedStream, type RankSplit, type SampleSource, type SourceContext } from './stream.js';
import type { SampleResult, SampleTask } from './transform.js';

/** One sample's outcome with its place in the stream. */
export interface Decoded {
  epoch: number;
  index: number;
  key: string;
  shard?: string;
  result: SampleResult;
}

/** Where and how a pipeline reads. */
export interface PipelineOptions {
  source: SampleSource;
  pool: DecodePool;
  fields: readonly string[];
  seed: number;
  rank: number;
  worldSize: number;
  rankSplit: RankSplit;
  shuffle: number;
  inFlight: number;
  /** Samples per message to a worker. */
  chunk: number;
  /** Continue into the next pass when one ends (resampled iteration). */
  endless: boolean;
  start: { epoch: number; consumed: number };
  /** Passed to the source (SourceContext.onSkip). */
  onSourceSkip?: SourceContext['onSkip'];
}

/** A one-shot wake-up: wait() resolves at the next notify(). */
class Signal {
  private resolve: (() => void) | null = null;
  wait(): Promise<void> {
    return new Promise((r) => (this.resolve = r));
  }
  notify(): void {
    const r = this.resolve;
    this.resolve = null;
    r?.();
  }
}

interface Pending {
  epoch: number;
  index: number;
  key: string;
  shard?: string;
  promise: Promise<SampleResult[]>;  // the chunk's results
  slot: number;                      // this sample's place in the chunk
}

/** Pumps samples into the pool in the background; next() gives their results in order. */
export class Pipeline {
  private readonly queue: Pending[] = [];
  private readonly space = new Signal();
  private readonly data = new Signal();
  private done = false;
  private stopped = false;
  private error: unknown = null;

  constructor(private readonly o: PipelineOptions) {
    void this.pump();
  }

  // Only the fields the transform reads, each copied into its own buffer: the copy is transferred
  // to the worker, and a view into a larger buffer (a tar chunk) would otherwise be cloned whole.
  private task(epoch: number, index: number, key: string, fields: Map<string, Uint8Array>): SampleTask {
    const picked: Record<string, Uint8Array> = {};
    for (const f of this.o.fields) {
      const v = fields.get(f);
      if (v !== undefined) picked[f] = this.o.pool.size > 0 ? new Uint8Array(v) : v;
    }
    return { epoch, index, key, fields: picked };
  }

  private dispatch(epoch: number, items: IndexedSample[]): void {
    const promise = this.o.pool.run(items.map(({ index, sample }) => this.task(epoch, index, sample.key, sample.fields)));
    promise.catch(() => undefined);  // awaited in next(); avoid unhandled-rejection noise before that
    items.forEach(({ index, sample }, slot) => this.queue.push({ epoch, index, key: sample.key, shard: sample.shard, promise, slot }));
    this.data.notify();
  }

  /** Dispatches one pass in chunks; returns the number of samples, or -1 when stopped. */
  private async pass(epoch: number, skip: number): Promise<number> {
    const o = this.o, chunk = Math.max(1, Math.min(o.chunk, o.inFlight));
    const ctx: SourceContext = { epoch, rank: o.rank, worldSize: o.worldSize, seed: o.seed, onSkip: o.onSourceSkip };
    const it = indexedStream(o.source, { ctx, rankSplit: o.rankSplit, shuffle: o.shuffle, skip });
    let produced = 0;
    try {
      for (;;) {
        while (this.queue.length + chunk > o.inFlight && !this.stopped) await this.space.wait();
        if (this.stopped) return -1;
        const items: IndexedSample[] = [];
        while (items.length < chunk) {
          const r = await it.next();
          if (r.done) break;
          items.push(r.value);
        }
        if (items.length) this.dispatch(epoch, items);
        produced += items.length;
        if (items.length < chunk) return produced;
      }
    } finally {
      await it.return(undefined);
    }
  }

  private async pump(): Promise<void> {
    const o = this.o;
    try {
      let epoch = o.start.epoch, skip = o.start.consumed;
      for (;;) {
        const produced = await this.pass(epoch, skip);
        if (!o.endless || produced < 0) return;
        if (produced === 0 && skip === 0) throw new Error(`loader: the source gave rank ${o.rank} no samples in pass ${epoch}`);
        epoch++;
        skip = 0;
      }
    } catch (e) {
      this.error = e;
    } finally {
      this.done = true;
      this.data.notify();
    }
  }

  /** The next sample's outcome in stream order, or null when the pass (non-endless) is over. */
  async next(): Promise<Decoded | null> {
    while (this.queue.length === 0) {
      if (this.error) throw this.error;
      if (this.done) return null;
      await this.data.wait();
    }
    const p = this.queue.shift()!;
    this.space.notify();
    const result = (await p.promise)[p.slot]!;
    return { epoch: p.epoch, index: p.index, key: p.key, shard: p.shard, result };
  }

  /** Stops reading; samples already dispatched finish and are dropped. */
  stop(): void {
    this.stopped = true;
    this.space.notify();
  }
}
