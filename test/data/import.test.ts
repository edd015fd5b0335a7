// `zooclip import`: sidecar captions and caption tables into shards, skips named and counted,
// and resuming after an interrupted run without losing or duplicating a sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { damage } from '../helpers/bad_images.js';
import { readShards, readManifest, verifyShards, type RawSample, type SkipInfo } from '../../src/data/shards/index.js';
import { runImport, type ImportOptions } from '../../src/stages/import/run.js';
import { parseDelimited } from '../../src/stages/import/csv.js';
import { encodeJpeg } from '../../src/data/loader/decode.js';
import sharp from 'sharp';

const root = mkdtempSync(join(tmpdir(), 'zc-import-'));
// Real images (import decodes each one to check it, then copies its bytes): a 1x1 PNG, and small
// JPEGs and WebPs that differ per index.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const jpeg = (i: number): Buffer => encodeJpeg(new Uint8Array(8 * 8 * 3).fill(i * 8), 8, 8, 3);
const WEBPS = await Promise.all(Array.from({ length: 30 }, (_, i) => sharp(Buffer.alloc(8 * 8 * 3, i * 8), { raw: { width: 8, height: 8, channels: 3 } }).webp().toBuffer()));
const webp = (i: number): Buffer => WEBPS[i]!;

/** 30 images in folders: jpg/jpeg/png/webp, sidecar captions; one without caption, one not an image. */
function makeFolder(): string {
  const dir = join(root, `in-${Math.random().toString(36).slice(2)}`);
  for (let i = 0; i < 30; i++) {
    const sub = join(dir, `g${i % 3}`);
    mkdirSync(sub, { recursive: true });
    const [ext, bytes] = [['jpg', jpeg(i)], ['jpeg', jpeg(i)], ['png', PNG], ['webp', webp(i)]][i % 4] as [string, Buffer];
    const name = `img${String(i).padStart(3, '0')}`;
    writeFileSync(join(sub, `${name}.${ext}`), i === 7 ? Buffer.from('not an image') : bytes);
    if (i !== 11) writeFileSync(join(sub, `${name}.txt`), `a photo, number ${i}\n`);
  }
  writeFileSync(join(dir, 'notes.md'), 'ignored');
  return dir;
}

async function readAll(out: string): Promise<RawSample[]> {
  const m = readManifest(out, 'data')!;
  const got: RawSample[] = [];
  for await (const s of readShards(m.shards.map((e) => join(out, e.name)), { required: ['jpg|png|webp', 'txt', 'json'] })) got.push(s);
  return got;
}

// The folders have 2 bad files in 30 (and one table 1 missing file in 4): over the default 5% skip limit, which a test below checks.
const quiet = (o: ImportOptions): Promise<Awaited<ReturnType<typeof runImport>>> => runImport({ onSkip: () => undefined, maxSkipRate: 0.5, ...o });

test('sidecar captions: images copied byte for byte, jpeg -> jpg, bad files skipped, counted and named', async () => {
  const input = makeFolder();
  const out = join(root, 'out-sidecar');
  const skips: SkipInfo[] = [];
  const r = await runImport({ in: input, out, shardSize: 10, onSkip: (s) => skips.push(s), maxSkipRate: 0.1 });
  assert.equal(r.items, 30);
  assert.equal(r.written, 28);
  assert.deepEqual(r.skipped.byReason, { 'bad-image': 1, 'missing-caption': 1 });
  assert.ok(skips.some((s) => s.reason === 'bad-image' && s.shard.endsWith('img007.webp')), 'names the file');
  assert.ok(skips.some((s) => s.reason === 'missing-caption' && s.shard.endsWith('img011.txt')));
  assert.deepEqual(r.manifest.shards.map((s) => s.samples), [10, 10, 8]);
  const samples = await readAll(out);
  assert.equal(samples.length, 28);
  for (const s of samples) {
    const meta = JSON.parse(s.fields.get('json')!.toString()) as { key: string; path: string; caption: string };
    assert.equal(meta.key, s.key);
    const src = readFileSync(join(input, meta.path));
    const field = [...s.fields.keys()].find((f) => ['jpg', 'png', 'webp'].includes(f))!;
    assert.ok(s.fields.get(field)!.equals(src), meta.path);
    assert.equal(field, meta.path.split('.').pop()!.replace('jpeg', 'jpg'));
    assert.equal(s.fields.get('txt')!.toString(), readFileSync(join(input, meta.path.replace(/\.\w+$/, '.txt')), 'utf8').trim());
  }
  assert.deepEqual(await verifyShards(out, 'data'), { ok: true, checked: 3, problems: [] });
});

