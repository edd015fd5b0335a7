// Shard writer + reader: round trips, byte-identical output, rollover, specs, rank splits and
// the manifest check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  ShardWriter, SkipStats, expandShardSpec, readManifest, readShards, shardsForRank, verifyShards, type RawSample,
} from '../../src/data/shards/index.js';
import { memberBytes } from '../../src/data/shards/tar_sink.js';

const root = mkdtempSync(join(tmpdir(), 'zc-shards-'));
let n = 0;
const fresh = (): string => join(root, `t${n++}`);

/** Deterministic sample i: an image-like blob, a caption, JSON metadata, sometimes extra fields. */
function sample(i: number): Record<string, Buffer | string> {
  const img = Buffer.alloc(200 + ((i * 37) % 900));
  for (let j = 0; j < img.length; j++) img[j] = (i * 31 + j * 7) & 0xff;
  const f: Record<string, Buffer | string> = { jpg: img, txt: `caption ${i} ünïcode`, json: JSON.stringify({ uid: i }) };
  if (i % 3 === 0) f['syn.json'] = JSON.stringify({ syn_text: [`syn ${i} a`, `syn ${i} b`] });
  if (i % 5 === 0) f['seg.png'] = Buffer.from([i & 0xff, 1, 2, 3]);
  return f;
}
const key = (i: number): string => `${String(Math.floor(i / 100)).padStart(3, '0')}/${String(i).padStart(6, '0')}`;

async function writeAll(dir: string, count: number, o: { maxSamples?: number; maxBytes?: number } = {}) {
  const w = new ShardWriter({ dir, prefix: 'data', ...o });
  for (let i = 0; i < count; i++) await w.write(key(i), sample(i));
  return w.close();
}

async function collect(spec: string | string[], o: Parameters<typeof readShards>[1] = {}): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of readShards(spec, { onSkip: (i) => assert.fail(i.message), ...o })) out.push(s);
  return out;
}

test('write then read back: same keys in order, every field byte-equal', async () => {
  const dir = fresh();
  const m = await writeAll(dir, 250, { maxSamples: 100 });
  assert.equal(m.totals.samples, 250);
  assert.deepEqual(m.shards.map((s) => s.name), ['data-000000.tar', 'data-000001.tar', 'data-000002.tar']);
  const got = await collect(`${dir}/data-{000000..000002}.tar`);
  assert.equal(got.length, 250);
  got.forEach((s, i) => {
    assert.equal(s.key, key(i));
    const want = sample(i);
    assert.deepEqual([...s.fields.keys()].sort(), Object.keys(want).sort(), s.key);
    for (const [ext, v] of Object.entries(want)) assert.ok(s.fields.get(ext)!.equals(Buffer.from(v)), `${s.key}.${ext}`);
  });
  assert.equal(got[150].shard, join(dir, 'data-000001.tar'));
});

test('the same input gives byte-identical shards and manifest', async () => {
  const [a, b] = [fresh(), fresh()];
  await writeAll(a, 120, { maxSamples: 50 });
  await writeAll(b, 120, { maxSamples: 50 });
  const files = readdirSync(a).sort();
  assert.deepEqual(files, readdirSync(b).sort());
  assert.equal(files.filter((f) => f.endsWith('.tmp')).length, 0);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
});

