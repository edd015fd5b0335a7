// One shard being written: a tar stream hashed on its way into a temp file beside the target,
// fsynced, size-checked and renamed into place when finished (a crash leaves only a `.tmp` file
// behind; a failed write leaves nothing, and its error names the shard and the temp file).
import { renameSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import tar from 'tar-stream';
import { fileError, syncDir, tempPathFor, writeAllAsync, type AsyncWriteFn } from '../../io/atomic.js';

/** Fixed member metadata, so the same samples always give the same bytes. */
const MTIME = new Date(Date.UTC(2020, 0, 1));
const BLOCK = 512;
const FLUSH_BYTES = 1 << 20;

/**
 * Bytes a member takes in the tar: header + data padded to 512, plus a pax header when the
 * name does not fit ustar's 100-byte name / 155-byte prefix (an upper bound in that case).
 */
export function memberBytes(name: string, size: number): number {
  const data = BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  return fitsUstar(name) ? data : data + BLOCK + Math.ceil((Buffer.byteLength(name) + 64) / BLOCK) * BLOCK;
}

/** ustar holds ASCII names up to 100 bytes, or split at a '/' into a 155-byte prefix + 100. */
function fitsUstar(name: string): boolean {
  if (Buffer.byteLength(name) !== name.length) return false;
  let rest = name;
  let prefix = 0;
  while (rest.length > 100) {
    const i = rest.indexOf('/');
    if (i < 0) return false;
    prefix += (prefix > 0 ? 1 : 0) + i;
    rest = rest.slice(i + 1);
  }
  return prefix <= 155;
}

/** Options of {@link TarSink}. */
export interface TarSinkOptions {
  /** The write call (tests inject short or failing writes); default `fh.write`. */
  write?: AsyncWriteFn;
}

/**
 * A tar file under construction. Every failure (open, write, fsync, size check, rename: ENOSPC,
 * EIO, EDQUOT...) removes the temp file and rejects add()/finish() with an error naming the shard
 * and the temp file; the final name only ever holds a complete, fsynced archive.
 * @example
 * const sink = new TarSink('out/data-000000.tar');
 * await sink.add('000000000.txt', Buffer.from('a red cube'));
 * const { bytes, sha256 } = await sink.finish();
 */
export class TarSink {
  readonly tmp: string;
  private readonly pack = tar.pack();
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly done: Promise<void>;
  /** The write failure, set before the pack is destroyed so pending add()s reject with it. */
  private failure?: Error;

  constructor(readonly path: string, o: TarSinkOptions = {}) {
    this.tmp = tempPathFor(path);
    this.pack.on('error', () => undefined); // a destroyed pack's error reaches callers through done
    this.done = this.pump(o.write);
    this.done.catch(() => undefined); // surfaced by finish() or abort()
  }

  /** Records a failure naming the shard and its temp file (the first one wins). */
  private fail(e: unknown, step: string): Error {
    this.failure ??= fileError(e, `shard ${this.path}: ${step} failed (temp file ${this.tmp}, removed)`);
    return this.failure;
  }

  /** Drains the tar stream into the temp file in ~1 MiB writes, hashing on the way, then fsyncs and checks the size. */
  private async pump(write?: AsyncWriteFn): Promise<void> {
    let fh: FileHandle | undefined;
    let step = 'open';
    try {
      fh = await open(this.tmp, 'wx');
      const file = fh;
      // Recorded inside flush, before for-await destroys the pack and fails pending entries, so they get this error.
      const flush = (buf: Buffer): Promise<number> => writeAllAsync(file, buf, write).catch((e: unknown) => { throw this.fail(e, 'write'); });
      step = 'write';
      let batch: Buffer[] = [];
      let n = 0;
      for await (const c of this.pack) {
        this.hash.update(c);
        this.bytes += c.length;
        batch.push(c);
        n += c.length;
        if (n >= FLUSH_BYTES) { await flush(Buffer.concat(batch, n)); batch = []; n = 0; }
      }
      if (n > 0) await flush(Buffer.concat(batch, n));
      step = 'fsync';
      await fh.sync();
      step = 'size check';
      const size = (await fh.stat()).size;
      if (size !== this.bytes) throw new Error(`the temp file holds ${size} bytes, the tar stream gave ${this.bytes}`);
      step = 'close';
      fh = undefined;
      await file.close();
    } catch (e) {
      const err = this.fail(e, step);
      this.pack.destroy(err);
      await fh?.close().catch(() => undefined);
      await rm(this.tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Appends one regular-file member. */
  add(name: string, data: Buffer): Promise<void> {
    const header = { name, size: data.length, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: MTIME, type: 'file' as const };
    return new Promise((resolve, reject) => {
      // A write failure is the cause of any entry error after it (it names the temp file too); it is
      // reported once the pump has removed the temp file, so a caller that exits at once leaves none.
      const fail = (err: Error): void => {
        if (this.failure) void this.done.catch(() => undefined).then(() => reject(this.failure));
        else reject(new Error(`${this.path}: writing member '${name}': ${err.message}`));
      };
      try {
        // The callback carries the error; the member stream's own 'error' event is silenced.
        this.pack.entry(header, data, (err) => (err ? fail(err) : resolve())).on('error', () => undefined);
      } catch (e) {
        fail(e as Error);
      }
    });
  }

  /** Ends the archive, fsyncs, checks the size, renames into place; returns the final size and sha256. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    if (this.failure) throw this.failure;
    this.pack.finalize();
    await this.done; // rejects with the failure, its temp file already removed
    try {
      renameSync(this.tmp, this.path);
    } catch (e) {
      rmSync(this.tmp, { force: true });
      throw this.fail(e, 'rename');
    }
    syncDir(dirname(this.path));
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Drops the shard: stops the stream and removes the temp file. */
  async abort(): Promise<void> {
    this.pack.destroy();
    await this.done.catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }
}
