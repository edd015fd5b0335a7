// Every built-in config builds; forward + backward on dummyInput; parameter counts; configs are
// validated strictly; checkpoints round-trip through open_clip's folder layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { liveTensors, manualSeed, noGrad, tidy } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { getModelConfig, listModels, parseClipConfig, toOpenClipJson } from '../../src/models/config.js';
import { layerDecayScales } from '../../src/dense/optim.js';
import { loadOpenClip, loadWeightsInto, saveOpenClip } from '../../src/models/open_clip_folder.js';
import { saveSafetensors } from '../../src/io/safetensors.js';

const VIT_ONLY = (n: string) => !getModelConfig(n).vision_cfg.timm_model_name;

test('every built-in config parses', () => {
  const names = listModels();
  for (const n of ['ViT-B-16', 'ViT-B-32', 'ViT-S-16', 'zooclip-tiny-test', 'MobileCLIP-S0', 'MobileCLIP-S1', 'MobileCLIP-S2']) assert.ok(names.includes(n), n);
  for (const n of names) getModelConfig(n);
});

test('config validation names the unknown or unsupported key and the file', () => {
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { widht: 3 } }, 'x.json'), /x\.json: vision_cfg: unknown key 'widht'/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, text_cfg: { embed_cls: true } }, 'y.json'), /y\.json: text_cfg\.embed_cls = true is an open_clip option zooclip does not implement/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, colour: 1 }, 'z.json'), /unknown key 'colour'/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { width: 100, head_width: 64 } }), /not a multiple of head_width/);
  assert.throws(() => getModelConfig('ViT-Q-99'), /unknown model 'ViT-Q-99'/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { patch_size: 8, conv_stem: [16, 16, 16, 16] } }, 's.json'), /s\.json: vision_cfg\.conv_stem: 4 stride-2 layers do not divide patch_size 8/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { conv_stem: [16, 0] } }, 's.json'), /conv_stem must be a non-empty list of positive channel counts, got \[16,0\]/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { conv_stem: [] } }, 's.json'), /conv_stem must be a non-empty list/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { timm_model_name: 'zooclip_mci_tiny', conv_stem: [16] } }, 's.json'), /conv_stem is for the ViT tower/);
});

test('a conv stem: stem.N.conv / stem.N.bn keys before conv1, conv1 embeds patch_size / 2^layers cells, layer decay counts it early', () => {
  const model = createModel('zooclip-quick-conv');
  const keys = [...model.visual.stateDict().keys()];
  const stem = ['stem.0.conv.weight', 'stem.0.bn.weight', 'stem.0.bn.bias', 'stem.0.bn.running_mean', 'stem.0.bn.running_var', 'stem.0.bn.num_batches_tracked',
    'stem.1.conv.weight', 'stem.1.bn.weight', 'stem.1.bn.bias', 'stem.1.bn.running_mean', 'stem.1.bn.running_var', 'stem.1.bn.num_batches_tracked'];
  assert.deepEqual(keys.slice(keys.indexOf(stem[0]!), keys.indexOf(stem[0]!) + 13), [...stem, 'conv1.weight']);
  const scales = layerDecayScales(['visual.stem.0.conv.weight', 'visual.conv1.weight', 'visual.transformer.resblocks.0.attn.in_proj_weight', 'visual.proj'], 0.5);
  assert.equal(scales[0], scales[1], 'the stem decays as much as the patch embedding');
  assert.deepEqual(model.visual.stateDict().get('conv1.weight')!.shape, [128, 64, 2, 2]);
  assert.deepEqual(model.visual.stateDict().get('stem.0.conv.weight')!.shape, [32, 3, 3, 3]);
  assert.deepEqual(toOpenClipJson(model.cfg).vision_cfg, { image_size: 64, layers: 3, width: 128, head_width: 32, patch_size: 8, conv_stem: [32, 64], pool_type: 'avg' });
  model.dispose();
});

test('ViT parameter counts match open_clip (ViT-B-16 image tower 86.2M)', () => {
  const model = createModel('ViT-B-16');
  const visual = model.visual.parameters().reduce((s, p) => s + p.numel, 0);
  assert.ok(Math.abs(visual - 86_192_640) / 86_192_640 < 0.001, `ViT-B-16 visual ${visual}`);
  assert.equal(model.numParams(), 149_620_737);
  model.dispose();
});

