// Where synth samples go: WebDataset shards through the shard writer, or memory (tests).
import { ShardWriter } from '../../data/shards/writer.js';
import type { Fields } from '../../data/synth/encode.js';

/** A destination for samples, in the shard writer's shape. */
export interface SampleSink {
  write(key: string, fields: Fields): Promise<void>;
  close(): Promise<unknown>;
  /** Stops after a failure, removing what is unfinished (the shard writer's temp file). */
  abort?(): Promise<void>;
}

/** Opens the sink of one shard set: folder, file prefix, samples per shard. */
export type SinkFactory = (dir: string, prefix: string, maxSamples: number) => SampleSink;

/** Shards `${dir}/${prefix}-000000.tar`, ... with a manifest, via the shard writer. */
export const shardSink: SinkFactory = (dir, prefix, maxSamples) => new ShardWriter({ dir, prefix, maxSamples });

/**
 * Collects samples in memory, by prefix (for tests and previews).
 * @example const mem = new MemorySinks(); await runSynth({ ..., sink: mem.factory });
 * mem.samples.get('zoo')?.length
 */
export class MemorySinks {
  /** prefix -> samples in write order. */
  readonly samples = new Map<string, { key: string; fields: Fields }[]>();
  /** Prefixes whose sink was closed. */
  readonly closed = new Set<string>();

  /** The factory to pass as `sink`. */
  readonly factory: SinkFactory = (_dir, prefix) => {
    const list: { key: string; fields: Fields }[] = [];
    this.samples.set(prefix, list);
    return {
      write: async (key, fields) => { list.push({ key, fields }); },
      close: async () => { this.closed.add(prefix); },
    };
  };
}
