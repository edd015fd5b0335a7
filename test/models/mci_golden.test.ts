// MCi0/1/2 and zooclip's 3-stage mci_tiny against the plain-PyTorch reference (bench/mci_torch.py) through golden files written by
// test/parity/make_golden_mci.py: the same state-dict keys and shapes (timm's fastvit_mci* names),
// then, with the same seeded weights (BN statistics and layer scales far from init), the same
// embedding and stage maps in eval mode, with training-time branches and after reparameterize().
// Tolerance: 1e-4 of each output's largest |value|, elementwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveTensors, manualSeed, noGrad, randn, tidy, type Tensor } from '../../src/engine/index.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { mciTower, type MciTower, type MciVariant } from '../../src/models/mci/index.js';
import { assertClose } from '../helpers/assert_close.js';

const dir = join(process.cwd(), 'test', 'parity');
const golden = new SafetensorsReader(join(dir, 'mci_golden.safetensors'));

interface VariantGolden {
  keys: string[]; folded_keys: string[]; params: number; folded_params: number;
  max_abs: Record<string, number>;
}
const meta = JSON.parse(readFileSync(join(dir, 'mci_golden.json'), 'utf8')) as { image_size: number; variants: Record<MciVariant, VariantGolden> };

/** The 31-bit polynomial key hash of make_golden_models.py. */
function keySeed(key: string): number {
  let h = 0;
  for (const b of Buffer.from(key)) h = (h * 131 + b) % 2147483647;
  return h;
}

/** make_golden_mci.py's seeded_value: randn seeded by the key, scaled by the entry's role. */
function seededValue(key: string, shape: number[], isBn: boolean): Tensor {
  manualSeed(keySeed(key));
  const z = randn(shape);
  if (key.endsWith('running_var')) return z.abs().mul(0.5).add(0.5);
  if (key.endsWith('running_mean')) return z.mul(0.2);
  if (key.endsWith('gamma')) return z.abs().mul(0.1).add(0.05);
  if (isBn) return key.endsWith('weight') ? z.mul(0.2).add(1) : z.mul(0.1);
  if (shape.length >= 2) return z.mul(1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1)));
  return z.mul(0.1);
}

function seededWeights(m: MciTower): void {
  const sd = m.stateDict();
  noGrad(() => {
    for (const [k, t] of sd) {
      if (k.endsWith('num_batches_tracked')) continue;
      const owner = k.slice(0, k.lastIndexOf('.'));
      tidy(() => { t.copy_(seededValue(k, t.shape, sd.has(`${owner}.running_var`))); });
    }
  });
}

/** 'key d0xd1x...' per state-dict entry, as make_golden_mci.py's key_shapes lists them. */
function keyShapes(m: MciTower): string[] {
  return [...m.stateDict()].filter(([k]) => !k.endsWith('num_batches_tracked')).map(([k, t]) => `${k} ${t.shape.join('x')}`);
}

/** The first place two key lists part, for a readable failure. */
function firstDifference(got: string[], want: string[]): string {
  const i = got.findIndex((k, j) => k !== want[j]);
  const at = i < 0 ? Math.min(got.length, want.length) : i;
  return `entry ${at}: zooclip has '${got[at] ?? '(end)'}', PyTorch has '${want[at] ?? '(end)'}' (${got.length} vs ${want.length} entries)`;
}

function compareOutputs(m: MciTower, variant: MciVariant, prefix: '' | 'folded.'): void {
  const scale = meta.variants[variant].max_abs;
  noGrad(() => tidy(() => {
    const images = golden.read('images');
    const check = (got: Tensor, name: string): void => {
      const want = golden.read(`${variant}.${prefix}${name}`);
      assertClose(got, want, `${variant} ${prefix || 'branched.'}${name}`, { rtol: 0, atol: 1e-4 * scale[prefix + name]! });
    };
    const { output, intermediates } = m.forwardIntermediates(images);  // its output is forward()'s (mci.test.ts)
    check(output!, 'embedding');
    intermediates.forEach((x, i) => check(x, `stage${i}`));
  }));
}

for (const variant of ['mci0', 'mci1', 'mci2', 'mci_tiny'] as const) {
  test(`${variant} matches PyTorch: timm keys, then embedding and stage maps, branched and folded`, { timeout: 300_000 }, () => {
    const g = meta.variants[variant];
    const before = liveTensors();
    const m = mciTower(variant, { imageSize: meta.image_size });
    const keys = keyShapes(m);
    assert.ok(keys.length === g.keys.length && keys.every((k, i) => k === g.keys[i]), `${variant} keys: ${firstDifference(keys, g.keys)}`);
    assert.equal(m.numParams(), g.params, `${variant} parameter count`);
    seededWeights(m);
    m.eval();
    compareOutputs(m, variant, '');
    m.reparameterize();
    const folded = keyShapes(m);
    assert.ok(folded.length === g.folded_keys.length && folded.every((k, i) => k === g.folded_keys[i]), `${variant} folded keys: ${firstDifference(folded, g.folded_keys)}`);
    assert.equal(m.numParams(), g.folded_params, `${variant} folded parameter count`);
    compareOutputs(m, variant, 'folded.');
    m.dispose();
    assert.equal(liveTensors(), before, `${variant}: leaked tensors`);
  });
}
