// Caption search: greedy is the argmax of the model's own logits step by step, beam width 1 and
// top-p with a tiny p reduce to greedy, the KV cache changes nothing, sampling depends only on
// (seed, key, caption index), and every strategy stops at the end token or maxLength.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, liveTensors, noGrad, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import {
  END_TOKEN, START_TOKEN, beamDecode, generateCaptions, greedyDecode, nucleusPick, sampleDecode, type DecodeSession, type GenerateOptions,
} from '../../src/models/captioner/index.js';
import { testCaptioner, testImages, TEST_OUTPUT_IDS } from './captioner_fixture.js';

setNumThreads(1);
const keys = ['zoo-0000001', 'zoo-0000002', 'zoo-0000003', 'zoo-0000004'];
const base: GenerateOptions = { strategy: 'greedy', n: 1, topP: 0.9, temperature: 1, beams: 3, maxLength: 12, seed: 7, keys };

test('greedy decoding is the step-by-step argmax of the model logits (full recompute, no cache)', () => {
  using model = testCaptioner();
  using images = testImages(4);
  const got = generateCaptions(model, images, base).map((c) => c[0]!);
  const want = noGrad(() => tidy(() => {
    const kv = model.decoder.imageKv(model.encodeImage(images).tokens);
    return [0, 1, 2, 3].map((i) => {
      const rowKv = { k: kv.k.map((t) => t.narrow(0, i, 1)), v: kv.v.map((t) => t.narrow(0, i, 1)) };
      const ids = [START_TOKEN];
      for (let t = 0; t < 12; t++) {
        const logits = model.decoder.forward(tensor(ids, { dtype: 'int64', shape: [1, ids.length] }), rowKv).select(1, -1).reshape([-1]).toArray();
        const best = logits.indexOf(Math.max(...logits));
        if (best === END_TOKEN) break;
        ids.push(best);
      }
      return ids.slice(1);
    });
  }));
  assert.deepEqual(got, want);
  assert.ok(got.some((c) => c.length < 12), 'some caption ends before maxLength');
  assert.ok(got.flat().every((id) => TEST_OUTPUT_IDS.includes(id) && id !== END_TOKEN));
});

test('the KV cache gives the same captions as recomputing every position, for every strategy', () => {
  using model = testCaptioner(3);
  using images = testImages(4, 4);
  for (const o of [{ strategy: 'greedy' }, { strategy: 'beam', n: 2 }, { strategy: 'sample', n: 3 }] as const) {
    const withCache = generateCaptions(model, images, { ...base, ...o, cache: true });
    const without = generateCaptions(model, images, { ...base, ...o, cache: false });
    assert.deepEqual(withCache, without, o.strategy);
  }
});

test('beam search of width 1 is greedy (raw and length-normalised scores)', () => {
  using model = testCaptioner(5);
  using images = testImages(4, 6);
  const greedy = generateCaptions(model, images, base);
  for (const lengthPenalty of [0, 1]) assert.deepEqual(generateCaptions(model, images, { ...base, strategy: 'beam', beams: 1, lengthPenalty }), greedy);
});

test('beam search returns n captions per image, best score first (raw log probability)', () => {
  using model = testCaptioner(5);
  using images = testImages(4, 6);
  const maxLength = 15;
  // Log probability of a caption as beam search scores it: the end token counts unless maxLength cut it.
  const logProb = (i: number, ids: number[]): number => noGrad(() => tidy(() => {
    const steps = ids.length < maxLength ? [...ids, END_TOKEN] : ids;
    const row = tensor([START_TOKEN, ...steps.slice(0, -1)], { dtype: 'int64', shape: [1, steps.length] });
    const kv = model.decoder.imageKv(model.encodeImage(images.narrow(0, i, 1)).tokens);
    const lp = model.decoder.forward(row, kv).logSoftmax(-1).reshape([steps.length, -1]);
    return steps.reduce((s, id, t) => s + lp.select(0, t).select(0, id).item(), 0);
  }));
  const beam = generateCaptions(model, images, { ...base, strategy: 'beam', beams: 4, n: 3, lengthPenalty: 0, maxLength });
  for (let i = 0; i < 4; i++) {
    assert.equal(beam[i]!.length, 3);
    const lps = beam[i]!.map((c) => logProb(i, c));
    assert.ok(lps[0]! >= lps[1]! - 1e-4 && lps[1]! >= lps[2]! - 1e-4, `image ${i}: ${lps}`);
    assert.notDeepEqual(beam[i]![0], beam[i]![1]);
  }
});

test('top-p sampling with a tiny p is greedy; temperature does not matter then', () => {
  using model = testCaptioner(8);
  using images = testImages(4, 9);
  const greedy = generateCaptions(model, images, { ...base, n: 2 });
  for (const temperature of [1, 0.3]) {
    assert.deepEqual(generateCaptions(model, images, { ...base, strategy: 'sample', n: 2, topP: 1e-6, temperature }), greedy);
  }
});

