// Scene descriptions -> multi-hot label vectors: the classes come from the world's classify.json,
// a labelled sample gives the vector its objects imply (and agrees with classify.json's own
// labels), and a sample without a scene description is an error naming its shard and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readShards, ShardWriter, tarsIn } from '../../src/data/shards/index.js';
import { sceneLabelIndex, sceneMultiHot, sceneOfJson, sceneTargets, sceneVocabulary } from '../../src/tasks/index.js';
import { multiLabelLoss } from '../../src/losses/index.js';
import { tensor } from '../../src/engine/index.js';
import { tinyWorld } from '../train/world.js';

test('the vocabulary is the world\'s classify.json classes, in shape, colour, count column order', { timeout: 120_000 }, async () => {
  const w = await tinyWorld();
  const v = sceneVocabulary(join(w.root, 'world'));
  assert.deepEqual(v.groups.map((g) => [g.name, g.offset, g.classes.length]), [['shape', 0, 5], ['colour', 5, 8], ['count', 13, 6]]);
  assert.equal(v.size, 19);
  assert.deepEqual(v.groups[0]!.classes, ['sphere', 'cube', 'cylinder', 'cone', 'torus']);
  const colourOnly = sceneVocabulary(join(w.root, 'world'), ['colour']);
  assert.deepEqual(colourOnly.groups.map((g) => [g.name, g.offset]), [['colour', 0]]);
  assert.throws(() => sceneVocabulary(join(w.root, 'nowhere')), /nowhere[/\\]classify\.json: not found/);
});

test('a scene gives the expected multi-hot vector', { timeout: 120_000 }, async () => {
  const w = await tinyWorld();
  const v = sceneVocabulary(join(w.root, 'world'));
  const got = sceneMultiHot({ objects: [{ shape: 'cube', colour: 'red' }, { shape: 'cube', colour: 'blue' }, { shape: 'torus', colour: 'red' }] }, v, 'k');
  // shapes: sphere cube cylinder cone torus | colours: red green blue yellow purple cyan orange white | count: 1..6
  assert.deepEqual([...got], [0, 1, 0, 0, 1, /**/ 1, 0, 1, 0, 0, 0, 0, 0, /**/ 0, 0, 1, 0, 0, 0]);
  const many = sceneMultiHot({ objects: Array.from({ length: 8 }, () => ({ shape: 'cone', colour: 'white' })) }, v, 'k');
  assert.equal(many[13 + 5], 1, 'more objects than count classes: the last class');
  assert.throws(() => sceneMultiHot({ objects: [{ shape: 'pyramid', colour: 'red' }] }, v, 's.tar key k'), /s\.tar key k: object shape 'pyramid' is not among/);
});

test('labelled samples: each classify sample\'s vector holds its main shape, main colour and count as classify.json labels them', { timeout: 120_000 }, async () => {
  const w = await tinyWorld();
  const root = join(w.root, 'world'), v = sceneVocabulary(root);
  const cls = JSON.parse(readFileSync(join(root, 'classify.json'), 'utf8')) as { keys: string[]; tasks: Record<string, { labels: number[] }> };
  const index = await sceneLabelIndex(join(root, 'classify'), v);
  assert.equal(index.size, cls.keys.length);
  cls.keys.forEach((k, i) => {
    const row = index.get(k)!;
    assert.equal(row[cls.tasks.shape!.labels[i]!], 1, `${k}: main shape`);
    assert.equal(row[5 + cls.tasks.colour!.labels[i]!], 1, `${k}: main colour`);
    assert.deepEqual([...row.subarray(13)], Array.from({ length: 6 }, (_, c) => (c === cls.tasks.count!.labels[i] ? 1 : 0)), `${k}: count`);
  });
  for await (const s of readShards(tarsIn(join(root, 'classify')))) {
    const scene = sceneOfJson(s.fields.get('json'), s.key) as { objects: { shape: string; colour: string }[] };
    const row = index.get(s.key)!;
    assert.equal(row.subarray(0, 5).reduce((a, b) => a + b, 0), new Set(scene.objects.map((o) => o.shape)).size, `${s.key}: one bit per distinct shape`);
    assert.equal(row.subarray(5, 13).reduce((a, b) => a + b, 0), new Set(scene.objects.map((o) => o.colour)).size, `${s.key}: one bit per distinct colour`);
  }
  const y = sceneTargets(index, [cls.keys[1]!, cls.keys[0]!], v.size, 'classify');
  assert.deepEqual(y.shape, [2, 19]);
  assert.deepEqual(y.toArray().slice(0, 19), [...index.get(cls.keys[1]!)!]);
  y.dispose();
});

test('a sample without a scene description is an error naming its shard and key', { timeout: 120_000 }, async () => {
  const w = await tinyWorld();
  const v = sceneVocabulary(join(w.root, 'world'));
  const dir = mkdtempSync(join(tmpdir(), 'zc-nolabel-'));
  const sw = new ShardWriter({ dir, prefix: 'bare', maxSamples: 8 });
  await sw.write('has-scene', { json: JSON.stringify({ scene: { objects: [{ shape: 'cube', colour: 'red' }] } }) });
  await sw.write('web-000007', { json: JSON.stringify({ key: 'web-000007', split: 'web' }) });
  await sw.close();
  await assert.rejects(sceneLabelIndex(dir, v), /bare-000000\.tar key web-000007: json has no scene description/);
  assert.throws(() => sceneOfJson(undefined, 'x.tar key k'), /x\.tar key k: no json field/);
  assert.throws(() => sceneTargets(new Map(), ['lost-key'], v.size, 'data/web-gt'), /sample 'lost-key' has no scene description in data\/web-gt/);
});

test('multiLabelLoss: group means of BCE with logits; size-weighted they give the mean over all columns', { timeout: 10_000 }, () => {
  const logits = tensor([[2, -1, 0.5], [-3, 0, 1]]), y = tensor([[1, 0, 0], [0, 1, 1]]);
  const p = multiLabelLoss(logits, y, [{ name: 'a', offset: 0, size: 2 }, { name: 'b', offset: 2, size: 1 }]);
  const bce = (x: number, t: number): number => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
  const a = (bce(2, 1) + bce(-1, 0) + bce(-3, 0) + bce(0, 1)) / 4, b = (bce(0.5, 0) + bce(1, 1)) / 2;
  assert.ok(Math.abs(p.a!.item() - a) < 1e-6 && Math.abs(p.b!.item() - b) < 1e-6);
  assert.throws(() => multiLabelLoss(logits, y, [{ name: 'c', offset: 2, size: 2 }]), /group 'c' columns \[2, 4\) outside the 3 logits/);
  for (const t of [logits, y, p.a!, p.b!]) t.dispose();
});
