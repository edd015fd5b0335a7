// Ranks of a data-parallel run number their samples from 0 each; their augmentations must still differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Loader, type RawSample, encodeJpeg, memorySource } from '../../src/data/loader/index.js';

const S = 32;
const one = (key: string): RawSample => ({ key, fields: new Map([['jpg', encodeJpeg(new Uint8Array(S * S * 3).map((_, i) => (i * 13) & 255), S, S, 3, 95)], ['txt', Buffer.from(key)]]) });

async function firstImage(rank: number, worldSize: number): Promise<number[]> {
  // The same image at index 0 of each rank's stream (each rank's source gives it the same sample).
  const l = new Loader({ source: () => [one('same')], rankSplit: 'source', rank, worldSize, batchSize: 1, imageSize: 16, workers: 0, shuffle: 0, seed: 5 });
  for await (const b of l) { const a = b.images.toArray(); b.dispose(); await l.close(); return a; }
  throw new Error('no batch');
}

test('two ranks crop their first samples differently; one process keeps its seed-only augmentation', async () => {
  const [r0, r1] = [await firstImage(0, 2), await firstImage(1, 2)];
  assert.notDeepEqual(r0, r1, 'rank 0 and rank 1 share an augmentation stream');
  assert.deepEqual(await firstImage(0, 2), r0, 'deterministic per rank');
  const single = new Loader({ source: memorySource([one('same')]), batchSize: 1, imageSize: 16, workers: 0, shuffle: 0, seed: 5 });
  for await (const b of single) { assert.equal(b.images.shape[0], 1); b.dispose(); }
  await single.close();
});
