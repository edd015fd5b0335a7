// Dense heads as ONNX: image_features.onnx and <task>_head.onnx (seg, depth, normals, det) of a ViT
// (zooclip-tiny) and an MCi (zooclip-mci-tiny, folded) CLIP with CLIPTeX heads, and a PSP seg expert,
// run in onnxruntime-node, equal the libtorch forward of the same tower levels and heads within 1e-4;
// the plain-JS decoders agree with the libtorch decoding; the spec round-trips; an unsupported head
// is refused with its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed, noGrad, normalize, randn, type Tensor } from '../../src/engine/index.js';
import { Linear } from '../../src/nn/layers.js';
import { type CLIP, createModel } from '../../src/models/clip.js';
import { getModelConfig } from '../../src/models/config.js';
import { registerMciTowers } from '../../src/models/mci/index.js';
import { DenseHeads, decodeCenterNet, resolveLevel, type CenterNetOutput, type DenseHeadSet } from '../../src/models/heads/index.js';
import { DENSE_TASKS, DENSE_TASK_NAMES, type DenseTaskName, type TaskHead } from '../../src/tasks/index.js';
import { DenseModel, towerFeatures, towerFromConfig } from '../../src/dense/model.js';
import { defaultHeadSpec } from '../../src/dense/heads.js';
import {
  clipHeadSources, decodeHeadOutputs, expertHeadSource, exportDenseOnnx, headGraph, headSpecOf, parseHeadSpec, type DenseHeadSource, type FlatTensor, type HeadSpecJson,
} from '../../src/export/index.js';
import { randomizeFoldedState } from '../helpers/fold_state.js';

const TOL = 1e-4;
const NORM = { mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.25, 0.25, 0.25] as [number, number, number] };

function maxAbsDiff(got: ort.Tensor, want: Tensor): number {
  assert.deepEqual([...got.dims], want.shape, 'output shape');
  const w = want.toArray(), g = got.data as Float32Array;
  assert.ok(w.some((v) => Math.abs(v) > 0.05), 'reference values are far from zero');
  return w.reduce((m, v, i) => Math.max(m, Math.abs(g[i]! - v)), 0);
}

const ortOf = (t: Tensor): ort.Tensor => new ort.Tensor('float32', t.contiguous().data() as Float32Array, [...t.shape]);
const flat = (t: ort.Tensor): FlatTensor => ({ data: t.data as Float32Array, dims: t.dims });

/** A CLIP with all four CLIPTeX heads on tower level `level`, non-trivial BN statistics, eval mode (MCi folded). */
function modelWithHeads(name: string, level: number, seed: number): CLIP {
  registerMciTowers();
  manualSeed(seed);
  const model = createModel(name);
  const all = model.visual.featureInfo(), info = [all[resolveLevel(all, level, 'test')]!];
  const set: Record<string, TaskHead> = {};
  for (const t of DENSE_TASK_NAMES) {
    set[t] = DENSE_TASKS[t].head(info, { numClasses: t === 'det' ? 5 : 7, level: -1, channels: 32, outputStride: t === 'det' ? 4 : undefined, depthLogRange: t === 'depth' ? [-0.5, 2.5] : undefined });
  }
  model.attachDenseHeads(new DenseHeads(set as DenseHeadSet), [level]);
  randomizeFoldedState(model);
  model.eval();
  model.visual.reparameterize();
  return model;
}

/** The libtorch outputs of one head over `features`, by graph output name. */
function torchOutputs(task: DenseTaskName, head: TaskHead, features: Tensor, size: number): Record<string, Tensor> {
  const out = head.forward([features], [size, size]);
  if (task !== 'det') return { [{ seg: 'logits', depth: 'depth', normals: 'normals' }[task]]: out as Tensor };
  const c = out as CenterNetOutput;
  return { heatmap: c.heatmap, size: c.size, offset: c.offset };
}

