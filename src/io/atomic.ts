// Atomic file and folder writes: write a temporary file (folder) beside the target, fsync it,
// rename it into place, fsync the parent folder. A crash leaves either the old file (folder) or the
// new one, never half; a failed write (full disk, I/O error) leaves the old one, no temp, and an
// error naming both.
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

/** A positional-less write as `fs.writeSync` does it: returns the bytes written, possibly fewer than asked. */
export type WriteFn = (fd: number, buf: Uint8Array, offset: number, length: number) => number;
/** The same for a FileHandle (`fh.write(...).bytesWritten`). */
export type AsyncWriteFn = (fh: FileHandle, buf: Uint8Array, offset: number, length: number) => Promise<number>;

const handleWrite: AsyncWriteFn = async (fh, buf, offset, length) => (await fh.write(buf, offset, length)).bytesWritten;

/**
 * An Error saying `what` failed with `e`'s message, keeping its `code` (ENOSPC, EIO...) so callers
 * can still branch on it, and `e` as cause. System errors name the syscall but not the file.
 * @example throw fileError(e, `${path}: write failed`); // "out.json: write failed: ENOSPC: no space left on device, write"
 */
export function fileError(e: unknown, what: string): Error & { code?: string } {
  const err: Error & { code?: string } = new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') err.code = code;
  return err;
}

/**
 * Writes all of `buf` to `fd`. write(2) may write fewer bytes than asked (a nearly full disk does),
 * so this loops; a write of 0 bytes would loop forever and is an error. Returns `buf.length`.
 * @example writeAll(fd, Buffer.from('hello')); // 5
 */
export function writeAll(fd: number, buf: Uint8Array, write: WriteFn = writeSync): number {
  let off = 0;
  while (off < buf.length) {
    const n = write(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw new Error(`write returned ${n} with ${buf.length - off} of ${buf.length} bytes still to write`);
    off += n;
  }
  return off;
}

/**
 * {@link writeAll} for a FileHandle.
 * @example await writeAllAsync(fh, chunk);
 */
export async function writeAllAsync(fh: FileHandle, buf: Uint8Array, write: AsyncWriteFn = handleWrite): Promise<number> {
  let off = 0;
  while (off < buf.length) {
    const n = await write(fh, buf, off, buf.length - off);
    if (!(n > 0)) throw new Error(`write returned ${n} with ${buf.length - off} of ${buf.length} bytes still to write`);
    off += n;
  }
  return off;
}

/**
 * Temp name for `path`: `.<name>.<pid>.<tag>.tmp` beside it, hidden, unique (the tag is time and
 * random, without dots), so {@link removeStaleTemps} can read the writer's pid back.
 * @example tempPathFor('out/data-000000.tar') // 'out/.data-000000.tar.4242.lq3k2a-9f1c2b3a.tmp'
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\.(.+)\.(\d+)\.([^./]+)\.tmp$/;

/**
 * The target name and writer pid of a temp file name made by {@link tempPathFor}, else undefined.
 * @example parseTempName('.data-000000.tar.4242.lq3k2a-9f1c2b3a.tmp') // { name: 'data-000000.tar', pid: 4242 }
 */
export function parseTempName(file: string): { name: string; pid: number } | undefined {
  const m = TEMP_NAME.exec(file);
  return m ? { name: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Whether `pid` is a running process on this host (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Options of {@link removeStaleTemps}. */
export interface StaleTempOptions {
  /** Only temp files whose target name passes (a shard set's names), so writers sharing a folder leave each other alone. */
  match?: (name: string) => boolean;
  /** A temp file unmodified this long is stale even when its pid is alive (pid reuse, a hung writer). Default 24 h. */
  maxAgeMs?: number;
}

/** Default of {@link StaleTempOptions.maxAgeMs}: far longer than any single write takes between flushes. */
export const STALE_TEMP_AGE_MS = 24 * 3600 * 1000;

/**
 * Removes the temp files (`.<name>.<pid>.<tag>.tmp`) that crashed or killed writers left in `dir`
 * (not below it), and returns the paths removed. A temp file is stale when its pid is not a live
 * process on this host, or when it was not modified for `maxAgeMs` (default 24 h). Live writers
 * of this host are thus safe; pids are per host (and per pid namespace), so a folder written by
 * several hosts or containers at once must be cleaned with a `match` that picks only this writer's
 * names. Call it where a stage (re)starts writing into a folder.
 * @example const removed = removeStaleTemps('data/synth/zoo', { match: (n) => n.startsWith('zoo-') });
 */
export function removeStaleTemps(dir: string, o: StaleTempOptions = {}): string[] {
  const maxAge = o.maxAgeMs ?? STALE_TEMP_AGE_MS;
  const removed: string[] = [];
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return removed;
    throw fileError(e, `${dir}: cannot list the folder to remove stale temp files`);
  }
  const now = Date.now();
  for (const f of files) {
    const t = parseTempName(f);
    if (!t || (o.match && !o.match(t.name))) continue;
    const p = join(dir, f);
    let mtime: number;
    try {
      const st = statSync(p);
      if (!st.isFile()) continue;
      mtime = st.mtimeMs;
    } catch {
      continue; // gone meanwhile (its writer renamed or removed it)
    }
    if (pidAlive(t.pid) && now - mtime < maxAge) continue;
    rmSync(p, { force: true });
    removed.push(p);
  }
  return removed;
}

/**
 * fsyncs a folder so a rename in it survives a crash; some filesystems refuse, the rename is still atomic.
 * @example renameSync(tmp, path); syncDir(dirname(path));
 */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Folders that refuse fsync (some network and FUSE filesystems) still rename atomically.
  }
}

/** Throws unless the open file `fd` is `bytes` long: catches writes that reported more than they did. */
function checkSize(fd: number, bytes: number): void {
  const size = fstatSync(fd).size;
  if (size !== bytes) throw new Error(`the temp file holds ${size} bytes after ${bytes} were written`);
}

/**
 * Writes through `write(fd)` into a temp file beside `path`, fsyncs it, then renames it to `path`.
 * When `write` returns the byte count, the temp file's size is checked against it before the
 * rename. Any failure (open, write, fsync, close, rename: ENOSPC, EIO, EDQUOT...) removes the temp
 * file, leaves an older `path` untouched, and throws an error naming `path` and the temp file.
 * @example writeAtomic('w.bin', (fd) => writeAll(fd, bytes));
 */
export function writeAtomic(path: string, write: (fd: number) => number | void): void {
  const tmp = tempPathFor(path);
  let step = 'open';
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx');
    step = 'write';
    const bytes = write(fd);
    step = 'fsync';
    fsyncSync(fd);
    step = 'size check';
    if (typeof bytes === 'number') checkSize(fd, bytes);
    step = 'close';
    const f = fd;
    fd = -1;
    closeSync(f);
    step = 'rename';
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) try { closeSync(fd); } catch { /* the write's error is the one to report */ }
    try { rmSync(tmp, { force: true }); } catch { /* idem; a leftover is removed by removeStaleTemps */ }
    throw fileError(e, `${path}: ${step} failed (temp file ${tmp}, removed)`);
  }
  syncDir(dirname(path));
}

