// RandAugment's native ops against torchvision (test/parity/rand_augment_golden.*, made by
// test/parity/make_golden_rand_augment.py): every op at several magnitudes and both signs on uint8
// images of odd and even sizes, whole RandAugment draws with the steps torchvision took, and the
// magnitude tables of _augmentation_space.
//
// Tolerances. Colour ops (Identity, Brightness, Color, Contrast, Sharpness, Posterize, Solarize,
// AutoContrast, Equalize) must match exactly: the native code does torchvision's float32 arithmetic
// in its order (including Python's 255 / tensor being reciprocal-then-multiply). Geometric ops
// (shears, translations, rotation) must leave at least 99% of the values equal. Measured against
// this golden: 0 differing values in all cases. The bound is there because torch builds the affine
// grid through BLAS (OpenBLAS here computes x*a, then fma(y, b, .), then + c, which the native warp
// copies); a golden made with another BLAS rounds differently and can flip sample points that lie
// exactly halfway between two pixels (a shear of 0.2 has whole rows of them). Magnitude tables:
// within one float32 ulp of torchvision's (torch's vectorised linspace rounds a few entries, e.g.
// bin 20 of 31, one ulp differently from its scalar formula) and exact at the default bin 9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { applyRandAugment, magnitudeTable, RAND_AUGMENT_OPS, type RandAugmentOp, type RandAugmentStep } from '../../src/data/loader/rand_augment.js';

const dir = join(process.cwd(), 'test', 'parity');
interface Case { image: string; op: number; name: string; magnitude: number; bin: number | null }
interface Draw { image: string; numOps: number; magnitude: number; numBins: number; steps: RandAugmentStep[] }
interface Tables { numBins: number; height: number; width: number; tables: Record<RandAugmentOp, number[]> }
const manifest = JSON.parse(readFileSync(join(dir, 'rand_augment_golden.json'), 'utf8')) as { torch: string; torchvision: string; ops: string[]; cases: Case[]; draws: Draw[]; tables: Tables[] };
const GEOMETRIC = new Set([1, 2, 3, 4, 5]);
const MIN_EQUAL_GEOMETRY = 0.99;

function readU8(golden: SafetensorsReader, name: string): { data: Uint8Array; h: number; w: number } {
  const t = golden.read(name);
  try {
    const [h, w] = t.shape as [number, number, number];
    return { data: new Uint8Array(t.data() as ArrayLike<number>), h, w };
  } finally {
    t.dispose();
  }
}

function equalShare(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** Checks one result: exact unless a geometric op took part. */
function check(got: Uint8Array, want: Uint8Array, geometric: boolean, what: string): number {
  assert.equal(got.length, want.length, `${what}: size`);
  const share = equalShare(got, want);
  if (geometric) assert.ok(share >= MIN_EQUAL_GEOMETRY, `${what}: only ${(share * 100).toFixed(2)}% of values equal`);
  else assert.ok(share === 1, `${what}: ${((1 - share) * got.length).toFixed(0)} values differ (colour ops are exact)`);
  return share;
}

test(`RandAugment single ops match torchvision ${manifest.torchvision} on uint8 tensors`, { timeout: 60_000 }, () => {
  assert.deepEqual(manifest.ops, [...RAND_AUGMENT_OPS], 'op order');
  using golden = new SafetensorsReader(join(dir, 'rand_augment_golden.safetensors'));
  let worst = 1;
  for (const [i, c] of manifest.cases.entries()) {
    const input = readU8(golden, `input.${c.image}`), want = readU8(golden, `case.${i}`);
    const got = applyRandAugment(input.data.slice(), input.w, input.h, [[c.op, c.magnitude]]);
    worst = Math.min(worst, check(got, want.data, GEOMETRIC.has(c.op), `case ${i}: ${c.name} ${c.magnitude} on ${c.image}`));
  }
  assert.ok(manifest.cases.length >= 200, `${manifest.cases.length} cases`);
  console.log(`# ${manifest.cases.length} single-op cases; worst geometric case ${(worst * 100).toFixed(2)}% of values equal`);
});

test('RandAugment draws: torchvision\'s recorded steps replayed give its images', { timeout: 30_000 }, () => {
  using golden = new SafetensorsReader(join(dir, 'rand_augment_golden.safetensors'));
  for (const [k, d] of manifest.draws.entries()) {
    const input = readU8(golden, `input.${d.image}`), want = readU8(golden, `draw.${k}`);
    const got = applyRandAugment(input.data.slice(), input.w, input.h, d.steps);
    check(got, want.data, d.steps.some(([op]) => GEOMETRIC.has(op)), `draw ${k} ${JSON.stringify(d.steps)}`);
    assert.equal(d.steps.length, d.numOps);
    for (const [op, m] of d.steps) {
      const table = magnitudeTable(RAND_AUGMENT_OPS[op]!, d.numBins, input.w, input.h);
      const expected = table.length > 1 ? table[d.magnitude]! : 0;
      assert.ok(Math.abs(Math.abs(m) - expected) <= ulp32(expected), `draw ${k}: ${RAND_AUGMENT_OPS[op]} magnitude ${m}, table ${expected}`);
    }
  }
});

/** One float32 unit in the last place at x. */
function ulp32(x: number): number {
  if (x === 0) return 0;
  return 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23);
}

test('magnitude tables match torchvision\'s _augmentation_space (one float32 ulp; exact at bin 9)', { timeout: 10_000 }, () => {
  for (const t of manifest.tables) {
    for (const op of RAND_AUGMENT_OPS) {
      const want = t.tables[op], got = magnitudeTable(op, t.numBins, t.width, t.height);
      const where = `${op}, ${t.numBins} bins, ${t.height} x ${t.width}`;
      assert.equal(got.length, want.length, where);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= ulp32(want[i]!), `${where}[${i}]: ${v} vs ${want[i]}`));
      if (op === 'Posterize' || want.length === 1) assert.deepEqual(got, want, where);
      if (t.numBins === 31 && want.length > 1) assert.equal(got[9], want[9], `${where}[9]`);
    }
  }
});
