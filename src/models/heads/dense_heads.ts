// The container a CLIP model holds its pseudo-task heads in: one child per task, named by the task,
// so every key starts with the task name (seg.*, depth.*, normals.*, det.*) and, under the model's
// own child name (e.g. dense_heads.seg.conv_seg.weight), never collides with open_clip's keys.
import type { Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import type { CenterNetHead, CenterNetOutput } from './centernet.js';
import type { DenseMapHead, ImageSize } from './common.js';
import { DENSE_TASK_NAMES, type DenseTaskName } from '../../tasks/names.js';

/** The heads to hold; any subset (heads register in DENSE_TASK_NAMES order): CenterNet for det, a map head otherwise. */
export type DenseHeadSet = { [T in DenseTaskName]?: T extends 'det' ? CenterNetHead : DenseMapHead };

/** Outputs of the heads that ran, by task: CenterNet's maps for det, one map otherwise. */
export type DenseOutputs = { [T in DenseTaskName]?: T extends 'det' ? CenterNetOutput : Tensor };

/**
 * Holds one head per task and runs them over the same feature list.
 * @example
 * const info = tower.featureInfo();
 * const heads = new DenseHeads({ seg: new LinearSegHead(info, { numClasses: 150 }), depth: new DepthHead(info) });
 * [...heads.stateDict().keys()][0];                       // 'seg.bn.weight'
 * const out = heads.forward(feats, [224, 224]);          // { seg: [B,150,224,224], depth: [B,1,224,224] }
 */
export class DenseHeads extends Module {
  readonly heads: DenseHeadSet;
  constructor(heads: DenseHeadSet) {
    super();
    this.heads = heads;
    for (const task of DENSE_TASK_NAMES) {
      const head = heads[task];
      if (head) this.child(task, head);
    }
  }
  /** The tasks that have a head, in registration order. */
  get tasks(): DenseTaskName[] {
    return DENSE_TASK_NAMES.filter((t) => this.heads[t] !== undefined);
  }
  /** Runs every head (or only `only`) over features (one map per FeatureInfo entry the heads were built with). */
  forward(features: readonly Tensor[], imageSize: ImageSize, only?: readonly DenseTaskName[]): DenseOutputs {
    const run = only ?? this.tasks;
    const out: DenseOutputs = {};
    for (const task of run) {
      if (task === 'det') {
        if (!this.heads.det) throw new Error('DenseHeads: no det head');
        out.det = this.heads.det.forward(features, imageSize);
      } else {
        const head = this.heads[task];
        if (!head) throw new Error(`DenseHeads: no ${task} head (have: ${this.tasks.join(', ') || 'none'})`);
        out[task] = head.forward(features, imageSize);
      }
    }
    return out;
  }
}
