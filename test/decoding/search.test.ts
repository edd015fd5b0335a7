// The shared caption decoder on a deterministic fake decoder: greedy is the step-by-step argmax,
// beam search as wide as the tree is exhaustive search, top-p keeps the smallest set reaching p
// and samples it in proportion, sampling depends only on (seed, key, caption index), the sync and
// async drivers agree, finished rows are never requested, and the key hash is UTF-8 FNV-1a.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  beamSearch, captionRng, captionSearch, greedySearch, runSearch, runSearchAsync, sampleTopP, type DecodeOptions, type Logits,
} from '../../src/decoding/index.js';
import { Rng, keyHash, mixSeed } from '../../src/data/loader/rng.js';
import { END, TOKENS, VOCAB, fakeStep, logProb, rowLogits } from './fake_decoder.js';

const T = { timeout: 60_000 };
const base: DecodeOptions = { strategy: 'greedy', n: 1, topP: 0.9, temperature: 1, beams: 3, maxLength: 8, seed: 5 };
const keys = ['a', 'b', 'c', 'd'];

/** The greedy caption of an image, computed directly from rowLogits. */
function greedyOf(image: number, maxLength: number): number[] {
  const ids = [TOKENS.start];
  while (ids.length - 1 < maxLength) {
    const l = rowLogits(image, ids), best = l.indexOf(Math.max(...l));
    if (best === END) break;
    ids.push(best);
  }
  return ids.slice(1);
}

test('greedy is the step-by-step argmax; n repeats it; finished rows are not requested', T, () => {
  const { step, requests } = fakeStep();
  const got = runSearch(captionSearch(keys, { ...base, n: 2 }, TOKENS), step);
  assert.deepEqual(got, keys.map((_, i) => [greedyOf(i, 8), greedyOf(i, 8)]));
  assert.ok(got.some((c) => c[0].length < 8) && got.some((c) => c[0].length > 0), 'captions end at various lengths');
  const longest = Math.max(...got.map((c) => c[0].length));
  assert.equal(requests.length, Math.min(8, longest + 1), 'stops once every row has ended');
  assert.deepEqual(requests.map((r) => r.rows.length), requests.map((_, t) => got.filter((c) => c[0].length >= t).length));
  assert.deepEqual(runSearch(greedySearch([1], { ...TOKENS, maxLength: 2 }), fakeStep().step), [greedyOf(1, 2)], 'maxLength caps a caption');
});

/** Every caption of at most `max` tokens of `image`, with its log probability (end counted unless cut at max). */
function allCaptions(image: number, max: number): { ids: number[]; logp: number }[] {
  const out: { ids: number[]; logp: number }[] = [];
  const grow = (ids: number[], logp: number): void => {
    if (ids.length === max) return void out.push({ ids, logp });
    out.push({ ids, logp: logp + logProb(image, [TOKENS.start, ...ids], END) });
    for (let v = 0; v < END - 1; v++) grow([...ids, v], logp + logProb(image, [TOKENS.start, ...ids], v));
  };
  grow([], 0);
  return out.sort((a, b) => b.logp - a.logp);
}

test('beam search as wide as the tree is exhaustive search (raw log probability); width 1 is greedy', T, () => {
  for (let image = 0; image < 3; image++) {
    const best = allCaptions(image, 3).slice(0, 3).map((c) => c.ids);
    const [got] = runSearch(beamSearch(1, { ...TOKENS, beams: 200, n: 3, maxLength: 3, lengthPenalty: 0 }), fakeStep([image]).step);
    assert.deepEqual(got, best, `image ${image}`);
  }
  for (const lengthPenalty of [0, 1]) {
    const one = runSearch(captionSearch(keys, { ...base, strategy: 'beam', beams: 1, lengthPenalty }, TOKENS), fakeStep().step);
    assert.deepEqual(one, keys.map((_, i) => [greedyOf(i, 8)]));
  }
  const wide = runSearch(captionSearch(keys, { ...base, strategy: 'beam', beams: 4, n: 3 }, TOKENS), fakeStep().step);
  assert.ok(wide.every((c) => c.length === 3 && new Set(c.map(String)).size === 3));
  assert.throws(() => runSearch(captionSearch(keys, { ...base, strategy: 'beam', beams: 2, n: 3 }, TOKENS), fakeStep().step), /at most beams=2 captions, asked for n=3/);
});

