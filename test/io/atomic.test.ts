// Atomic writes that cannot lie: short writes are looped, a zero-byte write and a size mismatch
// are errors, every failure names the target and its temp file and leaves the old file and no
// temp behind, and stale temp files of dead writers are found and removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseTempName, removeStaleTemps, tempPathFor, writeAll, writeAtomic, writeFileAtomic, type WriteFn } from '../../src/io/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'zc-atomic-'));
let n = 0;
const fresh = (): string => mkdtempSync(join(root, `${n++}-`));
const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** A pid that was just a process and is no more (reused within a test only by extreme bad luck). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('writeAll loops over short writes and refuses a write of 0 bytes', { timeout: 10_000 }, () => {
  const dir = fresh();
  const data = Buffer.from('0123456789abcdefghij');
  const calls: number[] = [];
  const short: WriteFn = (fd, buf, off, len) => { calls.push(len); return writeSync(fd, buf, off, Math.min(3, len)); };
  writeAtomic(join(dir, 'a.txt'), (fd) => writeAll(fd, data, short));
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), data.toString());
  assert.equal(calls.length, 7);
  const stuck: WriteFn = (fd, buf, off, len) => (off === 0 ? writeSync(fd, buf, off, Math.min(5, len)) : 0);
  assert.throws(() => writeAtomic(join(dir, 'b.txt'), (fd) => writeAll(fd, data, stuck)), (e: Error) => {
    assert.match(e.message, /b\.txt: write failed \(temp file .*\.b\.txt\.\d+\..*\.tmp, removed\): write returned 0 with 15 of 20 bytes still to write/);
    return true;
  });
  assert.deepEqual(temps(dir), []);
  assert.deepEqual(readdirSync(dir), ['a.txt']);
});

test('a failed write keeps the old file, leaves no temp file and names the target; a size mismatch fails', { timeout: 10_000 }, () => {
  const dir = fresh();
  const p = join(dir, 'run.json');
  writeFileAtomic(p, '{"old":true}\n');
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.throws(() => writeAtomic(p, (fd) => { writeSync(fd, 'half'); throw enospc; }), (e: Error & { code?: string }) => {
    assert.ok(e.message.startsWith(`${p}: write failed (temp file ${join(dir, '.run.json.')}`), e.message);
    assert.match(e.message, /ENOSPC: no space left on device, write$/);
    assert.equal(e.code, 'ENOSPC');
    assert.equal(e.cause, enospc);
    return true;
  });
  // The write callback claims more bytes than the file holds: the size check stops the rename.
  assert.throws(() => writeAtomic(p, (fd) => writeSync(fd, 'abc') + 1), /run\.json: size check failed .*: the temp file holds 3 bytes after 4 were written/);
  assert.equal(readFileSync(p, 'utf8'), '{"old":true}\n');
  assert.deepEqual(readdirSync(dir), ['run.json']);
  assert.throws(() => writeFileAtomic(join(dir, 'no', 'such', 'x.json'), '{}'), (e: Error & { code?: string }) => {
    assert.ok(e.message.startsWith(`${join(dir, 'no', 'such', 'x.json')}: open failed`), e.message);
    assert.equal(e.code, 'ENOENT');
    return true;
  });
});

test('temp names carry the pid; removeStaleTemps removes dead writers\' and old ones only', { timeout: 20_000 }, () => {
  const dir = fresh();
  const mine = tempPathFor(join(dir, 'data-000001.tar'));
  assert.deepEqual(parseTempName(mine.slice(dir.length + 1)), { name: 'data-000001.tar', pid: process.pid });
  assert.deepEqual(parseTempName('.ckpt.5.safetensors.77.abc.tmp'), { name: 'ckpt.5.safetensors', pid: 77 });
  assert.equal(parseTempName('data-000001.tar'), undefined);
  const dead = deadPid();
  const names = {
    live: mine.slice(dir.length + 1),
    dead: `.data-000002.tar.${dead}.x1-00.tmp`,
    deadOther: `.other-000000.tar.${dead}.x1-00.tmp`,
    oldLive: `.data-manifest.json.${process.pid}.x1-01.tmp`,
    notTemp: '.hidden.tmp',
  };
  for (const f of Object.values(names)) writeFileSync(join(dir, f), '');
  const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  utimesSync(join(dir, names.oldLive), old, old);
  const removed = removeStaleTemps(dir, { match: (name) => name.startsWith('data-') });
  assert.deepEqual(removed.sort(), [join(dir, names.dead), join(dir, names.oldLive)].sort());
  assert.deepEqual(readdirSync(dir).sort(), [names.deadOther, names.live, names.notTemp].sort());
  assert.deepEqual(removeStaleTemps(dir), [join(dir, names.deadOther)]);
  assert.deepEqual(removeStaleTemps(join(dir, 'missing')), []);
});
