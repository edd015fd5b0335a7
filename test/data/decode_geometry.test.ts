// Crop / resize / flip geometry on images whose pixels encode their own coordinates, nearest
// resampling of label maps (fill outside the image), JPEG DCT-scaled crops, and colour jitter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorJitter, decodeCropResize, encodeJpeg, encodePng } from '../../src/data/loader/index.js';

const W = 64, H = 48;

/** R = 4x, G = 5y, B = 7: every pixel says where it is. */
function coordImage(): Uint8Array {
  const px = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.set([4 * x, 5 * y, 7], (y * W + x) * 3);
  return px;
}

const png = encodePng(coordImage(), W, H, 3);
const at = (d: Uint8Array | Uint16Array, w: number, x: number, y: number, c = 0, ch = 3): number => d[(y * w + x) * ch + c]!;

test('a crop at scale 1 is exactly the source region; flipped, exactly its mirror', () => {
  const crop = { x: 8, y: 4, w: 32, h: 16 };
  for (const filter of ['bilinear', 'bicubic', 'nearest'] as const) {
    const plain = decodeCropResize(png, crop, 32, 16, false, { filter, mode: 'rgb' });
    const flipped = decodeCropResize(png, crop, 32, 16, true, { filter, mode: 'rgb' });
    assert.deepEqual([plain.width, plain.height, plain.channels], [32, 16, 3]);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 32; x++) {
        assert.equal(at(plain.data, 32, x, y, 0), 4 * (x + 8), `${filter} R at ${x},${y}`);
        assert.equal(at(plain.data, 32, x, y, 1), 5 * (y + 4), `${filter} G at ${x},${y}`);
        assert.equal(at(flipped.data, 32, x, y, 0), 4 * (31 - x + 8), `${filter} flipped R at ${x},${y}`);
        assert.equal(at(flipped.data, 32, x, y, 1), 5 * (y + 4), `${filter} flipped G at ${x},${y}`);
      }
    }
  }
});

test('downscaling by 2 averages neighbours (antialiased bilinear), linear ramps stay linear', () => {
  const out = decodeCropResize(png, { x: 0, y: 0, w: W, h: H }, W / 2, H / 2, false);
  for (let y = 2; y < H / 2 - 2; y++) {
    for (let x = 2; x < W / 2 - 2; x++) {
      assert.ok(Math.abs(at(out.data, W / 2, x, y, 0) - (8 * x + 2)) <= 1, `R at ${x},${y}: ${at(out.data, W / 2, x, y, 0)}`);
      assert.ok(Math.abs(at(out.data, W / 2, x, y, 1) - (10 * y + 2.5)) <= 1, `G at ${x},${y}`);
      assert.equal(at(out.data, W / 2, x, y, 2), 7);
    }
  }
});

test('upscaling interpolates between source pixels', () => {
  const out = decodeCropResize(png, { x: 10, y: 10, w: 8, h: 8 }, 32, 32, false);
  let prev = -1;
  for (let x = 0; x < 32; x++) {
    const r = at(out.data, 32, x, 16, 0);
    assert.ok(r >= prev && r >= 4 * 9 && r <= 4 * 18, `monotone ramp at ${x}: ${r}`);
    prev = r;
  }
});

test('nearest label resampling: exact values, fill outside the image, never mixed', () => {
  const seg = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) seg[y * W + x] = (x >> 3) + 10 * (y >> 3);
  const segPng = encodePng(seg, W, H, 1);
  const out = decodeCropResize(segPng, { x: -16, y: 0, w: 96, h: 48 }, 48, 24, false, { filter: 'nearest', fill: 255 });
  assert.equal(out.channels, 1);
  const valid = new Set(seg);
  for (let y = 0; y < 24; y++) {
    for (let x = 0; x < 48; x++) {
      const v = at(out.data, 48, x, y, 0, 1), sx = -16 + (x + 0.5) * 2;
      if (sx < 0 || sx >= W) assert.equal(v, 255, `outside at ${x}`);
      else assert.ok(valid.has(v) && v === seg[Math.floor((y + 0.5) * 2) * W + Math.floor(sx)], `inside at ${x},${y}`);
    }
  }
  const depth = new Uint16Array(W * H).map((_, i) => 1000 + i);
  const d = decodeCropResize(encodePng(depth, W, H, 1), { x: 60, y: 0, w: 8, h: 4 }, 8, 4, true, { filter: 'nearest' });
  assert.ok(d.data instanceof Uint16Array);
  assert.equal(d.data[0], 0, 'past the right edge, flipped to the left: fill 0');
  assert.equal(d.data[7], 1000 + 60, 'the first source column ends up last');
});

test('JPEG crops decode at a reduced DCT scale when the crop allows, close to full-size decoding', () => {
  const big = new Uint8Array(512 * 384 * 3);
  for (let i = 0; i < big.length; i++) big[i] = ((i / 3) % 512) / 2 + (i % 3) * 40;
  const jpg = encodeJpeg(big, 512, 384, 3, 95);
  const crop = { x: 0, y: 0, w: 512, h: 384 };
  const fast = decodeCropResize(jpg, crop, 100, 75, false);
  const full = decodeCropResize(jpg, crop, 100, 75, false, { dctScale: false });
  assert.equal(fast.scale, 0.25, '512 -> 100 only needs a quarter-size decode');
  assert.equal(full.scale, 1);
  let sum = 0;
  for (let i = 0; i < fast.data.length; i++) sum += Math.abs(fast.data[i]! - full.data[i]!);
  assert.ok(sum / fast.data.length < 3, `mean abs diff ${(sum / fast.data.length).toFixed(2)}`);
  assert.equal(decodeCropResize(jpg, { x: 100, y: 100, w: 200, h: 200 }, 224, 224, false).scale, 1, 'a crop smaller than the output decodes at full size');
});

test('colour jitter follows the blend formulas', () => {
  const px = Uint8Array.from([100, 50, 200, 10, 20, 30]);
  const b = px.slice();
  colorJitter(b, 2, 1, [0, 0.5]);
  assert.deepEqual(Array.from(b), [50, 25, 100, 5, 10, 15]);
  const s = px.slice();
  colorJitter(s, 2, 1, [2, 0]);
  assert.equal(s[0], s[1]);
  assert.equal(s[1], s[2]);
  assert.equal(s[0], Math.round(0.299 * 100 + 0.587 * 50 + 0.114 * 200));
  const c = px.slice();
  colorJitter(c, 2, 1, [1, 1]);
  assert.deepEqual(c, px, 'factor 1 is the identity');
  assert.throws(() => colorJitter(px, 3, 1, [0, 1]), /colorJitter: buffer must hold/);
});
