// The label stage: expert outputs written as seg.png / depth.png (+ json depth_scale) /
// normal.png / det.json, read back by the Loader, resume after an error, thresholds, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Loader, decodeImage, shardSource } from '../../src/data/loader/index.js';
import { isNormal } from '../../src/data/loader/transform.js';
import { readShards, type RawSample } from '../../src/data/shards/index.js';
import { SEG_CLASSES } from '../../src/data/synth/world.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { depthPng } from '../../src/tasks/encode.js';
import { runLabel } from '../../src/stages/label/run.js';
import { inputShards } from '../../src/zoo/shard_map.js';
import type { Expert, ExpertOptions, ExpertOutput, DenseTaskName, RgbImage } from '../../src/zoo/types.js';

const hashPixels = (img: RgbImage): string => createHash('sha1').update(img.data).digest('hex');

/** An "expert" that knows the answers: it looks each image up (by its pixels) in the world's ground truth. */
class GroundTruthExpert implements Expert {
  readonly name: string;
  readonly thresholds: (number | undefined)[] = [];
  calls = 0;
  constructor(readonly task: DenseTaskName, private readonly answers: Map<string, ExpertOutput>, readonly classes?: readonly string[], private readonly failAfter = Infinity) {
    this.name = `test:gt-${task}`;
  }
  async predict(images: RgbImage[], o?: ExpertOptions): Promise<ExpertOutput[]> {
    if (this.calls++ >= this.failAfter) throw new Error(`${this.name} crashed`);
    this.thresholds.push(o?.threshold);
    return images.map((img) => {
      const a = this.answers.get(hashPixels(img));
      if (!a) throw new Error(`${this.name}: an image it has never seen`);
      return a;
    });
  }
  dispose(): void {}
}

async function readAll(spec: string): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of readShards(inputShards(spec))) out.push(s);
  return out;
}

const rgb = (buf: Buffer): RgbImage => {
  const d = decodeImage(buf, { mode: 'rgb' });
  return { data: d.data as Uint8Array, width: d.width, height: d.height };
};

/** Ground-truth expert outputs of the web split, by image pixels (from web-gt, joined by key). */
async function answers(root: string): Promise<Record<DenseTaskName, Map<string, ExpertOutput>>> {
  const gt = new Map((await readAll(join(root, 'web-gt'))).map((s) => [s.key, s.fields]));
  const out = { seg: new Map(), depth: new Map(), normals: new Map(), det: new Map() } as Record<DenseTaskName, Map<string, ExpertOutput>>;
  for (const s of await readAll(join(root, 'web'))) {
    const img = rgb(s.fields.get('jpg')!), h = hashPixels(img), g = gt.get(s.key)!, { width, height } = img;
    out.seg.set(h, { seg: { width, height, labels: decodeImage(g.get('seg.png')!, { mode: 'raw' }).data as Uint8Array } });
    const scale = (JSON.parse(g.get('json')!.toString()) as { depth_scale: number }).depth_scale;
    out.depth.set(h, { depth: { width, height, depth: Float32Array.from(decodeImage(g.get('depth.png')!, { mode: 'native' }).data, (v) => v * scale) } });
    const n = decodeImage(g.get('normal.png')!, { mode: 'rgb' }).data as Uint8Array, normals = new Float32Array(n.length);
    for (let i = 0; i < n.length; i += 3) if (isNormal(n[i]!, n[i + 1]!, n[i + 2]!)) for (let c = 0; c < 3; c++) normals[i + c] = n[i + c]! / 127.5 - 1;
    out.normals.set(h, { normals: { width, height, normals } });
    const det = JSON.parse(g.get('det.json')!.toString()) as { boxes: [number, number, number, number][]; labels: number[]; scores: number[] };
    out.det.set(h, { det: { boxes: det.boxes, labels: det.labels, scores: det.scores } });
  }
  return out;
}

