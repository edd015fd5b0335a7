// Atomic writes that cannot lie: short writes are looped, a zero-byte write and a size mismatch
// are errors, every failure names the target and its temp file and leaves the old file and no
// temp behind, and stale temp files of dead writers are found and removed. Folders are written the
// same way: a failure mid-fill leaves the old folder as it was and no temp folder behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseTempName, removeStaleTemps, tempPathFor, writeAll, writeAtomic, writeFileAtomic, writeFolderAtomic, type WriteFn } from '../../src/io/atomic.js';

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

/** A folder's files and their text, below it (sorted paths). */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

test('writeFolderAtomic writes a new folder and replaces an old one whole, leaving nothing beside it', { timeout: 10_000 }, () => {
  const dir = fresh(), target = join(dir, 'model');
  let seen = '';
  writeFolderAtomic(target, (tmp) => {
    seen = tmp;
    assert.ok(!existsSync(target), 'the target appears only once filled');
    writeFileAtomic(join(tmp, 'a.json'), '{"v":1}');
    mkdirSync(join(tmp, 'sub'));
    writeFileSync(join(tmp, 'sub', 'b.txt'), 'one');
  });
  assert.equal(parseTempName(seen.slice(dir.length + 1))?.name, 'model', 'the temp folder is named as temp files are');
  assert.deepEqual(contents(target), { 'a.json': '{"v":1}', 'sub/b.txt': 'one' });
  writeFolderAtomic(target, (tmp) => writeFileSync(join(tmp, 'c.txt'), 'two'));
  assert.deepEqual(contents(target), { 'c.txt': 'two' }, 'the old folder is replaced, not merged');
  assert.deepEqual(readdirSync(dir), ['model'], 'no temp or old folder left');
  const named = join(dir, '.tmp-model-1');
  writeFolderAtomic(target, (tmp) => { assert.equal(tmp, named); writeFileSync(join(tmp, 'd.txt'), '3'); }, { temp: named });
  assert.deepEqual(readdirSync(dir), ['model']);
  assert.throws(() => writeFolderAtomic(target, () => undefined, { temp: join(dir, 'elsewhere', '.tmp') }), /must be beside it/);
});

test('writeFolderAtomic: a failure mid-fill leaves the old folder intact and no temp behind, and names both', { timeout: 10_000 }, () => {
  const dir = fresh(), target = join(dir, 'captioner');
  writeFolderAtomic(target, (tmp) => writeFileSync(join(tmp, 'model.safetensors'), 'old weights'));
  let temp = '';
  assert.throws(() => writeFolderAtomic(target, (tmp) => {
    temp = tmp;
    writeFileSync(join(tmp, 'model.safetensors'), 'half of the new');
    throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  }), (e: Error & { code?: string }) => {
    assert.equal(e.message, `${target}: fill failed (temp folder ${temp}, removed): no space left on device`);
    assert.equal(e.code, 'ENOSPC');
    return true;
  });
  assert.deepEqual(contents(target), { 'model.safetensors': 'old weights' });
  assert.deepEqual(readdirSync(dir), ['captioner']);
  // The temp folder vanishing before the rename (as on a failing disk) is reported at that step; the old folder stays.
  assert.throws(() => writeFolderAtomic(target, (tmp) => rmSync(tmp, { recursive: true })), /captioner: fsync failed \(temp folder .*, removed\)/);
  assert.deepEqual(contents(target), { 'model.safetensors': 'old weights' });
  assert.deepEqual(readdirSync(dir), ['captioner']);
});
