// One shard being written: a tar stream hashed on its way into a temp file beside the target,
// fsynced and renamed into place when finished (a crash leaves only a `.tmp` file behind).
import { openSync, fsyncSync, closeSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import tar from 'tar-stream';

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

/** Temp name for `path`: hidden, unique, ending in `.tmp`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A tar file under construction. */
export class TarSink {
  readonly tmp: string;
  private readonly pack = tar.pack();
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly done: Promise<void>;

  constructor(readonly path: string) {
    this.tmp = tempPathFor(path);
    this.pack.on('error', () => undefined); // a destroyed pack's error reaches callers through done
    this.done = this.pump();
    this.done.catch(() => undefined); // surfaced by finish() or abort()
  }

  /** Drains the tar stream into the temp file in ~1 MiB writes, hashing on the way, then fsyncs. */
  private async pump(): Promise<void> {
    const fh = await open(this.tmp, 'wx').catch((e: Error) => { this.pack.destroy(e); throw e; });
    try {
      let batch: Buffer[] = [];
      let n = 0;
      for await (const c of this.pack) {
        this.hash.update(c);
        this.bytes += c.length;
        batch.push(c);
        n += c.length;
        if (n >= FLUSH_BYTES) { await fh.write(Buffer.concat(batch, n)); batch = []; n = 0; }
      }
      if (n > 0) await fh.write(Buffer.concat(batch, n));
      await fh.sync();
    } catch (e) {
      this.pack.destroy(e as Error);
      throw e;
    } finally {
      await fh.close();
    }
  }

  /** Appends one regular-file member. */
  add(name: string, data: Buffer): Promise<void> {
    const header = { name, size: data.length, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: MTIME, type: 'file' as const };
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => reject(new Error(`${this.path}: writing member '${name}': ${err.message}`));
      try {
        // The callback carries the error; the member stream's own 'error' event is silenced.
        this.pack.entry(header, data, (err) => (err ? fail(err) : resolve())).on('error', () => undefined);
      } catch (e) {
        fail(e as Error);
      }
    });
  }

  /** Ends the archive, fsyncs, renames into place; returns the final size and sha256. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    this.pack.finalize();
    try {
      await this.done;
      renameSync(this.tmp, this.path);
    } catch (e) {
      rmSync(this.tmp, { force: true });
      throw new Error(`${this.path}: could not finish the shard (${(e as Error).message})`);
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

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Some filesystems refuse fsync on folders; the rename is still atomic.
  }
}
