// Dense labels follow the image's geometry (seg nearest, depth scaled, normals' x negated on a
// flip), captions are chosen per mode, and augmentation parameters match torchvision's sampling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Loader, type RawSample, Rng, centerCropBox, encodeJpeg, encodePng, memorySource, randomResizedCrop } from '../../src/data/loader/index.js';
import { type CaptionConfig, selectCaption } from '../../src/data/loader/captions.js';

const S = 16;

/** A labelled square sample: seg = column index, depth = 1000 + 10 * column (mm), normals point right (+x) on the left half. */
function labelled(key: string, w = S, h = S): RawSample {
  const seg = new Uint8Array(w * h), depth = new Uint16Array(w * h), normal = new Uint8Array(w * h * 3).fill(128);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      seg[y * w + x] = x;
      depth[y * w + x] = x === 0 ? 0 : 1000 + 10 * x;
      if (x < w / 2) normal.set([204, 128, 230], (y * w + x) * 3);  // n = (0.6, 0, 0.8)
    }
  }
  const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 5) & 255);
  return {
    key, fields: new Map([['jpg', encodeJpeg(rgb, w, h, 3, 90)], ['seg.png', encodePng(seg, w, h, 1)], ['depth.png', encodePng(depth, w, h, 1)],
      ['normal.png', encodePng(normal, w, h, 3)], ['json', Buffer.from('{"depth_scale": 0.001}')], ['txt', Buffer.from('a labelled scene')]]),
  };
}

async function firstBatch(l: Loader): Promise<Record<string, number[]>> {
  for await (const b of l) {
    const out = { seg: b.seg!.toArray(), depth: b.depth!.toArray(), depthMask: b.depthMask!.toArray(), normal: b.normal!.toArray(), normalMask: b.normalMask!.toArray() };
    assert.deepEqual(b.seg!.shape, [1, S, S]);
    assert.equal(b.seg!.dtype, 'int64');
    assert.deepEqual(b.normal!.shape, [1, 3, S, S]);
    b.dispose();
    await l.close();
    return out;
  }
  throw new Error('no batch');
}

test('a flip mirrors seg and depth and negates the normals\' x component', async () => {
  const l = new Loader({ source: memorySource([labelled('a')]), batchSize: 1, imageSize: S, workers: 0, dense: ['seg', 'depth', 'normal'],
    augment: { scale: [1, 1], ratio: [1, 1], hflip: 1 } });
  const b = await firstBatch(l);
  for (let x = 0; x < S; x++) {
    const src = S - 1 - x;  // the flip brings source column `src` here
    assert.equal(b.seg[x], src, `seg at ${x}`);
    assert.ok(Math.abs(b.depth[x]! - (src === 0 ? 0 : (1000 + 10 * src) / 1000)) < 1e-6, `depth at ${x}`);
    assert.equal(b.depthMask[x], src === 0 ? 0 : 1, `depth mask at ${x}`);
    const real = src < S / 2;
    assert.equal(b.normalMask[x], real ? 1 : 0, `normal mask at ${x}`);
    assert.ok(Math.abs(b.normal[x]! - (real ? -0.6 : 0)) < 0.01, `normal x at ${x}: ${b.normal[x]}`);
    assert.ok(Math.abs(b.normal[2 * S * S + x]! - (real ? 0.8 : 0)) < 0.01, `normal z at ${x}`);
  }
});

test('eval center-crops labels with the image; samples without labels are ignored, not guessed', async () => {
  const wide = labelled('wide', 2 * S, S), bare = labelled('bare');
  for (const k of ['seg.png', 'depth.png', 'normal.png']) bare.fields.delete(k);
  const l = new Loader({ source: memorySource([wide]), batchSize: 1, imageSize: S, workers: 0, train: false, dense: ['seg', 'depth', 'normal'] });
  const b = await firstBatch(l);
  for (let x = 0; x < S; x++) assert.equal(b.seg[x], x + S / 2, 'center crop of a 2:1 image starts a quarter in');
  const l2 = new Loader({ source: memorySource([bare]), batchSize: 1, imageSize: S, workers: 0, train: false, dense: ['seg', 'depth', 'normal'] });
  const b2 = await firstBatch(l2);
  assert.ok(b2.seg.every((v) => v === 255) && b2.depthMask.every((v) => v === 0) && b2.normalMask.every((v) => v === 0));
});

