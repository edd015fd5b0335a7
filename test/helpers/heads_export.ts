// A zooclip-tiny training checkpoint with all four CLIPTeX heads (seeded init) and its export: the
// open_clip files, the CLIP graphs (vision, text, model.onnx) and the dense graphs with their specs
// (image_features.onnx, <task>_head.onnx + .json). Shared by the dense-backend test of the public
// API and the serve tests, so both run the same real heads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, manualSeed, resolveTrainConfig, saveOpenClip, saveSafetensors } from '../../src/index.js';
import { clipHeadSources, exportClipOnnx, exportDenseOnnx } from '../../src/export/index.js';
import { attachTaskHeads } from '../../src/stages/train/task_heads.js';
import { stageState } from '../../src/training/checkpoint.js';

/**
 * Writes DIR/ckpt (model.safetensors + state.json, heads seg/depth/normals/det with `classes`) and
 * DIR/export (the exported folder); returns both paths.
 * @example const { checkpoint, exported } = checkpointAndExport(dir, ['floor', 'cube', 'sphere']);
 */
export function checkpointAndExport(dir: string, classes: readonly string[], seed = 11): { checkpoint: string; exported: string } {
  const cfg = resolveTrainConfig();
  cfg.heads = { ...cfg.heads, seg: 1, depth: 1, normals: 1, det: 1, segClasses: classes.length, detClasses: classes.length };
  manualSeed(seed);
  const model = createModel('zooclip-tiny');
  const checkpoint = join(dir, 'ckpt'), exported = join(dir, 'export');
  try {
    attachTaskHeads(model, cfg);
    mkdirSync(checkpoint, { recursive: true });
    saveSafetensors(join(checkpoint, 'model.safetensors'), model.stateDict());
    const loader = { version: 1, rank: 0, worldSize: 1, epoch: 0, consumed: 0, seed: 0 };
    writeFileSync(join(checkpoint, 'state.json'), JSON.stringify(stageState('final', { step: 1, skipped: 0 }, loader as never, cfg)));
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
