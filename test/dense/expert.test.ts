// `zooclip train-expert` end to end (checkpoints, bit-exact resume, expert folder, probe-test
// scores) and the zooclip expert plugin: save/load round trip, outputs at each image's own size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed, setNumThreads } from '../../src/engine/index.js';
import { getModelConfig } from '../../src/models/config.js';
import { OPENAI_MEAN, OPENAI_STD } from '../../src/data/loader/index.js';
import { defaultHeadSpec, DenseModel, readExpertManifest, saveExpert, towerFromConfig, type DenseTaskName, type ExpertManifest } from '../../src/dense/index.js';
import { SEG_CLASSES } from '../../src/data/synth/world.js';
import { resolveExpertConfig } from '../../src/stages/train_expert/config.js';
import { runTrainExpert } from '../../src/stages/train_expert/run.js';
import { loadZooclipExpert, ZooclipExpert } from '../../src/zoo/expert_zooclip.js';
import type { RgbImage } from '../../src/zoo/types.js';
import { denseWorld } from './world.js';

setNumThreads(1);
const quiet = (): void => {};

function image(width: number, height: number, seed: number): RgbImage {
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31 + seed * 17 + ((i / 3 / width) | 0) * 5) & 255) };
}

test('train-expert: trains, checkpoints, resumes bit-exactly, scores probe-test, writes the expert', async () => {
  const w = await denseWorld();
  const root = mkdtempSync(join(tmpdir(), 'zc-expert-'));
  const base = { task: 'seg', data: w.world, model: w.model, steps: 6, batch: 8, warmup: 1, checkpointEvery: 3, keep: 5, threads: 1, workers: 1, logEvery: 1, channels: 16 };
  const a = await runTrainExpert(resolveExpertConfig({ ...base, out: join(root, 'a') }), { log: quiet });
  assert.equal(a.steps, 6);
  assert.ok(a.eval && a.eval.images === 32 && a.eval.metrics.miou! >= 0 && a.eval.metrics.pixelAccuracy! > 0, JSON.stringify(a.eval));
  assert.equal(readFileSync(join(root, 'a', 'metrics.jsonl'), 'utf8').trim().split('\n').length, 6);
  const m = readExpertManifest(a.expert);
  assert.equal(m.task, 'seg');
  assert.deepEqual(m.classes, [...SEG_CLASSES]);
  assert.equal(m.inputSize, 32);
  assert.equal(m.head.segHead, 'psp');
  assert.ok(existsSync(join(a.expert, 'model.safetensors')));
  // Resume from a's step-3 checkpoint in another folder: the same weights at step 6.
  const b = await runTrainExpert(resolveExpertConfig({ ...base, out: join(root, 'b') }), { resume: join(root, 'a', 'checkpoints', 'step-000003'), log: quiet });
  assert.ok(readFileSync(join(b.expert, 'model.safetensors')).equals(readFileSync(join(a.expert, 'model.safetensors'))), 'resumed run ends with identical weights');
  assert.deepEqual(b.eval!.metrics, a.eval!.metrics);
});

function manifestFor(task: DenseTaskName, modelPath: string, model: DenseModel): ExpertManifest {
  return { format: 'zooclip-expert', version: 1, task, model: getModelConfig(modelPath), modelName: modelPath, head: model.spec, classes: [...SEG_CLASSES],
    inputSize: 32, mean: [...OPENAI_MEAN], std: [...OPENAI_STD], depthScale: 1, threshold: task === 'det' ? 0.05 : 0 };
}

test('loadZooclipExpert: identical predictions after a save/load round trip, at each image\'s own size', async () => {
  const w = await denseWorld();
  const root = mkdtempSync(join(tmpdir(), 'zc-expert-io-'));
  const images = [image(32, 32, 1), image(48, 40, 2), image(100, 70, 3)];
  for (const task of ['seg', 'depth', 'normals', 'det'] as DenseTaskName[]) {
    manualSeed(3);
    const model = new DenseModel(towerFromConfig(getModelConfig(w.model)), { ...defaultHeadSpec(task, SEG_CLASSES.length), channels: 16 });
    const man = manifestFor(task, w.model, model);
    saveExpert(model, man, join(root, task));
    const direct = new ZooclipExpert(model, man, 'direct');
    const loaded = loadZooclipExpert(join(root, task));
    assert.equal(loaded.task, task);
    const [p, q] = [await direct.predict(images), await loaded.predict(images)];
    assert.deepEqual(q, p, `${task}: same predictions after the round trip`);
    images.forEach((im, i) => {
      const o = q[i]!, n = im.width * im.height;
      if (task === 'seg') {
        assert.deepEqual([o.seg!.width, o.seg!.height, o.seg!.labels.length], [im.width, im.height, n]);
        assert.ok(o.seg!.labels.every((v) => v < SEG_CLASSES.length), 'threshold 0: every pixel labelled');
      } else if (task === 'depth') {
        assert.equal(o.depth!.depth.length, n);
        assert.ok(o.depth!.depth.every((v) => v > 0 && Number.isFinite(v)));
      } else if (task === 'normals') {
        assert.equal(o.normals!.normals.length, 3 * n);
        const v = o.normals!.normals;
        assert.ok(Math.abs(Math.hypot(v[0]!, v[1]!, v[2]!) - 1) < 1e-4, 'unit normals');
      } else {
        const d = o.det!;
        assert.equal(d.boxes.length, d.scores.length);
        assert.ok(d.boxes.length > 0, 'an untrained head at threshold 0.05 still finds peaks');
        assert.ok(d.boxes.every((b) => b[0] >= 0 && b[1] >= 0 && b[2] <= im.width + 1e-3 && b[3] <= im.height + 1e-3), 'boxes in image pixels');
        assert.deepEqual(d.names, d.labels.map((l) => SEG_CLASSES[l]));
      }
    });
    if (task === 'seg') {
      const [strict] = await loaded.predict([images[0]!], { threshold: 0.99 });
      assert.ok(strict!.seg!.labels.some((v) => v === 255), 'low-confidence pixels become 255');
    }
    loaded.dispose();
    direct.dispose();
  }
  assert.throws(() => loadZooclipExpert(join(root, 'missing')), /no expert\.json/);
});
