// Atomic file writes: write a temporary file beside the target, fsync it, rename over the
// target, fsync the folder. A crash leaves either the old file or the new one, never half.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes through `write(fd)` into a temp file, then renames it to `path`. */
export function writeAtomic(path: string, write: (fd: number) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Some filesystems refuse fsync on folders; the rename itself is still atomic.
  }
}

/** Writes a whole buffer or string atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeAtomic(path, (fd) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  });
}
