// Native decoding against sharp (libvips) on the same files, 16-bit PNG round trips, DCT-domain
// scaling, and clear errors (never a crash) on truncated or garbage input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, encodeJpeg, encodePng, imageInfo } from '../../src/data/loader/index.js';

/** A smooth RGB test image with some edges (JPEG-friendly, so codecs agree closely). */
function scene(w: number, h: number, channels = 3): Uint8Array {
  const px = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * channels;
      const inBox = x > w / 3 && x < w / 2 && y > h / 4 && y < h / 2;
      px[i] = inBox ? 230 : (x * 255) / w;
      if (channels > 1) px[i + 1] = (y * 255) / h;
      if (channels > 2) px[i + 2] = 128 + 100 * Math.sin(x / 9) * Math.cos(y / 13);
      if (channels > 3) px[i + 3] = (x + y) & 255;
    }
  }
  return px;
}

async function sharpRaw(buf: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of samples');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('JPEG decodes like sharp (libjpeg family, same IDCT and upsampling)', async () => {
  const jpg = await sharp(Buffer.from(scene(96, 64)), { raw: { width: 96, height: 64, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  const ours = decodeImage(jpg), ref = await sharpRaw(jpg);
  assert.deepEqual([ours.width, ours.height, ours.channels, ours.bits, ours.scale], [96, 64, 3, 8, 1]);
  assert.ok(maxAbsDiff(ours.data, ref.data) <= 2, `max abs diff ${maxAbsDiff(ours.data, ref.data)}`);
  assert.deepEqual(imageInfo(jpg), { format: 'jpeg', width: 96, height: 64, channels: 3, bits: 8 });
});

test('gray JPEG: 1 channel natively, replicated to RGB in rgb mode', () => {
  const gray = scene(40, 30, 1);
  const jpg = encodeJpeg(gray, 40, 30, 1, 95);
  const native = decodeImage(jpg), rgb = decodeImage(jpg, { mode: 'rgb' });
  assert.equal(native.channels, 1);
  assert.equal(rgb.channels, 3);
  for (let i = 0; i < native.data.length; i++) assert.ok(rgb.data[i * 3] === native.data[i] && rgb.data[i * 3 + 2] === native.data[i]);
  assert.ok(maxAbsDiff(native.data, gray) <= 6, 'close to the source pixels');
});

test('PNG (gray, RGB, RGBA) decodes exactly like sharp', async () => {
  for (const channels of [1, 3, 4] as const) {
    const px = scene(33, 21, channels);
    const img = sharp(Buffer.from(px), { raw: { width: 33, height: 21, channels } });
    const png = await (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
    const ours = decodeImage(png);
    assert.equal(ours.channels, channels, `channels for ${channels}`);
    assert.deepEqual(Array.from(ours.data), Array.from(px), `pixels for ${channels} channels`);
    assert.equal(decodeImage(png, { mode: 'rgb' }).channels, 3);
  }
});

test('WebP decodes like sharp: lossless exactly, lossy closely', async () => {
  const px = scene(48, 32);
  const raw = { raw: { width: 48, height: 32, channels: 3 as const } };
  const lossless = await sharp(Buffer.from(px), raw).webp({ lossless: true }).toBuffer();
  assert.deepEqual(Array.from(decodeImage(lossless).data), Array.from(px));
  const lossy = await sharp(Buffer.from(px), raw).webp({ quality: 90 }).toBuffer();
  const ref = await sharpRaw(lossy);
  assert.ok(maxAbsDiff(decodeImage(lossy).data, ref.data) <= 3, 'lossy WebP within 3 of libvips');
});

test('16-bit gray PNG (depth maps) round-trips, and agrees with sharp both ways', async () => {
  const depth = new Uint16Array(37 * 23);
  for (let i = 0; i < depth.length; i++) depth[i] = (i * 977) % 65536;
  const png = encodePng(depth, 37, 23, 1);
  const back = decodeImage(png);
  assert.equal(back.bits, 16);
  assert.ok(back.data instanceof Uint16Array);
  assert.deepEqual(Array.from(back.data), Array.from(depth));
  const { data } = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  assert.deepEqual(Array.from(new Uint16Array(data.buffer, data.byteOffset, data.length / 2)), Array.from(depth), 'sharp reads our PNG');
  const theirs = await sharp(depth, { raw: { width: 37, height: 23, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  assert.deepEqual(Array.from(decodeImage(theirs).data), Array.from(depth), 'we read sharp\'s PNG');
});

test('JPEG DCT scaling picks the smallest power-of-two scale that keeps the requested size', () => {
  const px = scene(256, 192);
  const jpg = encodeJpeg(px, 256, 192, 3, 95);
  const full = decodeImage(jpg);
  const cases: [number, number, number][] = [[64, 0, 0.25], [65, 0, 0.5], [32, 0, 0.125], [200, 0, 1], [0, 96, 0.5]];
  for (const [minWidth, minHeight, scale] of cases) {
    const d = decodeImage(jpg, { minWidth, minHeight });
    assert.equal(d.scale, scale, `minWidth ${minWidth} minHeight ${minHeight}`);
    assert.equal(d.width, Math.ceil(256 * scale));
  }
  // A 1/4 scale decode is close to 4x4 block means of the full decode.
  const q = decodeImage(jpg, { minWidth: 64 });
  let sum = 0, worst = 0;
  for (let y = 0; y < 48; y++) {
    for (let x = 0; x < 64; x++) {
      for (let c = 0; c < 3; c++) {
        let m = 0;
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) m += full.data[((y * 4 + dy) * 256 + x * 4 + dx) * 3 + c]!;
        const d = Math.abs(m / 16 - q.data[(y * 64 + x) * 3 + c]!);
        sum += d;
        worst = Math.max(worst, d);
      }
    }
  }
  assert.ok(sum / (64 * 48 * 3) < 2.5 && worst < 40, `mean abs diff ${(sum / (64 * 48 * 3)).toFixed(2)}, max ${worst.toFixed(1)}`);
});

test('truncated, garbage and empty input throw clear errors, never crash', async () => {
  const noisy = scene(160, 120).map((v, i) => v ^ ((i * 2654435761) >>> 27));  // enough entropy that half the file is past the header
  const jpg = encodeJpeg(noisy, 160, 120, 3, 90);
  const png = encodePng(scene(64, 48), 64, 48, 3);
  const webp = await sharp(Buffer.from(scene(64, 48)), { raw: { width: 64, height: 48, channels: 3 } }).webp().toBuffer();
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /empty buffer/],
    ['garbage', Buffer.from('definitely not an image, just text'), /unrecognised image format/],
    ['truncated JPEG', jpg.subarray(0, jpg.length >> 1), /JPEG: truncated/],
    ['JPEG header only', jpg.subarray(0, 20), /JPEG/],
    ['truncated PNG', png.subarray(0, png.length >> 1), /PNG/],
    ['PNG signature only', png.subarray(0, 8), /PNG/],
    ['truncated WebP', webp.subarray(0, webp.length >> 1), /WebP/],
    ['random bytes after a JPEG marker', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(500, 7)]), /JPEG/],
  ];
  for (const [what, buf, pattern] of cases) {
    assert.throws(() => decodeImage(buf), (e: Error) => e instanceof Error && /^decodeImage: /.test(e.message) && pattern.test(e.message), what);
  }
  assert.throws(() => imageInfo(Buffer.from('GIF89a........')), /imageInfo: unrecognised image format/);
});
