// WebDataset shard writer: samples in, `${prefix}-000000.tar`, `-000001.tar`, ... out, each
// written atomically, plus `${prefix}-manifest.json` after every shard. Same input, same bytes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemps, type AsyncWriteFn } from '../../io/atomic.js';
import { makeManifest, writeManifest, type ShardEntry, type ShardManifest } from './manifest.js';
import { checkExt, checkKey } from './names.js';
import { memberBytes, TarSink } from './tar_sink.js';

/** Options of {@link ShardWriter}. */
export interface ShardWriterOptions {
  /** Output folder (created if missing). */
  dir: string;
  /** Shard names are `${prefix}-${index padded to 6}.tar`. */
  prefix: string;
  /** Samples per shard (default 10000, as img2dataset). */
  maxSamples?: number;
  /** Bytes per shard; a sample that alone exceeds it gets a shard of its own (default: no limit). */
  maxBytes?: number;
  /** Index of the first shard written (default: after `existing`). */
  startIndex?: number;
  /** Shards already complete (from a manifest), kept at the head of the new manifest. */
  existing?: ShardEntry[];
  /** Told (one line) which stale temp files of this shard set an earlier run left and the writer removed. */
  log?: (line: string) => void;
  /** The shard files' write call (tests inject short or failing writes); default `fh.write`. */
  write?: AsyncWriteFn;
}

/** A field value: bytes, or text written as UTF-8. */
export type FieldValue = Buffer | Uint8Array | string;

const END_OF_ARCHIVE = 1024;
/** Bytes of samples accepted but not yet handed to the tar stream before write() waits. */
const HIGH_WATER = 8 * 1024 * 1024;

/** `${prefix}-${index padded to 6}.tar` */
export function shardName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(6, '0')}.tar`;
}

function toBuffer(v: FieldValue): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Writes samples into size-bounded shards. Fields go in sorted extension order with fixed
 * mtime/uid/gid/mode, so equal input gives byte-identical shards. Writes are serialised.
 * @example
 * const w = new ShardWriter({ dir: 'out', prefix: 'data', maxSamples: 1000 });
 * await w.write('000000000', { jpg: bytes, txt: 'a red cube', json: JSON.stringify({ uid }) });
 * const manifest = await w.close(); // out/data-000000.tar, out/data-manifest.json
 */
export class ShardWriter {
  private readonly maxSamples: number;
  private readonly maxBytes: number;
  private readonly entries: ShardEntry[];
  private readonly keys = new Set<string>();
  private index: number;
  private sink?: TarSink;
  private shard = { samples: 0, bytes: 0, firstKey: '', lastKey: '' };
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private buffered = 0;
  private failure?: Error;
  /** Stale temp files of this shard set removed when the writer opened its folder. */
  readonly removedTemps: string[];

  constructor(private readonly o: ShardWriterOptions) {
    if (!o.prefix || o.prefix.includes('/')) throw new Error(`shard writer: prefix '${o.prefix}' must be a non-empty file name prefix`);
    this.maxSamples = o.maxSamples ?? 10000;
    this.maxBytes = o.maxBytes ?? Infinity;
    if (!(this.maxSamples >= 1)) throw new Error(`shard writer ${o.prefix}: maxSamples must be at least 1`);
    this.entries = [...(o.existing ?? [])];
    this.index = o.startIndex ?? this.entries.length;
    mkdirSync(o.dir, { recursive: true });
    // A killed run leaves hidden `.tmp` shards nothing else names; only this set's names are touched.
    const own = (name: string): boolean => name.startsWith(`${o.prefix}-`) && /^(\d{6}\.tar|manifest\.json)$/.test(name.slice(o.prefix.length + 1));
    this.removedTemps = removeStaleTemps(o.dir, { match: own });
    if (this.removedTemps.length) o.log?.(`shard writer ${join(o.dir, o.prefix)}: removed ${this.removedTemps.length} stale temp file(s): ${this.removedTemps.join(', ')}`);
  }

  /**
   * Adds one sample. Rejects (naming the key) on an invalid or repeated key or field name. The
   * promise resolves once the sample is queued, or when the queue drains below 8 MiB; a failed
   * shard write rejects the next write() and close().
   */
  write(key: string, fields: Record<string, FieldValue>): Promise<void> {
    const where = `shard writer ${join(this.o.dir, this.o.prefix)}`;
    if (this.closed) return Promise.reject(new Error(`${where}: write('${key}') after close()`));
    try {
      this.throwIfFailed();
      checkKey(key, where);
      if (this.keys.has(key)) throw new Error(`${where}: duplicate key '${key}'`);
      const exts = Object.keys(fields).sort();
      if (exts.length === 0) throw new Error(`${where}: key '${key}' has no fields`);
      for (const e of exts) checkExt(e, key, where);
      this.keys.add(key);
      const members = exts.map((e) => ({ name: `${key}.${e}`, data: toBuffer(fields[e]) }));
      const size = members.reduce((a, m) => a + m.data.length, 0);
      this.buffered += size;
      this.queue = this.queue.then(() => this.append(key, members)).then(() => { this.buffered -= size; });
      this.queue.catch((e: Error) => { this.failure ??= e; }); // reported by the next write() and by close()
      // Resolve at once while little is buffered: awaiting every sample through the stream costs a tick each.
      return this.buffered > HIGH_WATER ? this.queue : Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async append(key: string, members: { name: string; data: Buffer }[]): Promise<void> {
    const bytes = members.reduce((a, m) => a + memberBytes(m.name, m.data.length), 0);
    const full = this.shard.samples + 1 > this.maxSamples || this.shard.bytes + bytes + END_OF_ARCHIVE > this.maxBytes;
    if (this.sink && full) await this.finishShard();
    if (!this.sink) {
      this.sink = new TarSink(join(this.o.dir, shardName(this.o.prefix, this.index)), { write: this.o.write });
      this.shard = { samples: 0, bytes: 0, firstKey: key, lastKey: key };
    }
    const sink = this.sink;
    await Promise.all(members.map((m) => sink.add(m.name, m.data)));
    this.shard.samples++;
    this.shard.bytes += bytes;
    this.shard.lastKey = key;
  }

  private async finishShard(): Promise<void> {
    const sink = this.sink!;
    this.sink = undefined;
    const { bytes, sha256 } = await sink.finish();
    const { samples, firstKey, lastKey } = this.shard;
    this.entries.push({ name: shardName(this.o.prefix, this.index), samples, bytes, sha256, firstKey, lastKey });
    this.index++;
    writeManifest(this.o.dir, makeManifest(this.o.prefix, this.entries, false));
  }

  /**
   * Finishes the last shard and writes the complete manifest, which it returns. On a failed write
   * it rejects with that error (naming the shard) after removing the unfinished shard's temp file.
   */
  async close(): Promise<ShardManifest> {
    this.closed = true;
    try {
      await this.queue;
      if (this.sink) await this.finishShard();
    } catch (e) {
      await this.sink?.abort();
      this.sink = undefined;
      throw e;
    }
    const m = makeManifest(this.o.prefix, this.entries, true);
    writeManifest(this.o.dir, m);
    return m;
  }

  /** Stops without finishing the current shard (its temp file is removed); finished shards stay. */
  async abort(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.sink?.abort();
    this.sink = undefined;
  }
}
