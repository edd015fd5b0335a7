// One task's targets as the losses and scorers read them, whether they come from a Loader batch
// (training) or from a labelled set held in memory (dense probes and experts).
import type { Tensor } from '../engine/index.js';
import type { Batch } from '../data/loader/index.js';
import type { Box } from '../models/heads/index.js';
import type { DenseTaskName } from './names.js';
import { DENSE_TASKS } from './table.js';

/** One task's targets for a batch (tensors on any device; seg int64 or uint8). */
export interface DenseLabels {
  /** bool [B]: which samples carry the label. */
  present: Tensor;
  seg?: Tensor;
  depth?: Tensor;
  normal?: Tensor;
  det?: { boxes: Box[][]; labels: number[][] };
}

/** The label fields of a Loader batch (all a task loss reads of it). */
export type BatchLabels = Pick<Batch, 'present' | 'seg' | 'depth' | 'normal' | 'det'>;

/**
 * A Loader batch's labels of `task` (shares the batch's tensors: dispose the batch, not these);
 * `who` names the caller in the error when the loader was not asked for the task's labels.
 * @example const labels = labelsOf(batch, 'depth');   // { present, depth }
 */
export function labelsOf(b: BatchLabels, task: DenseTaskName, who = 'dense'): DenseLabels {
  const kind = DENSE_TASKS[task].labelKind;
  const present = b.present?.[kind];
  if (!present) throw new Error(`${who}: the batch has no '${kind}' labels (the loader was not asked for them)`);
  const out: DenseLabels = { present };
  if (kind === 'det') out.det = b.det;
  else out[kind] = b[kind];
  return out;
}
