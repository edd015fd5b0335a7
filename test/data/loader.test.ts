// The Loader: deterministic batches whatever the worker count, exact resume, rank splits,
// corrupt samples skipped and counted, token ids, and no tensor leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTensors } from '../../src/engine/index.js';
import { tokenize } from '../../src/tokenizer/index.js';
import { type Batch, Loader, type LoaderOptions, type RawSample, type SkipInfo, encodeJpeg, memorySource } from '../../src/data/loader/index.js';

/** n JPEG samples of varied sizes with captions; `bad` indices get undecodable images. */
function samples(n: number, bad: number[] = []): RawSample[] {
  return Array.from({ length: n }, (_, i) => {
    const w = 40 + (i % 5) * 9, h = 36 + (i % 3) * 11;
    const px = new Uint8Array(w * h * 3).map((_, j) => (j * 7 + i * 31 + ((j / w) | 0) * 3) & 255);
    const jpg = encodeJpeg(px, w, h, 3, 85);
    const image = !bad.includes(i) ? jpg : i % 2 ? Buffer.from('not a jpeg at all') : jpg.subarray(0, jpg.length >> 1);
    return { key: `k${String(i).padStart(3, '0')}`, shard: `shard-${i >> 4}.tar`, fields: new Map([['jpg', image], ['txt', Buffer.from(`photo number ${i}`)]]) };
  });
}

interface Seen { keys: string[]; pixels: Buffer }

/** Runs `passes` for-await passes (or stops after `limit` batches), disposing every batch. */
async function collect(loader: Loader, passes = 1, limit = Infinity): Promise<Seen[]> {
  const out: Seen[] = [];
  for (let p = 0; p < passes && out.length < limit; p++) {
    for await (const b of loader) {
      out.push(seen(b));
      b.dispose();
      if (out.length >= limit) break;
    }
  }
  return out;
}

function seen(b: Batch): Seen {
  const d = b.images.data() as Float32Array;
  return { keys: b.keys, pixels: Buffer.from(d.buffer, d.byteOffset, d.byteLength) };
}

function assertSameBatches(a: Seen[], b: Seen[], what: string): void {
  assert.deepEqual(a.map((x) => x.keys), b.map((x) => x.keys), `${what}: keys`);
  a.forEach((x, i) => assert.ok(x.pixels.equals(b[i]!.pixels), `${what}: pixels of batch ${i}`));
}

const base = (over: Partial<LoaderOptions> = {}): LoaderOptions =>
  ({ source: memorySource(samples(40)), batchSize: 6, imageSize: 32, shuffle: 8, seed: 3, workers: 0, onSkip: () => undefined, ...over });

async function run(o: LoaderOptions, passes = 1, limit = Infinity): Promise<{ batches: Seen[]; loader: Loader }> {
  const loader = new Loader(o);
  try {
    return { batches: await collect(loader, passes, limit), loader };
  } finally {
    await loader.close();
  }
}

test('the same seed gives the same batches, inline and with 2 worker threads', async () => {
  const inline = (await run(base(), 2)).batches;
  const threads = (await run(base({ workers: 2 }), 2)).batches;
  const again = (await run(base({ workers: 2, prefetch: 1 }), 2)).batches;
  assert.equal(inline.length, 2 * 7, '40 samples in batches of 6, two passes');
  assertSameBatches(inline, threads, 'inline vs 2 workers');
  assertSameBatches(threads, again, '2 workers twice');
  assert.notDeepEqual(inline[0]!.keys, inline[7]!.keys, 'each pass is shuffled differently');
  const other = (await run(base({ seed: 4 }))).batches;
  assert.notDeepEqual(other.map((b) => b.keys), inline.slice(0, 7).map((b) => b.keys), 'another seed, another order');
});

test('resuming from state() gives exactly the batches of an uninterrupted run', async () => {
  const o = base({ source: memorySource(samples(40, [5, 22])), workers: 2 });
  const whole = (await run(o, 2)).batches;
  const first = await run(o, 1, 3);
  const state = first.loader.state();
  assert.equal(state.epoch, 0);
  const rest = (await run({ ...o, resume: JSON.parse(JSON.stringify(state)) }, 2)).batches;
  assertSameBatches([...first.batches, ...rest], whole, 'epoch iteration');

  const endless = { ...o, iteration: 'resampled' as const };
  const long = (await run(endless, 1, 16)).batches;
  const head = await run(endless, 1, 9);
  const tail = (await run({ ...endless, resume: head.loader.state() }, 1, 7)).batches;
  assertSameBatches([...head.batches, ...tail], long, 'resampled iteration across a pass boundary');
  assert.throws(() => new Loader({ ...o, seed: 9, resume: state }), /resume state is for seed 3/);
});

