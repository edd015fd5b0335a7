// paug.json (DataCompDR's stored augmentations): zooclip reads the fixture Apple's tools would
// write (test/fixtures/datacompdr, made by make_fixture.py with json.dumps and np.savez), writes the
// same layout back, names shard, key and entry on bad input, and the loader replays a stored view
// with its teacher row (or, without paug.json, crops at random with row epoch mod n_aug as before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Loader, memorySource, type Batch } from '../../src/data/loader/index.js';
import { teacherRows } from '../../src/data/loader/teacher.js';
import { renderView, storedViewPlan } from '../../src/data/loader/view.js';
import { readShards, type RawSample } from '../../src/data/shards/index.js';
import { readNpz, toFloat32, toHalf, writeNpz } from '../../src/data/shards/npz.js';
import { encodePaug, parsePaug, type PaugEntry } from '../../src/data/shards/paug.js';
import { native } from '../../src/engine/native.js';
import { wrap } from '../../src/engine/index.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'datacompdr');
interface Expected { param_aug: unknown[]; image_emb: number[][]; text_emb: number[][]; syn_text: string[]; size: [number, number] }
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Record<string, Expected>;

async function fixtureSamples(): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of readShards([join(FIXTURE, 'datacompdr-000000.tar')])) out.push(s);
  return out;
}

/** An entry as Apple's layout lists it. */
function appleLayout(e: PaugEntry): unknown[] {
  return [e.crop, ...(e.flip === undefined ? [] : [e.flip]), ...(e.randAugment === undefined ? [] : [e.randAugment])];
}

test('paug: reads Apple-layout paug.json and float16 npz (np.savez and savez_compressed) from a shard', { timeout: 30000 }, async () => {
  const samples = await fixtureSamples();
  assert.deepEqual(samples.map((s) => s.key), Object.keys(expected));
  for (const s of samples) {
    const want = expected[s.key]!;
    const entries = parsePaug(s.fields.get('paug.json')!, `shard ${s.shard} key ${s.key}`);
    assert.deepEqual(entries.map(appleLayout), want.param_aug, `${s.key}: entries`);
    const arrays = readNpz(s.fields.get('npz')!);
    assert.equal(arrays.get('image_emb')!.dtype, 'f2');
    assert.deepEqual(arrays.get('image_emb')!.shape, [entries.length, 8]);
    assert.deepEqual(arrays.get('text_emb')!.shape, [1 + want.syn_text.length, 8]);
    for (let k = 0; k < entries.length; k++) {
      const t = teacherRows(s.fields.get('npz')!, () => k);
      assert.deepEqual([...t.image], want.image_emb[k], `${s.key}: image row ${k}`);
      assert.deepEqual([...t.text], want.text_emb.flat(), `${s.key}: text rows`);
    }
  }
  const e0 = parsePaug(samples[0]!.fields.get('paug.json')!);
  assert.deepEqual(e0[0], { crop: [2, 5, 30, 36], randAugment: [[3, -4], [11, 0]] }, 'no flip configured: no flip place');
  const e1 = parsePaug(samples[1]!.fields.get('paug.json')!);
  assert.deepEqual(e1[1], { crop: [1, 2, 44, 30], flip: false, randAugment: null }, 'rand_augment skipped: null');
});

test('paug: zooclip writes the layout it reads (JSON equal to json.dumps output, npz round trip)', { timeout: 30000 }, async () => {
  for (const s of await fixtureSamples()) {
    const apple = s.fields.get('paug.json')!;
    const mine = encodePaug(parsePaug(apple));
    assert.deepEqual(JSON.parse(mine), JSON.parse(apple.toString('utf8')), `${s.key}: same document`);
    assert.deepEqual(parsePaug(Buffer.from(mine)), parsePaug(apple));
    const want = expected[s.key]!;
    const npz = writeNpz({
      image_emb: { dtype: 'f2', shape: [want.image_emb.length, 8], data: toHalf(want.image_emb.flat()) },
      text_emb: { dtype: 'f2', shape: [want.text_emb.length, 8], data: toHalf(want.text_emb.flat()) },
    });
    const a = readNpz(npz), b = readNpz(s.fields.get('npz')!);
    for (const name of ['image_emb', 'text_emb']) {
      assert.deepEqual(a.get(name)!.shape, b.get(name)!.shape, name);
      assert.deepEqual([...toFloat32(a.get(name)!)], [...toFloat32(b.get(name)!)], `${name}: f16 values`);
    }
  }
});

