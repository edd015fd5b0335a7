// Forward values and input gradients of every training loss against plain PyTorch formulas, from
// test/parity/losses_golden.safetensors (made by test/parity/make_golden_losses.py).
// Tolerances: rtol 1e-4, atol 1e-5 for every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveTensors, setAllowTF32, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import * as L from '../../src/losses/index.js';
import { assertClose } from '../helpers/assert_close.js';
import type { Batch } from '../../src/data/loader/index.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { trainObjective } from '../../src/stages/train/step.js';

const dir = join(process.cwd(), 'test', 'parity');
type Args = { rank?: number; numTeachers?: number; weights?: [number, number]; lambda?: number; sqrt?: boolean; scale?: number; sets?: string[] };
interface Case { name: string; inputs: number; outputs: number; grads: number[]; args: Args }
const manifest = JSON.parse(readFileSync(join(dir, 'losses_golden.json'), 'utf8')) as { torch: string; cases: Case[] };
const golden = new SafetensorsReader(join(dir, 'losses_golden.safetensors'));
// ZOOCLIP_TEST_DEVICE=cuda:0 replays the cases on the GPU (TF32 off, so tolerances hold).
const DEVICE = process.env.ZOOCLIP_TEST_DEVICE ?? 'cpu';
setAllowTF32(false);

type Fn = (x: Tensor[], a: Args) => Tensor[];
const CASES: Record<string, Fn> = {
  clip: ([i, t, s]) => [L.clipLoss(i!, t!, s!)],
  clip_local: ([i, t, ai, at, s], a) => [L.clipLoss(i!, t!, s!, { image: ai!, text: at!, rank: a.rank! })],
  siglip: ([i, t, s, b]) => [L.siglipLoss(i!, t!, s!, b!)],
  siglip_local: ([i, at, s, b], a) => [L.siglipLoss(i!, i!, s!, b!, { text: at!, rank: a.rank! })],
  multi_caption: ([i, tr, ts, s]) => [L.multiCaptionLoss((t) => L.clipLoss(i!, t, s!), tr!, ts!, { synthetic: 0.5 }).loss],
  distill: ([i, t, s, ti, tt], a) => [L.distillLoss(i!, t!, s!, { image: ti!, text: tt! }, undefined, { numTeachers: a.numTeachers! })],
  distill_one_teacher: ([i, t, s, ti, tt], a) => [L.distillLoss(i!, t!, s!, { image: ti!, text: tt! }, undefined, { numTeachers: a.numTeachers! })],
  distill_local: ([i, t, ai, at, s, ti, tt, gti, gtt], a) => [L.distillLoss(i!, t!, s!, { image: ti!, text: tt!, gathered: { image: gti!, text: gtt! } },
    { image: ai!, text: at!, rank: 1 }, { numTeachers: a.numTeachers! })],
  datacompdr: ([i, tr, ts, s, ti, ttr, tts], a) => {
    const r = L.dataCompDRLoss({ image: i!, logitScale: s!, teacherImage: ti!, real: { text: tr!, teacherText: ttr! }, synthetic: { text: ts!, teacherText: tts! } },
      { weights: a.weights!, numTeachers: a.numTeachers! });
    return [r.loss, r.contrastive, r.distill];
  },
  seg: ([x, t, m]) => [L.segmentationLoss(x!, t!, m!).loss],
  depth_silog: ([p, g, m]) => [L.depthSILogLoss(p!, g!, m!).loss],
  depth_silog_sqrt: ([p, g, m], a) => [L.depthSILogLoss(p!, g!, m!, { lambda: a.lambda!, sqrt: a.sqrt!, scale: a.scale! }).loss],
  normals: ([p, t, m]) => [L.normalsCosineLoss(p!, t!, m!).loss],
  centernet: ([hl, sp, op, ht, st, ot, cm, m]) => {
    const r = L.centerNetLoss({ heatmap: hl!, size: sp!, offset: op! }, { heatmap: ht!, size: st!, offset: ot!, mask: cm! }, m!);
    return [r.loss, r.heatmap, r.size, r.offset];
  },
  // The trainer's own objective (multi-caption + distillation + seg/depth/normals heads) on features and head outputs.
  trainer_total: ([i, tr, ts, s, ti, ttr, tts, sl, st, sm, dp, dg, dm, np, nt, nm], a) => {
    const cfg = resolveConfig({ sets: a.sets! });
    const labels: Pick<Batch, 'present' | 'seg' | 'depth' | 'normal'> = { present: { seg: sm!, depth: dm!, normal: nm! }, seg: st!, depth: dg!, normal: nt! };
    const { total, values } = trainObjective(cfg, { image: i!, logitScale: s!, text: tr!, syntheticText: ts!, teacher: { image: ti!, text: ttr! },
      teacherSynthetic: { image: ti!, text: tts! }, dense: { seg: sl!, depth: dp!, normals: np! }, labels }, DEVICE);
    return [total, ...['real', 'synthetic', 'distill_real', 'distill_synthetic', 'seg', 'depth', 'normals'].map((k) => tensor([values[k]!]))];
  },
};

test(`loss goldens cover every case (made with torch ${manifest.torch})`, () => {
  assert.deepEqual(manifest.cases.map((c) => c.name).filter((n) => !(n in CASES)), [], 'cases without a replay');
  assert.deepEqual(Object.keys(CASES).filter((n) => !manifest.cases.some((c) => c.name === n)), [], 'replays without a case');
});

for (const c of manifest.cases) {
  test(`loss parity: ${c.name} on ${DEVICE}`, () => {
    const before = liveTensors();
    tidy(() => {
      const ins = Array.from({ length: c.inputs }, (_, i) => {
        const x = golden.read(`${c.name}.in${i}`, DEVICE);
        if (c.grads.includes(i)) x.requiresGrad = true;
        return x;
      });
      const outs = CASES[c.name]!(ins, c.args);
      assert.equal(outs.length, c.outputs, 'number of outputs');
      outs.forEach((o, i) => assertClose(o.reshape([]), golden.read(`${c.name}.out${i}`), `${c.name} out${i}`));
      outs[0]!.backward();
      for (const i of c.grads) {
        const g = ins[i]!.grad;
        assert.ok(g, `${c.name}: input ${i} got no gradient`);
        assertClose(g, golden.read(`${c.name}.grad${i}`), `${c.name} grad${i}`);
      }
    });
    assert.equal(liveTensors(), before, `${c.name} leaked tensors`);
  });
}
