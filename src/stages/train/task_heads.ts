// CLIPTeX's pseudo-task heads in a CLIP run: which heads a config asks for, attaching them to the
// image tower, the labels the loader must bring, and each task's masked loss on a batch.
import type { Tensor } from '../../engine/index.js';
import type { Batch, DenseKind } from '../../data/loader/index.js';
import { centerNetLoss, depthSILogLoss, normalsCosineLoss, segmentationLoss, type LossPart } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import { CenterNetHead, centerNetTargets, DenseHeads, DepthHead, LinearSegHead, NormalsHead, PyramidSegHead, resolveLevel, type DenseOutputs, type DenseTask } from '../../models/heads/index.js';
import type { TrainConfig } from './config.js';

/** The loader's label name of each task. */
const LABEL_OF: Record<DenseTask, DenseKind> = { seg: 'seg', depth: 'depth', normals: 'normal', det: 'det' };

/** Tasks with a non-zero weight, in DenseHeads order. */
export function enabledTasks(cfg: TrainConfig): DenseTask[] {
  return (['seg', 'depth', 'normals', 'det'] as const).filter((t) => cfg.heads[t] > 0);
}

/** The labels the training loader must read for the enabled heads. */
export function labelKinds(cfg: TrainConfig): DenseKind[] {
  return enabledTasks(cfg).map((t) => LABEL_OF[t]);
}

/**
 * Attaches one head per enabled task to the model's image tower (registered under `dense_heads.`,
 * so they train, checkpoint and resume with the model, and are dropped on open_clip export).
 * Call before the optimizer is made. Returns the tasks attached.
 */
export function attachTaskHeads(model: CLIP, cfg: TrainConfig): DenseTask[] {
  const tasks = enabledTasks(cfg);
  if (!tasks.length) return tasks;
  const all = model.visual.featureInfo(), h = cfg.heads, level = -1;
  const info = [all[resolveLevel(all, h.level, 'train: heads.level')]!];  // the heads see only this level
  const heads = new DenseHeads({
    seg: tasks.includes('seg') ? (h.segHead === 'psp' ? new PyramidSegHead(info, { numClasses: h.segClasses, level }) : new LinearSegHead(info, { numClasses: h.segClasses, level })) : undefined,
    depth: tasks.includes('depth') ? new DepthHead(info, { level }) : undefined,
    normals: tasks.includes('normals') ? new NormalsHead(info, { level }) : undefined,
    det: tasks.includes('det') ? new CenterNetHead(info, { numClasses: h.detClasses, level }) : undefined,
  });
  model.attachDenseHeads(heads, [h.level]);
  return tasks;
}

function present(b: Batch, kind: DenseKind, device: string): Tensor {
  const m = b.present?.[kind];
  if (!m) throw new Error(`train: the batch has no '${kind}' labels (the loader was not asked for them)`);
  return m.to(device);
}

/**
 * Each enabled task's loss part (weighted by heads.<task>) and the number of samples that carried
 * its label (`<task>_n`, for the log). A task whose samples carry no label adds an exact 0.
 */
export function taskLossParts(out: DenseOutputs, b: Batch, cfg: TrainConfig, device: string): { parts: Record<string, LossPart>; counts: Record<string, Tensor> } {
  const parts: Record<string, LossPart> = {}, counts: Record<string, Tensor> = {};
  const add = (task: DenseTask, r: { loss: Tensor; count: Tensor }): void => {
    parts[task] = { loss: r.loss, weight: cfg.heads[task] };
    counts[`${task}_n`] = r.count;
  };
  if (out.seg) add('seg', segmentationLoss(out.seg, b.seg!.to(device), present(b, 'seg', device)));
  if (out.depth) add('depth', depthSILogLoss(out.depth, b.depth!.to(device), present(b, 'depth', device)));
  if (out.normals) add('normals', normalsCosineLoss(out.normals, b.normal!.to(device), present(b, 'normal', device)));
  if (out.det) {
    const d = out.det, [h, w] = [d.heatmap.size(2), d.heatmap.size(3)];
    const target = centerNetTargets(b.det!.boxes, b.det!.labels, [h, w], d.stride, cfg.heads.detClasses, { device });
    add('det', centerNetLoss(d, target, present(b, 'det', device)));
  }
  return { parts, counts };
}
