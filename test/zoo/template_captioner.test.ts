// The grounded template captioner on synthetic samples, fed ground-truth-like expert outputs
// (the samples' own seg.png and det.json): its captions name the right shapes, colours and counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../src/data/loader/index.js';
import { readShards } from '../../src/data/shards/index.js';
import { makeRng } from '../../src/data/synth/rng.js';
import { COLOURS, COLOUR_NAMES, SEG_CLASSES } from '../../src/data/synth/world.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { TemplateCaptioner, dominantColour, templateCaptions } from '../../src/zoo/captioner_template.js';
import { checkCaption, captionClaims, type SceneObjects } from '../../src/zoo/quality/claims.js';
import { inputShards } from '../../src/zoo/shard_map.js';
import { DEFAULT_CAPTION_OPTIONS, type Expert, type ExpertOutput, type DenseTaskName, type RgbImage } from '../../src/zoo/types.js';

const hashPixels = (img: RgbImage): string => createHash('sha1').update(img.data).digest('hex');

/** Answers from a table keyed by image pixels. */
class TableExpert implements Expert {
  readonly name: string;
  constructor(readonly task: DenseTaskName, private readonly table: Map<string, ExpertOutput>, readonly classes = SEG_CLASSES) {
    this.name = `test:table-${task}`;
  }
  async predict(images: RgbImage[]): Promise<ExpertOutput[]> {
    return images.map((img) => this.table.get(hashPixels(img)) ?? { det: { boxes: [], labels: [], scores: [] } });
  }
  dispose(): void {}
}

interface Sample { key: string; image: RgbImage; scene: SceneObjects }

let made: Promise<{ samples: Sample[]; seg: TableExpert; det: TableExpert }> | undefined;
/** 40 labelled samples at 64x64 and experts that answer with their ground truth. */
function world(): NonNullable<typeof made> {
  made ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'zc-template-'));
    await runSynth({ out: root, size: 64, zoo: 40, web: 0, probeTrain: 0, probeTest: 0, classify: 0, noise: 0.5, seed: 11, bench: 0, workers: 2, log: () => {} });
    const samples: Sample[] = [];
    const seg = new Map<string, ExpertOutput>(), det = new Map<string, ExpertOutput>();
    for await (const s of readShards(inputShards(join(root, 'zoo')))) {
      const d = decodeImage(s.fields.get('jpg')!, { mode: 'rgb' });
      const image = { data: d.data as Uint8Array, width: d.width, height: d.height };
      const h = hashPixels(image);
      seg.set(h, { seg: { width: 64, height: 64, labels: decodeImage(s.fields.get('seg.png')!, { mode: 'raw' }).data as Uint8Array } });
      const dj = JSON.parse(s.fields.get('det.json')!.toString()) as { boxes: [number, number, number, number][]; labels: number[]; scores: number[] };
      det.set(h, { det: { boxes: dj.boxes, labels: dj.labels, scores: dj.scores } });
      samples.push({ key: s.key, image, scene: (JSON.parse(s.fields.get('json')!.toString()) as { scene: SceneObjects }).scene });
    }
    return { samples, seg: new TableExpert('seg', seg), det: new TableExpert('det', det) };
  })();
  return made;
}

