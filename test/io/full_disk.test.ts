// Writes on a really full disk: a 512 KiB tmpfs mounted for this test (needs root, as in CI).
// Shards, atomic files and safetensors that do not fit must fail naming the file, leave no temp
// file, and never put a truncated file under the final name or clobber the old one.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ShardWriter } from '../../src/data/shards/index.js';
import { readManifest } from '../../src/data/shards/manifest.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { liveTensors, randn, tidy } from '../../src/engine/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';

const KIB = 1024;
const DISK = 512 * KIB;

/** Mounts a DISK-sized tmpfs on `dir`; returns why it could not (not root, no CAP_SYS_ADMIN...), or undefined. */
function mountTmpfs(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root; this test runs as a normal user';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return `cannot mount a tmpfs on ${dir} (${r.error?.message ?? (r.stderr.trim().split('\n')[0] || `mount exited ${r.status}`)})`;
}

const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const isEnospc = (e: Error & { code?: string }): boolean => e.code === 'ENOSPC' && /ENOSPC/.test(e.message);

describe('a full disk', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-full-disk-'));
  let skip: string | undefined = 'not mounted yet';
  /** A clean mount for each test, or the skip with its reason. */
  const disk = (t: TestContext): string | undefined => {
    if (skip) { t.skip(skip); return undefined; }
    for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
    return dir;
  };

  before(() => { skip = mountTmpfs(dir); });
  after(() => {
    if (!skip && spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a shard that does not fit rejects naming it; no temp file, nothing under its name; earlier shards stay', async (t) => {
    const d = disk(t);
    if (!d) return;
    // Three 100 KiB samples a shard: the first shard (~300 KiB) fits in 512 KiB, the second does not.
    const w = new ShardWriter({ dir: d, prefix: 'data', maxSamples: 3 });
    const run = async (): Promise<void> => {
      try {
        for (let i = 0; i < 9; i++) await w.write(String(i).padStart(6, '0'), { bin: randomBytes(100 * KIB), txt: `sample ${i}` });
        await w.close();
      } catch (e) {
        await w.abort(); // what `zooclip import` does
        throw e;
      }
    };
    await assert.rejects(run(), (e: Error & { code?: string }) => {
      assert.ok(e.message.startsWith(`shard ${join(d, 'data-000001.tar')}: write failed (temp file ${join(d, '.data-000001.tar.')}`), e.message);
      assert.ok(isEnospc(e), e.message);
      return true;
    });
    assert.deepEqual(temps(d), []);
    assert.equal(existsSync(join(d, 'data-000001.tar')), false);
    const m = readManifest(d, 'data');
    assert.deepEqual(m?.shards.map((s) => s.name), ['data-000000.tar']);
    assert.equal(statSync(join(d, 'data-000000.tar')).size, m!.shards[0]!.bytes);
  });

  test('writeFileAtomic of a file that does not fit fails naming it and keeps the old file', (t) => {
    const d = disk(t);
    if (!d) return;
    const p = join(d, 'result.json');
    writeFileAtomic(p, '{"old":true}\n');
    assert.throws(() => writeFileAtomic(p, 'x'.repeat(DISK + 64 * KIB)), (e: Error & { code?: string }) => {
      assert.ok(e.message.startsWith(`${p}: write failed (temp file ${join(d, '.result.json.')}`), e.message);
      assert.ok(isEnospc(e), e.message);
      return true;
    });
    assert.equal(readFileSync(p, 'utf8'), '{"old":true}\n');
    assert.deepEqual(readdirSync(d), ['result.json']);
  });

  test('saveSafetensors of tensors that do not fit fails naming the file and keeps the old file', (t) => {
    const d = disk(t);
    if (!d) return;
    const p = join(d, 'model.safetensors');
    const live = liveTensors();
    tidy(() => saveSafetensors(p, { w: randn([4, 4]) }));
    const old = readFileSync(p);
    assert.throws(() => tidy(() => saveSafetensors(p, { w: randn([256, 1024]) })), (e: Error & { code?: string }) => { // 1 MiB of float32
      assert.ok(e.message.startsWith(`${p}: write failed (temp file ${join(d, '.model.safetensors.')}`), e.message);
      assert.ok(isEnospc(e), e.message);
      return true;
    });
    assert.ok(readFileSync(p).equals(old));
    assert.deepEqual(readdirSync(d), ['model.safetensors']);
    const back = loadSafetensors(p);
    assert.deepEqual(back.tensors.get('w')?.shape, [4, 4]);
    for (const x of back.tensors.values()) x.dispose();
    assert.equal(liveTensors(), live);
  });
});
