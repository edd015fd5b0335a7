// Train config: defaults, presets, dotted overrides and strict validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/stages/train/config.js';
import { dottedLayer, mergeStrict } from '../../src/config/strict.js';
import { collectSets } from '../../src/cli/command.js';

test('the tiny-synth preset resolves and --set values are typed like their defaults', () => {
  const c = resolveConfig({ preset: 'tiny-synth', sets: ['optim.lr=1e-3', 'data.captions=synthetic', 'model.gradCheckpointing=true', 'run.steps=50'] });
  assert.equal(c.optim.lr, 0.001);
  assert.equal(c.data.captions, 'synthetic');
  assert.equal(c.model.gradCheckpointing, true);
  assert.equal(c.run.steps, 50);
  assert.equal(c.model.name, 'zooclip-tiny');
  assert.equal(c.data.batch, 64);
  assert.deepEqual(resolveConfig(), DEFAULT_CONFIG);
});

test('unknown keys are errors that name the key, in --set and in preset files', () => {
  assert.throws(() => resolveConfig({ sets: ['optim.lrr=1'] }), /unknown key 'optim.lrr'/);
  assert.throws(() => resolveConfig({ sets: ['nope.x=1'] }), /unknown key 'nope.x'/);
  const dir = mkdtempSync(join(tmpdir(), 'zc-cfg-'));
  const p = join(dir, 'bad.json');
  writeFileSync(p, JSON.stringify({ data: { batch: 8, captionz: 'real' } }));
  assert.throws(() => resolveConfig({ preset: p }), (e: Error) => e.message.includes("unknown key 'data.captionz'") && e.message.includes('bad.json'));
  assert.throws(() => resolveConfig({ preset: 'no-such-preset' }), /no preset 'no-such-preset'/);
});

test('wrong types, enumerations and ranges are errors naming the key', () => {
  assert.throws(() => resolveConfig({ sets: ['optim.lr=fast'] }), /optim.lr: expected a number, got 'fast'/);
  assert.throws(() => resolveConfig({ sets: ['model.gradCheckpointing=yes'] }), /expected true or false/);
  assert.throws(() => resolveConfig({ sets: ['data.captions=poems'] }), /data.captions must be one of real, synthetic, mixed, multi/);
  assert.throws(() => resolveConfig({ sets: ['data.batch=10', 'data.accum=3'] }), /data.batch \(10\) must be divisible by data.accum \(3\)/);
  assert.throws(() => resolveConfig({ sets: ['run.steps=0'] }), /run.steps must be an integer >= 1/);
  assert.throws(() => resolveConfig({ sets: ['optim'] }), /expected key.path=value/);
  assert.throws(() => resolveConfig({ sets: ['optim=1'] }), /is a section/);
  assert.throws(() => mergeStrict({ a: { b: 1 } }, { a: { b: '1' } }, 'src'), /src: 'a.b' must be number, got string "1"/);
});

test('dotted layers nest, and repeated --set options are all collected', () => {
  assert.deepEqual(dottedLayer({ a: { b: 1, c: 'x' } }, ['a.b=2', 'a.c=y=z']), { a: { b: 2, c: 'y=z' } });
  assert.deepEqual(collectSets(['--preset', 'p', '--set', 'a.b=1', '--set=c.d=2', '--set', 'e=3']), ['a.b=1', 'c.d=2', 'e=3']);
});