/** Checks the decoders on onnxruntime's outputs against the libtorch decoding of the same head's outputs. */
function checkDecode(spec: HeadSpecJson, got: Record<string, ort.Tensor>, want: Record<string, Tensor>, batch: number): number {
  let boxes = 0;
  const outs = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, flat(v)]));
  for (let i = 0; i < batch; i++) {
    const r = decodeHeadOutputs(spec, outs, i);
    if ('seg' in r) {
      const ids = want.logits!.argmax(1).select(0, i).toArray(), thr = spec.decode.type === 'seg' ? spec.decode.threshold : 0;
      const same = ids.filter((v, p) => (r.seg.confidence[p]! < thr ? r.seg.labels[p] === 255 : v === r.seg.labels[p])).length;
      assert.ok(same >= ids.length - 2, `seg labels agree on ${same} of ${ids.length} pixels`);
      assert.ok(r.seg.confidence.every((c) => c > 0 && c <= 1));
    } else if ('depth' in r) {
      const d = want.depth!.select(0, i).flatten().toArray();
      assert.ok(r.depth.depth.every((v, p) => Math.abs(v - d[p]!) <= TOL));
    } else if ('normals' in r) {
      const n = normalize(want.normals!, 2, 1).permute([0, 2, 3, 1]).contiguous().select(0, i).flatten().toArray();
      assert.ok(n.every((v, p) => Math.abs(v - r.normals.normals[p]!) <= TOL));
    } else {
      const ref = decodeCenterNet({ heatmap: want.heatmap!, size: want.size!, offset: want.offset!, stride: spec.decode.type === 'centernet' ? spec.decode.stride : 0 },
        { imageSize: spec.image_size, scoreThreshold: 0.1 })[i]!;
      assert.equal(r.det.scores.length, ref.length, 'detections');
      boxes += ref.length;
      ref.forEach((d, j) => {
        assert.equal(r.det.labels[j], d.label);
        assert.ok(Math.abs(r.det.scores[j]! - d.score) < 1e-5 && d.box.every((v, k) => Math.abs(v - r.det.boxes[j]![k]!) < 1e-3), `detection ${j}`);
      });
    }
  }
  return boxes;
}

/** Exports tower + heads, runs every graph at batch 1 and 3, returns the worst difference per graph. */
async function verifyDense(model: { visual: CLIP['visual'] }, heads: DenseHeadSource[]): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-dense-'));
  const diffs: Record<string, number> = {};
  const note = (k: string, d: number) => { diffs[k] = Math.max(diffs[k] ?? 0, d); };
  try {
    exportDenseOnnx(model.visual, heads, dir, NORM);
    const features = await ort.InferenceSession.create(join(dir, 'image_features.onnx'));
    const s = model.visual.imageSize;
    for (const batch of [1, 3]) {
      const images = randn([batch, 3, s, s]);
      const fromOrt = await features.run({ pixel_values: ortOf(images) });
      for (const h of heads) {
        const spec = parseHeadSpec(JSON.parse(readFileSync(join(dir, `${h.task}_head.json`), 'utf8')), `${h.task}_head.json`);
        assert.deepEqual(spec, headSpecOf(model.visual, h, NORM), 'the spec round-trips');
        const input = spec.inputs[0]!.name, level = spec.inputs[0]!.level;
        const feats = noGrad(() => towerFeatures(model.visual, level, images));
        note('image_features', maxAbsDiff(fromOrt[input]!, feats));
        const session = await ort.InferenceSession.create(join(dir, spec.graph));
        const got = await session.run({ [input]: ortOf(feats) });
        const want = noGrad(() => torchOutputs(h.task, h.head, feats, s));
        const dims = (shape: readonly (number | string)[]) => shape.map((d) => (d === 'batch' ? batch : d));
        assert.deepEqual([...fromOrt[input]!.dims], dims(spec.inputs[0]!.shape), 'the spec states the input shape');
        for (const o of spec.outputs) assert.deepEqual([...got[o.name]!.dims], dims(o.shape), `the spec states ${o.name}'s shape`);
        assert.deepEqual(Object.keys(got).sort(), spec.outputs.map((o) => o.name).sort());
        for (const [name, t] of Object.entries(want)) note(`${h.task}.${name}`, maxAbsDiff(got[name]!, t));
        const chained = await session.run({ [input]: fromOrt[input]! });
        for (const [name, t] of Object.entries(want)) note(`${h.task}.${name} (chained)`, maxAbsDiff(chained[name]!, t));
        const boxes = checkDecode(spec, got, want, batch);
        if (h.task === 'det') assert.ok(boxes > 0, 'the det decoding is checked on some boxes');
        await session.release();
        for (const t of Object.values(want)) t.dispose();
        feats.dispose();
      }
      images.dispose();
    }
    await features.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [k, d] of Object.entries(diffs)) assert.ok(d <= TOL, `${k}: max abs diff ${d} > ${TOL}`);
  return diffs;
}

