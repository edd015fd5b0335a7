// MAE pretraining against plain PyTorch (test/parity/mae_golden.*, made by
// test/parity/make_golden_mae.py): the masking from a fixed noise tensor, the encoder on the
// visible patches, the decoder's unshuffled input and prediction, and the masked MSE loss (with and
// without per-patch normalised targets, and its gradient). Tolerance: 1e-5 absolute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveTensors, noGrad, tidy, type Tensor } from '../../src/engine/index.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { parseClipConfig } from '../../src/models/config.js';
import { VisionTransformer } from '../../src/models/vit.js';
import { MaeDecoder, maeReconstruct, randomMasking, unshuffleTokens } from '../../src/models/mae.js';
import { maeLoss, patchify } from '../../src/losses/index.js';
import { assertClose } from '../helpers/assert_close.js';

const dir = join(process.cwd(), 'test', 'parity');
const meta = JSON.parse(readFileSync(join(dir, 'mae_golden.json'), 'utf8')) as {
  torch: string; image_size: number; patch: number; encoder_width: number; encoder_heads: number; decoder_width: number; decoder_heads: number; embed_dim: number;
  ratios: Record<string, number>;
};
const golden = new SafetensorsReader(join(dir, 'mae_golden.safetensors'));
const tol = { rtol: 0, atol: 1e-5 };

/** The golden tensors under `prefix.` as a state dict (prefix stripped). */
function stateUnder(prefix: string): Map<string, Tensor> {
  return new Map(golden.keys().filter((k) => k.startsWith(prefix)).map((k) => [k.slice(prefix.length), golden.read(k)]));
}

function models(): { vit: VisionTransformer; decoder: MaeDecoder } {
  const m = meta, grid = m.image_size / m.patch;
  const cfg = parseClipConfig({
    embed_dim: m.embed_dim, vision_cfg: { image_size: m.image_size, layers: 1, width: m.encoder_width, head_width: m.encoder_width / m.encoder_heads, patch_size: m.patch },
    text_cfg: { context_length: 8, vocab_size: 100, width: 8, heads: 2, layers: 1 },
  }, 'mae golden');
  const vit = new VisionTransformer(cfg.vision_cfg, m.embed_dim);
  const decoder = new MaeDecoder({ encoderWidth: m.encoder_width, width: m.decoder_width, depth: 1, heads: m.decoder_heads, patches: grid * grid, patchSize: m.patch });
  for (const [module, prefix] of [[vit, 'enc.'], [decoder, 'dec.']] as const) {
    const sd = stateUnder(prefix);
    module.loadStateDict(sd, { strict: true });
    for (const t of sd.values()) t.dispose();
  }
  return { vit, decoder };
}

test(`MAE masking from fixed noise matches PyTorch (ids_keep, ids_restore, mask; torch ${meta.torch})`, { timeout: 30_000 }, () => {
  const before = liveTensors();
  tidy(() => {
    const noise = golden.read('noise');
    for (const [name, ratio] of Object.entries(meta.ratios)) {
      const m = randomMasking(noise, ratio);
      assert.deepEqual(m.idsKeep.toArray(), golden.read(`${name}.ids_keep`).toArray(), `${name} ids_keep`);
      assert.deepEqual(m.idsRestore.toArray(), golden.read(`${name}.ids_restore`).toArray(), `${name} ids_restore`);
      assertClose(m.mask, golden.read(`${name}.mask`), `${name} mask`, tol);
      const masked = m.mask.sum(1).toArray();
      assert.ok(masked.every((x) => x === masked[0]), 'every sample hides the same number of patches');
    }
  });
  assert.equal(liveTensors(), before, 'no tensors leak');
});

test('MAE encoder on visible patches, unshuffled decoder input, prediction and loss match PyTorch within 1e-5', { timeout: 30_000 }, () => {
  const { vit, decoder } = models();
  const before = liveTensors();
  try {
    tidy(() => {
      const images = golden.read('images'), masking = randomMasking(golden.read('noise'), meta.ratios.r75!);
      noGrad(() => {
        const latent = vit.forwardVisible(images, masking.idsKeep);
        assertClose(latent, golden.read('latent'), 'encoder tokens of the visible patches', tol);
        assertClose(unshuffleTokens(latent, golden.read('unshuffle_mask_token'), masking.idsRestore), golden.read('decoder_input'), 'unshuffled decoder input', tol);
        assertClose(maeReconstruct(vit, decoder, images, masking), golden.read('pred'), 'predicted patches', tol);
      });
      const target = patchify(images, meta.patch);
      assertClose(target, golden.read('target'), 'patchified target', tol);
      const pred = golden.read('pred').requiresGrad_();
      const loss = maeLoss(pred, target, masking.mask);
      assertClose(loss.reshape([1]), golden.read('loss_norm'), 'loss with normalised pixels', tol);
      loss.backward();
      assertClose(pred.grad!, golden.read('loss_norm.grad'), 'loss gradient w.r.t. pred', tol);
      assertClose(maeLoss(pred.detach(), target, masking.mask, { normPixLoss: false }).reshape([1]), golden.read('loss_plain'), 'loss with raw pixels', tol);
    });
    assert.equal(liveTensors(), before, 'no tensors leak');
  } finally {
    vit.dispose();
    decoder.dispose();
  }
});