test('caption tables: CSV (quotes, commas, newlines), TSV and JSONL give the same samples', async () => {
  const input = makeFolder();
  const rows = [['g0/img000.jpg', 'a cat, "asleep"'], ['g1/img001.jpeg', 'two\nlines'], ['g2/img002.png', 'plain'], ['g0/missing.jpg', 'gone']];
  const csv = 'path,caption\r\n' + rows.map(([p, c]) => `${p},"${c.replace(/"/g, '""')}"`).join('\r\n') + '\r\n';
  writeFileSync(join(root, 'caps.csv'), csv);
  writeFileSync(join(root, 'caps.tsv'), 'image\ttext\n' + rows.map(([p, c]) => `${p}\t"${c.replace(/"/g, '""')}"`).join('\n'));
  writeFileSync(join(root, 'caps.jsonl'), rows.map(([p, c]) => JSON.stringify({ file: p, caption: c })).join('\n') + '\n');
  const results: string[][] = [];
  for (const ext of ['csv', 'tsv', 'jsonl']) {
    const out = join(root, `out-${ext}`);
    const r = await quiet({ in: input, out, captions: join(root, `caps.${ext}`), shardSize: 2 });
    assert.deepEqual(r.skipped.byReason, { 'missing-file': 1 }, ext);
    assert.match(r.skipped.examples[0].message, /missing\.jpg/);
    const samples = await readAll(out);
    results.push(samples.map((s) => `${s.key}|${s.fields.get('txt')}|${[...s.fields.keys()].join(',')}`));
  }
  assert.deepEqual(results[0], ['000000000|a cat, "asleep"|jpg,json,txt', '000000001|two\nlines|jpg,json,txt', '000000002|plain|json,png,txt']);
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  assert.deepEqual(parseDelimited('a,b\n"x\ny",""""\n\n', ','), [['a', 'b'], ['x\ny', '"']]);
  writeFileSync(join(root, 'bad.csv'), 'name,words\nx,y\n');
  await assert.rejects(quiet({ in: input, out: join(root, 'o-bad'), captions: join(root, 'bad.csv') }), /bad\.csv: no path column .*the header has name, words/);
});

/** Same files, byte for byte; the import record is compared without its last run's counts (a resumed run counts only its own part). */
function sameFiles(a: string, b: string): void {
  const fa = readdirSync(a).sort();
  assert.deepEqual(fa, readdirSync(b).sort());
  const identity = (p: string): string => { const o = JSON.parse(readFileSync(p, 'utf8')) as { lastRun?: unknown }; delete o.lastRun; return JSON.stringify(o); };
  for (const f of fa) {
    if (f.endsWith('-import.json')) assert.equal(identity(join(a, f)), identity(join(b, f)), f);
    else assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
  }
}

