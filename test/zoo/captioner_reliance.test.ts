// The held-out check that a captioner reads its images (imageReliance): the demo's captioner
// wrote the same captions for every image (its decoder had learnt a language model only) and
// nothing in its run said so. A decoder cut off from the image must show a gain of exactly 0, a
// random one a clear gain; the train-captioner result carries the figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../src/engine/index.js';
import { imageReliance, type HeldSample } from '../../src/stages/train_captioner/heldout.js';
import { testCaptioner } from './captioner_fixture.js';

/** Held-out samples with distinct flat-coloured images and captions. */
function samples(n: number): HeldSample[] {
  const words = ['a red cube', 'two blue balls', 'a green cone', 'three white rings'];
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    image: { data: new Uint8Array(32 * 32 * 3).map((_, p) => (p % 3 === i % 3 ? 230 : 20 + 40 * i)), width: 32, height: 32 },
    caption: words[i % words.length]!,
    truth: { objects: [{ shape: 'cube', colour: 'red' }] },
  }));
}

test('imageReliance: a decoder that cannot see the image gains nothing from the right one', { timeout: 60_000 }, () => {
  const model = testCaptioner(0, {}, 0);
  try {
    const before = imageReliance(model, samples(4));
    assert.ok(Number.isFinite(before.ownImages) && Number.isFinite(before.otherImages));
    assert.ok(Math.abs(before.gain) > 1e-4, `a random decoder's loss depends on its image (gain ${before.gain})`);
    // Cut the image off: every cross-attention adds zero, so the loss cannot depend on the image.
    noGrad(() => {
      for (const layer of model.decoder.multimodal.items) {
        layer.cross_attn!.out_proj.weight.zero_();
        layer.cross_attn!.out_proj.bias?.zero_();
      }
    });
    const blind = imageReliance(model, samples(4));
    assert.ok(Math.abs(blind.gain) < 1e-6, `blind decoder: gain ${blind.gain}`);
    assert.equal(model.training, false, 'the model is left in the mode it was in');
  } finally {
    model.dispose();
  }
});

test('imageReliance needs two samples to pair captions with other images', { timeout: 30_000 }, () => {
  const model = testCaptioner(0);
  try {
    assert.throws(() => imageReliance(model, samples(1)), /at least 2 held-out samples, got 1/);
  } finally {
    model.dispose();
  }
});
