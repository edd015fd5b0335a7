// zooclip-mci-tiny: the config builds (same text tower as zooclip-tiny), trains at 64 px, keeps a
// 4x4 map at the last level for dense heads, folds to the same features, and a short training run
// on a 64 px world lowers the loss and round-trips through an open_clip folder into
// loadModelForEval, which folds it and still gives the trained model's features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { liveTensors, manualSeed, noGrad, randn, tidy, type Tensor } from '../../src/engine/index.js';
import { MciTower } from '../../src/models/mci/index.js';
import type { Module } from '../../src/nn/module.js';
import { createModel } from '../../src/models/clip.js';
import { getModelConfig, parseClipConfig } from '../../src/models/config.js';
import { saveOpenClip } from '../../src/models/open_clip_folder.js';
import { defaultHeadSpec, DenseModel, towerFromConfig } from '../../src/dense/index.js';
import { loadModelForEval } from '../../src/eval/load_model.js';
import { runDenseProbes } from '../../src/eval/probe/index.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { runTrain } from '../../src/stages/train/run.js';
import { readMetrics } from '../../src/training/metrics.js';
import { randomizeFoldedState } from '../helpers/fold_state.js';

const NAME = 'zooclip-mci-tiny';
const maxAbsDiff = (a: Tensor, b: Tensor): number => tidy(() => a.sub(b).abs().reshape([-1]).amax(0).item());
const shapes = (m: Module): string[] => [...m.namedParameters()].map(([k, p]) => `${k} [${p.shape}]`);

test('the config builds: MCi stages at reductions 4/8/16, zooclip-tiny\'s text tower, ViT-sized image tower', { timeout: 30_000 }, () => {
  const before = liveTensors();
  const cfg = getModelConfig(NAME);
  assert.equal(cfg.vision_cfg.timm_model_name, 'zooclip_mci_tiny');
  assert.equal(cfg.vision_cfg.image_size, 64);
  manualSeed(0);
  const mci = createModel(NAME), vit = createModel('zooclip-tiny');
  assert.deepEqual(mci.visual.featureInfo(), [{ channels: 32, reduction: 4 }, { channels: 64, reduction: 8 }, { channels: 128, reduction: 16 }]);
  const text = (m: Module) => shapes(m).filter((s) => !s.startsWith('visual.'));
  assert.deepEqual(text(mci), text(vit), 'same text tower and logit scale');
  const [a, b] = [mci.visual.numParams(), vit.visual.numParams()];
  assert.ok(Math.abs(a - b) / b < 0.05, `image params ${a} vs zooclip-tiny's ${b}`);
  assert.ok([...mci.stateDict().keys()].includes('visual.trunk.stages.2.blocks.0.token_mixer.qkv.weight'), 'open_clip TimmModel keys, attention in the last stage');
  mci.dispose();
  vit.dispose();
  assert.equal(liveTensors(), before);
});

test('stage layouts the tower cannot build are named', { timeout: 10_000 }, () => {
  const make = (depths: number[], widths: number[], imageSize = 64) => new MciTower({ depths, widths, mlpRatio: 3, embedDim: 8, imageSize });
  assert.throws(() => make([1], [32]), /depths \[1\] and widths \[32\] must list the same 2 to 4 stages/);
  assert.throws(() => make([1, 1, 1], [32, 64]), /must list the same 2 to 4 stages/);
  assert.throws(() => make([1, 1, 1], [32, 64, 160]), /widths \[32,64,160\] must grow at every stage by a whole factor/);
  assert.throws(() => make([1, 1, 1], [32, 64, 128], 72), /image size 72 is not a positive multiple of 16 \(the total stride of 3 stages\)/);
  assert.throws(() => parseClipConfig({ embed_dim: 8, vision_cfg: { timm_model_name: 'fastvit_mci9' } }, 'm.json'), /m\.json: vision_cfg\.timm_model_name 'fastvit_mci9' is not built in \(fastvit_mci0\/1\/2 and zooclip_mci_tiny are\)/);
});