test('tiny configs: forward + backward on dummyInput, intermediates as NCHW maps', () => {
  const before = liveTensors();
  for (const name of listModels().filter((n) => VIT_ONLY(n) && n.startsWith('zooclip'))) {
    manualSeed(0);
    const model = createModel(name);
    tidy(() => {
      const { images, ids } = model.dummyInput(2);
      const logits = model.logits(images, ids);
      assert.deepEqual(logits.shape, [2, 2]);
      logits.sum().backward();
      assert.ok(model.parameters().every((p) => p.grad !== null), `${name}: every parameter gets a gradient`);
      const { output, intermediates } = model.visual.forwardIntermediates(images, { indices: [-2, -1] });
      const g = model.cfg.vision_cfg.image_size / model.cfg.vision_cfg.patch_size;
      assert.deepEqual(intermediates.map((m) => m.shape), [[2, model.cfg.vision_cfg.width, g, g], [2, model.cfg.vision_cfg.width, g, g]]);
      assert.deepEqual(output!.shape, [2, model.cfg.embed_dim]);
      assert.equal(model.visual.featureInfo().length, model.cfg.vision_cfg.layers);
    });
    model.dispose();
  }
  assert.equal(liveTensors(), before);
});

test('checkpoint folder round trip: same outputs; open_clip config layout; dense heads dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-ckpt-'));
  manualSeed(1);
  const a = createModel('zooclip-tiny-test');
  saveOpenClip(a, dir);
  const b = loadOpenClip(dir);
  noGrad(() => tidy(() => {
    const { images, ids } = a.dummyInput(2);
    assert.deepEqual(a.eval().logits(images, ids).toArray(), b.eval().logits(images, ids).toArray());
  }));
  a.dispose();
  b.dispose();
});

test('loading reports missing, unexpected and mis-shaped keys by name; module. prefixes are stripped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-keys-'));
  const model = createModel('zooclip-tiny-test');
  tidy(() => {
    const sd = new Map([...model.stateDict()].map(([k, v]) => [`module.${k}`, v.clone()]));
    sd.delete('module.ln_final.bias');
    sd.set('module.extra.weight', sd.get('module.logit_scale')!.clone());
    sd.set('module.text_projection', sd.get('module.text_projection')!.transpose(0, 1).contiguous());
    saveSafetensors(join(dir, 'bad.safetensors'), sd);
  });
  assert.throws(() => loadWeightsInto(model, join(dir, 'bad.safetensors')),
    /bad\.safetensors: .*missing keys: ln_final\.bias.*unexpected keys: extra\.weight.*shape mismatches: text_projection: checkpoint \[32,64\] vs model \[64,32\]/);
  const report = loadWeightsInto(model, join(dir, 'bad.safetensors'), { strict: false });
  assert.deepEqual(report.missing, ['ln_final.bias']);
  model.dispose();
});

test('position embeddings are resized on load for another image size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-pos-'));
  const small = createModel('zooclip-tiny-test');
  saveOpenClip(small, dir);
  const cfg = getModelConfig('zooclip-tiny-test');
  const big = createModel({ ...cfg, vision_cfg: { ...cfg.vision_cfg, image_size: 64 } });
  loadWeightsInto(big, join(dir, 'open_clip_model.safetensors'));
  assert.deepEqual(big.stateDict().get('visual.positional_embedding')!.shape, [65, 64]);
  noGrad(() => tidy(() => assert.deepEqual(big.encodeImage(big.visual.dummyInput(1)).shape, [1, 32])));
  writeFileSync(join(dir, 'open_clip_config.json'), '{"model_cfg": {"embed_dim": 8, "vision_cfg": {"bogus": 1}}}');
  assert.throws(() => loadOpenClip(dir), /open_clip_config\.json model_cfg: vision_cfg: unknown key 'bogus'/);
  small.dispose();
  big.dispose();
});

test('the fused inference block gives the same outputs as the composed one', async () => {
  const { ResidualAttentionBlock } = await import('../../src/nn/attention.js');
  manualSeed(3);
  const model = createModel('zooclip-tiny-test').eval();
  noGrad(() => tidy(() => {
    const x = model.visual.dummyInput(2);
    const fused = model.encodeImage(x).toArray();
    ResidualAttentionBlock.fuse = false;
    const plain = model.encodeImage(x).toArray();
    ResidualAttentionBlock.fuse = true;
    const worst = Math.max(...fused.map((v, i) => Math.abs(v - plain[i]!)));
    assert.ok(worst < 1e-5, `fused vs composed differ by ${worst}`);
  }));
  model.dispose();
});

test('state-dict keys follow open_clip order exactly (as the PyTorch reference wrote them)', async () => {
  const { SafetensorsReader } = await import('../../src/io/safetensors.js');
  const r = new SafetensorsReader(join(process.cwd(), 'test', 'parity', 'models_tiny.safetensors'));
  const model = createModel('zooclip-tiny-test');
  assert.deepEqual([...model.stateDict().keys()], r.keys());
  r.close();
  model.dispose();
});

