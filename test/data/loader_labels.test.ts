// Boxes follow the crop and flip, per-sample presence masks say which labels a sample carries, and
// teacher embeddings come out of DataCompDR-layout npz fields with their caption rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Loader, type RawSample, encodeJpeg, mapBoxes, memorySource, teacherText } from '../../src/data/loader/index.js';
import { writeNpz, toHalf } from '../../src/data/shards/npz.js';

const S = 32;

function sample(key: string, o: { det?: object; npz?: Buffer; syn?: string[] } = {}): RawSample {
  const rgb = new Uint8Array(S * S * 3).map((_, i) => (i * 7) & 255);
  const fields = new Map<string, Uint8Array>([['jpg', encodeJpeg(rgb, S, S, 3, 90)], ['txt', Buffer.from(`real ${key}`)]]);
  if (o.det) fields.set('det.json', Buffer.from(JSON.stringify(o.det)));
  if (o.npz) fields.set('npz', o.npz);
  if (o.syn) fields.set('syn.json', Buffer.from(JSON.stringify({ syn_text: o.syn })));
  return { key, fields };
}

test('mapBoxes: scaled into the crop, mirrored on a flip, clipped, mostly-cut boxes dropped', () => {
  const crop = { x: 8, y: 8, w: 16, h: 16 };
  assert.deepEqual([...mapBoxes([[8, 8, 16, 24]], [3], crop, 32, false)], [0, 0, 16, 32, 3]);
  assert.deepEqual([...mapBoxes([[8, 8, 16, 24]], [3], crop, 32, true)], [16, 0, 32, 32, 3]);
  // Half inside: kept, clipped; a tenth inside: dropped.
  assert.deepEqual([...mapBoxes([[0, 8, 16, 16]], [1], crop, 32, false)], [0, 0, 16, 16, 1]);
  assert.deepEqual([...mapBoxes([[0, 8, 9, 16]], [1], crop, 32, false)], []);
});

test('det boxes through the loader, with presence masks for samples without det.json', async () => {
  const det = { boxes: [[0, 0, 16, 8]], labels: [4] };
  const l = new Loader({ source: memorySource([sample('a', { det }), sample('b')]), batchSize: 2, imageSize: S, workers: 0, dense: ['det', 'seg'],
    augment: { scale: [1, 1], ratio: [1, 1], hflip: 1 }, shuffle: 0 });
  for await (const b of l) {
    assert.deepEqual(b.det!.boxes, [[[16, 0, 32, 8]], []]);
    assert.deepEqual(b.det!.labels, [[4], []]);
    assert.deepEqual(b.present!.det!.toArray(), [1, 0]);
    assert.deepEqual(b.present!.seg!.toArray(), [0, 0], 'no seg.png in either sample');
    b.dispose();
  }
  await l.close();
});

test('a malformed det.json skips the sample with a message naming the field', async () => {
  const errors: string[] = [];
  const l = new Loader({ source: memorySource([sample('bad', { det: { boxes: [[1, 2, 3]], labels: [0] } }), sample('ok', { det: { boxes: [], labels: [] } })]),
    batchSize: 1, imageSize: S, workers: 0, dense: ['det'], onSkip: (s) => errors.push(s.error), shuffle: 0, maxSkipRate: 1 });
  let n = 0;
  for await (const b of l) { n++; b.dispose(); }
  await l.close();
  assert.equal(n, 1);
  assert.match(errors[0]!, /det\.json: boxes\[0\]/);
});

test('teacher embeddings: float16 npz rows, image row cycling with the epoch, text rows by caption index', async () => {
  const D = 4;
  const image = Float32Array.from({ length: 2 * D }, (_, i) => i);          // 2 augmentations
  const text = Float32Array.from({ length: 3 * D }, (_, i) => 100 + i);     // real + 2 synthetic
  const npz = writeNpz({ image_emb: { dtype: 'f2', shape: [2, D], data: toHalf(image) }, text_emb: { dtype: 'f4', shape: [3, D], data: text } });
  const l = new Loader({ source: memorySource([sample('t', { npz, syn: ['s0', 's1'] })]), batchSize: 1, imageSize: S, workers: 1, teacher: true,
    captions: { mode: 'sequential' }, iteration: 'resampled', shuffle: 0 });
  let epoch = 0;
  for await (const b of l) {
    assert.deepEqual(b.teacher!.image.toArray(), [...image.subarray((epoch % 2) * D, (epoch % 2 + 1) * D)], `image row of epoch ${epoch}`);
    assert.equal(b.captions[0], `s${epoch % 2}`);
    assert.deepEqual(b.captionIndex, [1 + (epoch % 2)]);
    const t = teacherText(b.teacher!.text, b.captionIndex), real = teacherText(b.teacher!.text, [0]);
    assert.deepEqual(t.toArray(), [...text.subarray((1 + epoch % 2) * D, (2 + epoch % 2) * D)]);
    assert.deepEqual(real.toArray(), [...text.subarray(0, D)]);
    t.dispose(); real.dispose(); b.dispose();
    if (++epoch === 3) break;
  }
  await l.close();
  assert.throws(() => teacherText([{ image: new Float32Array(D), text: new Float32Array(D), rows: 1, dim: D }], [2]), /1 teacher text rows, caption index 2/);
});

test('teacher embeddings asked for but missing: the sample is skipped, naming npz', async () => {
  const errors: string[] = [];
  const l = new Loader({ source: memorySource([sample('none')]), batchSize: 1, imageSize: S, workers: 0, teacher: true, onSkip: (s) => errors.push(s.error), maxSkipRate: 1 });
  for await (const b of l) b.dispose();
  await l.close();
  assert.match(errors[0]!, /no npz field/);
});
