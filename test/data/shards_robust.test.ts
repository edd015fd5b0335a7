// The reader on bad shards: corrupt samples skipped and counted by reason, truncated tars,
// members that escape the shard, non-regular members, unreadable files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ShardWriter, SkipStats, readShards, type SkipInfo } from '../../src/data/shards/index.js';

const dir = mkdtempSync(join(tmpdir(), 'zc-robust-'));

interface Member { name: string; data?: string | Buffer; type?: 'file' | 'directory' | 'symlink'; linkname?: string }

/** Builds a tar by hand (what a buggy or hostile writer could produce). */
async function packTar(name: string, members: Member[]): Promise<string> {
  const p = join(dir, name);
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(p));
  for (const m of members) {
    await new Promise<void>((res, rej) => {
      const h = { name: m.name, type: m.type ?? 'file', linkname: m.linkname, mtime: new Date(0) };
      if (h.type === 'file') pack.entry(h, m.data ?? '', (e) => (e ? rej(e) : res()));
      else pack.entry(h, (e) => (e ? rej(e) : res()));
    });
  }
  pack.finalize();
  await done;
  return p;
}

async function read(spec: string | string[], required?: string[]): Promise<{ keys: string[]; skips: SkipInfo[]; stats: SkipStats }> {
  const skips: SkipInfo[] = [];
  const stats = new SkipStats();
  const keys: string[] = [];
  for await (const s of readShards(spec, { required, stats, onSkip: (i) => skips.push(i) })) keys.push(s.key);
  return { keys, skips, stats };
}

const k = (i: number): string => String(i).padStart(5, '0');

test('1% corrupt samples (bad JSON, missing field, duplicate field) are skipped, named and counted', async () => {
  const shards: string[] = [];
  for (let s = 0; s < 3; s++) {
    const members: Member[] = [];
    for (let i = s * 100; i < (s + 1) * 100; i++) {
      members.push({ name: `${k(i)}.jpg`, data: Buffer.alloc(64, i) });
      members.push({ name: `${k(i)}.json`, data: i === 50 ? '{"uid": 50,' : JSON.stringify({ uid: i }) });
      if (i !== 150) members.push({ name: `${k(i)}.txt`, data: `caption ${i}` });
      if (i === 250) members.push({ name: `${k(i)}.txt`, data: 'again' });
    }
    shards.push(await packTar(`corrupt-${s}.tar`, members));
  }
  const { keys, skips, stats } = await read(join(dir, 'corrupt-{0..2}.tar'), ['jpg|png|webp', 'txt']);
  assert.equal(keys.length, 297);
  assert.deepEqual(keys, Array.from({ length: 300 }, (_, i) => i).filter((i) => ![50, 150, 250].includes(i)).map(k));
  assert.deepEqual(stats.byReason, { 'bad-json': 1, 'missing-field': 1, 'duplicate-field': 1 });
  assert.equal(stats.total, 3);
  assert.deepEqual(skips.map((s) => [s.shard, s.key, s.field]), [[shards[0], k(50), 'json'], [shards[1], k(150), 'txt'], [shards[2], k(250), 'txt']]);
  for (const s of skips) assert.ok(s.message.includes(s.shard) && s.message.includes(`'${s.key}'`), s.message);
  assert.match(stats.summary(), /^3 skipped: /);
});

async function cleanShard(): Promise<{ path: string; buf: Buffer }> {
  const w = new ShardWriter({ dir: join(dir, 'clean'), prefix: 'c' });
  for (let i = 0; i < 20; i++) await w.write(k(i), { jpg: Buffer.alloc(700, i), txt: `t${i}` });
  await w.close();
  const path = join(dir, 'clean', 'c-000000.tar');
  return { path, buf: readFileSync(path) };
}

test('a truncated tar yields the samples before the cut, then one skip naming the shard', async () => {
  const { buf } = await cleanShard();
  const sampleBytes = 512 + 1024 + 512 + 512; // jpg header + 700 bytes padded, txt header + data
  const cuts: [string, number, number][] = [
    ['inside the data of sample 10', 10 * sampleBytes + 600, 10],
    ['inside the first header of sample 10', 10 * sampleBytes + 100, 9],
    ['at a member boundary, no end marker', 10 * sampleBytes, 9],
    ['inside the end marker', buf.length - 512, 19],
  ];
  for (const [what, at, want] of cuts) {
    const p = join(dir, `cut-${at}.tar`);
    writeFileSync(p, buf.subarray(0, at));
    const { keys, skips } = await read(p);
    assert.deepEqual(keys, Array.from({ length: want }, (_, i) => k(i)), what);
    assert.equal(skips.length, 1, what);
    assert.equal(skips[0].reason, 'truncated', what);
    assert.equal(skips[0].shard, p);
    assert.ok(skips[0].message.includes(p), skips[0].message);
  }
});

test('members escaping the shard are rejected; links, folders and unnamed members do not become fields', async () => {
  const p = await packTar('evil.tar', [
    { name: 'a.txt', data: 'a' },
    { name: '../evil.txt', data: 'x' },
    { name: '/etc/passwd.txt', data: 'x' },
    { name: 'sub/../../up.txt', data: 'x' },
    { name: 'sub', type: 'directory' },
    { name: 'sub/b.txt', data: 'b' },
    { name: 'sub/b.jpg', type: 'symlink', linkname: '/etc/shadow' },
    { name: 'README', data: 'no extension' },
    { name: './c.txt', data: 'c' },
    { name: 'a.json', data: '{}' },
  ]);
  const got = new Map<string, string[]>();
  const stats = new SkipStats();
  for await (const s of readShards(p, { stats, onSkip: () => undefined })) got.set(s.key, [...s.fields.keys()]);
  assert.deepEqual([...got], [['a', ['txt']], ['sub/b', ['txt']], ['c', ['txt']]]);
  assert.deepEqual(stats.byReason, { 'unsafe-path': 3, 'bad-name': 1, 'duplicate-key': 1 });
  assert.ok(stats.examples.some((e) => e.reason === 'unsafe-path' && e.message.includes("'../evil.txt'")));
});

test('an unreadable shard is a counted skip and reading goes on', async () => {
  const { path } = await cleanShard();
  const missing = join(dir, 'nope.tar');
  const garbage = join(dir, 'garbage.tar');
  writeFileSync(garbage, Buffer.alloc(3000, 0x41));
  const { keys, stats, skips } = await read([missing, garbage, path]);
  assert.equal(keys.length, 20);
  assert.deepEqual(stats.byReason, { 'read-error': 2 });
  assert.match(skips[0].message, /nope\.tar.*ENOENT/);
  assert.ok(skips[1].message.includes(garbage), skips[1].message);
});