test('fields are written in sorted extension order with fixed metadata', async () => {
  const dir = fresh();
  const w = new ShardWriter({ dir, prefix: 'x' });
  await w.write('k', { txt: 'b', 'seg.png': 'c', jpg: 'a', json: '{}' });
  await w.close();
  const tar = readFileSync(join(dir, 'x-000000.tar'));
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length && tar[off] !== 0; ) {
    names.push(tar.toString('latin1', off, off + 100).replace(/\0.*$/s, ''));
    const octal = (a: number, b: number): number => parseInt(tar.toString('latin1', off + a, off + b), 8);
    assert.deepEqual([octal(100, 108), octal(108, 116), octal(116, 124), octal(136, 148)], [0o644, 0, 0, Date.UTC(2020, 0, 1) / 1000], 'mode, uid, gid, mtime');
    const size = parseInt(tar.toString('latin1', off + 124, off + 135), 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  assert.deepEqual(names, ['k.jpg', 'k.json', 'k.seg.png', 'k.txt']);
});

test('rollover by maxSamples and by maxBytes; a sample bigger than maxBytes gets its own shard', async () => {
  const bySamples = await writeAll(fresh(), 25, { maxSamples: 10 });
  assert.deepEqual(bySamples.shards.map((s) => s.samples), [10, 10, 5]);
  const dir = fresh();
  const byBytes = await writeAll(dir, 60, { maxBytes: 16 * 1024 });
  assert.ok(byBytes.shards.length > 3);
  for (const s of byBytes.shards) {
    assert.ok(s.bytes <= 16 * 1024, `${s.name} is ${s.bytes} bytes`);
    assert.equal(statSync(join(dir, s.name)).size, s.bytes);
  }
  assert.equal(byBytes.totals.samples, 60);
  assert.equal((await collect(byBytes.shards.map((s) => join(dir, s.name)))).length, 60);
  const big = new ShardWriter({ dir: fresh(), prefix: 'big', maxBytes: 4096 });
  await big.write('a', { bin: Buffer.alloc(100) });
  await big.write('b', { bin: Buffer.alloc(10000) });
  await big.write('c', { bin: Buffer.alloc(100) });
  assert.deepEqual((await big.close()).shards.map((s) => s.samples), [1, 1, 1]);
});

test('writer errors name the key: duplicates, dots, traversal, absolute keys, bad fields', async () => {
  const w = new ShardWriter({ dir: fresh(), prefix: 'e', startIndex: 7 });
  await w.write('ok/1', { txt: 'x' });
  await assert.rejects(w.write('ok/1', { txt: 'y' }), /duplicate key 'ok\/1'/);
  await assert.rejects(w.write('a.b', { txt: 'y' }), /invalid key 'a\.b'.*'\.'/);
  await assert.rejects(w.write('../up', { txt: 'y' }), /invalid key '\.\.\/up'.*'\.\.'/);
  await assert.rejects(w.write('/abs', { txt: 'y' }), /invalid key '\/abs'.*absolute/);
  await assert.rejects(w.write('k2', { TXT: 'y' }), /key 'k2': invalid field name 'TXT'/);
  await assert.rejects(w.write('k3', {}), /key 'k3' has no fields/);
  const m = await w.close();
  assert.deepEqual(m.shards.map((s) => [s.name, s.samples]), [['e-000007.tar', 1]]);
  await assert.rejects(w.write('late', { txt: 'x' }), /after close/);
});

test('brace expansion keeps zero padding; lists, comma lists and nesting', () => {
  const r = expandShardSpec('data/web-{000000..000127}.tar');
  assert.equal(r.length, 128);
  assert.equal(r[0], 'data/web-000000.tar');
  assert.equal(r[127], 'data/web-000127.tar');
  assert.deepEqual(expandShardSpec('a-{8..11}.tar'), ['a-8.tar', 'a-9.tar', 'a-10.tar', 'a-11.tar']);
  assert.deepEqual(expandShardSpec('{train,val}-{0..1}.tar'), ['train-0.tar', 'train-1.tar', 'val-0.tar', 'val-1.tar']);
  assert.deepEqual(expandShardSpec('x.tar, y-{01..02}.tar::z.tar'), ['x.tar', 'y-01.tar', 'y-02.tar', 'z.tar']);
  assert.deepEqual(expandShardSpec(['p-{a,b{1,2}}.tar', 'q.tar']), ['p-a.tar', 'p-b1.tar', 'p-b2.tar', 'q.tar']);
  assert.throws(() => expandShardSpec('a-{0..3.tar'), /shard spec 'a-\{0\.\.3\.tar': unmatched '\{'/);
  assert.throws(() => expandShardSpec('a-{x}.tar'), /neither a range/);
});

test('rank split: every shard read by exactly one rank, none lost', async () => {
  const list = expandShardSpec('s-{000..102}.tar');
  for (const ws of [1, 2, 3, 8, 200]) {
    const parts = Array.from({ length: ws }, (_, r) => shardsForRank(list, r, ws));
    assert.deepEqual(parts.flat().sort(), [...list].sort(), `worldSize ${ws}`);
    assert.ok(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length)) <= 1);
  }
  assert.throws(() => shardsForRank(list, 2, 2), /rank 2 is outside/);
  const dir = fresh();
  const m = await writeAll(dir, 50, { maxSamples: 10 });
  const spec = `${dir}/data-{000000..00000${m.shards.length - 1}}.tar`;
  const keys = (await Promise.all([0, 1, 2].map((rank) => collect(spec, { rank, worldSize: 3 })))).map((ss) => ss.map((s) => s.key));
  assert.deepEqual(keys.flat().sort(), Array.from({ length: 50 }, (_, i) => key(i)).sort());
});

