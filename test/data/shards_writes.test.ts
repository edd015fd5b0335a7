// Shard writes that cannot lie, without a full disk: the write call is injected. Short writes give
// the same bytes; a disk that fills up, a write of 0 bytes and a write that reports more than it
// wrote all reject naming the shard and its temp file, and leave neither the final name nor a temp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ShardWriter } from '../../src/data/shards/index.js';
import { readManifest } from '../../src/data/shards/manifest.js';
import type { AsyncWriteFn } from '../../src/io/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'zc-shard-writes-'));
let n = 0;
const fresh = (): string => mkdtempSync(join(root, `${n++}-`));
const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** Deterministic incompressible-looking bytes. */
function bytes(seed: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

async function writeSet(dir: string, count: number, write?: AsyncWriteFn): Promise<void> {
  const w = new ShardWriter({ dir, prefix: 'data', maxSamples: 4, write });
  for (let i = 0; i < count; i++) await w.write(String(i).padStart(6, '0'), { bin: bytes(i, 3000 + 500 * i), txt: `sample ${i}` });
  await w.close();
}

/** A disk with `capacity` bytes: writes are cut short at the limit, then fail with ENOSPC, as write(2) does. */
function fillingDisk(capacity: number): AsyncWriteFn {
  let used = 0;
  return async (fh, buf, off, len) => {
    const room = Math.min(len, capacity - used);
    if (room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    used += room;
    return (await fh.write(buf, off, room)).bytesWritten;
  };
}

test('short writes are looped until every byte is written: same shards as whole writes', { timeout: 30_000 }, async () => {
  const ref = fresh(), dir = fresh();
  await writeSet(ref, 10);
  let calls = 0;
  await writeSet(dir, 10, async (fh, buf, off, len) => { calls++; return (await fh.write(buf, off, Math.min(len, 1000))).bytesWritten; });
  assert.ok(calls > 30, `${calls} writes`);
  assert.deepEqual(readdirSync(dir).sort(), readdirSync(ref).sort());
  for (const f of readdirSync(ref)) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(ref, f))), f);
});

test('a disk that fills up: the shard that does not fit rejects naming it and its temp; nothing of it is left', { timeout: 30_000 }, async () => {
  const ref = fresh();
  await writeSet(ref, 4);
  const first = readFileSync(join(ref, 'data-000000.tar')).length;
  const dir = fresh();
  await assert.rejects(writeSet(dir, 8, fillingDisk(first + 5000)), (e: Error & { code?: string }) => {
    assert.ok(e.message.startsWith(`shard ${join(dir, 'data-000001.tar')}: write failed (temp file ${join(dir, '.data-000001.tar.')}`), e.message);
    assert.match(e.message, /\.tmp, removed\): ENOSPC: no space left on device, write$/);
    assert.equal(e.code, 'ENOSPC');
    return true;
  });
  assert.deepEqual(temps(dir), []);
  assert.equal(existsSync(join(dir, 'data-000001.tar')), false);
  // The shard finished before the disk filled stays, complete and listed.
  assert.ok(readFileSync(join(dir, 'data-000000.tar')).equals(readFileSync(join(ref, 'data-000000.tar'))));
  assert.deepEqual(readManifest(dir, 'data')?.shards.map((s) => s.name), ['data-000000.tar']);
});

test('a disk that fills up mid-shard (past the 1 MiB flush): the next write() rejects, and the temp file is already gone', { timeout: 30_000 }, async () => {
  const dir = fresh();
  const w = new ShardWriter({ dir, prefix: 'big', write: fillingDisk(1536 * 1024) });
  let failed: (Error & { code?: string }) | undefined;
  for (let i = 0; i < 40 && !failed; i++) {
    await w.write(String(i).padStart(6, '0'), { bin: bytes(i, 200 * 1024) }).catch((e: Error) => { failed = e; });
    await new Promise((r) => setImmediate(r)); // let the tar stream drain, as real sample production would
  }
  assert.ok(failed, 'no write() rejected');
  assert.ok(failed.message.startsWith(`shard ${join(dir, 'big-000000.tar')}: write failed (temp file ${join(dir, '.big-000000.tar.')}`), failed.message);
  assert.equal(failed.code, 'ENOSPC');
  assert.deepEqual(readdirSync(dir), [], 'no temp file even before abort() or close()');
  await assert.rejects(w.close(), (e: Error) => e === failed);
  assert.deepEqual(readdirSync(dir), []);
});

test('a write of 0 bytes and a write that reports more than it wrote are errors, not shards', { timeout: 30_000 }, async () => {
  const zero = fresh();
  await assert.rejects(writeSet(zero, 3, async () => 0), (e: Error) => e.message.includes(join(zero, 'data-000000.tar')) && /write returned 0/.test(e.message));
  assert.deepEqual(readdirSync(zero), []);
  const liar = fresh();
  let lied = false;
  const lie: AsyncWriteFn = async (fh, buf, off, len) => {
    if (lied) return (await fh.write(buf, off, len)).bytesWritten;
    lied = true;
    await fh.write(buf, off, len - 1);
    return len;
  };
  await assert.rejects(writeSet(liar, 3, lie), (e: Error) => {
    assert.ok(e.message.startsWith(`shard ${join(liar, 'data-000000.tar')}: size check failed (temp file `), e.message);
    assert.match(e.message, /the temp file holds (\d+) bytes, the tar stream gave (\d+)$/);
    return true;
  });
  assert.deepEqual(readdirSync(liar), []);
});

test('opening a folder removes the stale temp files of its own shard set only, and says so', { timeout: 30_000 }, () => {
  const dir = fresh();
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const files = [`.data-000003.tar.${dead}.a-1.tmp`, `.data-manifest.json.${dead}.a-2.tmp`, `.other-000000.tar.${dead}.a-3.tmp`, `.data-000004.tar.${process.pid}.a-4.tmp`];
  for (const f of files) writeFileSync(join(dir, f), '');
  const lines: string[] = [];
  const w = new ShardWriter({ dir, prefix: 'data', log: (l) => lines.push(l) });
  assert.deepEqual(w.removedTemps.sort(), [join(dir, files[0]!), join(dir, files[1]!)].sort());
  assert.deepEqual(readdirSync(dir).sort(), [files[2], files[3]].sort());
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /removed 2 stale temp file\(s\): .*\.data-/);
});
