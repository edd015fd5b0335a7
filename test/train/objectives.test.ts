// The other training objectives on the tiny world: CLIPTeX pseudo-task heads (seg, depth, normals,
// det) next to the contrastive loss, and DataCompDR distillation from stored teacher embeddings in
// npz fields, alone and with multi-caption training. Each lowers its own loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runTrain } from '../../src/stages/train/run.js';
import { readMetrics } from '../../src/training/metrics.js';
import { readShards, ShardWriter } from '../../src/data/shards/index.js';
import { writeNpz } from '../../src/data/shards/npz.js';
import { syntheticCaptions } from '../../src/data/loader/captions.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import { tinyConfig, tinyWorld } from './world.js';

const quiet = { log: () => {} };
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A deterministic unit vector for a text: what a (perfect) teacher might embed it as. */
function embed(text: string, dim: number): Float32Array {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) { h = Math.imul(h ^ (h >>> 13), 0x5bd1e995); v[i] = ((h >>> 8) / 2 ** 24) - 0.5; }
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

let npzWorld: Promise<string> | null = null;
/** The tiny world's zoo split with an npz per sample: image_emb = embed(first quality caption), text_emb = its captions' embeddings. */
function worldWithTeacher(root: string): Promise<string> {
  npzWorld ??= (async () => {
    const w = new ShardWriter({ dir: join(root, 'world', 'zoo-npz'), prefix: 'zoo-npz', maxSamples: 32 });
    const D = 16;
    for await (const s of readShards(readdirSync(join(root, 'world', 'zoo')).filter((f) => f.endsWith('.tar')).map((f) => join(root, 'world', 'zoo', f)))) {
      const real = Buffer.from(s.fields.get('txt')!).toString('utf8').trim(), syn = syntheticCaptions(s.fields.get('syn.json'));
      const text = new Float32Array((1 + syn.length) * D);
      [real, ...syn].forEach((t, i) => text.set(embed(t, D), i * D));
      const npz = writeNpz({ image_emb: { dtype: 'f4', shape: [1, D], data: embed(real, D) }, text_emb: { dtype: 'f4', shape: [1 + syn.length, D], data: text } });
      await w.write(s.key, { ...Object.fromEntries(s.fields), npz });
    }
    await w.close();
    return 'zoo-npz';
  })();
  return npzWorld;
}

test('pseudo-task heads train next to the contrastive loss; every task loss falls; heads checkpoint under dense_heads.', async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-heads-'));
  const cfg = tinyConfig(w, out, 30, ['heads.seg=1', 'heads.depth=1', 'heads.normals=1', 'heads.det=1', 'checkpoint.every=0', 'eval.zeroShot=false', 'optim.lr=2e-3']);
  await runTrain(cfg, { hooks: quiet });
  const m = readMetrics(join(out, 'metrics.jsonl'));
  for (const task of ['contrastive', 'seg', 'depth', 'normals', 'det']) {
    const xs = m.map((x) => x.loss[task]!);
    assert.ok(xs.every(Number.isFinite), `${task} finite`);
    assert.ok(mean(xs.slice(-6)) < mean(xs.slice(0, 6)), `${task}: ${mean(xs.slice(0, 6)).toFixed(4)} -> ${mean(xs.slice(-6)).toFixed(4)}`);
  }
  for (const x of m) assert.deepEqual(x.labelled, { seg: 16, depth: 16, normals: 16, det: 16 }, 'every zoo sample carries every label');
  const total = m[0]!.loss;
  assert.ok(Math.abs(total.total! - (total.contrastive! + total.seg! + total.depth! + total.normals! + total.det!)) < 1e-4, 'total = weighted sum');
  using st = new SafetensorsReader(join(out, 'checkpoints', 'step-000030', 'model.safetensors'));
  for (const t of ['seg', 'depth', 'normals', 'det']) assert.ok(st.keys().some((k) => k.startsWith(`dense_heads.${t}.`)), `${t} head saved`);
});

