// The dense-task table: it covers exactly the task names, and every entry's head, loss, scorer,
// sample, decoder and field writer work together on small inputs without leaking tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { liveTensors, manualSeed, rand, randn, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import type { Batch } from '../../src/data/loader/index.js';
import type { Module } from '../../src/nn/module.js';
import {
  DENSE_TASK_NAMES, DENSE_TASKS, labelClasses, labelsOf, parseTaskName, taskDecode, taskLossOf, taskSample, taskScorer, type DenseLabels, type DenseTaskName,
} from '../../src/tasks/index.js';

const B = 2, S = 16, K = 3;

/** Labels of every task for a batch of B images of S x S: sample 0 labelled, sample 1 not. */
function labels(): DenseLabels {
  return {
    present: tensor([true, false]), seg: zeros([B, S, S], { dtype: 'int64' }), depth: rand([B, S, S]).add(0.5),
    normal: zeros([B, 3, S, S]).add(tensor([0, 0, 1], { shape: [1, 3, 1, 1] })), det: { boxes: [[[2, 2, 9, 9]], []], labels: [[1], []] },
  };
}

test('the table covers exactly DENSE_TASK_NAMES, in order; names parse or fail naming the known ones', { timeout: 60_000 }, () => {
  assert.deepEqual(Object.keys(DENSE_TASKS), [...DENSE_TASK_NAMES]);
  assert.equal(parseTaskName('normals'), 'normals');
  assert.throws(() => parseTaskName('sky', 'eval.tasks'), /eval\.tasks: unknown task 'sky' \(known: seg, depth, normals, det\)/);
  for (const t of DENSE_TASK_NAMES) {
    const e = DENSE_TASKS[t];
    assert.ok(e.metrics.some((m) => m.name === e.headline.metric), `${t}: headline metric is one of its metrics`);
    assert.ok(e.field.startsWith(e.labelKind), `${t}: field ${e.field} is named after its label kind`);
  }
});

for (const task of DENSE_TASK_NAMES) {
  test(`${task}: head -> loss (backward) -> scorer metrics -> sample -> expert decode`, { timeout: 120_000 }, () => {
    manualSeed(0);
    const before = liveTensors();
    const head = DENSE_TASKS[task].head([{ channels: 8, reduction: 4 }], { numClasses: K, channels: 8 }) as unknown as Module & { forward(f: Tensor[], s: [number, number]): never };
    tidy(() => {
      const l = labels();
      const out = head.forward([randn([B, 8, S / 4, S / 4])], [S, S]);
      const { loss, count } = taskLossOf(task, out, l, { numClasses: K, device: 'cpu' });
      assert.ok(Number.isFinite(loss.item()), `${task} loss ${loss.item()}`);
      assert.equal(count.item(), 1, 'one labelled sample');
      loss.backward();
      const sc = taskScorer(task, K);
      sc.add(out, l, [S, S]);
      assert.deepEqual(Object.keys(sc.metrics()), DENSE_TASKS[task].metrics.map((m) => m.name));
      const sample = taskSample(task, out, l, 0, [S, S]);
      const key = task === 'normals' ? 'normals' : task;
      assert.ok(key in sample && `${key}Truth` in sample, `${task} sample has prediction and truth`);
      const [pred] = taskDecode(task, out, [{ width: 20, height: 12 }, { width: 20, height: 12 }], { inputSize: S, threshold: 0, depthScale: 1, classes: ['a', 'b', 'c'] });
      assert.ok(pred![task], `${task} decodes into the expert output's ${task} field`);
    });
    head.dispose();
    assert.equal(liveTensors(), before, `${task} leaked tensors`);
  });
}

test('field writers: each task writes its own field; depth records its scale in json', { timeout: 60_000 }, () => {
  const w = 4, h = 2;
  const out = {
    seg: { width: w, height: h, labels: new Uint8Array(w * h) }, depth: { width: w, height: h, depth: new Float32Array(w * h).fill(2) },
    normals: { width: w, height: h, normals: new Float32Array(w * h * 3) }, det: { boxes: [[0, 0, 2, 2] as [number, number, number, number]], labels: [1], scores: [0.9] },
  };
  for (const t of DENSE_TASK_NAMES) {
    const r = DENSE_TASKS[t].write(out, w, h, ['a', 'b']);
    assert.ok(Buffer.isBuffer(r.value) || typeof r.value === 'string', `${t} value`);
    assert.equal(r.json !== undefined, DENSE_TASKS[t].updatesJson, `${t} json`);
  }
  assert.deepEqual(DENSE_TASKS.depth.write(out, w, h).json, { depth_scale: 0.001, depth_unit: 'mm', depth_invalid: 0 });
  assert.deepEqual(JSON.parse(DENSE_TASKS.det.write(out, w, h, ['a', 'b']).value as string).names, ['b']);
  assert.throws(() => DENSE_TASKS.seg.write({}, w, h), /no seg output/);
});

test('labelsOf reads a task through its label kind and names the missing labels', { timeout: 60_000 }, () => {
  tidy(() => {
    const b = { present: { normal: tensor([true]) }, normal: zeros([1, 3, 2, 2]) } as unknown as Batch;
    const l = labelsOf(b, 'normals');
    assert.equal(l.normal, b.normal);
    assert.throws(() => labelsOf(b, 'depth' as DenseTaskName, 'train'), /train: the batch has no 'depth' labels/);
  });
});

test('labelClasses reads synth.json and names the file and key when it cannot', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-classes-'));
  assert.throws(() => labelClasses(dir), /synth\.json: not found/);
  writeFileSync(join(dir, 'synth.json'), JSON.stringify({ settings: {} }));
  assert.throws(() => labelClasses(dir), /synth\.json: key 'classes' must be a non-empty array/);
  writeFileSync(join(dir, 'synth.json'), JSON.stringify({ classes: ['ground', 'sphere'] }));
  assert.deepEqual(labelClasses(dir), ['ground', 'sphere']);
});
