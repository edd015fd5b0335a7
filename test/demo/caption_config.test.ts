// The demo's caption stage settings: the quick preset captions the web split with beam search
// (top-p sampling from its small captioner got 2% of colours right), and a bad strategy names its key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDemoConfig } from '../../src/stages/demo/config.js';
import { captionOptions } from '../../src/stages/demo/zoo.js';

test('quick preset: 5 captions per image, the 5 best of 5 beams; micro keeps top-p sampling', { timeout: 10_000 }, () => {
  const quick = resolveDemoConfig('quick');
  assert.equal(quick.caption.strategy, 'beam');
  assert.deepEqual({ ...captionOptions(quick), seed: undefined }, { n: 5, strategy: 'beam', topP: 0.9, temperature: 1, beams: 5, seed: undefined });
  const micro = resolveDemoConfig('micro');
  assert.equal(captionOptions(micro).strategy, 'sample');
  assert.equal(captionOptions(micro).beams, 4);
});

test('a caption strategy the caption stage does not know is an error naming the key', { timeout: 10_000 }, () => {
  assert.throws(() => resolveDemoConfig('quick', ['caption.strategy=nucleus']), /demo config: caption\.strategy must be sample, beam or greedy, got 'nucleus'/);
});
