// The captioner's folder format and config validation, the Captioner plugin over a folder
// (RgbImage in, strings out), its image preprocessing, and the caption grader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setNumThreads } from '../../src/engine/index.js';
import { getCaptionerConfig, loadCaptioner, parseCaptionerConfig, saveCaptioner } from '../../src/models/captioner/index.js';
import { loadZooclipCaptioner, preprocessImages } from '../../src/zoo/captioner_zooclip.js';
import { DEFAULT_CAPTION_OPTIONS, type RgbImage } from '../../src/zoo/types.js';
import { gradeCaption, summarise } from '../../src/stages/train_captioner/quality.js';
import { testCaptioner, testConfig } from './captioner_fixture.js';

setNumThreads(1);

function image(w: number, h: number, seed: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 17 + ((i * i) % 97)) & 255;
  return { data, width: w, height: h };
}

test('save + load round trip: same weights, same captions through the Captioner plugin', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'zc-cap-')), 'captioner');
  using model = testCaptioner(21);
  saveCaptioner(model, dir);
  assert.deepEqual(readdirSync(dir).sort(), ['captioner.json', 'model.safetensors']);
  using loaded = loadCaptioner(dir);
  assert.deepEqual(loaded.cfg, model.cfg);
  for (const [k, t] of model.stateDict()) assert.deepEqual(loaded.stateDict().get(k)!.toArray(), t.toArray(), k);
  const images = [image(32, 32, 1), image(48, 40, 2), image(20, 30, 3)], keys = ['a', 'b', 'c'];
  const cap = loadZooclipCaptioner(dir);
  const again = loadZooclipCaptioner(dir);
  try {
    assert.match(cap.name, /^zooclip:.*captioner$/);
    for (const o of [{ strategy: 'greedy' as const, n: 1 }, { strategy: 'sample' as const, n: 3 }, { strategy: 'beam' as const, n: 2 }]) {
      const a = await cap.caption(images, keys, { ...DEFAULT_CAPTION_OPTIONS, ...o, maxLength: 10 });
      assert.equal(a.length, 3);
      assert.ok(a.every((c) => c.length === o.n && c.every((s) => typeof s === 'string')));
      assert.deepEqual(await again.caption(images, keys, { ...DEFAULT_CAPTION_OPTIONS, ...o, maxLength: 10 }), a, o.strategy);
    }
    await assert.rejects(cap.caption(images, ['a'], DEFAULT_CAPTION_OPTIONS), /1 keys for 3 images/);
    await assert.rejects(cap.caption([{ data: new Uint8Array(5), width: 2, height: 2 }], ['x'], DEFAULT_CAPTION_OPTIONS), /image 0 has 5 bytes, not 2x2x3/);
  } finally {
    cap.dispose();
    again.dispose();
  }
  // Saving again replaces the folder whole, leaving no temporary folders.
  saveCaptioner(model, dir);
  assert.deepEqual(readdirSync(join(dir, '..')), ['captioner']);
});

