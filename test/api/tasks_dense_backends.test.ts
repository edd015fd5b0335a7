// The dense tasks agree between the libtorch backend (a checkpoint's CLIPTeX heads) and the onnx
// backend (the same checkpoint exported: vision/text/model graphs, image_features.onnx and the
// <task>_head graphs with their specs), on non-square images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTaskModel, segment, depth, normals, detect, classify, encodeJpeg, type TaskModel } from '../../src/index.js';
import { checkpointAndExport } from '../helpers/heads_export.js';

const T = 180_000;
const CLASSES = ['floor', 'cube', 'sphere'];

function jpeg(w: number, h: number, seed: number): Buffer {
  const px = new Uint8Array(w * h * 3).map((_, j) => (j * 7 + seed * 31 + ((j / (w * 3)) | 0) * 13) & 255);
  return encodeJpeg(px, w, h, 3, 90);
}

test('dense tasks: libtorch (checkpoint heads) and onnx (exported heads) agree at the input image size', { timeout: T }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-dense-backends-'));
  let torch: TaskModel | undefined, onnx: TaskModel | undefined;
  try {
    const { checkpoint, exported } = checkpointAndExport(dir, CLASSES);
    torch = await loadTaskModel(checkpoint, { classes: CLASSES });
    onnx = await loadTaskModel(exported, { backend: 'onnx' });
    assert.deepEqual(onnx.info.tasks, torch.info.tasks);
    const images = [jpeg(45, 30, 1), jpeg(20, 70, 2)];
    const [st, so] = [await segment(torch, images), await segment(onnx, images)];
    let agree = 1;
    st.forEach((s, i) => {
      assert.deepEqual([so[i]!.width, so[i]!.height, so[i]!.classes], [s.width, s.height, s.classes]);
      const same = s.labels.filter((v, p) => v === so[i]!.labels[p]).length / s.labels.length;
      assert.ok(same > 0.99, `seg labels agree on ${same}`);
      agree = Math.min(agree, same);
    });
    let worst = 0;
    const [dt, dd] = [await depth(torch, images), await depth(onnx, images)];
    dt.forEach((m, i) => m.depth.forEach((v, p) => { worst = Math.max(worst, Math.abs(v - dd[i]!.depth[p]!) / Math.max(1, Math.abs(v))); }));
    const [nt, no] = [await normals(torch, images), await normals(onnx, images)];
    nt.forEach((m, i) => m.normals.forEach((v, p) => { worst = Math.max(worst, Math.abs(v - no[i]!.normals[p]!)); }));
    assert.ok(worst < 1e-4, `depth (relative) / normals max difference ${worst}`);
    const [bt, bo] = [await detect(torch, images), await detect(onnx, images)];
    bt.forEach((b, i) => {
      assert.equal(bo[i]!.length, b.length, `image ${i}: same number of boxes`);
      b.forEach((x, k) => {
        assert.equal(bo[i]![k]!.label, x.label);
        assert.ok(Math.abs(bo[i]![k]!.score - x.score) < 1e-4 && x.box.every((v, j) => Math.abs(v - bo[i]![k]!.box[j]!) < 1e-3));
      });
    });
    console.log(`dense backends: seg labels equal on ${(agree * 100).toFixed(2)}% of pixels; depth/normals max difference ${worst.toExponential(2)}; boxes ${bt.map((b) => b.length).join(', ')}`);
    const [ct, co] = [await classify(torch, images, CLASSES), await classify(onnx, images, CLASSES)];
    assert.deepEqual(co.map((r) => r[0]!.label), ct.map((r) => r[0]!.label));
  } finally {
    torch?.dispose();
    onnx?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