test('resume: an interrupted run, a partial temp file, a lost last shard all finish like one clean run', async () => {
  const input = makeFolder();
  const clean = join(root, 'resume-clean');
  await quiet({ in: input, out: clean, shardSize: 4 });
  const out = join(root, 'resume');
  const stop = new AbortController();
  await assert.rejects(quiet({ in: input, out, shardSize: 4, signal: stop.signal, onProgress: (n) => { if (n === 14) stop.abort(); } }), /interrupted/);
  assert.equal(readManifest(out, 'data')!.complete, false);
  assert.deepEqual(readManifest(out, 'data')!.shards.length, 3);
  writeFileSync(join(out, '.data-000003.tar.4242.deadbeef.tmp'), 'half a shard');
  const r = await quiet({ in: input, out, shardSize: 4 });
  assert.equal(r.keptShards, 3);
  assert.deepEqual(r.removed, ['.data-000003.tar.4242.deadbeef.tmp']);
  assert.equal(r.written, 28 - 12);
  sameFiles(out, clean);

  const m = readManifest(out, 'data')!;
  rmSync(join(out, m.shards[m.shards.length - 1].name));
  writeFileSync(join(out, 'data-manifest.json'), JSON.stringify({ ...m, complete: false, shards: m.shards.slice(0, -1) }));
  assert.equal((await quiet({ in: input, out, shardSize: 4 })).written, 4);
  sameFiles(out, clean);

  assert.equal((await quiet({ in: input, out, shardSize: 4 })).written, 0, 'a finished import has nothing to do');
  const keys = (await readAll(out)).map((s) => s.key);
  assert.equal(new Set(keys).size, 28);
  assert.equal(keys.length, 28);
  sameFiles(out, clean);
  await assert.rejects(quiet({ in: input, out, shardSize: 5 }), /different input or shard size/);
});

test('the CLI: zooclip import --in --out --prefix --shard-size', () => {
  const input = makeFolder();
  const out = join(root, 'cli');
  const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'import', '--in', input, '--out', out, '--prefix', 'web', '--shard-size', '16', '--max-skip-rate', '0.1'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /imported 28 of 30 images/);
  assert.match(run.stderr, /img007\.webp.*bad-image/);
  assert.deepEqual(readdirSync(out).sort(), ['web-000000.tar', 'web-000001.tar', 'web-import.json', 'web-manifest.json']);
  const again = spawnSync(process.execPath, ['dist/src/cli/main.js', 'import', '--in', input, '--out', out, '--prefix', 'web', '--shard-size', '16'], { encoding: 'utf8' });
  assert.match(again.stdout, /imported 0 of 30 images/);
  const record = JSON.parse(readFileSync(join(out, 'web-import.json'), 'utf8')) as { lastRun: { read: number; written: number; skipped: { byReason: object } } };
  assert.deepEqual(record.lastRun.read, 0, 'the record holds the last run\'s counts');
});

test('import decodes every image: corrupt, truncated, empty and oversized files are refused with their reason; too many fail the run', { timeout: 60_000 }, async () => {
  const input = join(root, 'damaged');
  mkdirSync(input, { recursive: true });
  const good = encodeJpeg(Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => i & 255), 16, 16, 3);
  const bad: Record<string, Buffer> = {
    'header.jpg': damage('jpg', good, 'bad-header', 1), 'cut.jpg': damage('jpg', good, 'truncated'), 'empty.jpg': damage('jpg', good, 'empty'),
    'big.jpg': damage('jpg', good, 'oversized'), 'big.png': damage('png', PNG, 'oversized'),
  };
  for (let i = 0; i < 95; i++) { writeFileSync(join(input, `ok${String(i).padStart(3, '0')}.jpg`), good); writeFileSync(join(input, `ok${String(i).padStart(3, '0')}.txt`), 'fine'); }
  for (const [name, bytes] of Object.entries(bad)) { writeFileSync(join(input, name), bytes); writeFileSync(join(input, name.replace(/\.\w+$/, '.txt')), 'bad'); }
  const skips: SkipInfo[] = [];
  const r = await runImport({ in: input, out: join(root, 'damaged-out'), shardSize: 50, onSkip: (s) => skips.push(s), maxSkipRate: 0.05 });
  assert.equal(r.written, 95, 'every good image is kept');
  assert.deepEqual(r.skipped.byReason, { 'bad-image': 3, 'image-too-large': 2 });
  assert.ok(skips.some((s) => /header\.jpg.*does not decode: .*JPEG/.test(s.message)), 'the message names the file and the decoder\'s reason');
  await assert.rejects(runImport({ in: input, out: join(root, 'damaged-strict'), shardSize: 50, onSkip: () => undefined, maxSkipRate: 0.04 }),
    /import .*damaged: 5 of 100 samples skipped \(5\.0%, over the limit of 4\.0%/);
  assert.equal(readManifest(join(root, 'damaged-strict'), 'data')?.complete ?? false, false, 'a failed import does not mark its shards complete');
});
