// Layer-wise lr decay for finetuning: scales per layer from the top down (ViT blocks, MCi stages),
// and the optimiser's groups carry them (tower x towerLrScale x decay^depth, head at full lr).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { defaultHeadSpec, DenseModel, denseOptimizer, layerDecayScales } from '../../src/dense/index.js';

test('layerDecayScales: stem/embeddings lowest, each block one step up, the top at 1', { timeout: 10_000 }, () => {
  const vit = ['visual.class_embedding', 'visual.conv1.weight', 'visual.transformer.resblocks.0.ln_1.weight', 'visual.transformer.resblocks.1.mlp.c_fc.weight', 'visual.ln_post.weight', 'visual.proj'];
  assert.deepEqual(layerDecayScales(vit, 0.5), [0.125, 0.125, 0.25, 0.5, 1, 1]);
  const mci = ['visual.trunk.stem.0.conv_kxk.0.conv.weight', 'visual.trunk.stages.0.blocks.0.x', 'visual.trunk.stages.2.blocks.1.x', 'visual.trunk.final_conv.conv_scale.conv.weight'];
  assert.deepEqual(layerDecayScales(mci, 0.5), [0.0625, 0.125, 0.5, 1]);
  assert.deepEqual(layerDecayScales(vit, 1), vit.map(() => 1));
  assert.throws(() => layerDecayScales(vit, 0), /layerDecay must be in \(0, 1\], got 0/);
  assert.throws(() => layerDecayScales(vit, 1.5), /layerDecay must be in \(0, 1\], got 1.5/);
});

test('denseOptimizer: finetune groups carry towerLrScale x layer decay, probes only the head', { timeout: 60_000 }, () => {
  manualSeed(0);
  const clip = createModel('zooclip-tiny-test');
  const model = new DenseModel(clip.visual, { ...defaultHeadSpec('depth', 7), channels: 8 });
  try {
    const flat = denseOptimizer(model, 'finetune', { lr: 1e-3, weightDecay: 0.05, towerLrScale: 0.1 });
    assert.deepEqual([...new Set(flat.scales)].sort(), [0.1, 1]);
    const decayed = denseOptimizer(model, 'finetune', { lr: 1e-3, weightDecay: 0.05, towerLrScale: 0.1, layerDecay: 0.5 });
    const depth = clip.cfg.vision_cfg.layers;
    const towerScales = [...new Set(decayed.scales.filter((_, i) => decayed.opt.groups[i]!.names![0]!.startsWith('visual.')))].sort((a, b) => a - b);
    assert.deepEqual(towerScales.map((s) => +s.toFixed(8)), Array.from({ length: depth + 2 }, (_, l) => +(0.1 * 0.5 ** (depth + 1 - l)).toFixed(8)));
    assert.equal(decayed.params.length, flat.params.length, 'every parameter in exactly one group');
    const probe = denseOptimizer(model, 'probe', { lr: 1e-3, weightDecay: 0.05, layerDecay: 0.5 });
    assert.ok(probe.opt.groups.every((g) => g.names.every((n) => n.startsWith('head.'))));
  } finally {
    model.head.dispose();
    clip.dispose();
  }
});