test('dense heads live under dense_heads., train with the tower in one pass, and are dropped on export', async () => {
  const { DenseHeads, LinearSegHead, DepthHead } = await import('../../src/models/heads/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'zc-dense-'));
  const model = createModel('zooclip-tiny-test');
  const info = model.visual.featureInfo();
  model.attachDenseHeads(new DenseHeads({ seg: new LinearSegHead([info.at(-1)!], { numClasses: 5 }), depth: new DepthHead([info.at(-1)!]) }));
  const keys = [...model.stateDict().keys()];
  assert.ok(keys.some((k) => k.startsWith('dense_heads.seg.')) && keys.some((k) => k.startsWith('dense_heads.depth.')));
  tidy(() => {
    const { imageFeatures, dense } = model.encodeImageDense(model.visual.dummyInput(2));
    assert.deepEqual(dense.seg!.shape, [2, 5, 32, 32]);
    imageFeatures.sum().add(dense.seg!.mean()).add(dense.depth!.mean()).backward();
    assert.ok(model.visual.parameters().every((p) => p.grad !== null));
  });
  saveOpenClip(model, dir);
  const back = loadOpenClip(dir);
  assert.ok(![...back.stateDict().keys()].some((k) => k.startsWith('dense_heads')));
  model.dispose();
  back.dispose();
});

test('MobileCLIP configs build MCi towers under visual.trunk (open_clip keys) and train on dummyInput', () => {
  const before = liveTensors();
  const expected: Record<string, number> = { 'MobileCLIP-S0': 11.4e6, 'MobileCLIP-S1': 21.5e6, 'MobileCLIP-S2': 35.7e6 };
  for (const [name, target] of Object.entries(expected)) {
    const model = createModel(name);
    const n = model.visual.parameters().reduce((s, p) => s + p.numel, 0);
    assert.ok(Math.abs(n - target) / target < 0.03, `${name} image tower has ${n} parameters, target ${target}`);
    const keys = [...model.stateDict().keys()];
    assert.ok(keys.includes('visual.trunk.head.fc.weight') && keys.includes('text.transformer.resblocks.0.attn.in_proj_weight'), name);
    if (name === 'MobileCLIP-S0') {
      tidy(() => {
        const { images, ids } = model.dummyInput(1);
        model.logits(images, ids).sum().backward();
        assert.ok(model.parameters().every((p) => p.grad !== null));
      });
    }
    model.dispose();
  }
  assert.equal(liveTensors(), before);
});

test('ml-mobileclip key names load through the conversion table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-mobileclip-'));
  const model = createModel('MobileCLIP-S0');
  const toApple = (k: string): string => {
    if (k.startsWith('visual.trunk.')) return `image_encoder.model.${k.slice('visual.trunk.'.length)}`;
    const r = k.replace(/^text\./, '');
    const m = /^transformer\.resblocks\.(\d+)\.(.*)$/.exec(r);
    if (m) {
      const tail = m[2]!.replace(/^ln_1\./, 'pre_norm_mha.0.').replace(/^attn\.in_proj_(weight|bias)$/, 'pre_norm_mha.1.qkv_proj.$1')
        .replace(/^attn\.out_proj\./, 'pre_norm_mha.1.out_proj.').replace(/^ln_2\./, 'pre_norm_ffn.0.').replace(/^mlp\.c_fc\./, 'pre_norm_ffn.1.')
        .replace(/^mlp\.c_proj\./, 'pre_norm_ffn.4.');
      return `text_encoder.transformer.${m[1]}.${tail}`;
    }
    const table: Record<string, string> = { 'token_embedding.weight': 'embedding_layer.weight', positional_embedding: 'positional_embedding.pos_embed.pos_embed',
      'ln_final.weight': 'final_layer_norm.weight', 'ln_final.bias': 'final_layer_norm.bias', text_projection: 'projection_layer' };
    return k === 'logit_scale' ? k : `text_encoder.${table[r] ?? r}`;
  };
  tidy(() => {
    const apple = new Map([...model.stateDict()].map(([k, v]) => [toApple(k), k === 'text.positional_embedding' ? v.reshape([1, 1, v.size(0), v.size(1)]) : v]));
    saveSafetensors(join(dir, 'mobileclip_s0.safetensors'), apple);
  });
  const fresh = createModel('MobileCLIP-S0');
  const report = loadWeightsInto(fresh, join(dir, 'mobileclip_s0.safetensors'));
  assert.deepEqual(report, { missing: [], unexpected: [], mismatched: [] });
  noGrad(() => tidy(() => assert.deepEqual(fresh.stateDict().get('text.positional_embedding')!.toArray(), model.stateDict().get('text.positional_embedding')!.toArray())));
  model.dispose();
  fresh.dispose();
});
