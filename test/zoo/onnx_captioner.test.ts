// The ONNX captioner plugin on the tiny encoder + decoder of make_onnx_fixtures.py: decoder logits
// against PyTorch (rtol 1e-4, atol 1e-4), greedy captions equal to PyTorch's greedy ids, the CLIP
// vocabulary by default, and reproducible, batch-independent sampling and beam search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnxCaptioner } from '../../src/zoo/captioner_onnx.js';
import { readOnnxCaptionerSpec } from '../../src/zoo/onnx_spec.js';
import { DEFAULT_CAPTION_OPTIONS, type CaptionOptions } from '../../src/zoo/types.js';
import { imagesToInput } from '../../src/zoo/onnx/preprocess.js';
import { closeModel, floatTensor, idTensor, openModel, runModel } from '../../src/zoo/onnx/session.js';
import { decode } from '../../src/tokenizer/index.js';
import { fixture, golden, images, npy, worstExcess } from '../fixtures/zoo/onnx_golden.js';

const imgs = images();
const g = golden().captioner;
const words = JSON.parse(readFileSync(fixture('cap_tokens.json'), 'utf8')) as string[];
const opts = (o: Partial<CaptionOptions>): CaptionOptions => ({ ...DEFAULT_CAPTION_OPTIONS, maxLength: g.max_length, ...o });
const listText = (ids: number[]): string => ids.map((i) => words[i]).join(' ').replace(/ ##/g, '');

test('encoder + decoder logits from zooclip preprocessing match PyTorch', async () => {
  const spec = readOnnxCaptionerSpec(fixture('captioner.json'));
  const enc = await openModel(spec.encoder.model, { threads: 2 }), dec = await openModel(spec.decoder.model, { threads: 2 });
  const { data, dims } = imagesToInput(imgs, spec.encoder.input, [32, 32]);
  const tok = (await runModel(enc, { image: floatTensor(data, dims) }, ['image_tokens'])).image_tokens;
  assert.deepEqual(tok.dims, [2, 16, 16]);
  const out = (await runModel(dec, { tokens: idTensor(g.prefix.flat(), [2, 4], 'int64'), image_tokens: floatTensor(tok.data, tok.dims) }, ['logits'])).logits;
  const want = npy('cap_logits.npy');
  assert.deepEqual(out.dims, want.shape);
  const { excess, at } = worstExcess(out.data, want.data as Float32Array, 1e-4, 1e-4);
  assert.ok(excess <= 0, `logit ${at}: ${out.data[at]} vs ${(want.data as Float32Array)[at]}`);
  closeModel(enc);
  closeModel(dec);
});

test('greedy captions equal PyTorch greedy decoding (list vocabulary and the default CLIP one)', async () => {
  const cap = await loadOnnxCaptioner(fixture('captioner.json'), { threads: 2 });
  assert.equal(cap.name, 'tiny-captioner');
  const out = await cap.caption(imgs, ['a', 'b'], opts({ strategy: 'greedy', n: 1 }));
  assert.deepEqual(out, g.greedy_ids.map((ids) => [listText(ids)]));
  assert.ok(g.greedy_ids.every((ids) => ids.length < g.max_length), 'the fixture captions stop at the end token');
  const short = await cap.caption(imgs, ['a', 'b'], opts({ strategy: 'greedy', n: 2, maxLength: 3 }));
  assert.deepEqual(short, g.greedy_ids.map((ids) => [listText(ids.slice(0, 3)), listText(ids.slice(0, 3))]));
  await assert.rejects(cap.caption(imgs, ['a'], opts({})), /2 images but 1 keys/);
  cap.dispose();
  const clip = await loadOnnxCaptioner(fixture('captioner_clip.json'), { threads: 2 });
  const viaClip = await clip.caption(imgs, ['a', 'b'], opts({ strategy: 'greedy', n: 1 }));
  assert.deepEqual(viaClip, g.greedy_ids.map((ids) => [decode(ids, { skipSpecial: true }).trim()]));
  clip.dispose();
});

test('top-p sampling: seeded per (seed, key, caption), independent of batching; tiny top-p is greedy', async () => {
  const cap = await loadOnnxCaptioner(fixture('captioner.json'), { threads: 2 });
  const o = opts({ strategy: 'sample', n: 5, topP: 0.9, temperature: 1.5, seed: 3 });
  const both = await cap.caption(imgs, ['k0', 'k1'], o);
  assert.equal(both.length, 2);
  assert.ok(both.every((c) => c.length === 5));
  assert.deepEqual(await cap.caption(imgs, ['k0', 'k1'], o), both, 'same seed, same captions');
  assert.deepEqual(await cap.caption([imgs[1]], ['k1'], o), [both[1]], 'an image alone gets the captions it got in a batch');
  assert.ok(new Set(both[0]).size > 1, 'the 5 captions of an image differ');
  const other = await cap.caption(imgs, ['k0', 'k1'], { ...o, seed: 4 });
  assert.notDeepEqual(other, both, 'another seed samples other captions');
  const rekeyed = await cap.caption(imgs, ['k0x', 'k1'], o);
  assert.notDeepEqual(rekeyed[0], both[0], 'another key samples other captions');
  const nucleus = await cap.caption(imgs, ['k0', 'k1'], { ...o, topP: 1e-9 });
  assert.deepEqual(nucleus, g.greedy_ids.map((ids) => Array<string>(5).fill(listText(ids))));
  cap.dispose();
});

test('beam search: one beam is greedy; n distinct captions from wider beams', async () => {
  const cap = await loadOnnxCaptioner(fixture('captioner.json'), { threads: 2 });
  const one = await cap.caption(imgs, ['a', 'b'], opts({ strategy: 'beam', beams: 1, n: 1 }));
  assert.deepEqual(one, g.greedy_ids.map((ids) => [listText(ids)]));
  const wide = await cap.caption(imgs, ['a', 'b'], opts({ strategy: 'beam', beams: 4, n: 3 }));
  for (const caps of wide) {
    assert.equal(caps.length, 3);
    assert.equal(new Set(caps).size, 3);
    assert.ok(caps.every((c) => c.split(' ').length <= g.max_length));
  }
  await assert.rejects(cap.caption(imgs, ['a', 'b'], opts({ strategy: 'beam', beams: 2, n: 3 })), /at most beams=2 captions, asked for n=3/);
  cap.dispose();
});
