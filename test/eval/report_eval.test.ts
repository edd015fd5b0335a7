// `runEval` end to end on the tiny synthetic world with a random-init model: eval.json and
// report.html carry the numbers, the zero-shot metrics agree with each other and with training's
// zero-shot (the same computation), and bad tasks or data fail with messages naming them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Tensor } from '../../src/engine/index.js';
import { tokenize } from '../../src/tokenizer/index.js';
import { zeroShot } from '../../src/stages/train/zero_shot.js';
import { loadModelForEval } from '../../src/eval/load_model.js';
import { runEval, type EvalResult } from '../../src/eval/run.js';
import type { ZeroShotResult } from '../../src/eval/zero_shot.js';
import { tinyWorld } from '../train/world.js';

const tok = (t: string[]): Tensor => tokenize(t, 24);
const opts = { batch: 16, imageSize: 32, workers: 2 };

function checkConsistent(name: string, t: ZeroShotResult): void {
  assert.equal(t.images, 32, `${name} images`);
  assert.ok(t.top5 >= t.top1 && t.top1 >= 0 && t.top5 <= 1, `${name}: top-5 ${t.top5} >= top-1 ${t.top1}`);
  const weighted = t.perClass.reduce((s, p) => s + p.recall * p.images, 0) / t.images;
  assert.ok(Math.abs(weighted - t.top1) < 1e-9, `${name}: recall weighted by class size ${weighted} = top-1 ${t.top1}`);
  const present = t.perClass.filter((p) => p.images > 0);
  assert.ok(Math.abs(present.reduce((s, p) => s + p.recall, 0) / present.length - t.balanced) < 1e-9, `${name}: balanced = mean recall`);
  assert.equal(t.perClass.reduce((s, p) => s + p.images, 0), 32);
  assert.equal(t.chance, 1 / t.classes);
}

test('runEval writes eval.json and report.html carrying the numbers (zero-shot equal to training\'s), and names unknown tasks', async () => {
  const w = await tinyWorld();
  const world = join(w.root, 'world');
  const dir = mkdtempSync(join(tmpdir(), 'zc-evout-'));
  const lines: string[] = [];
  const o = { model: w.model, data: world, tasks: ['zeroshot', 'retrieval'], out: dir, batch: 16, workers: 2, ema: true, seed: 0, threads: 1, captions: 'all' as const, log: (s: string) => lines.push(s) };
  const res = await runEval(o);
  const json = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as EvalResult;
  assert.deepEqual(JSON.parse(JSON.stringify(res)), json);
  const zs = json.tasks.zeroshot as Record<string, ZeroShotResult>;
  assert.deepEqual(Object.keys(zs), ['shape', 'colour', 'count']);
  for (const [name, t] of Object.entries(zs)) checkConsistent(name, t);
  const m = loadModelForEval(w.model);
  assert.deepEqual(await zeroShot(m.model, world, tok, 'cpu', opts), zs, 'training\'s zero-shot is the same computation');
  m.model.dispose();
  const rt = json.tasks.retrieval as { images: number; texts: number; split: string; imageToText: { r1: number; r5: number; r10: number } };
  assert.equal(rt.split, 'classify');
  assert.equal(rt.images, 32);
  assert.ok(rt.texts > 32, 'all captions: txt plus the syn.json variants');
  assert.ok(rt.imageToText.r1 <= rt.imageToText.r5 && rt.imageToText.r5 <= rt.imageToText.r10);
  assert.deepEqual([json.model.kind, json.model.weights, json.model.step], ['config', 'random', undefined]);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  for (const t of Object.values(zs)) assert.ok(html.includes(`${(100 * t.top1).toFixed(1)}%`), `report has top-1 ${t.top1}`);
  assert.ok(html.includes(`${(100 * rt.imageToText.r5).toFixed(1)}%`));
  assert.ok(html.includes('<svg') && html.includes('Zero-shot classification') && html.includes('Image-text retrieval'));
  assert.ok(lines.some((l) => /zeroshot\/shape\s+top-1\s+\d+\.\d%/.test(l)), 'summary table printed');
  assert.deepEqual(readdirSync(dir).sort(), ['eval.json', 'report.html'], 'no temporary files left');
  await assert.rejects(runEval({ ...o, tasks: ['zeroshot', 'segment'] }), /unknown task\(s\) segment \(known: zeroshot, retrieval, seg, depth, normals, det\)/);
  await assert.rejects(runEval({ ...o, data: join(world, 'zoo', 'nope-{0..1}.tar') }), /no shard .*nope-0\.tar/);
});
