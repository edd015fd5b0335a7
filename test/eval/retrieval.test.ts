// Retrieval recall: the metric math on hand-made similarity matrices (values worked out by hand),
// expected recall under ties, chunking, and a whole pass over hand-built shards with a model whose
// features are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eye, liveTensors, tensor } from '../../src/engine/index.js';
import { captionIndex, positiveRanks, recallAtK, retrievalEval, retrievalRanks } from '../../src/eval/retrieval.js';
import { ColourModel, colourShards, tok } from './zero_shot_fixtures.js';

// 3 images x 4 texts; texts 0 and 1 belong to image 0, text 2 to image 1, text 3 to image 2.
const SIM = [
  [0.9, 0.2, 0.5, 0.1],
  [0.3, 0.8, 0.4, 0.6],
  [0.7, 0.1, 0.7, 0.2],
];
const OWNER = [0, 0, 1, 2];

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('ranks and recall@k on a hand-made similarity matrix match the hand values', () => {
  const before = liveTensors();
  for (const chunk of [1, 2, 1024]) {
    // images = identity, texts = SIM^T: the similarity matrix is SIM itself.
    const texts = tensor(OWNER.map((_, t) => SIM.map((row) => row[t]!)));
    const images = eye(3);
    const r = retrievalRanks(images, texts, OWNER, chunk);
    images.dispose(); texts.dispose();
    // image 0: best positive 0.9 beats all; image 1: 0.4 under 0.8 and 0.6; image 2: 0.2 under 0.7 twice.
    assert.deepEqual(r.imageToText, { greater: [0, 2, 2], ties: [0, 0, 0] });
    // text 0: 0.9 best; text 1: 0.2 under 0.8; text 2: 0.4 under 0.5 and 0.7; text 3: 0.2 under 0.6.
    assert.deepEqual(r.textToImage, { greater: [0, 1, 2, 1], ties: [0, 0, 0, 0] });
    const i2t = recallAtK(r.imageToText), t2i = recallAtK(r.textToImage);
    close(i2t.r1, 1 / 3, 'i2t R@1'); close(i2t.r5, 1, 'i2t R@5'); close(i2t.r10, 1, 'i2t R@10');
    close(t2i.r1, 1 / 4, 't2i R@1'); close(t2i.r5, 1, 't2i R@5');
  }
  assert.equal(liveTensors(), before, 'no tensor left behind');
});

test('ties count as a random tie-break would: identical features give chance, not 0 or 1', () => {
  const sim = tensor([[0.5, 0.5, 0.5, 0.5], [0.1, 0.9, 0.9, 0.9]]);
  const pos = tensor([[true, false, false, false], [false, true, false, false]]);
  const r = positiveRanks(sim, pos);
  sim.dispose(); pos.dispose();
  assert.deepEqual(r, { greater: [0, 0], ties: [3, 2] });
  const rec = recallAtK(r);
  close(rec.r1, (1 / 4 + 1 / 3) / 2, 'R@1');
  close(rec.r5, 1, 'R@5');
  // 3 negatives above, 4 tied: the positive lands in places 4..8, 2 of 5 within the top 5.
  close(recallAtK({ greater: [3], ties: [4] }).r5, 2 / 5, 'R@5 with ties');
  close(recallAtK({ greater: [0, 3, 12], ties: [0, 0, 0] }).r10, 2 / 3, 'R@10');
});

test('bad owners and queries without a positive fail with a message', () => {
  const a = eye(2), b = eye(2);
  assert.throws(() => retrievalRanks(a, b, [0, 2]), /text 1 belongs to image 2, not in \[0, 2\)/);
  assert.throws(() => retrievalRanks(a, b, [0]), /1 owners for 2 texts/);
  const pos = tensor([[true, false], [false, false]]);
  assert.throws(() => positiveRanks(a, pos), /query 1 has no positive candidate/);
  a.dispose(); b.dispose(); pos.dispose();
});

test('retrieval over shards: recall from known features, txt and all captions', async () => {
  const shard = await colourShards([
    { key: 'a', colour: 'red', txt: 'a red cube' },
    { key: 'b', colour: 'green', txt: 'green ball' },
    { key: 'c', colour: 'blue', txt: 'blue thing' },
    { key: 'd', colour: 'red', txt: 'something', syn: ['a red sphere', 'something'] },
  ]);
  assert.deepEqual((await captionIndex(shard, 'all')).get('d'), ['something', 'a red sphere']);
  assert.deepEqual((await captionIndex(shard, 'syn')).get('a'), []);
  const model = new ColourModel();
  const o = { batch: 3, imageSize: 8, workers: 0 };
  const before = liveTensors();
  const txt = await retrievalEval(model, shard, tok, 'cpu', o);
  assert.equal(model.training, true, 'mode restored');
  assert.deepEqual([txt.images, txt.texts, txt.skipped], [4, 4, 0]);
  // Images a and d are both red: "a red cube" finds them tied (1/2); "something" (no colour word) ranks d
  // below green and blue and tied with a (0); green and blue are found. From the images: d's own caption
  // scores under "a red cube".
  close(txt.textToImage.r1, (0.5 + 1 + 1 + 0) / 4, 'txt t2i R@1');
  close(txt.imageToText.r1, 3 / 4, 'txt i2t R@1');
  close(txt.textToImage.r5, 1, 'txt t2i R@5');
  // With syn.json too, d also has "a red sphere": each red image's best caption ties with the other's.
  const all = await retrievalEval(model, shard, tok, 'cpu', { ...o, captions: 'all' });
  assert.deepEqual([all.images, all.texts], [4, 5]);
  close(all.imageToText.r1, (0.5 + 1 + 1 + 0.5) / 4, 'all i2t R@1');
  close(all.textToImage.r1, (0.5 + 1 + 1 + 0 + 0.5) / 5, 'all t2i R@1');
  close(all.meanRecall, (all.imageToText.r1 + all.imageToText.r5 + all.imageToText.r10 + all.textToImage.r1 + all.textToImage.r5 + all.textToImage.r10) / 6, 'mean');
  // syn only: a, b, c have no syn.json and are skipped.
  const syn = await retrievalEval(model, shard, tok, 'cpu', { ...o, captions: 'syn' });
  assert.deepEqual([syn.images, syn.texts, syn.skipped], [1, 2, 3]);
  assert.equal(liveTensors(), before, 'no tensor left behind');
});
