// Loading models for evaluation from a tiny training run: checkpoint folder, run folder, EMA or raw
// weights, open_clip export, random init from a config, and the errors for everything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Tensor } from '../../src/engine/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { saveOpenClip } from '../../src/models/open_clip_folder.js';
import { runTrain } from '../../src/stages/train/run.js';
import { loadModelForEval } from '../../src/eval/load_model.js';
import { tinyConfig, tinyWorld } from '../train/world.js';

let trained: Promise<{ out: string; model: string }> | null = null;
/** A 4-step run with EMA on the tiny world, once per process. */
function tinyRun(): Promise<{ out: string; model: string }> {
  trained ??= (async () => {
    const w = await tinyWorld();
    const out = mkdtempSync(join(tmpdir(), 'zc-evrun-'));
    await runTrain(tinyConfig(w, out, 4, ['checkpoint.every=0', 'ema.decay=0.5', 'ema.warmup=0', 'eval.zeroShot=false', 'optim.lr=1e-2', 'run.threads=1']), { hooks: { log: () => {} } });
    return { out, model: w.model };
  })();
  return trained;
}

function same(sd: Map<string, Tensor>, file: string): boolean {
  const { tensors } = loadSafetensors(file);
  try {
    return [...tensors].every(([k, t]) => Buffer.from(t.data().buffer).equals(Buffer.from(sd.get(k)!.data().buffer))) && tensors.size === sd.size;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

test('checkpoint, run folder, EMA or raw weights, open_clip folder, config: each loads what it names', async () => {
  const { out, model: cfgPath } = await tinyRun();
  const ckpt = join(out, 'checkpoints', 'step-000004');
  const a = loadModelForEval(ckpt);
  assert.deepEqual([a.kind, a.weights, a.step, a.path, a.model.training], ['checkpoint', 'ema', 4, ckpt, false]);
  assert.ok(same(a.model.stateDict(), join(ckpt, 'ema.safetensors')), 'EMA weights loaded');
  assert.ok(!same(a.model.stateDict(), join(ckpt, 'model.safetensors')), 'EMA differs from the raw weights');
  const b = loadModelForEval(out, { ema: false });
  assert.deepEqual([b.kind, b.weights, b.path], ['checkpoint', 'model', ckpt], 'a run folder resolves to its newest checkpoint');
  assert.ok(same(b.model.stateDict(), join(ckpt, 'model.safetensors')), 'raw weights loaded');

  const oc = mkdtempSync(join(tmpdir(), 'zc-evoc-'));
  saveOpenClip(b.model, oc);
  const c = loadModelForEval(oc);
  assert.deepEqual([c.kind, c.weights], ['open_clip', 'open_clip']);
  assert.ok(same(c.model.stateDict(), join(ckpt, 'model.safetensors')), 'open_clip export round trip');

  const r1 = loadModelForEval(cfgPath, { seed: 3 }), r2 = loadModelForEval(cfgPath, { seed: 3 });
  assert.deepEqual([r1.kind, r1.weights], ['config', 'random']);
  const k = 'visual.conv1.weight';
  assert.deepEqual(r1.model.stateDict().get(k)!.toArray(), r2.model.stateDict().get(k)!.toArray(), 'same seed, same init');
  for (const m of [a, b, c, r1, r2]) m.model.dispose();

  const empty = mkdtempSync(join(tmpdir(), 'zc-evempty-'));
  assert.throws(() => loadModelForEval(empty), new RegExp(`${empty} is not a training checkpoint .*, a run folder .* nor an open_clip folder`));
  mkdirSync(join(empty, 'checkpoints'));
  assert.throws(() => loadModelForEval(empty), /run folder .* has no finished checkpoint under .*checkpoints/);
  assert.throws(() => loadModelForEval('no-such-model'), /--model no-such-model: no such folder or config file, and not a built-in model \(built in: .*zooclip-tiny/);
});
