// `zooclip train-captioner` on a tiny 32x32 synthetic world: the loss falls, the run writes its
// metrics, checkpoints, captioner folder and held-out report, and resuming from a checkpoint
// continues with exactly the losses of the uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runSynth } from '../../src/stages/synth/run.js';
import { resolveCaptionerConfig } from '../../src/stages/train_captioner/config.js';
import { runTrainCaptioner } from '../../src/stages/train_captioner/run.js';
import { readMetrics } from '../../src/training/metrics.js';
import { loadZooclipCaptioner } from '../../src/zoo/captioner_zooclip.js';
import { DEFAULT_CAPTION_OPTIONS } from '../../src/zoo/types.js';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('training a tiny captioner lowers the loss; checkpoints resume exactly; the final folder captions', async () => {
  const root = mkdtempSync(join(tmpdir(), 'zc-captrain-'));
  const world = join(root, 'world');
  await runSynth({ out: world, size: 32, zoo: 64, web: 0, probeTrain: 0, probeTest: 6, classify: 0, noise: 0.5, seed: 0, bench: 0, workers: 2, log: () => {} });
  const settings = { data: world, model: 'captioner-test', steps: 40, warmup: 3, batch: 16, lr: 1e-2, threads: 1, workers: 1, logEvery: 1, checkpointEvery: 20, evalImages: 6, show: 2 };
  const out = join(root, 'run');
  const lines: string[] = [];
  const r = await runTrainCaptioner(resolveCaptionerConfig({ ...settings, out }), { log: (s) => lines.push(s) });
  const m = readMetrics(join(out, 'metrics.jsonl'));
  assert.equal(m.length, 40);
  const losses = m.map((x) => x.loss.caption!);
  assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) - 1, `caption loss ${mean(losses.slice(0, 5))} -> ${mean(losses.slice(-5))}`);
  assert.ok(m.every((x) => Number.isFinite(x.loss.contrastive) && x.imagesPerSec > 0));
  assert.deepEqual(readdirSync(join(out, 'checkpoints')).sort(), ['step-000020', 'step-000040']);
  assert.deepEqual(readdirSync(join(out, 'captioner')).sort(), ['captioner.json', 'model.safetensors']);
  const arch = JSON.parse(readFileSync(join(out, 'captioner', 'captioner.json'), 'utf8'));
  assert.ok(arch.decoder_cfg.output_ids.length > 20 && arch.decoder_cfg.output_ids.length < 400, 'output ids from the captions');
  assert.equal(r.heldOut.length, 2);
  assert.ok(r.heldOut.every((h) => h.summary.captions === 6 && h.captionsPerSec > 0));
  assert.ok(lines.some((l) => /truth: .+/.test(l)) && lines.some((l) => /held-out greedy: 6 captions/.test(l)));
  const saved = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.equal(saved.steps, 40);
  // How much the held-out captions depend on their images is measured and logged.
  assert.ok(Number.isFinite(saved.imageReliance.gain) && saved.imageReliance.ownImages > 0, JSON.stringify(saved.imageReliance));
  assert.ok(lines.some((l) => /held-out caption loss .+ with the right images, .+ with other images \(gain/.test(l)));

  // Resume from the step-20 checkpoint in a fresh folder: steps 21..40 repeat the first run's losses.
  const out2 = join(root, 'resumed');
  mkdirSync(join(out2, 'checkpoints'), { recursive: true });
  cpSync(join(out, 'checkpoints', 'step-000020'), join(out2, 'checkpoints', 'step-000020'), { recursive: true });
  cpSync(join(out, 'captioner.json'), join(out2, 'captioner.json'));
  cpSync(join(out, 'metrics.jsonl'), join(out2, 'metrics.jsonl'));
  await runTrainCaptioner(resolveCaptionerConfig({ ...settings, out: out2, evalImages: 0 }), { resume: 'latest', log: () => {} });
  const m2 = readMetrics(join(out2, 'metrics.jsonl'));
  assert.deepEqual(m2.map((x) => x.step), m.map((x) => x.step));
  assert.deepEqual(m2.slice(20).map((x) => x.loss), m.slice(20).map((x) => x.loss));

  const cap = loadZooclipCaptioner(join(out, 'captioner'));
  try {
    const img = { data: new Uint8Array(32 * 32 * 3).fill(90), width: 32, height: 32 };
    const [caps] = await cap.caption([img], ['k'], { ...DEFAULT_CAPTION_OPTIONS, n: 2 });
    assert.equal(caps!.length, 2);
  } finally {
    cap.dispose();
  }
  assert.ok(!existsSync(join(out, '.captioner.tmp-' + process.pid)));
});
