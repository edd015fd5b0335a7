// A zooclip-tiny training checkpoint with all four CLIPTeX heads (seeded init) and its export: the
// open_clip files, the CLIP graphs (vision, text, model.onnx) and the dense graphs with their specs
// (image_features.onnx, <task>_head.onnx + .json). Shared by the dense-backend test of the public
// API and the serve tests, so both run the same real heads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CLIP, createModel, manualSeed, resolveTrainConfig, saveOpenClip, saveSafetensors } from '../../src/index.js';
import { clipHeadSources, exportClipOnnx, exportDenseOnnx } from '../../src/export/index.js';
import { attachTaskHeads } from '../../src/stages/train/task_heads.js';
import { stageState } from '../../src/training/checkpoint.js';

/**
 * Writes a training checkpoint of zooclip-tiny (seeded init) with all four CLIPTeX heads into `dir`
 * (model.safetensors + state.json; `classes.length` seg / det classes, `dataRoot` as its data.root)
 * and returns the model, heads attached, for the caller to export or dispose.
 * @example const model = saveCheckpointWithHeads('tmp/ckpt', ['a', 'b', 'c'], 7); model.dispose();
 */
export function saveCheckpointWithHeads(dir: string, classes: readonly string[], seed: number, dataRoot?: string): CLIP {
  const cfg = resolveTrainConfig();
  cfg.heads = { ...cfg.heads, seg: 1, depth: 1, normals: 1, det: 1, segClasses: classes.length, detClasses: classes.length };
  if (dataRoot) cfg.data = { ...cfg.data, root: dataRoot };
  manualSeed(seed);
  const model = createModel('zooclip-tiny');
  try {
    attachTaskHeads(model, cfg);
    mkdirSync(dir, { recursive: true });
    saveSafetensors(join(dir, 'model.safetensors'), model.stateDict());
    const loader = { version: 1, rank: 0, worldSize: 1, epoch: 0, consumed: 0, seed: 0 };
    writeFileSync(join(dir, 'state.json'), JSON.stringify(stageState('final', { step: 1, skipped: 0 }, loader as never, cfg)));
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Writes DIR/ckpt (saveCheckpointWithHeads) and DIR/export (the exported folder); returns both paths.
 * @example const { checkpoint, exported } = checkpointAndExport(dir, ['floor', 'cube', 'sphere']);
 */
export function checkpointAndExport(dir: string, classes: readonly string[], seed = 11): { checkpoint: string; exported: string } {
  const checkpoint = join(dir, 'ckpt'), exported = join(dir, 'export');
  const model = saveCheckpointWithHeads(checkpoint, classes, seed);
  try {
    model.eval().visual.reparameterize();
    saveOpenClip(model, exported);
    exportClipOnnx(model, join(exported, 'onnx'));
    const pp = model.cfg.preprocess_cfg;
    exportDenseOnnx(model.visual, clipHeadSources(model, { seg: [...classes], det: [...classes] }), join(exported, 'onnx'), { mean: pp.mean as [number, number, number], std: pp.std as [number, number, number] });
  } finally {
    model.dispose();
  }
  return { checkpoint, exported };
}