/**
 * Writes a whole buffer or string atomically (see {@link writeAtomic}).
 * @example writeFileAtomic('run/result.json', JSON.stringify(result) + '\n');
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  writeAtomic(path, (fd) => writeAll(fd, buf));
}

/** Options of {@link writeFolderAtomic}. */
export interface FolderWriteOptions {
  /**
   * The temp folder (beside the target; default from {@link tempPathFor}); a replaced folder waits
   * under this name + '.old' until the new one is in place. Writers whose leftovers a cleanup
   * recognises by name (training checkpoints) pass their own.
   */
  temp?: string;
}

/** fsyncs every file and folder under `dir`, so the folder's contents survive a crash once renamed. */
function syncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) syncTree(p);
    else if (e.isFile()) {
      const fd = openSync(p, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
    }
  }
  syncDir(dir);
}

/** Renames `tmp` to `final`, moving an existing `final` aside to `old` first and back if that fails. */
function swapInto(tmp: string, final: string, old: string): boolean {
  const replacing = existsSync(final);
  if (replacing) renameSync(final, old);
  try {
    renameSync(tmp, final);
  } catch (e) {
    if (replacing) renameSync(old, final);
    throw e;
  }
  return replacing;
}

/**
 * Writes the folder `dir` atomically: `fill(tmp)` writes its contents into a temp folder beside it,
 * which is fsynced (every file and folder) and renamed to `dir`, then the parent folder is fsynced.
 * An existing `dir` is moved aside and removed only once the new one is in place (a crash between
 * the two renames leaves it under the temp name + '.old'). Any failure (in fill, fsync, rename:
 * ENOSPC, EIO...) removes the temp folder, leaves an older `dir` untouched, and throws an error
 * naming `dir` and the temp folder.
 * @example writeFolderAtomic('runs/cap/captioner', (tmp) => { writeFileAtomic(join(tmp, 'captioner.json'), json); saveSafetensors(join(tmp, 'model.safetensors'), sd); });
 */
export function writeFolderAtomic(dir: string, fill: (tmp: string) => void, o: FolderWriteOptions = {}): void {
  const final = resolve(dir), parent = dirname(final);
  const tmp = o.temp ? resolve(o.temp) : tempPathFor(final), old = `${tmp}.old`;
  if (dirname(tmp) !== parent) throw new Error(`${final}: the temp folder ${tmp} must be beside it (one filesystem, so the rename is atomic)`);
  let step = 'create', replaced = false;
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    step = 'fill';
    fill(tmp);
    step = 'fsync';
    syncTree(tmp);
    step = 'rename';
    replaced = swapInto(tmp, final, old);
  } catch (e) {
    try { rmSync(tmp, { recursive: true, force: true }); } catch { /* the write's error is the one to report */ }
    throw fileError(e, `${final}: ${step} failed (temp folder ${tmp}, removed)`);
  }
  syncDir(parent);
  try {
    if (replaced) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    throw fileError(e, `${final}: written, but the folder it replaced (now ${old}) could not be removed`);
  }
}
