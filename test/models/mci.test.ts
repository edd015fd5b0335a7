// MCi image towers: sizes, training step, intermediates, reparameterization (same outputs,
// faster), foreign checkpoint keys, CLIP wiring, and no leaked tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, liveTensors, manualSeed, noGrad, randn, tidy } from '../../src/engine/index.js';
import { buildImageTower, createModel } from '../../src/models/clip.js';
import { parseClipConfig } from '../../src/models/config.js';
import { mciKeyFromForeign, mciStateDictFromForeign, mciTower, registerMciTowers, type MciTower } from '../../src/models/mci/index.js';
import { assertClose } from '../helpers/assert_close.js';
import { randomizeFoldedState } from '../helpers/fold_state.js';

function fastestMs(fn: () => void, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

test('parameter counts are within 3% of MobileCLIP\'s 11.4M / 21.5M / 35.7M', () => {
  const before = liveTensors();
  const expected = { mci0: [11.4e6, 11_406_976, 11_357_504], mci1: [21.5e6, 21_541_632, 21_461_056], mci2: [35.7e6, 35_815_232, 35_702_992] } as const;
  for (const [variant, [target, train, folded]] of Object.entries(expected)) {
    const m = mciTower(variant as keyof typeof expected);
    const n = m.numParams();
    assert.ok(Math.abs(n - target) / target < 0.03, `${variant}: ${n} parameters vs ${target}`);
    assert.equal(n, train, `${variant}: training-time count changed (bench/mci_torch.py has ${train})`);
    m.eval().reparameterize();
    assert.equal(m.numParams(), folded, `${variant}: folded count`);
    m.dispose();
  }
  assert.equal(liveTensors(), before, 'building, folding and disposing leaked tensors');
});

test('mci0 trains: forward and backward reach every parameter, without leaks', () => {
  manualSeed(0);
  const before = liveTensors();
  const m = mciTower('mci0', { imageSize: 64, embedDim: 32 });
  tidy(() => {
    const out = m.forward(m.dummyInput(2));
    assert.deepEqual(out.shape, [2, 32]);
    out.square().mean().backward();
  });
  const missing = tidy(() => [...m.namedParameters()].filter(([, p]) => p.grad === null).map(([k]) => k));
  assert.deepEqual(missing, [], 'parameters without gradient');
  assert.ok(tidy(() => m.parameters().every((p) => Number.isFinite(p.grad!.abs().sum().item()))), 'non-finite gradient');
  m.dispose();
  assert.equal(liveTensors(), before);
});

test('gradient checkpointing gives the same gradients', () => {
  const grads = (ckpt: boolean): number[] => {
    manualSeed(1);
    const m = mciTower('mci0', { imageSize: 32, embedDim: 8 });
    m.gradCheckpointing = ckpt;
    tidy(() => m.forward(randn([2, 3, 32, 32])).sum().backward());
    const g = tidy(() => m.parameters().map((p) => p.grad!.abs().sum().item()));
    m.dispose();
    return g;
  };
  const plain = grads(false), ckpt = grads(true);
  plain.forEach((g, i) => assert.ok(Math.abs(g - ckpt[i]!) <= 1e-4 * Math.max(1, Math.abs(g)), `gradient sum ${i}: ${g} vs ${ckpt[i]}`));
});

test('forwardIntermediates: stage maps at reductions 4/8/16/32, NLC, index selection', () => {
  manualSeed(2);
  const m = mciTower('mci0', { imageSize: 64, embedDim: 16 }).eval();
  const info = m.featureInfo();
  assert.deepEqual(info, [{ channels: 64, reduction: 4 }, { channels: 128, reduction: 8 }, { channels: 256, reduction: 16 }, { channels: 512, reduction: 32 }]);
  tidy(() => noGrad(() => {
    const x = m.dummyInput(2);
    assert.deepEqual(x.shape, [2, 3, 64, 64]);
    const all = m.forwardIntermediates(x);
    assert.deepEqual(all.intermediates.map((t) => t.shape), info.map((f) => [2, f.channels, 64 / f.reduction, 64 / f.reduction]));
    assertClose(all.output!, m.forward(x), 'output of forwardIntermediates vs forward');
    const nlc = m.forwardIntermediates(x, { indices: 2, format: 'NLC', intermediatesOnly: true });
    assert.equal(nlc.output, null);
    assert.deepEqual(nlc.intermediates.map((t) => t.shape), [[2, 16, 256], [2, 4, 512]]);
    assertClose(nlc.intermediates[0]!, all.intermediates[2]!.flatten(2).transpose(1, 2), 'NLC is the flattened map');
    const picked = m.forwardIntermediates(x, { indices: [0, -1], intermediatesOnly: true });
    assert.deepEqual(picked.intermediates.map((t) => t.shape[1]), [64, 512]);
  }));
  assert.throws(() => m.forwardIntermediates(randn([1, 3, 64, 64]), { indices: [4] }), /out of range/);
  assert.throws(() => m.forward(randn([1, 1, 64, 64])), /expected images \[B, 3, H, W\]/);
  m.dispose();
});

test('reparameterize folds every branch: same eval outputs (1e-4), timm inference keys, faster', () => {
  manualSeed(3);
  const before = liveTensors();
  const branched = mciTower('mci0', { imageSize: 64 });
  randomizeFoldedState(branched);
  branched.eval();
  const folded = mciTower('mci0', { imageSize: 64 });
  folded.loadStateDict(branched.stateDict());
  folded.eval().reparameterize();
  folded.reparameterize();  // idempotent

  const keys = [...folded.stateDict().keys()];
  const branchKeys = keys.filter((k) => /\.(identity|conv_kxk|conv_scale|large_conv|small_conv|pos_enc)\.|token_mixer\.(norm|mixer|layer_scale)\./.test(k));
  assert.deepEqual(branchKeys, [], 'training-time branches left after folding');
  for (const k of ['stem.0.reparam_conv.weight', 'stages.0.blocks.0.token_mixer.reparam_conv.bias', 'stages.1.downsample.proj.0.reparam_conv.weight',
    'stages.3.pos_emb.reparam_conv.weight', 'final_conv.se.fc1.weight', 'final_conv.reparam_conv.weight', 'head.fc.weight']) {
    assert.ok(keys.includes(k), `missing ${k}`);
  }

  const x = keep(randn([2, 3, 64, 64]));
  tidy(() => noGrad(() => {
    assertClose(folded.forward(x), branched.forward(x), 'folded output', { rtol: 1e-4, atol: 1e-4 });
    const want = branched.forwardIntermediates(x, { intermediatesOnly: true }).intermediates;
    const got = folded.forwardIntermediates(x, { intermediatesOnly: true }).intermediates;
    got.forEach((t, i) => assertClose(t, want[i]!, `folded stage ${i}`, { rtol: 1e-4, atol: 1e-4 }));
  }));

  // Interleaved rounds, fastest of each, so load drifts hit both alike.
  const timed = (m: MciTower) => () => tidy(() => { noGrad(() => m.forward(x)); });
  let slow = Infinity, fast = Infinity;
  for (let round = 0; round < 5; round++) {
    slow = Math.min(slow, fastestMs(timed(branched), 1));
    fast = Math.min(fast, fastestMs(timed(folded), 1));
  }
  assert.ok(fast < slow * 0.97, `folded forward ${fast.toFixed(1)} ms is not faster than ${slow.toFixed(1)} ms`);

  x.dispose();
  branched.dispose();
  folded.dispose();
  assert.equal(liveTensors(), before, 'reparameterize leaked tensors');
});

test('foreign checkpoint keys: open_clip and ml-mobileclip names map onto ours', () => {
  const cases: [string, string | null][] = [
    ['visual.trunk.stages.3.blocks.1.layer_scale_2.gamma', 'stages.3.blocks.1.layer_scale_2.gamma'],
    ['visual.trunk.head.fc.bias', 'head.fc.bias'],
    ['text.transformer.resblocks.0.attn.in_proj_weight', null],
    ['logit_scale', null],
    ['stem.1.conv_scale.bn.running_var', 'stem.1.conv_scale.bn.running_var'],
    ['image_encoder.model.patch_embed.0.rbr_conv.0.conv.weight', 'stem.0.conv_kxk.0.conv.weight'],
    ['image_encoder.model.patch_embed.2.rbr_skip.running_mean', 'stem.2.identity.running_mean'],
    ['image_encoder.model.network.0.1.token_mixer.mixer.rbr_scale.bn.weight', 'stages.0.blocks.1.token_mixer.mixer.conv_scale.bn.weight'],
    ['image_encoder.model.network.0.1.token_mixer.layer_scale', 'stages.0.blocks.1.token_mixer.layer_scale.gamma'],
    ['image_encoder.model.network.2.3.layer_scale', 'stages.1.blocks.3.layer_scale.gamma'],
    ['image_encoder.model.network.4.0.convffn.conv.bn.bias', 'stages.2.blocks.0.mlp.conv.bn.bias'],
    ['image_encoder.model.network.5.proj.0.lkb_origin.conv.weight', 'stages.3.downsample.proj.0.large_conv.conv.weight'],
    ['image_encoder.model.network.5.proj.0.se.reduce.weight', 'stages.3.downsample.proj.0.se.fc1.weight'],
    ['image_encoder.model.network.6.pe.weight', 'stages.3.pos_emb.pos_enc.weight'],
    ['image_encoder.model.network.6.reparam_conv.bias', 'stages.3.pos_emb.reparam_conv.bias'],
    ['image_encoder.model.network.7.1.layer_scale_1', 'stages.3.blocks.1.layer_scale_1.gamma'],
    ['image_encoder.model.network.7.0.token_mixer.qkv.weight', 'stages.3.blocks.0.token_mixer.qkv.weight'],
    ['image_encoder.model.conv_exp.se.expand.bias', 'final_conv.se.fc2.bias'],
    ['text_encoder.transformer.0.weight', null],
  ];
  for (const [from, to] of cases) assert.equal(mciKeyFromForeign(from), to, from);
  tidy(() => {
    const proj = randn([1024, 512]);
    const sd = mciStateDictFromForeign(new Map([['image_encoder.model.head.proj', proj], ['logit_scale', randn([])]]));
    assert.deepEqual([...sd.keys()], ['head.fc.weight', 'head.fc.bias']);
    assert.deepEqual(sd.get('head.fc.weight')!.shape, [512, 1024]);
    assertClose(sd.get('head.fc.weight')!, proj.transpose(0, 1), 'transposed projection');
    assert.equal(sd.get('head.fc.bias')!.abs().sum().item(), 0);
  });
});

test('CLIP with an MCi tower has open_clip\'s keys (visual.trunk.*) and encodes images', () => {
  registerMciTowers();
  const before = liveTensors();
  const model = createModel({
    embed_dim: 16, custom_text: true,
    vision_cfg: { timm_model_name: 'fastvit_mci0', timm_pool: 'avg', timm_proj: null, image_size: 64 },
    text_cfg: { context_length: 8, vocab_size: 50, width: 16, heads: 2, layers: 1, no_causal_mask: true },
  });
  const keys = [...model.stateDict().keys()].filter((k) => k.startsWith('visual.'));
  assert.equal(keys[0], 'visual.trunk.stem.0.conv_kxk.0.conv.weight');
  assert.ok(keys.every((k) => k.startsWith('visual.trunk.')));
  assert.ok(keys.includes('visual.trunk.head.fc.weight'));
  assert.equal(model.visual.imageSize, 64);
  tidy(() => assert.deepEqual(model.encodeImage(model.visual.dummyInput(1)).shape, [1, 16]));
  model.dispose();
  assert.equal(liveTensors(), before);
  const linearProj = parseClipConfig({ embed_dim: 16, vision_cfg: { timm_model_name: 'fastvit_mci0', timm_proj: 'linear' } });
  assert.throws(() => buildImageTower(linearProj), /timm_proj 'linear'/);
});