type World = { root: string; answers: Record<DenseTaskName, Map<string, ExpertOutput>> };
let world: Promise<World> | undefined;
/** web (16 samples, shards of 8, with web-gt) and zoo (4) splits at 32x32. */
function tinyWorld(): Promise<World> {
  world ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'zc-label-'));
    await runSynth({ out: root, size: 32, zoo: 4, web: 16, probeTrain: 0, probeTest: 0, classify: 0, noise: 0.5, seed: 5, bench: 0, workers: 2, shardSize: 8, log: () => {} });
    return { root, answers: await answers(root) };
  })();
  return world;
}

const experts = (a: Record<DenseTaskName, Map<string, ExpertOutput>>, failAfter = Infinity): Record<DenseTaskName, GroundTruthExpert> => ({
  seg: new GroundTruthExpert('seg', a.seg, SEG_CLASSES), depth: new GroundTruthExpert('depth', a.depth), normals: new GroundTruthExpert('normals', a.normals),
  det: new GroundTruthExpert('det', a.det, SEG_CLASSES, failAfter),
});
const quiet = { log: () => {}, tty: false };

/** The output holds the web samples once each, with labels equal to web-gt's and json merged. */
async function checkLabels(root: string, out: string): Promise<void> {
  const web = await readAll(join(root, 'web')), labelled = await readAll(out);
  const gt = new Map((await readAll(join(root, 'web-gt'))).map((s) => [s.key, s.fields]));
  assert.equal(web.length, 16);
  assert.deepEqual(labelled.map((s) => s.key), web.map((s) => s.key));
  for (const [i, s] of labelled.entries()) {
    const g = gt.get(s.key)!, src = web[i]!.fields;
    assert.ok(s.fields.get('jpg')!.equals(src.get('jpg')!) && s.fields.get('txt')!.equals(src.get('txt')!), `${s.key}: image and txt untouched`);
    const seg = decodeImage(s.fields.get('seg.png')!, { mode: 'raw' }), gseg = decodeImage(g.get('seg.png')!, { mode: 'raw' });
    assert.equal(seg.channels, 1);
    assert.deepEqual(seg.data, gseg.data, `${s.key} seg.png`);
    const depth = decodeImage(s.fields.get('depth.png')!, { mode: 'native' });
    assert.equal(depth.bits, 16);
    assert.deepEqual(depth.data, decodeImage(g.get('depth.png')!, { mode: 'native' }).data, `${s.key} depth.png`);
    assert.deepEqual(decodeImage(s.fields.get('normal.png')!, { mode: 'rgb' }).data, decodeImage(g.get('normal.png')!, { mode: 'rgb' }).data, `${s.key} normal.png`);
    const det = JSON.parse(s.fields.get('det.json')!.toString()) as Record<string, unknown>, gdet = JSON.parse(g.get('det.json')!.toString()) as Record<string, unknown>;
    for (const k of ['boxes', 'labels', 'names', 'scores', 'classes']) assert.deepEqual(det[k], gdet[k], `${s.key} det.json ${k}`);
    const json = JSON.parse(s.fields.get('json')!.toString()) as Record<string, unknown>, before = JSON.parse(src.get('json')!.toString()) as Record<string, unknown>;
    assert.deepEqual(json, { ...before, depth_scale: 0.001, depth_unit: 'mm', depth_invalid: 0 });
  }
}

test('label: four experts write seg.png, depth.png (+ depth_scale in json), normal.png and det.json in the world\'s formats', async () => {
  const { root, answers: a } = await tinyWorld();
  const out = join(mkdtempSync(join(tmpdir(), 'zc-lab-out-')), 'web');
  const ex = experts(a);
  const r = await runLabel(ex, { in: join(root, 'web'), out, batch: 5, thresholds: { seg: 0.4, det: 0.3 }, ...quiet });
  assert.equal(r.samples, 16);
  await checkLabels(root, out);
  assert.deepEqual(new Set(ex.seg.thresholds), new Set([0.4]));
  assert.deepEqual(new Set(ex.det.thresholds), new Set([0.3]));
  assert.deepEqual(new Set(ex.depth.thresholds), new Set([undefined]));
});

