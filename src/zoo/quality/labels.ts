// Pseudo-labels against ground truth, sample by sample from their stored fields, each task graded
// by the task table (seg.png mIoU, depth.png RMSE in metres, normal.png angles, det.json AP).
import { DENSE_TASK_NAMES, DENSE_TASKS, type DenseTaskName, type Fields, type FieldGrader } from '../../tasks/index.js';
import type { DetScores, DepthScores, NormalScores, SegScores } from '../../tasks/metrics.js';

/** The scores of one pseudo-label set (a task is absent when its field never appeared). */
export interface LabelScores {
  samples: number;
  seg?: SegScores;
  depth?: DepthScores;
  normals?: NormalScores;
  det?: DetScores;
}

/**
 * Accumulates pseudo-label quality over samples, each task through the task table's grader of its field.
 * @example const q = new LabelQuality(7); q.add(labelFields, gtFields, 'key 000001'); q.scores()
 */
export class LabelQuality {
  private readonly graders: Partial<Record<DenseTaskName, FieldGrader>> = {};
  private samples = 0;

  /** `numClasses`: segmentation classes of the ground truth (the world's seg_classes). */
  constructor(private readonly numClasses: number) {}

  /** Scores one sample's pseudo-label fields against its ground-truth fields; `what` names it in errors. */
  add(pred: Fields, gt: Fields, what: string): void {
    this.samples++;
    for (const t of DENSE_TASK_NAMES) {
      const f = DENSE_TASKS[t].field;
      if (pred.has(f) && gt.has(f)) (this.graders[t] ??= DENSE_TASKS[t].grader(this.numClasses)).add(pred, gt, what);
    }
  }

  /** Scores so far, with a task only when its field appeared. */
  scores(): LabelScores {
    const seen = DENSE_TASK_NAMES.filter((t) => this.graders[t]).map((t) => [t, this.graders[t]!.scores()]);
    return { samples: this.samples, ...Object.fromEntries(seen) } as LabelScores;
  }
}
