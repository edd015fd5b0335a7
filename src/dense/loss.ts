// The supervised loss of one task on a batch: the masked losses of src/losses over the samples
// that carry the task's label.
import type { Tensor } from '../engine/index.js';
import type { Batch } from '../data/loader/index.js';
import { centerNetLoss, depthSILogLoss, normalsCosineLoss, segmentationLoss } from '../losses/index.js';
import { centerNetTargets, type Box, type CenterNetOutput } from '../models/heads/index.js';
import type { HeadSpec } from './heads.js';
import type { DenseOut } from './model.js';
import { LABEL_KIND, type DenseTask } from './task.js';

/** One task's targets for a batch (tensors on any device; seg int64 or uint8). */
export interface DenseLabels {
  /** bool [B]: which samples carry the label. */
  present: Tensor;
  seg?: Tensor;
  depth?: Tensor;
  normal?: Tensor;
  det?: { boxes: Box[][]; labels: number[][] };
}

/**
 * A Loader batch's labels of `task` (shares the batch's tensors: dispose the batch, not these).
 * @example const labels = labelsOf(batch, 'depth');
 */
export function labelsOf(b: Batch, task: DenseTask): DenseLabels {
  const kind = LABEL_KIND[task];
  const present = b.present?.[kind];
  if (!present) throw new Error(`dense: the batch has no '${kind}' labels (the loader was not asked for them)`);
  const out: DenseLabels = { present };
  if (task === 'seg') out.seg = b.seg;
  else if (task === 'depth') out.depth = b.depth;
  else if (task === 'normals') out.normal = b.normal;
  else out.det = b.det;
  return out;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`dense: the batch carries no ${what} labels`);
  return v;
}

/**
 * The loss of `spec.task` on a batch (a scalar on the graph): cross-entropy with ignore 255,
 * scale-invariant log depth, normals cosine, or CenterNet's focal + L1.
 * @example const loss = taskLoss(spec, model.forward(images), labelsOf(batch, spec.task), 'cpu');
 */
export function taskLoss(spec: HeadSpec, out: DenseOut, labels: DenseLabels, device: string): Tensor {
  const mask = labels.present.to(device);
  switch (spec.task) {
    case 'seg': return segmentationLoss(out as Tensor, need(labels.seg, 'seg').to(device), mask).loss;
    case 'depth': return depthSILogLoss(out as Tensor, need(labels.depth, 'depth').to(device), mask).loss;
    case 'normals': return normalsCosineLoss(out as Tensor, need(labels.normal, 'normal').to(device), mask).loss;
    case 'det': {
      const d = out as CenterNetOutput, det = need(labels.det, 'det');
      const target = centerNetTargets(det.boxes, det.labels, [d.heatmap.size(2), d.heatmap.size(3)], d.stride, spec.numClasses, { device });
      return centerNetLoss(d, target, mask).loss;
    }
  }
}
