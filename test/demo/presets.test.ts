// The bundled demo presets resolve, and each pretraining tower fits its world: the image size is the
// world's and the patch grid stays fine enough for the dense probes; quick keeps a schedule that
// gets past the contrastive plateau (about 100 steps at ln(batch) before the loss falls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDemoConfig } from '../../src/stages/demo/config.js';
import { getModelConfig } from '../../src/models/config.js';

test('every bundled preset resolves and its pretraining tower sees the world at its size', { timeout: 20_000 }, () => {
  for (const name of ['micro', 'quick', 'paper', 'full']) {
    const c = resolveDemoConfig(name);
    const v = getModelConfig(c.pretrain.model).vision_cfg;
    assert.equal(v.image_size, c.world.size, `${name}: ${c.pretrain.model} image_size`);
    assert.ok(v.image_size / v.patch_size >= 4, `${name}: ${c.pretrain.model} patch grid ${v.image_size / v.patch_size}`);
    assert.ok(c.pretrain.warmup < c.pretrain.steps, `${name}: warmup below steps`);
  }
});

test('quick pretrains the quick tower long enough to leave the ln(batch) plateau', { timeout: 20_000 }, () => {
  const c = resolveDemoConfig('quick');
  assert.equal(c.pretrain.model, 'zooclip-quick');
  const v = getModelConfig('zooclip-quick').vision_cfg;
  assert.equal(v.image_size / v.patch_size, 8, 'an 8x8 grid for the dense probes, as zooclip-tiny');
  assert.ok(c.pretrain.steps >= 250, `steps ${c.pretrain.steps}: the loss sits at ln(batch) for about the first 100`);
  assert.ok(c.pretrain.warmup <= c.pretrain.steps / 10, `warmup ${c.pretrain.warmup}`);
});
