// A zero-shot world where a tiny CLIP's decisions mean something: C classes, each a fixed random
// image pattern (a sample is the pattern plus noise) and a fixed random caption. zooclip-tiny is
// trained a few dozen contrastive steps on fresh samples, so its image embeddings move towards their
// class caption's embedding: the test images (fresh samples, never trained on) are classified with
// clear margins. An MCi model (zooclip-mci-tiny) is trained the same way, then folded
// (reparameterize) so that it can be exported as it is. A random-init model's cosine scores are nearly tied (its embeddings share one
// direction), so any export error would flip decisions there and agreement would measure luck.
import { AdamW } from '../../src/optim/adamw.js';
import { type Tensor, manualSeed, noGrad, randn, tensor, tidy } from '../../src/engine/index.js';
import { type CLIP, createModel } from '../../src/models/clip.js';
import { clipLoss } from '../../src/losses/contrastive.js';
import { registerMciTowers } from '../../src/models/mci/index.js';

export interface ZeroShotWorld { model: CLIP; patterns: Tensor; prompts: Tensor; noise: number; dispose(): void }

/** Captions [C, 8]: start token, three random words, end token, zero padding (CLIP's vocabulary layout). */
function captions(classes: number, vocab: number, seed: number): Tensor {
  const ids = new BigInt64Array(classes * 8);
  for (let c = 0; c < classes; c++) {
    ids[c * 8] = BigInt(vocab - 2);
    for (let w = 1; w <= 3; w++) ids[c * 8 + w] = BigInt(1 + ((seed * 31 + c * 7919 + w * 104729) % (vocab - 3)));
    ids[c * 8 + 4] = BigInt(vocab - 1);
  }
  return tensor(ids, { shape: [classes, 8], dtype: 'int64' });
}

/** `perClass` fresh samples of every class, class-major: [C * perClass, 3, S, S]. */
export function samples(world: ZeroShotWorld, perClass: number): Tensor {
  return noGrad(() => tidy(() => {
    const [c, ...chw] = world.patterns.shape as [number, ...number[]];
    const base = world.patterns.unsqueeze(1).expand([c, perClass, ...chw]);
    return base.add(randn([c, perClass, ...chw]).mul(world.noise)).reshape([c * perClass, ...chw]);
  }));
}

/**
 * `o.model` (default zooclip-tiny; MCi names register their towers), seeded, trained `steps`
 * contrastive steps, one fresh sample of each class per step; returned in eval mode with its image
 * tower folded (reparameterize: a no-op for a ViT), ready to export.
 * @example const w = trainZeroShotWorld({ model: 'zooclip-mci-tiny' }); const images = samples(w, 24); // 240 test images
 */
export function trainZeroShotWorld(o: { model?: string; classes?: number; steps?: number; seed?: number; noise?: number } = {}): ZeroShotWorld {
  const classes = o.classes ?? 10, seed = o.seed ?? 0;
  registerMciTowers();
  manualSeed(seed);
  const model = createModel(o.model ?? 'zooclip-tiny');
  const s = model.visual.imageSize;
  const world: ZeroShotWorld = {
    model, patterns: randn([classes, 3, s, s]), prompts: captions(classes, model.cfg.text_cfg.vocab_size, seed), noise: o.noise ?? 0.5,
    dispose() { model.dispose(); this.patterns.dispose(); this.prompts.dispose(); },
  };
  // The token table (49408 x 128, most of the parameters) stays as initialised: its dense gradient
  // and AdamW update would double each step's cost, and the captions only use 50 of its rows.
  const named = [...model.namedParameters()];
  for (const [name, p] of named) if (name === 'token_embedding.weight') p.requiresGrad_(false);
  const params = named.filter(([name]) => name !== 'token_embedding.weight').map(([, p]) => p);
  const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0 });
  model.train();
  for (let step = 0; step < (o.steps ?? 40); step++) {
    const images = samples(world, 1);
    tidy(() => clipLoss(model.encodeImage(images), model.encodeText(world.prompts), model.logit_scale.exp()).backward());
    opt.step();
    opt.zeroGrad();
    images.dispose();
  }
  model.eval();
  model.visual.reparameterize();
  return world;
}