test('distillation from npz teacher embeddings: the distill loss falls, alone ([0, 1]) and with multi-caption contrastive', async () => {
  const w = await tinyWorld();
  const split = await worldWithTeacher(w.root);
  const pure = mkdtempSync(join(tmpdir(), 'zc-distill-'));
  await runTrain(tinyConfig(w, pure, 30, [`data.split=${split}`, 'loss.contrastive=0', 'loss.distill=1', 'checkpoint.every=0', 'eval.zeroShot=false']), { hooks: quiet });
  const m = readMetrics(join(pure, 'metrics.jsonl'));
  const d = m.map((x) => x.loss.distill!);
  assert.ok(mean(d.slice(-6)) < mean(d.slice(0, 6)) - 0.05, `distill ${mean(d.slice(0, 6))} -> ${mean(d.slice(-6))}`);
  assert.ok(m.every((x) => Math.abs(x.loss.total! - x.loss.distill!) < 1e-5), 'contrastive weight 0: total is the distillation alone');
  const multi = mkdtempSync(join(tmpdir(), 'zc-distill-multi-'));
  await runTrain(tinyConfig(w, multi, 12, [`data.split=${split}`, 'data.captions=multi', 'loss.contrastive=0.25', 'loss.distill=0.75', 'checkpoint.every=0', 'eval.zeroShot=false']), { hooks: quiet });
  const mm = readMetrics(join(multi, 'metrics.jsonl'));
  for (const k of ['real', 'synthetic', 'distill_real', 'distill_synthetic']) assert.ok(mm.every((x) => Number.isFinite(x.loss[k])), `${k} logged`);
  const x = mm[0]!.loss;
  assert.ok(Math.abs(x.total! - (0.25 * (x.real! + x.synthetic!) + 0.75 * (x.distill_real! + x.distill_synthetic!))) < 1e-4);
});

test('distillation without npz fields fails clearly', async () => {
  const w = await tinyWorld();
  const out = mkdtempSync(join(tmpdir(), 'zc-distill-none-'));
  const warn = console.warn;
  console.warn = () => {};
  try {
    await assert.rejects(runTrain(tinyConfig(w, out, 3, ['loss.distill=1', 'eval.zeroShot=false']), { hooks: quiet }), /all \d+ samples of pass 0 were skipped \(last: no npz field/);
  } finally {
    console.warn = warn;
  }
});

test('every caption mode and SigLIP lower their loss on the tiny world', async () => {
  const w = await tinyWorld();
  const siglipModel = join(mkdtempSync(join(tmpdir(), 'zc-siglip-cfg-')), 'siglip.json');
  writeFileSync(siglipModel, JSON.stringify({ ...JSON.parse(readFileSync(w.model, 'utf8')), init_logit_bias: -10 }));
  const runs: [string, string[], string][] = [
    ['synthetic captions', ['data.captions=synthetic'], 'contrastive'],
    ['mixed captions', ['data.captions=mixed', 'data.realProb=0.3'], 'contrastive'],
    ['multi (real + synthetic summed)', ['data.captions=multi'], 'total'],
    ['siglip', ['loss.kind=siglip', `model.name=${siglipModel}`], 'contrastive'],
  ];
  for (const [name, sets, key] of runs) {
    const out = mkdtempSync(join(tmpdir(), 'zc-mode-'));
    await runTrain(tinyConfig(w, out, 24, [...sets, 'checkpoint.every=0', 'eval.zeroShot=false']), { hooks: quiet });
    const xs = readMetrics(join(out, 'metrics.jsonl')).map((x) => x.loss[key]!);
    assert.ok(mean(xs.slice(-6)) < mean(xs.slice(0, 6)) - 0.05, `${name}: ${key} ${mean(xs.slice(0, 6)).toFixed(4)} -> ${mean(xs.slice(-6)).toFixed(4)}`);
  }
});
