// zoo-quality: the caption reader on hand cases, and the report on a tiny world: the world's own
// quality captions read as ~all correct, web captions worse, a lying captioner near zero; pseudo-
// labels equal to the ground truth score perfectly, constant ones poorly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../src/data/loader/index.js';
import { readShards, type RawSample } from '../../src/data/shards/index.js';
import { SEG_CLASSES } from '../../src/data/synth/world.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { runCaption } from '../../src/stages/caption/run.js';
import { runLabel } from '../../src/stages/label/run.js';
import { TemplateCaptioner } from '../../src/zoo/captioner_template.js';
import { runQuality, type QualityReport } from '../../src/zoo/quality.js';
import { captionClaims, checkCaption } from '../../src/zoo/quality/claims.js';
import { inputShards } from '../../src/zoo/shard_map.js';
import type { CaptionOptions, Captioner, Expert, ExpertOutput, DenseTaskName, RgbImage } from '../../src/zoo/types.js';

test('claims: shapes, colours bound to their shape, counts (total, per shape, per coloured shape), synonyms', () => {
  const c = captionClaims('Three objects on a tiled floor: two small red shiny blocks and a blue ball. The red cube is left of the blue sphere.');
  assert.deepEqual(c.shapes, ['cube', 'sphere', 'cube', 'sphere']);
  assert.deepEqual(c.colours, [{ colour: 'red', shape: 'cube' }, { colour: 'blue', shape: 'sphere' }, { colour: 'red', shape: 'cube' }, { colour: 'blue', shape: 'sphere' }]);
  assert.deepEqual(c.counts, [{ n: 3 }, { n: 2, shape: 'cube', colour: 'red' }]);
  assert.deepEqual(captionClaims('Two cubes and a torus, three in total.').counts, [{ n: 2, shape: 'cube', colour: undefined }, { n: 3 }]);
  assert.deepEqual(captionClaims('green | stock photo').colours, [{ colour: 'green' }]);
  const scene = { objects: [{ shape: 'cube', colour: 'red' }, { shape: 'cube', colour: 'red' }, { shape: 'sphere', colour: 'blue' }] };
  assert.deepEqual(checkCaption('Three shapes: two red cubes and a blue sphere.', scene), { shapes: 'correct', colours: 'correct', counts: 'correct', claims: 6, wrongClaims: 0 });
  const wrong = checkCaption('a green cube and two spheres', scene);
  assert.equal(wrong.shapes, 'correct');
  assert.equal(wrong.colours, 'wrong');
  assert.equal(wrong.counts, 'wrong');
  assert.equal(checkCaption('stock photo', scene).shapes, 'none');
});

const hashPixels = (img: RgbImage): string => createHash('sha1').update(img.data).digest('hex');

/** Answers looked up by image pixels; `constant` answers the same for every image instead. */
class TableExpert implements Expert {
  readonly name: string;
  constructor(readonly task: DenseTaskName, private readonly table: Map<string, ExpertOutput>, private readonly constant?: ExpertOutput, readonly classes = SEG_CLASSES) {
    this.name = `test:${constant ? 'constant' : 'table'}-${task}`;
  }
  async predict(images: RgbImage[]): Promise<ExpertOutput[]> {
    return images.map((img) => this.constant ?? this.table.get(hashPixels(img))!);
  }
  dispose(): void {}
}

/** Always says the same wrong-ish thing. */
class LyingCaptioner implements Captioner {
  readonly name = 'test:liar';
  async caption(images: RgbImage[], _keys: string[], o: CaptionOptions): Promise<string[][]> {
    return images.map(() => Array.from({ length: o.n }, () => 'Eleven purple tori.'));
  }
  dispose(): void {}
}

async function readAll(spec: string): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of readShards(inputShards(spec))) out.push(s);
  return out;
}

/** Ground-truth answers of every task for the web split, by image pixels. */
async function answers(root: string): Promise<Record<DenseTaskName, Map<string, ExpertOutput>>> {
  const gt = new Map((await readAll(join(root, 'web-gt'))).map((s) => [s.key, s.fields]));
  const out = { seg: new Map(), depth: new Map(), normals: new Map(), det: new Map() } as Record<DenseTaskName, Map<string, ExpertOutput>>;
  for (const s of await readAll(join(root, 'web'))) {
    const d = decodeImage(s.fields.get('jpg')!, { mode: 'rgb' }), g = gt.get(s.key)!;
    const h = hashPixels({ data: d.data as Uint8Array, width: d.width, height: d.height }), { width, height } = d;
    out.seg.set(h, { seg: { width, height, labels: decodeImage(g.get('seg.png')!, { mode: 'raw' }).data as Uint8Array } });
    out.depth.set(h, { depth: { width, height, depth: Float32Array.from(decodeImage(g.get('depth.png')!, { mode: 'native' }).data, (v) => v * 0.001) } });
    const n = decodeImage(g.get('normal.png')!, { mode: 'rgb' }).data;
    out.normals.set(h, { normals: { width, height, normals: Float32Array.from(n, (v) => v / 127.5 - 1) } });
    const det = JSON.parse(g.get('det.json')!.toString()) as { boxes: [number, number, number, number][]; labels: number[]; scores: number[] };
    out.det.set(h, { det: { boxes: det.boxes, labels: det.labels, scores: det.scores } });
  }
  return out;
}

