// CLIPTeX's pseudo-task heads in a CLIP run: which heads a config asks for, attaching them to the
// image tower, the labels the loader must bring, and each task's masked loss on a batch, all
// through the dense-task table.
import type { Tensor } from '../../engine/index.js';
import type { DenseKind } from '../../data/loader/index.js';
import type { LossPart } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import { DenseHeads, resolveLevel, type DenseHeadSet, type DenseOutputs } from '../../models/heads/index.js';
import { DENSE_TASK_NAMES, DENSE_TASKS, labelsOf, taskLossOf, type BatchLabels, type DenseTaskName } from '../../tasks/index.js';
import type { TrainConfig } from './config.js';

/**
 * Tasks with a non-zero weight, in DenseHeads order.
 * @example enabledTasks(cfg)  // ['seg', 'depth'] for heads.seg=1, heads.depth=0.5
 */
export function enabledTasks(cfg: TrainConfig): DenseTaskName[] {
  return DENSE_TASK_NAMES.filter((t) => cfg.heads[t] > 0);
}

/**
 * The labels the training loader must read for the enabled heads.
 * @example labelKinds(cfg)  // ['seg', 'normal'] for heads.seg=1, heads.normals=1
 */
export function labelKinds(cfg: TrainConfig): DenseKind[] {
  return enabledTasks(cfg).map((t) => DENSE_TASKS[t].labelKind);
}

/** Classes of a task's head and targets (seg logits, det heatmaps; unused by depth and normals). */
function classesOf(cfg: TrainConfig, task: DenseTaskName): number {
  return task === 'det' ? cfg.heads.detClasses : cfg.heads.segClasses;
}

/**
 * Attaches one head per enabled task to the model's image tower (registered under `dense_heads.`,
 * so they train, checkpoint and resume with the model, and are dropped on open_clip export).
 * Call before the optimizer is made. Returns the tasks attached.
 * @example const tasks = attachTaskHeads(model, cfg);  // then model.encodeImageDense(images).dense.seg
 */
export function attachTaskHeads(model: CLIP, cfg: TrainConfig): DenseTaskName[] {
  const tasks = enabledTasks(cfg);
  if (!tasks.length) return tasks;
  const all = model.visual.featureInfo(), h = cfg.heads;
  const info = [all[resolveLevel(all, h.level, 'train: heads.level')]!];  // the heads see only this level
  const set: Record<string, unknown> = {};
  // built in DENSE_TASK_NAMES order, so parameter initialisation draws the same random numbers as ever
  for (const t of tasks) set[t] = DENSE_TASKS[t].head(info, { numClasses: classesOf(cfg, t), level: -1, segHead: h.segHead });
  model.attachDenseHeads(new DenseHeads(set as DenseHeadSet), [h.level]);
  return tasks;
}

/**
 * Each enabled task's loss part (weighted by heads.<task>) and the number of samples that carried
 * its label (`<task>_n`, for the log). A task whose samples carry no label adds an exact 0.
 * @example const { parts, counts } = taskLossParts(dense, batch, cfg, 'cpu');  // parts.seg.weight === cfg.heads.seg
 */
export function taskLossParts(out: DenseOutputs, b: BatchLabels, cfg: TrainConfig, device: string): { parts: Record<string, LossPart>; counts: Record<string, Tensor> } {
  const parts: Record<string, LossPart> = {}, counts: Record<string, Tensor> = {};
  for (const task of DENSE_TASK_NAMES) {
    const o = out[task];
    if (!o) continue;
    const r = taskLossOf(task, o, labelsOf(b, task, 'train'), { numClasses: classesOf(cfg, task), device });
    parts[task] = { loss: r.loss, weight: cfg.heads[task] };
    counts[`${task}_n`] = r.count;
  }
  return { parts, counts };
}
