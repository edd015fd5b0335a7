// The supervised loss of one task on a batch: the task table's masked loss over the samples that
// carry the task's label.
import type { Tensor } from '../engine/index.js';
import { taskLossOf, type DenseLabels } from '../tasks/index.js';
import type { HeadSpec } from './heads.js';
import type { DenseOut } from './model.js';

/**
 * The loss of `spec.task` on a batch (a scalar on the graph): cross-entropy with ignore 255,
 * scale-invariant log depth, normals cosine, or CenterNet's focal + L1.
 * @example const loss = taskLoss(spec, model.forward(images), labelsOf(batch, spec.task), 'cpu');
 */
export function taskLoss(spec: HeadSpec, out: DenseOut, labels: DenseLabels, device: string): Tensor {
  return taskLossOf(spec.task, out, labels, { numClasses: spec.numClasses, device }).loss;
}