test('template: captions from ground-truth-like experts state the right shapes, counts and (nearly always) colours', async () => {
  const { samples, seg, det } = await world();
  const c = new TemplateCaptioner({ det, seg });
  const caps = await c.caption(samples.map((s) => s.image), samples.map((s) => s.key), { ...DEFAULT_CAPTION_OPTIONS, n: 5 });
  let colourClaims = 0, colourWrong = 0;
  caps.forEach((list, i) => {
    const scene = samples[i]!.scene;
    assert.equal(list.length, 5);
    assert.equal(new Set(list).size, 5, `distinct captions: ${list.join(' / ')}`);
    const mentioned = new Set(list.flatMap((t) => captionClaims(t).shapes));
    assert.deepEqual([...mentioned].sort(), [...new Set(scene.objects.map((o) => o.shape))].sort(), `all shapes and only them: ${list.join(' / ')}`);
    for (const t of list) {
      const v = checkCaption(t, scene);
      assert.notEqual(v.shapes, 'wrong', t);
      const claims = captionClaims(t);
      colourClaims += claims.colours.length;
      colourWrong += claims.colours.filter((x) => !scene.objects.some((o) => o.colour === x.colour && (!x.shape || o.shape === x.shape))).length;
      // Counts of a shape regardless of colour, and totals, are exact.
      for (const k of claims.counts.filter((x) => !x.colour)) assert.equal(scene.objects.filter((o) => !k.shape || o.shape === k.shape).length, k.n, t);
    }
  });
  assert.ok(colourClaims > 100, `${colourClaims} colour claims`);
  assert.ok(colourWrong / colourClaims < 0.1, `colour errors ${colourWrong}/${colourClaims}`);
});

test('template: captions depend on (seed, key), not on batching; empty detections give an empty-scene caption', async () => {
  const { samples, seg, det } = await world();
  const c = new TemplateCaptioner({ det, seg });
  const o = { ...DEFAULT_CAPTION_OPTIONS, n: 3 };
  const all = await c.caption(samples.slice(0, 6).map((s) => s.image), samples.slice(0, 6).map((s) => s.key), o);
  const one = await c.caption([samples[4]!.image], [samples[4]!.key], o);
  assert.deepEqual(one[0], all[4]);
  const other = await c.caption(samples.slice(0, 6).map((s) => s.image), samples.slice(0, 6).map((s) => s.key), { ...o, seed: 7 });
  assert.notDeepEqual(other, all);
  const blank = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 };
  const [empty] = await c.caption([blank], ['nothing'], o);
  assert.ok(empty!.every((t) => captionClaims(t).shapes.length === 0 && /empty|no objects|nothing/i.test(t)), empty!.join(' / '));
});

test('template: dominantColour names shaded world colours, ignores dark pixels, a highlight does not outvote the colour', () => {
  for (const name of COLOUR_NAMES) {
    const [r, g, b] = COLOURS[name];
    const px: number[] = [];
    for (const shade of [0.35, 0.5, 0.7, 0.9, 1]) px.push(r * shade * 255, g * shade * 255, b * shade * 255);
    px.push(250, 250, 250, 5, 5, 5); // a highlight and a shadow
    const img = { data: Uint8Array.from(px, (v) => Math.round(v)), width: 7, height: 1 };
    assert.equal(dominantColour(img, [0, 1, 2, 3, 4, 5, 6]), name);
  }
  assert.equal(dominantColour({ data: new Uint8Array(9), width: 3, height: 1 }, [0, 1, 2]), undefined);
});

test('template: templates group, count and place objects', () => {
  const objs = [
    { name: 'cube', colour: 'red' as const, place: 'left' as const, box: [0, 30, 10, 40] as const, score: 1 },
    { name: 'cube', colour: 'red' as const, place: 'right' as const, box: [50, 20, 60, 30] as const, score: 1 },
    { name: 'cone', colour: 'blue' as const, place: 'middle' as const, box: [28, 40, 36, 60] as const, score: 1 },
  ];
  const caps = templateCaptions(objs, 64, makeRng(1), 12);
  const text = caps.join(' ');
  assert.match(text, /two red (cubes|blocks)/);
  assert.match(text, /three (objects|shapes|things)|three in total/);
  assert.match(text, /the blue cone is (in front|nearest to the camera|closest to the viewer)/i);
  for (const t of caps) assert.equal(checkCaption(t, { objects: [{ shape: 'cube', colour: 'red' }, { shape: 'cube', colour: 'red' }, { shape: 'cone', colour: 'blue' }] }).wrongClaims, 0, t);
});