test('label: the Loader reads the pseudo-labels back as the ground truth', async () => {
  const { root, answers: a } = await tinyWorld();
  const out = join(mkdtempSync(join(tmpdir(), 'zc-lab-load-')), 'web');
  await runLabel(experts(a), { in: join(root, 'web'), out, ...quiet });
  const gt = new Map((await readAll(join(root, 'web-gt'))).map((s) => [s.key, s.fields]));
  const loader = new Loader({ source: shardSource(inputShards(out)), batchSize: 16, imageSize: 32, train: false, workers: 0, dense: ['seg', 'depth', 'normal'] });
  try {
    for await (const b of loader) {
      const seg = b.seg!.toArray(), depth = b.depth!.toArray(), normal = b.normal!.toArray();
      b.keys.forEach((k, i) => {
        const g = gt.get(k)!;
        const gseg = decodeImage(g.get('seg.png')!, { mode: 'raw' }).data, gdepth = decodeImage(g.get('depth.png')!, { mode: 'native' }).data;
        const gn = decodeImage(g.get('normal.png')!, { mode: 'rgb' }).data;
        for (let p = 0; p < 32 * 32; p += 37) {
          assert.equal(seg[i * 1024 + p], gseg[p], `${k} seg pixel ${p}`);
          assert.ok(Math.abs(depth[i * 1024 + p]! - gdepth[p]! * 0.001) <= 1e-6 * (1 + gdepth[p]! * 0.001), `${k} depth pixel ${p}: ${depth[i * 1024 + p]} vs ${gdepth[p]! * 0.001}`);
          const nx = normal[i * 3072 + p]!; // channel 0 plane
          const expect = isNormal(gn[3 * p]!, gn[3 * p + 1]!, gn[3 * p + 2]!) ? gn[3 * p]! / 127.5 - 1 : 0;
          assert.ok(Math.abs(nx - expect) < 1e-6, `${k} normal pixel ${p}`);
        }
      });
      b.dispose();
    }
    assert.equal(loader.stats.samples, 16);
  } finally {
    await loader.close();
  }
});

test('label: an expert failing mid-way, then a rerun: each sample exactly once', async () => {
  const { root, answers: a } = await tinyWorld();
  const out = join(mkdtempSync(join(tmpdir(), 'zc-lab-int-')), 'web');
  await assert.rejects(runLabel(experts(a, 2), { in: join(root, 'web'), out, batch: 4, ...quiet }), /test:gt-det crashed/);
  const r = await runLabel(experts(a), { in: join(root, 'web'), out, batch: 4, ...quiet });
  assert.equal(r.kept.length, 1);
  assert.equal(r.samples, 8);
  await checkLabels(root, out);
});

test('label: existing label fields, wrong-sized outputs and mismatched tasks are errors naming the place', async () => {
  const { root, answers: a } = await tinyWorld();
  const base = mkdtempSync(join(tmpdir(), 'zc-lab-err-'));
  await assert.rejects(runLabel({ seg: experts(a).seg }, { in: join(root, 'zoo'), out: join(base, 'zoo'), ...quiet }), /zoo-000000\.tar key zoo-0000000 already has seg\.png/);
  const small = new Map([...a.seg.keys()].map((k) => [k, { seg: { width: 16, height: 16, labels: new Uint8Array(256) } }]));
  await assert.rejects(runLabel({ seg: new GroundTruthExpert('seg', small) }, { in: join(root, 'web'), out: join(base, 'web'), ...quiet }),
    /label: shard .*web-000000\.tar key web-0000000: seg labels is 16x16, the image 32x32/);
  await assert.rejects(runLabel({ depth: experts(a).seg }, { in: join(root, 'web'), out: join(base, 'web2'), ...quiet }), /serves 'seg', given as depth/);
});

test('label: depth beyond 65.535 m gets a coarser depth_scale; zero stays invalid', () => {
  const depth = Float32Array.of(0, 1.5, 100, 0.0001);
  const { png, scale } = depthPng({ width: 2, height: 2, depth }, 2, 2);
  assert.ok(Math.abs(scale - 100 / 65535) < 1e-12);
  const back = decodeImage(png, { mode: 'native' }).data;
  assert.equal(back[0], 0);
  assert.ok(Math.abs(back[1]! * scale - 1.5) <= scale / 2);
  assert.equal(back[2], 65535);
  assert.equal(back[3], 1, 'a tiny positive depth stays valid');
});