test('forward + backward at 64 px reach every parameter; the last level is a 4x4 map that dense heads read', { timeout: 60_000 }, () => {
  const before = liveTensors();
  manualSeed(1);
  const model = createModel(NAME);
  tidy(() => {
    const { images, ids } = model.dummyInput(4);
    assert.deepEqual(images.shape, [4, 3, 64, 64]);
    const logits = model.logits(images, ids);
    assert.deepEqual(logits.shape, [4, 4]);
    logits.sum().backward();
    assert.deepEqual([...model.namedParameters()].filter(([, p]) => p.grad === null).map(([k]) => k), [], 'parameters without gradient');
    const { intermediates } = model.visual.forwardIntermediates(images, { indices: [-1] });
    assert.deepEqual(intermediates[0]!.shape, [4, 128, 4, 4]);
  });
  model.dispose();

  manualSeed(2);
  const tower = towerFromConfig(getModelConfig(NAME));
  for (const [task, channels] of [['seg', 7], ['depth', 1]] as const) {
    const dense = new DenseModel(tower, defaultHeadSpec(task, 7));
    assert.equal(dense.level, 2, 'level -1 resolves to the last stage');
    tidy(() => {
      const out = dense.forward(randn([2, 3, 64, 64])) as Tensor;
      assert.deepEqual(out.shape, [2, channels, 64, 64], `${task} head output`);
      out.square().mean().backward();
      assert.ok(dense.head.parameters().every((p) => p.grad !== null), `${task} head gets gradients`);
    });
    dense.head.dispose();
  }
  tower.dispose();
  assert.equal(liveTensors(), before);
});

test('folded and unfolded towers give the same features (1e-4): embeddings and every stage map', { timeout: 60_000 }, () => {
  const before = liveTensors();
  manualSeed(3);
  const branched = createModel(NAME);
  randomizeFoldedState(branched.visual);
  branched.eval();
  const folded = createModel(NAME);
  noGrad(() => folded.loadStateDict(branched.stateDict()));
  folded.eval().visual.reparameterize();
  const keys = [...folded.visual.stateDict().keys()];
  assert.deepEqual(keys.filter((k) => /\.(identity|conv_kxk|conv_scale|large_conv|small_conv|pos_enc)\./.test(k)), [], 'branches left after folding');
  tidy(() => noGrad(() => {
    const x = randn([3, 3, 64, 64]);
    const d = maxAbsDiff(folded.encodeImage(x, false), branched.encodeImage(x, false));
    assert.ok(d <= 1e-4, `embedding max |diff| ${d}`);
    const mapsA = branched.visual.forwardIntermediates(x, { intermediatesOnly: true }).intermediates;
    const mapsB = folded.visual.forwardIntermediates(x, { intermediatesOnly: true }).intermediates;
    mapsA.forEach((m, i) => assert.ok(maxAbsDiff(mapsB[i]!, m) <= 1e-4, `stage ${i} map max |diff| ${maxAbsDiff(mapsB[i]!, m)}`));
  }));
  branched.dispose();
  folded.dispose();
  assert.equal(liveTensors(), before);
});

test('20 training steps on a 64 px world lower the loss; the open_clip folder loads folded with the same features; a probe reads its map', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'zc-mci-tiny-'));
  const world = join(root, 'world'), out = join(root, 'run');
  await runSynth({ out: world, size: 64, zoo: 64, web: 0, probeTrain: 16, probeTest: 8, classify: 0, noise: 0.5, seed: 0, bench: 0, workers: 2, log: () => {} });
  const cfg = resolveConfig({ preset: 'tiny-synth', sets: [`model.name=${NAME}`, `data.root=${world}`, 'data.split=zoo', 'data.batch=16', 'run.steps=20',
    'optim.warmup=2', 'optim.lr=2e-3', `run.out=${out}`, 'run.logEvery=1', 'run.threads=1', 'data.workers=2', 'checkpoint.every=0', 'eval.zeroShot=false'] });
  await runTrain(cfg, { hooks: { log: () => {} } });
  const losses = readMetrics(join(out, 'metrics.jsonl')).map((m) => m.loss.total!);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  assert.equal(losses.length, 20);
  assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) - 0.1, `loss ${mean(losses.slice(0, 5))} -> ${mean(losses.slice(-5))}`);

  const trained = loadModelForEval(out, { ema: false, reparameterize: false });
  assert.equal(trained.reparameterized, false);
  const oc = join(root, 'open_clip');
  saveOpenClip(trained.model, oc);
  const loaded = loadModelForEval(oc);
  assert.deepEqual([loaded.kind, loaded.reparameterized, loaded.model.training], ['open_clip', true, false]);
  assert.ok([...loaded.model.visual.stateDict().keys()].some((k) => k.endsWith('reparam_conv.weight')), 'the eval model is folded');
  tidy(() => noGrad(() => {
    const x = randn([4, 3, 64, 64]);
    const d = maxAbsDiff(loaded.model.encodeImage(x, false), trained.model.encodeImage(x, false));
    assert.ok(d <= 1e-4, `features of the folded open_clip load vs the trained model: max |diff| ${d}`);
  }));
  trained.model.dispose();

  const probe = await runDenseProbes({ encoder: loaded.model, data: world, tasks: ['seg'], steps: 5, batch: 8, seeds: [0], workers: 2 });
  assert.equal(probe.settings.level, 2);
  assert.ok(Number.isFinite(probe.tasks.seg!.fractions[0]!.mean.miou), 'seg probe scored');
  loaded.model.dispose();
});