test('paug: bad documents are errors naming the shard, key and entry', { timeout: 30000 }, () => {
  const where = 'shard web-000001.tar key web-0000042';
  const bad = (doc: string, re: RegExp): void => assert.throws(() => parsePaug(Buffer.from(doc), where), (e: Error) => e.message.startsWith(where) && re.test(e.message), doc);
  bad('{', /is not JSON/);
  bad('{"aug": []}', /no 'param_aug' list/);
  bad('{"param_aug": []}', /'param_aug' is empty/);
  bad('{"param_aug": [[[0, 0, 4, 4]], [[0, 0, 4]]]}', /param_aug\[1\]\[0\] must be \[top, left, height, width\]/);
  bad('{"param_aug": [[[0, 0, 0, 4]]]}', /param_aug\[0\]\[0\] = \[0,0,0,4\] is not a box/);
  bad('{"param_aug": [[[0, 0, 4, 4], [[14, 1.0]]]]}', /param_aug\[0\] rand_augment step 0 must be \[op index 0\.\.13/);
  bad('{"param_aug": [[[0, 0, 4, 4], [[1, 1.0]], true]]}', /param_aug\[0\] has 3 parameters/);
  bad('{"param_aug": [[[0, 0, 4, 4], "x"]]}', /param_aug\[0\] rand_augment must be a list/);
  bad('{"param_aug": [[]]}', /param_aug\[0\] must be a list of 1 to 3/);
  assert.throws(() => storedViewPlan({ crop: [30, 0, 20, 10] }, 48, 40, `${where} param_aug[3]`), /key web-0000042 param_aug\[3\]: paug.json crop \[top 30, left 0, height 20, width 10\] leaves the 48x40 image/);
});

/** One-sample loader batches of `sample` at 16 px with teacher rows, starting at `epoch`. */
async function firstBatch(sample: RawSample, epoch: number, replay: 'uniform' | 'sequential' | 'off'): Promise<{ pixels: number[]; teacher: number[] }> {
  const loader = new Loader({ source: memorySource([sample]), batchSize: 1, imageSize: 16, teacher: true, replay, workers: 0, shuffle: 0, onSkip: () => {}, resume: { version: 1, seed: 0, rank: 0, worldSize: 1, epoch, consumed: 0 } });
  try {
    for await (const b of loader as AsyncIterable<Batch>) {
      const out = { pixels: b.images.toArray(), teacher: b.teacher!.image.toArray() };
      b.dispose();
      return out;
    }
    throw new Error('no batch');
  } finally {
    await loader.close();
  }
}

test('paug: the loader replays stored view k exactly (crop box, flip) and hands teacher row k; without paug.json it crops at random, row epoch mod n', { timeout: 60000 }, async () => {
  const s = (await fixtureSamples())[1]!;  // its view 1 has rand_augment null (RandAugment itself is raug's part)
  const want = expected[s.key]!;
  const got = await firstBatch(s, 1, 'sequential');  // k = epoch 1 mod 2 views
  const plan = storedViewPlan(parsePaug(s.fields.get('paug.json')!)[1]!, want.size[0], want.size[1], 'fixture');
  const view = wrap(native.imagesToTensor([renderView(s.fields.get('jpg')!, plan, 16)], 16, 16, [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]));
  assert.deepEqual(got.pixels, view.toArray(), 'the pixels of stored view 1');
  view.dispose();
  assert.deepEqual(got.teacher, want.image_emb[1], 'teacher row 1');
  const fields = new Map(s.fields);
  fields.delete('paug.json');
  const plain = await firstBatch({ ...s, fields }, 1, 'sequential');
  assert.deepEqual(plain.teacher, want.image_emb[1 % 2], 'no paug.json: row epoch mod n_aug');
  assert.notDeepEqual(plain.pixels, got.pixels, 'no paug.json: a random crop');
  const off = await firstBatch(s, 1, 'off');
  assert.deepEqual(off.pixels, plain.pixels, "replay 'off': the same random crop as without paug.json");
  const nAug = (await firstBatch({ ...s, fields: new Map([...s.fields, ['paug.json', Buffer.from(encodePaug([{ crop: [0, 0, 8, 8] }]))]]) }, 0, 'uniform').catch((e: Error) => e));
  assert.ok(nAug instanceof Error && /paug.json has 1 stored views but npz image_emb has 2 rows/.test(nAug.message), String(nAug));
});
