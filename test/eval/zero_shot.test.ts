// Zero-shot classification: the metrics on hand-made predictions, class ranking from known
// features, and whole passes over hand-built shards (labels from `cls`, `json:key`, a classes file)
// with a model whose features are known, so the accuracies are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { liveTensors, tensor } from '../../src/engine/index.js';
import { classificationMetrics, fillTemplate, rankClasses, userTasks, zeroShotEval } from '../../src/eval/zero_shot.js';
import { ColourModel, colourShards, tok, type ColourSample } from './zero_shot_fixtures.js';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('metrics of hand-made predictions: top-1, top-5, per-class recall, balanced, chance, majority', () => {
  const labels = [0, 0, 0, 1, 1, 2];
  const ranked = [[0, 1, 2], [1, 0, 2], [0, 2, 1], [1, 2, 0], [2, 1, 0], [0, 1, 2]];
  const m = classificationMetrics(ranked, labels, ['a', 'b', 'c']);
  close(m.top1, 3 / 6, 'top1');
  close(m.top5, 1, 'top5 (3 classes)');
  assert.deepEqual(m.perClass.map((p) => [p.name, p.images]), [['a', 3], ['b', 2], ['c', 1]]);
  close(m.perClass[0]!.recall, 2 / 3, 'recall a'); close(m.perClass[1]!.recall, 1 / 2, 'recall b'); close(m.perClass[2]!.recall, 0, 'recall c');
  close(m.balanced, (2 / 3 + 1 / 2 + 0) / 3, 'balanced');
  close(m.chance, 1 / 3, 'chance'); close(m.majority, 1 / 2, 'majority');
  // Per-class recall weighted by class size is top-1.
  close(m.perClass.reduce((a, p) => a + p.recall * p.images, 0) / m.images, m.top1, 'weighted recall');
  // Top-5 of 7 classes misses a label ranked sixth.
  const seven = classificationMetrics([[1, 2, 3, 4, 5, 0, 6], [0, 1, 2, 3, 4, 5, 6]], [0, 4], ['0', '1', '2', '3', '4', '5', '6']);
  close(seven.top5, 1 / 2, 'top5 of 7'); close(seven.top1, 0, 'top1 of 7');
  assert.ok(seven.top5 >= seven.top1);
  assert.throws(() => classificationMetrics([[0]], [3], ['a', 'b']), /label 3 of image 0 is not a class index in \[0, 2\)/);
});

test('templates fill every {}; classes rank by cosine similarity', () => {
  assert.equal(fillTemplate('a {} next to a {}.', 'cube'), 'a cube next to a cube.');
  const before = liveTensors();
  const feats = tensor([[1, 0], [0, 1], [0.6, 0.8]]);
  const classes = tensor([[0, 1], [1, 0], [0.8, 0.6]]);
  assert.deepEqual(rankClasses(feats, classes, 5), [[1, 2, 0], [0, 2, 1], [2, 0, 1]]);
  assert.deepEqual(rankClasses(feats, classes, 1), [[1], [0], [2]]);
  feats.dispose(); classes.dispose();
  assert.equal(liveTensors(), before);
});

// Two images of each colour, plus a red one labelled green: the model gets 6 of 7.
const SAMPLES: ColourSample[] = [
  { key: 'r1', colour: 'red', cls: 'red', json: { label: 0 } }, { key: 'r2', colour: 'red', cls: '0', json: { label: 0 } },
  { key: 'g1', colour: 'green', cls: 'green', json: { label: 1 } }, { key: 'g2', colour: 'green', cls: 'green', json: { label: 1 } },
  { key: 'b1', colour: 'blue', cls: 'blue', json: { label: 2 } }, { key: 'b2', colour: 'blue', cls: '2', json: { label: 2 } },
  { key: 'x', colour: 'red', cls: 'green', json: { label: 1 } },
  { key: 'u', colour: 'blue', cls: '-1', json: {} },
];

test('zero-shot over shards with cls labels (names or indices) gives the known accuracies', async () => {
  const shard = await colourShards(SAMPLES);
  const dir = mkdtempSync(join(tmpdir(), 'zc-zs-'));
  const file = join(dir, 'colours.json');
  writeFileSync(file, JSON.stringify({ name: 'colour', classes: ['red', 'green', 'blue'], templates: ['a photo of a {} thing.', '{}'] }));
  const tasks = await userTasks(file, shard);
  assert.deepEqual(Object.keys(tasks), ['colour']);
  assert.equal(tasks.colour!.labels.get('x'), 1);
  assert.equal(tasks.colour!.labels.get('u'), -1);
  const model = new ColourModel();
  const before = liveTensors();
  const r = (await zeroShotEval(model, shard, tasks, tok, 'cpu', { batch: 3, imageSize: 8, workers: 0 })).colour!;
  assert.equal(liveTensors(), before, 'no tensor left behind');
  assert.equal(model.training, true, 'mode restored');
  assert.equal(r.images, 7, 'the unlabelled image is not scored');
  close(r.top1, 6 / 7, 'top1');
  close(r.top5, 1, 'top5');
  assert.deepEqual(r.perClass.map((p) => [p.name, p.images]), [['red', 2], ['green', 3], ['blue', 2]]);
  close(r.perClass[1]!.recall, 2 / 3, 'green recall');
  close(r.balanced, (1 + 2 / 3 + 1) / 3, 'balanced');
  close(r.chance, 1 / 3, 'chance');
});

test('labels from a key of the json field, tasks form, and clear errors', async () => {
  const shard = await colourShards(SAMPLES);
  const dir = mkdtempSync(join(tmpdir(), 'zc-zs2-'));
  const file = join(dir, 'tasks.json');
  writeFileSync(file, JSON.stringify({ label: 'json:label', tasks: { colour: { classes: ['red', 'green', 'blue'], templates: ['{}'] } } }));
  const tasks = await userTasks(file, shard);
  assert.equal(tasks.colour!.labels.size, 7, 'u has no label key');
  const r = await zeroShotEval(new ColourModel(), shard, tasks, tok, 'cpu', { batch: 4, imageSize: 8, workers: 1 });
  close(r.colour!.top1, 6 / 7, 'top1');

  const two = join(dir, 'two.json');
  writeFileSync(two, JSON.stringify({ classes: ['red', 'green'], templates: ['{}'] }));
  await assert.rejects(userTasks(two, shard, 'cls'), /key b1 field cls: label 'blue' is neither a class index nor one of the 2 class names/);
  await assert.rejects(userTasks(two, shard, 'json:label'), /key b1 field json:label: label 2 is outside \[0, 2\) \(-1 = unlabelled\)/);
  await assert.rejects(userTasks(file, shard, 'nolabel'), /task 'colour': no sample of .* has a 'nolabel' label/);
  await assert.rejects(userTasks(join(dir, 'missing.json'), shard), /no classes file .*missing\.json/);
  writeFileSync(two, JSON.stringify({ classes: [], templates: ['{}'] }));
  await assert.rejects(userTasks(two, shard), /task 'classes' classes must be a non-empty list of strings/);
});