test('caption modes: original, synthetic uniform, sequential by epoch, mixed', async () => {
  const txt = Buffer.from('alt text'), syn = Buffer.from(JSON.stringify({ syn_text: ['s0', 's1', 's2'] }));
  const pick = (cfg: CaptionConfig, epoch: number, i: number, t: Buffer | null = txt) => selectCaption(t ?? undefined, syn, cfg, epoch, new Rng(1, epoch, i));
  assert.equal(pick({ mode: 'txt' }, 0, 0), 'alt text');
  assert.match(pick({ mode: 'txt' }, 0, 0, null), /^s[012]$/, 'no txt: a synthetic caption');
  assert.deepEqual([0, 1, 2, 3].map((e) => pick({ mode: 'sequential' }, e, 0)), ['s0', 's1', 's2', 's0']);
  const uniform = new Set(Array.from({ length: 60 }, (_, i) => pick({ mode: 'syn' }, 0, i)));
  assert.deepEqual([...uniform].sort(), ['s0', 's1', 's2']);
  const mixed = Array.from({ length: 2000 }, (_, i) => pick({ mode: 'mix', realProb: 0.25 }, 0, i));
  const real = mixed.filter((c) => c === 'alt text').length / mixed.length;
  assert.ok(Math.abs(real - 0.25) < 0.04, `real caption share ${real}`);

  const sample: RawSample = { ...labelled('c'), fields: new Map([...labelled('c').fields, ['syn.json', syn]]) };
  const l = new Loader({ source: memorySource([sample]), batchSize: 1, imageSize: S, workers: 0, captions: { mode: 'sequential' } });
  const seen: string[] = [];
  for (let e = 0; e < 4; e++) for await (const b of l) { seen.push(b.captions[0]!); b.dispose(); }
  await l.close();
  assert.deepEqual(seen, ['s0', 's1', 's2', 's0']);
});

test('RandomResizedCrop samples boxes as torchvision does (inside, area and ratio in range)', () => {
  let area = 0;
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const b = randomResizedCrop(640, 480, new Rng(5, 0, i));
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= 640 && b.y + b.h <= 480 && Number.isInteger(b.x) && Number.isInteger(b.w), `inside: ${JSON.stringify(b)}`);
    const frac = (b.w * b.h) / (640 * 480), ratio = b.w / b.h;
    assert.ok(frac > 0.07 && frac <= 1 && ratio > 0.73 && ratio < 1.37, `area ${frac}, ratio ${ratio}`);
    area += frac;
  }
  // torchvision's get_params gives a mean of 0.435 here (20k draws): large areas often do not fit.
  assert.ok(Math.abs(area / n - 0.435) < 0.02, `mean area fraction ${(area / n).toFixed(3)}`);
  assert.deepEqual(randomResizedCrop(640, 480, new Rng(1), [2, 3]), { x: 0, y: 0, w: 640, h: 480 }, 'no fit in 10 tries: the whole image (ratio 4/3 is in range)');
  assert.deepEqual(randomResizedCrop(1000, 100, new Rng(1), [2, 3]), { x: 433, y: 0, w: 133, h: 100 }, 'too wide: the widest allowed center crop');
  assert.deepEqual(randomResizedCrop(640, 480, new Rng(9, 1, 2)), randomResizedCrop(640, 480, new Rng(9, 1, 2)), 'deterministic per seed');
  assert.deepEqual(centerCropBox(640, 480), { x: 80, y: 0, w: 480, h: 480 });
});
