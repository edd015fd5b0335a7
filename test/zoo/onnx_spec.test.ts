// ONNX plugin specs: strict validation with errors that name the file and key, defaults, paths
// relative to the spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOnnxCaptionerSpec, parseOnnxExpertSpec, readOnnxCaptionerSpec, readOnnxExpertSpec } from '../../src/zoo/onnx_spec.js';
import { fixture, ONNX_DIR } from '../fixtures/zoo/onnx_golden.js';

const input = { name: 'x', size: [32, 32], layout: 'NCHW', scale: '0-1' };
const seg = { task: 'seg', model: 'm.onnx', input, output: { kind: 'seg_logits', name: 'y' } };

test('fixture specs parse, with model paths beside the spec and defaults filled in', () => {
  const s = readOnnxExpertSpec(fixture('seg.json'));
  assert.equal(s.model, fixture('seg.onnx'));
  assert.equal(s.input.batch, 4);
  assert.equal(s.input.channels, 'RGB');
  assert.deepEqual(s.input.size, [32, 32]);
  const n = readOnnxExpertSpec(fixture('normals.json'));
  assert.equal(n.input.size, 'dynamic');
  assert.equal(n.input.multiple, 16);
  assert.equal(n.input.batch, 1);
  const d = readOnnxExpertSpec(fixture('depth.json'));
  assert.deepEqual(d.output, { kind: 'depth', name: 'depth', scale: 0.5, values: 'depth' });
  const b = parseOnnxExpertSpec(seg, '/x/s.json');
  assert.deepEqual(b.input.mean, [0, 0, 0]);
  assert.deepEqual(b.input.std, [1, 1, 1]);
  assert.equal(b.name, 'onnx:/x/s.json');
});

test('expert spec errors name the file and the key', () => {
  const bad = (patch: object, re: RegExp): void => assert.throws(() => parseOnnxExpertSpec({ ...seg, ...patch }, '/m/spec.json'), re);
  bad({ modle: 'x' }, /\/m\/spec\.json: modle is not a known key/);
  bad({ task: 'pose' }, /spec\.json: task must be one of 'seg', 'depth', 'normals', 'det', got 'pose'/);
  bad({ input: { ...input, meen: [0, 0, 0] } }, /input\.meen is not a known key/);
  bad({ input: { ...input, mean: [0, 0] } }, /input\.mean must have 3 numbers, got 2/);
  bad({ input: { ...input, std: [1, 0, 1] } }, /input\.std must be positive/);
  bad({ input: { ...input, size: [32, 0] } }, /input\.size must be \[height, width\] of positive integers or 'dynamic'/);
  bad({ input: { ...input, size: 'auto' } }, /input\.size must be an array of finite numbers, got "auto"/);
  bad({ input: { ...input, batch: 0 } }, /input\.batch must be >= 1, got 0/);
  bad({ input: { ...input, layout: undefined } }, /input\.layout is missing/);
  bad({ output: { kind: 'depth', name: 'y' } }, /output\.kind 'depth' does not fit task 'seg' \(expected 'seg_logits'\)/);
  bad({ output: { kind: 'seg_logits', name: 'y', scale: 2 } }, /output\.scale is not a known key/);
  bad({ threshold: 1.5 }, /threshold must be <= 1, got 1\.5/);
  bad({ classes: 'cat' }, /classes must be an array of strings/);
  const det = { ...seg, task: 'det', output: { kind: 'boxes', name: 'b', columns: ['x0', 'y0', 'x1', 'score', 'label'], coords: 'input_pixels' } };
  assert.throws(() => parseOnnxExpertSpec(det, 'd.json'), /output\.columns must name 'y1' exactly once/);
  assert.throws(() => parseOnnxExpertSpec({ ...det, output: { ...det.output, columns: ['x0', 'y0', 'x1', 'y1', 'conf'] } }, 'd.json'), /output\.columns has unknown column 'conf'/);
  assert.throws(() => parseOnnxExpertSpec({ ...seg, task: 'depth', output: { kind: 'depth', name: 'y' }, classes: ['a'] }, 'd.json'), /classes only applies to tasks seg and det/);
  assert.throws(() => readOnnxExpertSpec(fixture('missing.json')), /cannot read ONNX spec .*missing\.json/);
});

test('captioner spec: CLIP tokenizer by default, list vocabularies beside the spec, strict keys', () => {
  const enc = { model: 'e.onnx', input, output: 'tok' };
  const dec = { model: 'd.onnx', tokens: 'ids', imageTokens: 'tok', output: 'logits' };
  const s = parseOnnxCaptionerSpec({ encoder: enc, decoder: dec }, '/m/cap.json');
  assert.deepEqual(s.tokenizer, { vocab: 'clip', start: 49406, end: 49407, pad: 0 });
  assert.equal(s.decoder.model, '/m/d.onnx');
  assert.equal(s.decoder.maxContext, undefined);
  const f = readOnnxCaptionerSpec(fixture('captioner.json'));
  assert.equal(f.tokenizer.vocab, `${ONNX_DIR}/cap_tokens.json`);
  assert.deepEqual([f.tokenizer.start, f.tokenizer.end, f.tokenizer.pad], [1, 2, 0]);
  assert.equal(f.decoder.maxContext, 32);
  assert.throws(() => parseOnnxCaptionerSpec({ encoder: enc, decoder: { ...dec, cache: true } }, 'c.json'), /c\.json: decoder\.cache is not a known key/);
  assert.throws(() => parseOnnxCaptionerSpec({ encoder: enc }, 'c.json'), /c\.json: decoder is missing/);
  assert.throws(() => parseOnnxCaptionerSpec({ encoder: enc, decoder: dec, tokenizer: { end: -1 } }, 'c.json'), /tokenizer\.end must be >= 0/);
  assert.throws(() => parseOnnxCaptionerSpec({ encoder: { ...enc, input: { ...input, scale: '0-65535' } }, decoder: dec }, 'c.json'), /encoder\.input\.scale must be one of '0-1', '0-255'/);
});