test('sampling depends on (seed, key, caption index) only; the sync and async drivers agree', T, async () => {
  const o: DecodeOptions = { ...base, strategy: 'sample', n: 3, topP: 0.95, temperature: 1.3 };
  const all = runSearch(captionSearch(keys, o, TOKENS), fakeStep().step);
  const { step } = fakeStep();
  assert.deepEqual(await runSearchAsync(captionSearch(keys, o, TOKENS), (req) => Promise.resolve(step(req))), all);
  const order = [2, 0, 3, 1];
  const shuffled = runSearch(captionSearch(order.map((i) => keys[i]), o, TOKENS), fakeStep(order).step);
  assert.deepEqual(shuffled, order.map((i) => all[i]));
  const alone = runSearch(captionSearch([keys[3]], o, TOKENS), fakeStep([3]).step);
  assert.deepEqual(alone, [all[3]]);
  assert.ok(all.some((c) => new Set(c.map(String)).size > 1), 'captions of an image differ');
  assert.notDeepEqual(runSearch(captionSearch(keys, { ...o, seed: 6 }, TOKENS), fakeStep().step), all, 'another seed');
  const tiny = runSearch(captionSearch(keys, { ...o, topP: 1e-9 }, TOKENS), fakeStep().step);
  assert.deepEqual(tiny, keys.map((_, i) => Array.from({ length: 3 }, () => greedyOf(i, 8))), 'tiny top-p is greedy');
});

test('a row is sampled from its own captionRng(seed, key, index) with the shared chooser', T, () => {
  const o: DecodeOptions = { ...base, strategy: 'sample', n: 2, topP: 0.8, temperature: 0.7 };
  const got = runSearch(captionSearch(['x', 'ключ'], o, TOKENS), fakeStep().step);
  const replay = (image: number, key: string, index: number): number[] => {
    const rng = captionRng(o.seed, key, index), ids = [TOKENS.start];
    while (ids.length - 1 < o.maxLength) {
      const tok = sampleTopP({ data: Float32Array.from(rowLogits(image, ids)), vocab: VOCAB }, 0, o.topP, o.temperature, rng.next());
      if (tok === END) break;
      ids.push(tok);
    }
    return ids.slice(1);
  };
  assert.deepEqual(got, [[replay(0, 'x', 0), replay(0, 'x', 1)], [replay(1, 'ключ', 0), replay(1, 'ключ', 1)]]);
});

test('top-p keeps the smallest top set reaching p and samples it in proportion (temperature sharpens)', T, () => {
  const probs = [0.1, 0.4, 0.2, 0.3];
  const l: Logits = { data: Float32Array.from(probs.map(Math.log)), vocab: 4 };
  const freq = (topP: number, temperature: number): number[] => {
    const counts = [0, 0, 0, 0], n = 10_000;
    for (let i = 0; i < n; i++) counts[sampleTopP(l, 0, topP, temperature, (i + 0.5) / n)]++;
    return counts.map((c) => c / n);
  };
  const near = (a: number[], b: number[]): void => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-3, `${a} vs ${b}`));
  near(freq(0.65, 1), [0, 0.4 / 0.7, 0, 0.3 / 0.7]);   // {1, 3} reaches 0.7 >= 0.65; {1} alone does not
  near(freq(0.69, 1), [0, 0.4 / 0.7, 0, 0.3 / 0.7]);
  near(freq(1, 1), probs);
  const sharp = probs.map((p) => p ** 2), z = sharp.reduce((s, p) => s + p, 0);
  near(freq(1, 0.5), sharp.map((p) => p / z));
  assert.equal(sampleTopP(l, 0, 1e-9, 1, 0.999), 1, 'a tiny p keeps the top token only');
});

