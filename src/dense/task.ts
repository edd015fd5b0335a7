// The four supervised dense tasks as the dense trainer sees them: which loader label each needs,
// which metrics its evaluation reports (and which way is better), and the synthetic world's classes.
import type { DenseKind } from '../data/loader/index.js';
import { DENSE_TASKS, type DenseTask } from '../models/heads/index.js';
import { SEG_CLASSES } from '../data/synth/world.js';

export { DENSE_TASKS, type DenseTask };

/** The Loader's label name of each task (`normals` reads `normal.png`). */
export const LABEL_KIND: Readonly<Record<DenseTask, DenseKind>> = { seg: 'seg', depth: 'depth', normals: 'normal', det: 'det' };

/** The synthetic world's classes (seg ids, and det labels, which use the same ids). */
export const WORLD_CLASSES: readonly string[] = SEG_CLASSES;

/** Metric names per task, in report order, and whether larger is better. */
export const TASK_METRICS: Readonly<Record<DenseTask, readonly { name: string; higherIsBetter: boolean }[]>> = {
  seg: [{ name: 'miou', higherIsBetter: true }, { name: 'pixelAccuracy', higherIsBetter: true }],
  depth: [{ name: 'rmse', higherIsBetter: false }, { name: 'absRel', higherIsBetter: false }, { name: 'delta1', higherIsBetter: true }],
  normals: [{ name: 'mean', higherIsBetter: false }, { name: 'median', higherIsBetter: false }, { name: 'within11', higherIsBetter: true },
    { name: 'within22', higherIsBetter: true }, { name: 'within30', higherIsBetter: true }],
  det: [{ name: 'ap50', higherIsBetter: true }, { name: 'ap', higherIsBetter: true }],
};

/**
 * Checks a task name from a command line or a file.
 * @example parseTask('normals') // 'normals'
 */
export function parseTask(name: string, who = 'dense'): DenseTask {
  if (!(DENSE_TASKS as readonly string[]).includes(name)) throw new Error(`${who}: unknown task '${name}' (known: ${DENSE_TASKS.join(', ')})`);
  return name as DenseTask;
}