test('ranks get disjoint samples that together cover the data', async () => {
  const all = new Set<string>();
  for (let rank = 0; rank < 3; rank++) {
    const { batches, loader } = await run(base({ rank, worldSize: 3 }));
    const keys = batches.flatMap((b) => b.keys);
    assert.equal(new Set(keys).size, keys.length, `rank ${rank} sees each sample once`);
    for (const k of keys) {
      assert.ok(!all.has(k), `${k} seen by two ranks`);
      all.add(k);
    }
    assert.equal(loader.stats.samples, keys.length);
  }
  assert.equal(all.size, 40);
});

test('corrupt samples are skipped, counted and reported with shard and key', async () => {
  const data = samples(30, [2, 3, 17]);
  data[9]!.fields.delete('jpg');
  const skips: SkipInfo[] = [];
  const { batches, loader } = await run(base({ source: memorySource(data), workers: 2, onSkip: (s) => skips.push(s), maxSkipRate: 1 }));
  const keys = batches.flatMap((b) => b.keys);
  assert.equal(keys.length, 26);
  assert.equal(loader.stats.skipped, 4);
  assert.deepEqual(skips.map((s) => s.key).sort(), ['k002', 'k003', 'k009', 'k017']);
  assert.ok(skips.every((s) => s.shard && s.error), 'each skip names its shard and why');
  assert.ok(skips.some((s) => /JPEG: truncated/.test(s.error)) && skips.some((s) => /unrecognised image format/.test(s.error)) && skips.some((s) => /no image field/.test(s.error)));
  assert.deepEqual(loader.skips.byReason, { 'bad-image': 3, 'missing-field': 1 }, 'skips are counted by reason');
});

test('a skip rate over maxSkipRate (default 5%) fails the pass, naming the counts and reasons', { timeout: 60_000 }, async () => {
  const data = samples(30, [2, 3, 17]);
  await assert.rejects(run(base({ source: memorySource(data), workers: 2 })), /Loader: 3 of 30 samples skipped \(10\.0%, over the limit of 5\.0%.*bad-image 3/s);
  const { batches, loader } = await run(base({ source: memorySource(data), workers: 2, maxSkipRate: 0.1 }));
  assert.equal(batches.flatMap((b) => b.keys).length, 27, 'at the limit the pass finishes');
  assert.equal(loader.stats.skipped, 3);
});

test('batches carry token ids and free every tensor when disposed', async () => {
  const before = liveTensors();
  const loader = new Loader(base({ workers: 2, tokenize: (t) => tokenize(t, 77), dense: ['seg', 'depth', 'normal'] }));
  let n = 0;
  for await (const b of loader) {
    assert.deepEqual(b.images.shape, [b.keys.length, 3, 32, 32]);
    assert.equal(b.images.dtype, 'float32');
    assert.deepEqual(b.tokens!.shape, [b.keys.length, 77]);
    assert.equal(b.tokens!.dtype, 'int64');
    assert.equal(b.captions[0], `photo number ${Number(b.keys[0]!.slice(1))}`);
    b.dispose();
    n++;
  }
  await loader.close();
  assert.equal(n, 7);
  assert.equal(liveTensors(), before, 'live tensors back to where they were');
});

test('idle worker threads do not keep the process alive; a pending ready() does', () => {
  const index = new URL('../../src/data/loader/index.js', import.meta.url).href;
  const script = `
    import { Loader, memorySource, encodeJpeg } from '${index}';
    const jpg = encodeJpeg(new Uint8Array(32 * 32 * 3), 32, 32, 3);
    const loader = new Loader({ source: memorySource(Array.from({ length: 20 }, (_, i) => ({ key: 'k' + i, fields: new Map([['jpg', jpg]]) }))), batchSize: 4, imageSize: 16 });
    await loader.ready();
    for await (const b of loader) { b.dispose(); break; }
    console.log('done without close()');`;
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-loader-exit-'));
  try {
    writeFileSync(join(dir, 'run.mjs'), script);
    const out = execFileSync(process.execPath, [join(dir, 'run.mjs')], { encoding: 'utf8', timeout: 20_000 });
    assert.match(out, /done without close\(\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