const report = (d: Record<string, number>) => Object.entries(d).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ');

for (const [name, level, seed] of [['zooclip-tiny', 2, 0], ['zooclip-mci-tiny', -1, 1]] as const) {
  test(`${name}: image_features and the seg/depth/normals/det head graphs equal libtorch (batch 1 and 3)`, { timeout: 600_000 }, async (t) => {
    const model = modelWithHeads(name, level, seed);
    const heads = clipHeadSources(model, { seg: ['sky', 'tree', 'road', 'car', 'person', 'wall', 'floor'] });
    assert.deepEqual(heads.map((h) => [h.task, h.path]), DENSE_TASK_NAMES.map((t) => [t, `dense_heads.${t}`]));
    t.diagnostic(`${name} max abs diff: ${report(await verifyDense(model, heads))}`);
    model.dispose();
  });
}

test('a PSP seg expert (DenseModel on a folded MCi tower) exports through expertHeadSource and matches', { timeout: 600_000 }, async (t) => {
  registerMciTowers();
  manualSeed(3);
  const model = new DenseModel(towerFromConfig(getModelConfig('zooclip-mci-tiny')), { ...defaultHeadSpec('seg', 5), segHead: 'psp' });
  randomizeFoldedState(model);
  model.eval();
  (model.visual as unknown as { reparameterize(): void }).reparameterize();
  const src = expertHeadSource(model, { classes: ['a', 'b', 'c', 'd', 'e'], depthScale: 1, threshold: 0.3 });
  t.diagnostic(`psp expert max abs diff: ${report(await verifyDense(model, [src]))}`);
  model.dispose();
});

test('an unsupported head is refused with its class and path; a bad spec names its key', { timeout: 60_000 }, () => {
  registerMciTowers();
  const model = createModel('zooclip-tiny').eval();
  const bogus = { task: 'seg', head: new Linear(4, 4) as unknown as TaskHead, path: 'dense_heads.seg', level: -1 } as DenseHeadSource;
  assert.throws(() => headGraph(model.visual, bogus), /no head graph for Linear at 'dense_heads\.seg'/);
  const good = headSpecOf(model.visual, { task: 'depth', head: DENSE_TASKS.depth.head(model.visual.featureInfo(), { numClasses: 0 }), path: 'head', level: -1 }, NORM);
  assert.deepEqual(parseHeadSpec(JSON.parse(JSON.stringify(good))), good);
  assert.throws(() => parseHeadSpec({ ...good, decode: { ...good.decode, scale: -1 } }, 'depth_head.json'), /depth_head\.json\.decode\.scale: must be > 0/);
  assert.throws(() => parseHeadSpec({ ...good, inputs: [{ ...good.inputs[0], name: 'x' }] }, 'f.json'), /f\.json\.inputs\[0\]: name must be features_<level>/);
  model.dispose();
});