test('sampling depends on (seed, key, caption index) only, not on the batch', () => {
  using model = testCaptioner(11);
  using images = testImages(4, 12);
  const o: GenerateOptions = { ...base, strategy: 'sample', n: 3, topP: 0.95, temperature: 1.5 };
  const all = generateCaptions(model, images, o);
  const alone = [0, 1, 2, 3].map((i) => tidy(() => generateCaptions(model, images.narrow(0, i, 1), { ...o, keys: [keys[i]!] })[0]));
  assert.deepEqual(alone, all);
  const order = [2, 0, 3, 1];
  const shuffled = tidy(() => generateCaptions(model, cat(order.map((i) => images.narrow(0, i, 1))), { ...o, keys: order.map((i) => keys[i]!) }));
  assert.deepEqual(shuffled, order.map((i) => all[i]));
  assert.notDeepEqual(all[0]![0], all[0]![1], 'captions of one image differ');
  assert.notDeepEqual(generateCaptions(model, images, { ...o, seed: 8 }), all, 'another seed, other captions');
  const sameImageOtherKey = generateCaptions(model, images.narrow(0, 0, 1), { ...o, keys: ['another-key'] })[0];
  assert.notDeepEqual(sameImageOtherKey, all[0]);
});

/**
 * A scripted session: row r emits script[r][t] at step t (END after the script), over a 49408-id
 * vocabulary; it returns logits for its current rows (reorder may drop finished ones).
 */
function scripted(script: number[][]): DecodeSession & { calls: number } {
  let rows = script.map((_, r) => r);
  const s = {
    rows: script.length, calls: 0,
    next(ids: Tensor): Tensor {
      s.calls++;
      const t = ids.size(1) - 1;
      const data = new Float32Array(rows.length * 49408).fill(-20);
      rows.forEach((src, r) => { data[r * 49408 + (script[src]![t] ?? END_TOKEN)] = 20; });
      return tensor(data, { shape: [rows.length, 49408] });
    },
    reorder(from: Tensor): void { rows = from.toArray().map((i) => rows[i]!); },
    dispose(): void {},
  };
  return s;
}

test('decoding stops at the end token and after maxLength tokens', () => {
  const script = [[11, 12], [21, 22, 23, 24, 25, 26, 27], []];
  const s = scripted(script);
  assert.deepEqual(greedyDecode(s, 5, 'cpu'), [[11, 12], [21, 22, 23, 24, 25], []]);
  assert.equal(s.calls, 5);
  const early = scripted([[1], [2, 3]]);
  assert.deepEqual(greedyDecode(early, 10, 'cpu'), [[1], [2, 3]]);
  assert.equal(early.calls, 3, 'stops once every row has ended');
  const u = sampleDecode(scripted(script), { topP: 0.5, temperature: 1, maxLength: 5, rowSeeds: [[1], [2], [3]] }, 'cpu');
  assert.deepEqual(u, [[11, 12], [21, 22, 23, 24, 25], []]);
  const b = beamDecode(scripted([[11, 12], [11, 12], [21, 22, 23, 24, 25, 26], [21, 22, 23, 24, 25, 26]]), { beams: 2, n: 1, maxLength: 4 }, 'cpu');
  assert.deepEqual(b, [[[11, 12]], [[21, 22, 23, 24]]]);
});

test('a real model: every caption is at most maxLength tokens; an end token with a huge bias gives empty captions', () => {
  using model = testCaptioner(13);
  using images = testImages(3, 14);
  for (const strategy of ['greedy', 'beam', 'sample'] as const) {
    const caps = generateCaptions(model, images, { ...base, keys: keys.slice(0, 3), strategy, n: 2, maxLength: 3 });
    assert.ok(caps.every((c) => c.length === 2 && c.every((x) => x.length <= 3)), strategy);
  }
  const long = generateCaptions(model, images, { ...base, keys: keys.slice(0, 3), maxLength: 100 });
  assert.ok(long.every((c) => c[0]!.length <= 15), 'capped at context_length - 1');
  noGrad(() => model.decoder.lm_head_bias.select(0, TEST_OUTPUT_IDS.indexOf(END_TOKEN)).fill_(100));
  for (const strategy of ['greedy', 'beam', 'sample'] as const) {
    assert.deepEqual(generateCaptions(model, images, { ...base, keys: keys.slice(0, 3), strategy }), [[[]], [[]], [[]]]);
  }
});

test('nucleus sampling keeps the smallest top set reaching p and picks by cumulative mass; fast path = full sort', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const logits = tensor([probs.map(Math.log), probs.map(Math.log)]);
  assert.deepEqual(nucleusPick(logits, 0.7, 1, [0.1, 0.7]), [0, 1]);  // kept {0, 1}: 0.7 * 0.8 = 0.56 > 0.5
  assert.deepEqual(nucleusPick(logits, 0.7, 1, [0.99, 0.62]), [1, 0]);
  assert.deepEqual(nucleusPick(logits, 0.85, 1, [0.99, 0.5]), [2, 0]);
  logits.dispose();
  // 200 classes: p = 0.5 fits in the top 64 for the peaked row, not for the flat one (full sort).
  const peaked = Array.from({ length: 200 }, (_, i) => (i === 123 ? 10 : 0)), flat = Array.from({ length: 200 }, (_, i) => i * 1e-3);
  const both = tensor([peaked, flat]);
  const u = [0.3, 0.999];
  const r = nucleusPick(both, 0.5, 1, u);
  assert.equal(r[0], 123);
  const single = tensor([peaked]);
  assert.deepEqual(nucleusPick(single, 0.5, 1, [0.3]), [123], 'same pick without the flat row');
  assert.ok(r[1]! >= 100, 'the flat row draws from its top half');
  both.dispose();
  single.dispose();
});

test('generation frees every tensor it makes', () => {
  using model = testCaptioner(2);
  using images = testImages(2, 3);
  const before = liveTensors();
  for (const strategy of ['greedy', 'beam', 'sample'] as const) generateCaptions(model, images, { ...base, keys: keys.slice(0, 2), strategy, n: 2 });
  assert.equal(liveTensors(), before);
});