test('top-k keeps the k most likely tokens, then top-p applies to their renormalised mass', T, () => {
  const l: Logits = { data: Float32Array.from([0.1, 0.4, 0.2, 0.3].map(Math.log)), vocab: 4 };
  const freq = (topP: number, topK: number, logits = l): number[] => {
    const counts = new Array<number>(logits.vocab).fill(0), n = 10_000;
    for (let i = 0; i < n; i++) counts[sampleTopP(logits, 0, topP, 1, (i + 0.5) / n, topK)]++;
    return counts.map((c) => c / n);
  };
  const near = (a: number[], b: number[]): void => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-3, `${a} vs ${b}`));
  near(freq(1, 2), [0, 0.4 / 0.7, 0, 0.3 / 0.7]);
  near(freq(0.75, 3), [0, 0.4 / 0.7, 0, 0.3 / 0.7]);   // top 3 hold 0.9; 0.75 of it (0.675) needs {1, 3}
  near(freq(1, 1), [0, 1, 0, 0]);
  near(freq(1, 0), [0.1, 0.4, 0.2, 0.3]);
  // A peaked row: k reaches far past the few tokens a top-p of 0.5 would keep.
  const peaked = Float32Array.from({ length: 3000 }, (_, i) => (i === 7 ? 12 : -(i % 997) / 100));
  const f = freq(1, 50, { data: peaked, vocab: 3000 });
  const top = [...peaked.keys()].sort((a, b) => peaked[b] - peaked[a] || a - b).slice(0, 50);
  assert.ok(f.every((x, i) => x === 0 || top.includes(i)), 'only the 50 most likely tokens are drawn');
  assert.ok(top.slice(1).some((i) => f[i] > 0), 'tokens besides the top one are drawn');
  assert.throws(() => runSearch(captionSearch(keys, { ...base, strategy: 'sample', topK: -1 }, TOKENS), fakeStep().step), /topK must be a non-negative integer/);
});

test('the one key hash is FNV-1a over UTF-8 bytes; captionRng seeds from it', T, () => {
  assert.equal(keyHash(''), 0x811c9dc5);
  assert.equal(keyHash('a'), 0xe40c292c);
  assert.equal(keyHash('foobar'), 0xbf9cf968);
  // 'é' is one UTF-16 unit (0xe9) but two UTF-8 bytes (0xc3 0xa9): the bytes are what is hashed.
  const bytes = [0xc3, 0xa9].reduce((h, b) => Math.imul(h ^ b, 0x01000193), 0x811c9dc5) >>> 0;
  assert.equal(keyHash('é'), bytes);
  const a = captionRng(3, 'é', 2), b = new Rng(mixSeed(3), bytes, 2);
  for (let i = 0; i < 4; i++) assert.equal(a.next(), b.next());
});

test('bad options and a step of the wrong size are errors that say which', T, () => {
  const run = (o: Partial<DecodeOptions>): unknown => runSearch(captionSearch(keys, { ...base, ...o }, TOKENS), fakeStep().step);
  assert.throws(() => run({ n: 0 }), /n must be a positive integer, got 0/);
  assert.throws(() => run({ strategy: 'top-k' as DecodeOptions['strategy'] }), /unknown strategy 'top-k'/);
  assert.throws(() => run({ strategy: 'sample', temperature: 0 }), /temperature must be > 0, got 0/);
  assert.throws(() => run({ strategy: 'beam', beams: 0 }), /beams must be a positive integer, got 0/);
  const short = (): Logits => ({ data: new Float32Array(VOCAB), vocab: VOCAB });
  assert.throws(() => runSearch(captionSearch(keys, base, TOKENS), short), /returned 7 logits with vocab 7 for 4 rows/);
});

test('logits over a few output ids (Logits.ids) choose as the full vocabulary with the others impossible', T, () => {
  const ids = [0, 2, 3, END];
  const restricted = (full: Logits, rows: number): { sub: Logits; masked: Logits } => {
    const sub = new Float32Array(rows * ids.length), masked = new Float32Array(rows * VOCAB).fill(-Infinity);
    for (let r = 0; r < rows; r++) ids.forEach((id, c) => { sub[r * ids.length + c] = masked[r * VOCAB + id] = full.data[r * VOCAB + id]; });
    return { sub: { data: sub, vocab: ids.length, ids }, masked: { data: masked, vocab: VOCAB } };
  };
  for (const strategy of ['greedy', 'beam', 'sample'] as const) {
    const o = { ...base, strategy, n: 2 };
    const a = fakeStep(), b = fakeStep();
    const viaIds = runSearch(captionSearch(keys, o, TOKENS), (req) => restricted(a.step(req), req.rows.length).sub);
    const viaMask = runSearch(captionSearch(keys, o, TOKENS), (req) => restricted(b.step(req), req.rows.length).masked);
    assert.deepEqual(viaIds, viaMask, strategy);
    assert.ok(viaIds.flat(2).every((t) => ids.includes(t)), strategy);
  }
  assert.throws(() => runSearch(captionSearch(keys, base, TOKENS), (req) => ({ ...restricted(fakeStep().step(req), 4).sub, ids: [1, 2] })), /named 2 token ids for 4 logit columns/);
});
