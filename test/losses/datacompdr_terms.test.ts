// DataCompDR's per-caption-set terms, as the trainer uses them: the same numbers as the separate
// losses (CLIP or a plugged-in SigLIP, and distillation), no distillation without teachers, and
// clear errors when a caption set lacks its teacher embeddings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, normalize, randn, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { clipLoss, dataCompDRTerms, distillLoss, siglipLoss } from '../../src/losses/index.js';

const unit = (b: number, d: number): Tensor => normalize(randn([b, d]), 2, 1);
const close = (a: Tensor, b: Tensor, what: string): void => assert.ok(Math.abs(a.item() - b.item()) < 1e-6, `${what}: ${a.item()} vs ${b.item()}`);

test('dataCompDRTerms: each set\'s contrastive and distillation terms equal clipLoss / siglipLoss and distillLoss', { timeout: 60_000 }, () => {
  manualSeed(3);
  const before = liveTensors();
  tidy(() => {
    const image = unit(5, 8), real = unit(5, 8), syn = unit(5, 8), s = tensor(12), ti = randn([5, 6]), tr = randn([5, 6]), ts = randn([5, 6]);
    const batch = { image, logitScale: s, teacherImage: ti, real: { text: real, teacherText: tr }, synthetic: { text: syn, teacherText: ts } };
    const t = dataCompDRTerms(batch, { numTeachers: 2 });
    close(t.real.contrastive, clipLoss(image, real, s), 'real contrastive');
    close(t.synthetic!.contrastive, clipLoss(image, syn, s), 'synthetic contrastive');
    close(t.real.distill!, distillLoss(image, real, s, { image: ti, text: tr }, undefined, { numTeachers: 2 }), 'real distill');
    close(t.synthetic!.distill!, distillLoss(image, syn, s, { image: ti, text: ts }, undefined, { numTeachers: 2 }), 'synthetic distill');
    const b = tensor(-2);
    const sig = dataCompDRTerms({ image, logitScale: s, real: { text: real } }, {}, (c) => siglipLoss(image, c.text, s, b));
    close(sig.real.contrastive, siglipLoss(image, real, s, b), 'siglip');
    assert.equal(sig.real.distill, null, 'no teacher embeddings: no distillation term');
    assert.equal(sig.synthetic, null, 'no synthetic captions: no synthetic terms');
    assert.throws(() => dataCompDRTerms({ ...batch, synthetic: { text: syn } }), /the synthetic captions have no teacher text embeddings/);
  });
  assert.equal(liveTensors(), before, 'leaked tensors');
});
