// Target scaling of a dense head from the labels it is about to be trained on: the task table
// says what a task derives (depth: the log range of the train depths), this fills it into the spec.
import { tidy } from '../engine/index.js';
import { taskTargetScaling } from '../tasks/index.js';
import type { HeadSpec } from './heads.js';
import { takeBatch, type DenseSet } from './memory_set.js';

/**
 * `spec` with the target scaling of its task taken from samples `indices` of `set` (the training
 * subset: a probe on 1% of the labels scales by those labels only). Tasks without target scaling
 * get `spec` back unchanged.
 * @example const model = new DenseModel(tower, scaledHeadSpec(defaultHeadSpec('depth', 7), train, subset));
 */
export function scaledHeadSpec(spec: HeadSpec, set: DenseSet, indices: readonly number[]): HeadSpec {
  const extra = tidy(() => taskTargetScaling(spec.task, takeBatch(set, indices, spec.task).labels));
  return extra.depthLogRange ? { ...spec, depthLogRange: [extra.depthLogRange[0], extra.depthLogRange[1]] } : spec;
}
