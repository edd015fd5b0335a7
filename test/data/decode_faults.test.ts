// A decoder that fails must be ready for the next image: good images, every kind of damaged one,
// then good ones again, all on one thread (the main thread, and a decode worker), and every good
// image decodes bit-identically each time. The pixel budget refuses an image from its header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeCropResize, decodeImage, encodeJpeg, encodePng, DEFAULT_MAX_PIXELS } from '../../src/data/loader/decode.js';
import { DecodePool } from '../../src/data/loader/pool.js';
import { DEFAULT_AUGMENT } from '../../src/data/loader/augment.js';
import type { SampleOk, SampleResult, TransformConfig } from '../../src/data/loader/transform.js';
import { DAMAGES, damage, type ImageFormat } from '../helpers/bad_images.js';

const W = 40, H = 30;
const px = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37 + (i >> 7) * 11) & 255);

async function goodImages(): Promise<Record<ImageFormat, Buffer>> {
  const webp = await sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 3 } }).webp({ quality: 80 }).toBuffer();
  return { jpg: encodeJpeg(px, W, H, 3), png: encodePng(px, W, H, 3), webp };
}

/** Every damaged image: each kind for each format, and the four JPEG header damages. */
function badImages(good: Record<ImageFormat, Buffer>): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const f of ['jpg', 'png', 'webp'] as const) {
    for (const d of DAMAGES) {
      const variants = f === 'jpg' && d === 'bad-header' ? 4 : 1;
      for (let v = 0; v < variants; v++) out.push({ name: `${f} ${d}${variants > 1 ? ` ${v}` : ''}`, bytes: damage(f, good[f], d, v) });
    }
  }
  out.push({ name: 'garbage', bytes: Buffer.from('not an image at all') });
  return out;
}

function outcome(bytes: Buffer): string {
  try {
    const d = decodeImage(bytes, { mode: 'rgb' });
    return `ok ${d.width}x${d.height} ${Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength).toString('base64')}`;
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
}

test('every good image decodes bit-identically after every kind of bad one, on one thread', { timeout: 60_000 }, async () => {
  const good = await goodImages();
  const reference = Object.fromEntries(Object.entries(good).map(([f, b]) => [f, outcome(b)]));
  for (const r of Object.values(reference)) assert.match(r, /^ok 40x30/);
  const bad = badImages(good);
  const alone = bad.map((b) => outcome(b.bytes));  // each bad image's own outcome
  for (let round = 0; round < 2; round++) {
    for (const [i, b] of bad.entries()) {
      assert.equal(outcome(b.bytes), alone[i], `${b.name}: same outcome in a sequence as alone`);
      for (const f of ['jpg', 'png', 'webp'] as const) assert.equal(outcome(good[f]), reference[f], `${f} after ${b.name}`);
    }
  }
  const failing = bad.filter((_, i) => alone[i]!.startsWith('error'));
  for (const name of ['jpg bad-header 0', 'jpg bad-header 1', 'jpg bad-header 2', 'jpg bad-header 3', 'png bad-header', 'webp bad-header',
    'jpg truncated', 'png truncated', 'webp truncated', 'jpg empty', 'png empty', 'webp empty', 'jpg oversized', 'png oversized', 'webp oversized', 'png flipped', 'garbage']) {
    assert.ok(failing.some((b) => b.name === name), `${name} is refused`);
  }
});

test('the pixel budget refuses from the header, before allocating; maxPixels changes it', { timeout: 30_000 }, async () => {
  const good = await goodImages();
  for (const f of ['jpg', 'png', 'webp'] as const) {
    const big = damage(f, good[f], 'oversized');
    const rss = process.memoryUsage().rss;
    assert.throws(() => decodeImage(big), /image too large: \d+ x \d+ = \d+ pixels, over the limit of 89478485 \(maxPixels\)/, f);
    assert.throws(() => decodeCropResize(big, { x: 0, y: 0, w: 100, h: 100 }, 16, 16, false), /image too large/, `${f} crop path`);
    assert.ok(process.memoryUsage().rss - rss < 64 << 20, `${f}: no large allocation`);
    assert.throws(() => decodeImage(good[f], { maxPixels: W * H - 1 }), /image too large: 40 x 30 = 1200 pixels, over the limit of 1199/);
    assert.equal(decodeImage(good[f], { maxPixels: W * H }).width, W);
  }
  assert.equal(DEFAULT_MAX_PIXELS, 89_478_485);
  assert.throws(() => decodeImage(good.jpg, { maxPixels: 0 }), /maxPixels must be a positive integer/);
});

test('a decode worker keeps decoding after damaged images, with a reason for each skip', { timeout: 60_000 }, async () => {
  const good = await goodImages();
  const cfg: TransformConfig = { imageSize: 16, train: false, augment: DEFAULT_AUGMENT, captions: { mode: 'txt' }, dense: [], seed: 0 };
  const bad = badImages(good);
  const fields = (jpg: Buffer): Record<string, Uint8Array> => ({ jpg: new Uint8Array(jpg), txt: new TextEncoder().encode('x') });
  const pool = new DecodePool(1, cfg);
  try {
    const first = (await pool.run([{ epoch: 0, index: 0, key: 'g', fields: fields(good.jpg) }]))[0] as SampleOk;
    const tasks = bad.flatMap((b, i) => [{ epoch: 0, index: 0, key: `b${i}`, fields: fields(b.bytes) }, { epoch: 0, index: 0, key: `g${i}`, fields: fields(good.jpg) }]);
    const results: SampleResult[] = await pool.run(tasks);
    for (const [i, r] of results.entries()) {
      if (i % 2 === 1) assert.deepEqual((r as SampleOk).image, first.image, `good JPEG after ${bad[i >> 1]!.name}`);
      else if (!r.ok) assert.ok(['bad-image', 'image-too-large'].includes(r.reason), `${bad[i >> 1]!.name}: reason ${r.reason}`);
    }
    const tooLarge = results.filter((r, i) => i % 2 === 0 && !r.ok && r.reason === 'image-too-large').length;
    assert.equal(tooLarge, 3, 'the three oversized images are image-too-large');
  } finally {
    await pool.close();
  }
});
