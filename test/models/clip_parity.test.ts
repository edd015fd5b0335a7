// The CLIP towers against a plain-PyTorch reference (test/parity/make_golden_models.py): the tiny
// config loads the safetensors PyTorch wrote; ViT-B-16 regenerates the same seeded weights.
// Tolerance: 1e-4 absolute on normalised features and logits / 100.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { liveTensors, manualSeed, noGrad, randn, tidy, type Tensor } from '../../src/engine/index.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { loadWeightsInto } from '../../src/models/open_clip_folder.js';
import { createModel, type CLIP } from '../../src/models/clip.js';
import { assertClose } from '../helpers/assert_close.js';

const dir = join(process.cwd(), 'test', 'parity');
const golden = new SafetensorsReader(join(dir, 'models_golden.safetensors'));

/** The 31-bit polynomial key hash of make_golden_models.py. */
function keySeed(key: string): number {
  let h = 0;
  for (const b of Buffer.from(key)) h = (h * 131 + b) % 2147483647;
  return h;
}

function seededWeights(model: CLIP): void {
  noGrad(() => {
    for (const [k, p] of model.stateDict()) {
      if (k === 'logit_scale' || k.endsWith('num_batches_tracked')) continue;
      tidy(() => {
        manualSeed(keySeed(k));
        const w = randn(p.shape).mul(0.02);
        if (/\.bn\.(weight|running_var)$/.test(k)) p.copy_(w.abs().add(1));
        else p.copy_(/(ln_|ln_final).*\.weight$/.test(k) ? w.add(1) : w);
      });
    }
  });
}

function compare(name: string, model: CLIP): void {
  model.eval();
  noGrad(() => tidy(() => {
    const images = golden.read(`${name}.images`), ids = golden.read(`${name}.ids`);
    const fi = model.encodeImage(images), ft = model.encodeText(ids);
    assertClose(fi, golden.read(`${name}.image_features`), `${name} image features`, { rtol: 0, atol: 1e-4 });
    assertClose(ft, golden.read(`${name}.text_features`), `${name} text features`, { rtol: 0, atol: 1e-4 });
    const logits: Tensor = model.logits(images, ids);
    assertClose(logits, golden.read(`${name}.logits`), `${name} logits`, { rtol: 0, atol: 1e-2 });
  }));
}

test('tiny CLIP loads the safetensors written by the PyTorch reference and matches it', () => {
  const before = liveTensors();
  const model = createModel('zooclip-tiny-test');
  loadWeightsInto(model, join(dir, 'models_tiny.safetensors'));
  compare('zooclip-tiny-test', model);
  model.dispose();
  assert.equal(liveTensors(), before);
});

test('a ViT with a conv stem (zooclip-quick-conv) matches the PyTorch reference in eval mode (seeded weights, BN running statistics)', () => {
  const model = createModel('zooclip-quick-conv');
  seededWeights(model);
  compare('zooclip-quick-conv', model);
  model.dispose();
});

test('ViT-B-16 CLIP matches the PyTorch reference (seeded weights)', () => {
  const model = createModel('ViT-B-16');
  seededWeights(model);
  compare('ViT-B-16', model);
  model.dispose();
});
