// A training loop must not leak: live native tensors stay flat across steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveCheckpointSegments, liveTensors, manualSeed, randint, randn, tidy } from '../../src/engine/index.js';
import { CLIP } from '../../src/models/clip.js';
import { parseClipConfig } from '../../src/models/config.js';
import { clipLoss } from '../../src/losses/contrastive.js';
import { AdamW } from '../../src/optim/adamw.js';
import { clipGradNorm } from '../../src/optim/clip_grad.js';

test('training steps of a tiny CLIP keep the live tensor count flat', () => {
  manualSeed(0);
  const start = liveTensors();
  const model = new CLIP(parseClipConfig({ embed_dim: 32, vision_cfg: { image_size: 16, patch_size: 8, width: 32, layers: 2, head_width: 16 }, text_cfg: { context_length: 8, vocab_size: 50, width: 32, layers: 2, heads: 2 } }));
  model.textTransformer.gradCheckpointing = true;
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const counts: number[] = [];
  for (let i = 0; i < 6; i++) {
    tidy(() => {
      const out = model.forward(randn([4, 3, 16, 16]), randint(1, 50, [4, 8]));
      clipLoss(out.imageFeatures, out.textFeatures, out.logitScale).backward();
    });
    clipGradNorm(model.parameters(), 1);
    opt.step();
    opt.zeroGrad();
    counts.push(liveTensors());
  }
  assert.ok(counts.every((c) => c === counts[0]), `live tensors per step: ${counts.join(', ')}`);
  opt.dispose();
  model.dispose();
  assert.equal(liveCheckpointSegments(), 0, 'checkpoint segments of freed graphs are released');
  assert.ok(liveTensors() <= start + 1, `left ${liveTensors() - start} tensors (1 allowed: the checkpoint anchor)`);
});
