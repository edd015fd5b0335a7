// The CLI's argument parser: strict options, and values that themselves hold '='.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';
import { collectSets, repeated } from '../../src/cli/command.js';

const SPEC = { model: { type: 'string' as const, help: '' }, n: { type: 'number' as const, default: 5, help: '' }, flag: { type: 'boolean' as const, help: '' } };

test('--key=value splits at the first = only', { timeout: 10_000 }, () => {
  assert.deepEqual(parseArgs(['--model=template:seg=runs/a,det=runs/b', '--n', '3', '--flag'], SPEC, 'zooclip caption'),
    { model: 'template:seg=runs/a,det=runs/b', n: 3, flag: true });
  assert.deepEqual(parseArgs(['--model', 'x=y'], SPEC, 'c'), { model: 'x=y', n: 5 });
  assert.throws(() => parseArgs(['--nope=1'], SPEC, 'zooclip caption'), /zooclip caption: unknown option --nope/);
  assert.throws(() => parseArgs(['--n=abc'], SPEC, 'c'), /--n expects a number, got 'abc'/);
});

test('repeated options keep every value, in order, in both spellings', { timeout: 10_000 }, () => {
  assert.deepEqual(collectSets(['--set', 'a=1', '--set=b=2', '--other', 'x', '--set', 'c.d=[1,2]']), ['a=1', 'b=2', 'c.d=[1,2]']);
  assert.deepEqual(repeated(['--expert', 'seg=runs/s', '--expert=det=human'], 'expert'), ['seg=runs/s', 'det=human']);
});
