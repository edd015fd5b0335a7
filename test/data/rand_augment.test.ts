// RandAugment sampling and its place in the loader: steps drawn from a sample's own Rng are the
// same for the same (seed, epoch, index), follow torchvision's op choice (uniform over 14), signs
// (50/50 on signed ops) and magnitude tables; bad settings and steps fail clearly; the loader's
// `augment.randAugment` applies the sampled steps to the resized crop, deterministically per seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAugment, DEFAULT_AUGMENT } from '../../src/data/loader/augment.js';
import { Loader, type LoaderOptions, type RawSample, Rng, decodeCropResize, encodeJpeg, imageInfo, memorySource } from '../../src/data/loader/index.js';
import { applyRandAugment, magnitudeTable, RAND_AUGMENT_OPS, resolveRandAugment, sampleRandAugment } from '../../src/data/loader/rand_augment.js';
import { transformSample, type TransformConfig } from '../../src/data/loader/transform.js';
import { resolveConfig } from '../../src/stages/train/config.js';

const SIGNED = new Set(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness']);

test('sampleRandAugment: deterministic per seed, uniform ops, 50/50 signs, torchvision\'s tables', { timeout: 30_000 }, () => {
  assert.deepEqual(sampleRandAugment(new Rng(5, 0, 17), 224, 224), sampleRandAugment(new Rng(5, 0, 17), 224, 224), 'same seed, same steps');
  const n = 7000, counts = new Array<number>(14).fill(0), negative = new Array<number>(14).fill(0);
  let differ = 0;
  for (let i = 0; i < n; i++) {
    const steps = sampleRandAugment(new Rng(1, 2, i), 224, 160, { numOps: 2, magnitude: 9 });
    if (JSON.stringify(steps) !== JSON.stringify(sampleRandAugment(new Rng(1, 3, i), 224, 160))) differ++;
    assert.equal(steps.length, 2);
    for (const [op, m] of steps) {
      const name = RAND_AUGMENT_OPS[op]!, table = magnitudeTable(name, 31, 224, 160);
      counts[op]!++;
      if (m < 0) negative[op]!++;
      assert.equal(Math.abs(m), table.length > 1 ? table[9]! : 0, `${name} magnitude`);
      if (!SIGNED.has(name)) assert.ok(m >= 0, `${name} is unsigned`);
    }
  }
  assert.ok(differ > n * 0.9, `another epoch draws other steps (${differ} of ${n} differ)`);
  counts.forEach((c, op) => assert.ok(Math.abs(c / (2 * n) - 1 / 14) < 0.012, `${RAND_AUGMENT_OPS[op]} drawn ${c} times of ${2 * n}`));
  counts.forEach((c, op) => {
    if (SIGNED.has(RAND_AUGMENT_OPS[op]!)) assert.ok(Math.abs(negative[op]! / c - 0.5) < 0.06, `${RAND_AUGMENT_OPS[op]} negated ${negative[op]} of ${c}`);
  });
  // the facts of torchvision's tables at its defaults, for a 224 x 160 (w x h) image
  const at9 = (op: (typeof RAND_AUGMENT_OPS)[number]) => magnitudeTable(op, 31, 224, 160)[9]!;
  assert.equal(at9('Rotate'), 9);
  assert.ok(Math.abs(at9('ShearX') - 0.09) < 1e-7 && Math.abs(at9('Brightness') - 0.27) < 1e-7);
  assert.ok(Math.abs(at9('TranslateX') - (150 / 331) * 224 * 9 / 30) < 1e-5 && Math.abs(at9('TranslateY') - (150 / 331) * 160 * 9 / 30) < 1e-5);
  assert.equal(at9('Posterize'), 7);
  assert.equal(at9('Solarize'), 178.5);
  assert.deepEqual(sampleRandAugment(new Rng(0), 8, 8, { numOps: 0 }), []);
});

test('RandAugment settings and steps are checked with clear errors', { timeout: 10_000 }, () => {
  assert.deepEqual(resolveRandAugment({}), { numOps: 2, magnitude: 9, numBins: 31 });
  assert.throws(() => resolveRandAugment({ magnitude: 31 }), /randAugment\.magnitude must be an integer in \[0, 30\]/);
  assert.throws(() => resolveRandAugment({ numOps: -1 }), /randAugment\.numOps must be an integer >= 0/);
  assert.throws(() => resolveRandAugment({ numBins: 1 }), /randAugment\.numBins must be an integer >= 2/);
  const px = new Uint8Array(4 * 3 * 3).fill(9);
  assert.throws(() => applyRandAugment(px, 4, 3, [[14, 0]]), /op 14 is not an index into RAND_AUGMENT_OPS/);
  assert.throws(() => applyRandAugment(px, 4, 3, [[5, Number.NaN]]), /Rotate magnitude NaN is not finite/);
  assert.throws(() => applyRandAugment(px, 5, 3, [[5, 1]]), /randAugment: buffer must hold width \* height \* 3 bytes/);
  assert.throws(() => applyRandAugment(px, 4, 3, [[10, 9]]), /Posterize: bits must be in 0\.\.8, got 9/);
  assert.throws(() => applyRandAugment(px, 4, 3, [[6, -1.5]]), /blend factor 1 \+ magnitude >= 0/);
  assert.equal(applyRandAugment(px, 4, 3, []), px, 'no steps: the same array, untouched');
  assert.throws(() => new Loader({ source: memorySource([]), batchSize: 1, augment: { randAugment: { magnitude: 40 } } }), /Loader: augment\.randAugment\.magnitude/);
  assert.throws(() => resolveConfig({ sets: ['data.randAugment.numOps=2', 'data.randAugment.magnitude=31'] }), /train config: data\.randAugment\.magnitude/);
});

function samples(n: number): RawSample[] {
  return Array.from({ length: n }, (_, i) => {
    const w = 48 + (i % 3) * 8, h = 40 + (i % 2) * 6;
    const px = new Uint8Array(w * h * 3).map((_, j) => (j * 5 + i * 17 + ((j / w) | 0) * 7) & 255);
    return { key: `k${i}`, fields: new Map([['jpg', encodeJpeg(px, w, h, 3, 90)], ['txt', Buffer.from(`image ${i}`)]]) };
  });
}

async function pixels(o: LoaderOptions): Promise<Buffer[]> {
  const loader = new Loader(o), out: Buffer[] = [];
  try {
    for await (const b of loader) {
      const d = b.images.data() as Float32Array;
      out.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
      b.dispose();
    }
  } finally {
    await loader.close();
  }
  return out;
}

test('loader augment.randAugment: the plan\'s steps on the resized crop, deterministic per seed, off by default', { timeout: 60_000 }, async () => {
  const data = samples(12);
  const cfg: TransformConfig = { imageSize: 32, train: true, augment: { ...DEFAULT_AUGMENT, randAugment: { numOps: 3, magnitude: 15, numBins: 31 } }, captions: { mode: 'txt' }, dense: [], seed: 4 };
  const jpg = data[3]!.fields.get('jpg')!;
  const r = transformSample({ epoch: 1, index: 3, key: 'k3', fields: { jpg } }, cfg);
  assert.ok(r.ok);
  // the same Rng draws the same plan: crop, flip, (no jitter), then the RandAugment steps
  const info = imageInfo(jpg), plan = planAugment(info.width, info.height, true, cfg.augment, new Rng(4, 1, 3), 32);
  assert.equal(plan.randAugment!.length, 3);
  const want = applyRandAugment(decodeCropResize(jpg, plan.crop, 32, 32, plan.flip).data as Uint8Array, 32, 32, plan.randAugment!);
  assert.deepEqual(r.image, want);
  const off = planAugment(info.width, info.height, true, DEFAULT_AUGMENT, new Rng(4, 1, 3), 32);
  assert.deepEqual({ ...plan, randAugment: undefined }, { ...off, randAugment: undefined }, 'RandAugment draws last: crop and flip do not change');

  const opts = (over: Partial<LoaderOptions> = {}): LoaderOptions => ({ source: memorySource(data), batchSize: 4, imageSize: 32, shuffle: 0, seed: 9, workers: 1, ...over });
  const ra = await pixels(opts({ augment: { randAugment: {} } }));
  assert.deepEqual(await pixels(opts({ augment: { randAugment: {} }, workers: 0 })), ra, 'same seed: same batches, whatever the workers');
  const plain = await pixels(opts());
  assert.notDeepEqual(ra, plain, 'RandAugment changes the pixels');
  assert.deepEqual(await pixels(opts({ augment: { randAugment: { numOps: 0 } } })), plain, 'numOps 0 is off');
  assert.deepEqual(await pixels(opts({ augment: { randAugment: null } })), plain, 'null is off');
  assert.notDeepEqual(await pixels(opts({ augment: { randAugment: {} }, seed: 10 })), ra, 'another seed, other ops');
});