test('manifest: readManifest, verifyShards finds a changed byte and a missing shard', async () => {
  const dir = fresh();
  await writeAll(dir, 30, { maxSamples: 10 });
  const m = readManifest(dir, 'data')!;
  assert.equal(m.complete, true);
  assert.deepEqual(m.totals, { shards: 3, samples: 30, bytes: m.shards.reduce((a, s) => a + s.bytes, 0) });
  assert.deepEqual(await verifyShards(dir, 'data'), { ok: true, checked: 3, problems: [] });
  const p = join(dir, 'data-000001.tar');
  const buf = readFileSync(p);
  buf[600] ^= 1;
  writeFileSync(p, buf);
  const r = await verifyShards(dir, 'data');
  assert.equal(r.ok, false);
  assert.match(r.problems.join('\n'), /data-000001\.tar: sha256 .* differs/);
  rmSync(join(dir, 'data-000002.tar'));
  assert.match((await verifyShards(dir, 'data')).problems.join('\n'), /data-000002\.tar: missing/);
  writeFileSync(join(dir, 'data-manifest.json'), '{"format": 1');
  assert.throws(() => readManifest(dir, 'data'), /data-manifest\.json: not valid JSON/);
  assert.equal(readManifest(dir, 'nothing'), undefined);
});

test('stats start empty and count nothing on clean shards', async () => {
  const dir = fresh();
  await writeAll(dir, 5);
  const stats = new SkipStats();
  assert.equal((await collect(join(dir, 'data-000000.tar'), { stats, required: ['jpg|png', 'txt'] })).length, 5);
  assert.equal(stats.summary(), '0 skipped');
});

test('size accounting: exact for ustar names, an upper bound for long and non-ASCII names', async () => {
  const dir = fresh();
  const names = ['k', `${'d'.repeat(150)}/k`, `d/${'e'.repeat(120)}`, 'ключ/ü', 'x'.repeat(130)];
  for (const [i, key] of names.entries()) {
    const w = new ShardWriter({ dir, prefix: `s${i}` });
    await w.write(key, { txt: 'x'.repeat(700), 'seg.png': Buffer.alloc(3) });
    const bytes = (await w.close()).totals.bytes;
    const est = memberBytes(`${key}.seg.png`, 3) + memberBytes(`${key}.txt`, 700) + 1024;
    if (i < 2) assert.equal(bytes, est, key);
    else assert.ok(bytes <= est && bytes > est - 1536, `${key}: ${bytes} vs estimate ${est}`);
    const back = await collect(join(dir, `s${i}-000000.tar`));
    assert.deepEqual(back.map((s) => s.key), [key]);
  }
});

test('writes need not be awaited one by one; an early break stops reading cleanly', async () => {
  const dir = fresh();
  const w = new ShardWriter({ dir, prefix: 'data', maxSamples: 50 });
  await Promise.all(Array.from({ length: 120 }, (_, i) => w.write(key(i), sample(i))));
  await w.close();
  const ref = fresh();
  await writeAll(ref, 120, { maxSamples: 50 });
  for (const f of readdirSync(ref)) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(ref, f))), f);
  const seen: string[] = [];
  for await (const s of readShards(join(dir, 'data-{000000..000002}.tar'))) {
    seen.push(s.key);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, [key(0), key(1), key(2)]);
});

test('a shard that cannot be written rejects close() naming the shard', async () => {
  const parent = fresh();
  const dir = join(parent, 'gone');
  const w = new ShardWriter({ dir, prefix: 'f', maxSamples: 2 });
  rmSync(dir, { recursive: true });
  await w.write('a', { txt: 'x' }).catch(() => undefined);
  await assert.rejects(w.close(), (e: Error) => e.message.includes(join(dir, 'f-000000.tar')) && /ENOENT/.test(e.message));
});