test('a bad config key is an error naming it (top level, vision_cfg, decoder_cfg); bad values too', () => {
  const ok = JSON.parse(JSON.stringify(testConfig())) as Record<string, Record<string, unknown>>;
  assert.throws(() => parseCaptionerConfig({ ...ok, decoder: {} }, 'my.json'), /my\.json: unknown key 'decoder'/);
  assert.throws(() => parseCaptionerConfig({ ...ok, decoder_cfg: { ...ok.decoder_cfg, layer: 2 } }, 'my.json'), /my\.json: decoder_cfg: unknown key 'layer'/);
  assert.throws(() => parseCaptionerConfig({ ...ok, vision_cfg: { ...ok.vision_cfg, depth: 2 } }, 'my.json'), /vision_cfg: unknown key 'depth'/);
  assert.throws(() => parseCaptionerConfig({ ...ok, decoder_cfg: { ...ok.decoder_cfg, width: 33 } }), /width 33 is not a multiple of heads 2/);
  assert.throws(() => parseCaptionerConfig({ ...ok, decoder_cfg: { ...ok.decoder_cfg, output_ids: [5, 3, 49407] } }), /output_ids must be null or increasing/);
  assert.throws(() => parseCaptionerConfig({ ...ok, decoder_cfg: { ...ok.decoder_cfg, output_ids: [3, 5] } }), /must include the end token 49407/);
  assert.throws(() => parseCaptionerConfig({ ...ok, decoder_cfg: { ...ok.decoder_cfg, unimodal_layers: 0 } }), /contrastive_loss_weight > 0 needs decoder_cfg.unimodal_layers >= 1/);
  assert.throws(() => parseCaptionerConfig({ ...ok, caption_loss_weight: '1' }), /caption_loss_weight must be a number >= 0/);
  assert.throws(() => getCaptionerConfig('no-such-captioner'), /unknown captioner 'no-such-captioner' \(presets: captioner-test, captioner-tiny/);
  const dir = mkdtempSync(join(tmpdir(), 'zc-capbad-'));
  writeFileSync(join(dir, 'captioner.json'), JSON.stringify({ ...ok, extra: 1 }));
  writeFileSync(join(dir, 'model.safetensors'), '');
  assert.throws(() => loadCaptioner(dir), /captioner\.json: unknown key 'extra'/);
  assert.throws(() => loadCaptioner(join(dir, 'missing')), /no captioner\.json/);
  assert.equal(getCaptionerConfig('captioner-tiny').decoder_cfg.output_ids, null);
});

test('loading weights that do not fit the config names the mismatch', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'zc-capmis-')), 'c');
  using model = testCaptioner(1, { contrastive_loss_weight: 0 });
  saveCaptioner(model, dir);
  const cfg = JSON.parse(JSON.stringify(model.cfg)) as Record<string, unknown>;
  writeFileSync(join(dir, 'captioner.json'), JSON.stringify({ ...cfg, contrastive_loss_weight: 0.5 }));
  assert.throws(() => loadCaptioner(dir), /model\.safetensors: .*missing keys: .*text_projection/);
  assert.ok(existsSync(join(dir, 'model.safetensors')));
});

test('images are center-cropped, resized and normalised with OpenAI mean/std', () => {
  const grey = { data: new Uint8Array(40 * 20 * 3).fill(128), width: 40, height: 20 };
  const x = preprocessImages([grey, image(32, 32, 5)], 32);
  assert.deepEqual(x.shape, [2, 3, 32, 32]);
  const g = x.narrow(0, 0, 1).mean([2, 3]).toArray();
  const want = [0.48145466, 0.4578275, 0.40821073].map((m, c) => (128 / 255 - m) / [0.26862954, 0.26130258, 0.27577711][c]!);
  g.forEach((v, c) => assert.ok(Math.abs(v - want[c]!) < 1e-5, `${v} vs ${want[c]}`));
  // A 32x32 image is used as it is: pixel (0, 0) red channel.
  const im = image(32, 32, 5);
  assert.ok(Math.abs(x.select(0, 1).select(0, 0).select(0, 0).select(0, 0).item() - (im.data[0]! / 255 - 0.48145466) / 0.26862954) < 1e-5);
  // A wide image keeps its centre: a 64x32 image with a marked centre square equals that square.
  const wide = new Uint8Array(64 * 32 * 3);
  for (let y = 0; y < 32; y++) for (let xx = 16; xx < 48; xx++) for (let c = 0; c < 3; c++) wide[(y * 64 + xx) * 3 + c] = im.data[(y * 32 + xx - 16) * 3 + c]!;
  const w = preprocessImages([{ data: wide, width: 64, height: 32 }], 32);
  assert.deepEqual(w.toArray(), x.narrow(0, 1, 1).toArray());
  x.dispose();
  w.dispose();
});

test('captions are graded on shapes (any synonym), colours and the stated count', () => {
  const truth = { objects: [{ shape: 'cube', colour: 'red' }, { shape: 'sphere', colour: 'blue' }, { shape: 'cube', colour: 'blue' }] };
  const good = gradeCaption('Three objects: a big red block, a small blue ball and a blue cube.', truth);
  assert.deepEqual(good, { shapesExact: true, shapeHits: 2, shapesNamed: 2, shapesFound: 2, shapesTrue: 2, coloursExact: true, countRight: true });
  const bad = gradeCaption('two shapes: a red cone and a green cube', truth);
  assert.equal(bad.shapesExact, false);
  assert.equal(bad.shapeHits, 1);
  assert.equal(bad.shapesNamed, 2);
  assert.equal(bad.countRight, false);
  assert.equal(gradeCaption('a cube', truth).countRight, null);
  const s = summarise([good, bad]);
  assert.equal(s.shapesExact, 0.5);
  assert.equal(s.shapePrecision, 3 / 4);
  assert.equal(s.shapeRecall, 3 / 4);
  assert.equal(s.countRight, 0.5);
});