let made: Promise<{ root: string; report: QualityReport; out: string }> | undefined;
/** A 48-sample web split at 64x64, captioned (template over ground-truth experts; a liar) and labelled (ground truth; constants), scored. */
function scored(): NonNullable<typeof made> {
  made ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'zc-quality-'));
    await runSynth({ out: root, size: 64, zoo: 0, web: 48, probeTrain: 0, probeTest: 0, classify: 0, noise: 0.5, seed: 2, bench: 0, workers: 2, shardSize: 16, log: () => {} });
    const a = await answers(root), quiet = { log: () => {}, tty: false }, web = join(root, 'web');
    const template = new TemplateCaptioner({ det: new TableExpert('det', a.det), seg: new TableExpert('seg', a.seg) });
    await runCaption(template, { in: web, out: join(root, 'cap-template'), ...quiet });
    await runCaption(new LyingCaptioner(), { in: web, out: join(root, 'cap-liar'), ...quiet });
    const gtExperts = Object.fromEntries((['seg', 'depth', 'normals', 'det'] as const).map((t) => [t, new TableExpert(t, a[t])]));
    await runLabel(gtExperts, { in: web, out: join(root, 'lab-gt'), ...quiet });
    const w = 64, h = 64;
    const constant = {
      seg: new TableExpert('seg', new Map(), { seg: { width: w, height: h, labels: new Uint8Array(w * h).fill(1) } }),
      depth: new TableExpert('depth', new Map(), { depth: { width: w, height: h, depth: new Float32Array(w * h).fill(8) } }),
      normals: new TableExpert('normals', new Map(), { normals: { width: w, height: h, normals: Float32Array.from({ length: w * h * 3 }, (_, i) => (i % 3 === 2 ? 1 : 0)) } }),
      det: new TableExpert('det', new Map(), { det: { boxes: [[16, 16, 48, 48]], labels: [2], scores: [0.9] } }),
    };
    await runLabel(constant, { in: web, out: join(root, 'lab-const'), ...quiet });
    const out = join(root, 'quality.json');
    const report = await runQuality({ gt: join(root, 'web-gt'), out, log: process.env.ZC_QUALITY_PRINT ? console.log : () => {},
      captions: [{ name: 'template', spec: join(root, 'cap-template') }, { name: 'liar', spec: join(root, 'cap-liar') }],
      labels: [{ name: 'ground truth', spec: join(root, 'lab-gt') }, { name: 'constant', spec: join(root, 'lab-const') }] });
    return { root, report, out };
  })();
  return made;
}

test('zoo-quality: the world\'s quality captions read as correct; web captions are worse; a liar is caught', async () => {
  const { report } = await scored();
  const q = report.captions['quality (ground truth)']!, web = report.captions.web!, tpl = report.captions.template!, liar = report.captions.liar!;
  assert.ok(q.captions >= 48 * 5);
  for (const k of ['shapes', 'colours', 'counts'] as const) {
    assert.equal(q[k].correct, 1, `quality captions: ${k}`);
    assert.ok(q[k].stated > (k === 'counts' ? 0.8 : 0.99), `quality captions state ${k}: ${q[k].stated}`); // "A large red cube standing alone" states no count
  }
  assert.equal(web.captions, 48);
  assert.ok(web.claimPrecision < q.claimPrecision && web.shapes.stated < 1, JSON.stringify(web));
  assert.equal(tpl.captions, 48 * 5);
  assert.equal(tpl.shapes.correct, 1);
  assert.ok(tpl.colours.correct > 0.8 && tpl.counts.correct > 0.8, JSON.stringify(tpl));
  assert.equal(liar.allCorrect, 0);
});

test('zoo-quality: pseudo-labels equal to the ground truth score perfectly, constant ones do not; JSON written', async () => {
  const { report, out } = await scored();
  const gt = report.labels['ground truth']!, c = report.labels.constant!;
  assert.equal(gt.samples, 48);
  assert.equal(gt.missingGt, 0);
  assert.equal(gt.seg!.miou, 1);
  assert.equal(gt.depth!.rmse, 0);
  assert.ok(gt.normals!.mean < 0.5, String(gt.normals!.mean));
  assert.equal(gt.det!.ap50, 1);
  assert.ok(c.seg!.miou < 0.5 && c.depth!.rmse > 1 && c.normals!.mean > 20 && c.det!.ap50 < 0.5, JSON.stringify({ ...c, seg: c.seg!.miou }));
  const back = JSON.parse(readFileSync(out, 'utf8')) as QualityReport;
  assert.equal(back.labels['ground truth']!.seg!.miou, 1);
  assert.deepEqual(Object.keys(back.captions), ['web', 'quality (ground truth)', 'template', 'liar']);
});
