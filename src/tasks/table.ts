// The dense-task table: everything zooclip knows about seg, depth, normals and det in one entry per
// task (label kind, shard field with its writer and grader, head factory, loss, metrics with their
// scorer, report sample and expert decoder), so adding a task is one entry here (and its name in
// names.ts). Everything that lists tasks reads this table or DENSE_TASK_NAMES.
import type { DenseKind } from '../data/loader/index.js';
import type { FieldValue } from '../data/shards/index.js';
import { centerNetLoss, depthSILogLoss, normalsCosineLoss, segmentationLoss, type TaskLoss } from '../losses/index.js';
import { CenterNetHead } from '../models/heads/centernet.js';
import { centerNetTargets } from '../models/heads/centernet_targets.js';
import type { DenseMapHead } from '../models/heads/common.js';
import type { DenseOutputs } from '../models/heads/dense_heads.js';
import { DepthHead } from '../models/heads/depth.js';
import { LinearSegHead } from '../models/heads/linear_seg.js';
import { NormalsHead } from '../models/heads/normals.js';
import { PyramidSegHead } from '../models/heads/psp_seg.js';
import type { FeatureInfo } from '../models/tower.js';
import type { ExpertOutput } from './outputs.js';
import { depthLogRange } from './scaling.js';
import { depthPng, detJson, normalPng, segPng } from './encode.js';
import { depthGrader, detGrader, normalsGrader, segGrader, type FieldGrader } from './fields.js';
import type { DenseLabels } from './labels.js';
import type { DenseTaskName } from './names.js';
import { depthPredict, detPredict, normalsPredict, segPredict, type DecodeOptions, type DenseSampleJson, type PixelSize, type ScoreOptions, type TaskScorer } from './predict.js';

/** One metric a task's evaluation reports. */
export interface TaskMetric {
  name: string;
  higherIsBetter: boolean;
  /** Shown as a percentage (a ratio in [0, 1]). */
  percent: boolean;
}

/** The metric a comparison between models reads first, its label, and the difference below which it is noise. */
export interface HeadlineMetric { metric: string; label: string; floor: number }

/** How a head is built; unset sizes take the head class's defaults. */
export interface TaskHeadOptions {
  /** Classes of seg logits and det heatmaps. */
  numClasses: number;
  /** The level the head reads among the FeatureInfo it is given (default -1). */
  level?: number;
  /** Hidden channels (depth / normals conv block, PSP fuse conv, CenterNet neck and branches). */
  channels?: number;
  segHead?: 'linear' | 'psp';
  depthActivation?: 'exp' | 'softplus';
  /** Detection output stride (default: the level's reduction). */
  outputStride?: number;
  /** Depth: the targets' natural-log range; the head predicts inside it (see targetScaling). */
  depthLogRange?: readonly [number, number];
}

/** Head settings a task derives from its training targets (target scaling), merged into the head spec. */
export type TargetScaling = Pick<TaskHeadOptions, 'depthLogRange'>;

/** A built head: a per-pixel map head, or the CenterNet head for det. */
export type TaskHead = DenseMapHead | CenterNetHead;

/** A label field as the label stage writes it, and what it adds to the sample's `json`. */
export interface WrittenField { value: FieldValue; json?: Record<string, unknown> }

/** Everything about one dense task. */
export interface DenseTaskSpec<T extends DenseTaskName = DenseTaskName> {
  /** The Loader's label name (a Batch field and `present` key). */
  labelKind: DenseKind;
  /** The shard field holding the task's labels. */
  field: string;
  /** Whether writing the field also records something in the sample's `json` (depth: its scale). */
  updatesJson: boolean;
  /** The label field of an expert's prediction at the image's size (`classes` name det labels). */
  write(out: ExpertOutput, width: number, height: number, classes?: readonly string[]): WrittenField;
  /** The task's head over `info` (the feature levels it may read). */
  head(info: readonly FeatureInfo[], o: TaskHeadOptions): TaskHead;
  /**
   * Head settings from the training labels (e.g. depth predicted in the log range of the train
   * targets, so few-label fits stay in the targets' units); absent = the task needs none.
   */
  targetScaling?(labels: DenseLabels): TargetScaling;
  /** The masked loss over the samples that carry the label, and how many did. */
  loss(out: NonNullable<DenseOutputs[T]>, labels: DenseLabels, o: { numClasses: number; device: string }): TaskLoss;
  /** A fresh accumulator of the task's scores (the metrics below are read from them). */
  scorer(numClasses: number, o?: ScoreOptions): TaskScorer<NonNullable<DenseOutputs[T]>>;
  /** Sample i's prediction and truth as report JSON (at the model's input size). */
  sample(out: NonNullable<DenseOutputs[T]>, labels: DenseLabels, i: number, size: readonly [number, number], o?: ScoreOptions): Partial<DenseSampleJson>;
  /** Grades pseudo-label fields of the task against ground-truth fields (numClasses: seg classes). */
  grader(numClasses: number): FieldGrader;
  /** An expert's predictions (hard labels, metres, unit normals, boxes) at each image's own size. */
  decode(out: NonNullable<DenseOutputs[T]>, images: readonly PixelSize[], o: DecodeOptions): ExpertOutput[];
  /** Metrics of an evaluation, in report order. */
  metrics: readonly TaskMetric[];
  /** The metric comparisons between models read (the demo's claims and tables). */
  headline: HeadlineMetric;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`dense: no ${what} (the batch or the expert output lacks it)`);
  return v;
}

const higher = (name: string, percent = true): TaskMetric => ({ name, higherIsBetter: true, percent });
const lower = (name: string): TaskMetric => ({ name, higherIsBetter: false, percent: false });

/**
 * The dense tasks, keyed by name (keys in DENSE_TASK_NAMES order).
 * @example
 * const spec = DENSE_TASKS.depth;
 * const head = spec.head(tower.featureInfo(), { numClasses: 0, channels: 64 });
 * const { loss, count } = spec.loss(head.forward(feats, [224, 224]), labelsOf(batch, 'depth'), { numClasses: 0, device: 'cpu' });
 * spec.metrics.map((m) => m.name);  // ['rmse', 'absRel', 'delta1']
 */
export const DENSE_TASKS: { readonly [T in DenseTaskName]: DenseTaskSpec<T> } = {
  seg: {
    labelKind: 'seg', field: 'seg.png', updatesJson: false,
    write: (out, w, h) => ({ value: segPng(need(out.seg, 'seg output'), w, h) }),
    head: (info, o) => o.segHead === 'psp' ? new PyramidSegHead(info, { numClasses: o.numClasses, level: o.level, channels: o.channels })
      : new LinearSegHead(info, { numClasses: o.numClasses, level: o.level }),
    loss: (out, l, o) => segmentationLoss(out, need(l.seg, 'seg labels').to(o.device), l.present.to(o.device)),
    ...segPredict, grader: segGrader,
    metrics: [higher('miou'), higher('pixelAccuracy')],
    headline: { metric: 'miou', label: 'seg mIoU', floor: 0.005 },
  },
  depth: {
    labelKind: 'depth', field: 'depth.png', updatesJson: true,
    write: (out, w, h) => {
      const d = depthPng(need(out.depth, 'depth output'), w, h);
      return { value: d.png, json: { depth_scale: d.scale, depth_unit: d.scale === 0.001 ? 'mm' : 'm * depth_scale', depth_invalid: 0 } };
    },
    head: (info, o) => new DepthHead(info, { level: o.level, channels: o.channels, activation: o.depthActivation, logRange: o.depthLogRange }),
    targetScaling: (l) => ({ depthLogRange: depthLogRange(need(l.depth, 'depth labels'), l.present) }),
    loss: (out, l, o) => depthSILogLoss(out, need(l.depth, 'depth labels').to(o.device), l.present.to(o.device)),
    ...depthPredict, grader: depthGrader,
    metrics: [lower('rmse'), lower('absRel'), higher('delta1')],
    headline: { metric: 'rmse', label: 'depth RMSE (m)', floor: 0.02 },
  },
  normals: {
    labelKind: 'normal', field: 'normal.png', updatesJson: false,
    write: (out, w, h) => ({ value: normalPng(need(out.normals, 'normals output'), w, h) }),
    head: (info, o) => new NormalsHead(info, { level: o.level, channels: o.channels }),
    loss: (out, l, o) => normalsCosineLoss(out, need(l.normal, 'normal labels').to(o.device), l.present.to(o.device)),
    ...normalsPredict, grader: normalsGrader,
    metrics: [lower('mean'), lower('median'), higher('within11'), higher('within22'), higher('within30')],
    headline: { metric: 'mean', label: 'normals mean angle (deg)', floor: 0.3 },
  },
  det: {
    labelKind: 'det', field: 'det.json', updatesJson: false,
    write: (out, _w, _h, classes) => ({ value: detJson(need(out.det, 'det output'), classes) }),
    head: (info, o) => new CenterNetHead(info, { numClasses: o.numClasses, level: o.level, outputStride: o.outputStride, neckChannels: o.channels, headChannels: o.channels }),
    loss: (out, l, o) => {
      const det = need(l.det, 'det labels'), [h, w] = [out.heatmap.size(2), out.heatmap.size(3)];
      const target = centerNetTargets(det.boxes, det.labels, [h, w], out.stride, o.numClasses, { device: o.device });
      return centerNetLoss(out, target, l.present.to(o.device));
    },
    ...detPredict, grader: detGrader,
    metrics: [higher('ap50'), higher('ap')],
    headline: { metric: 'ap50', label: 'det AP50', floor: 0.005 },
  },
};

/** A task's output as the table's functions take it, whatever the task (callers holding a DenseOut by spec). */
type AnyOut = NonNullable<DenseOutputs[DenseTaskName]>;
/** The table entry of a task with its output type widened, for callers that hold an output of the task's own head. */
const entry = (task: DenseTaskName): DenseTaskSpec<DenseTaskName> => DENSE_TASKS[task] as unknown as DenseTaskSpec<DenseTaskName>;

/**
 * A task's scorer with its metrics named as the table lists them, in order.
 * @example const sc = taskScorer('seg', 7); sc.add(logits, labels, [64, 64]); sc.metrics()  // { miou, pixelAccuracy }
 */
export function taskScorer(task: DenseTaskName, numClasses: number, o: ScoreOptions = {}): { add: TaskScorer<AnyOut>['add']; metrics(): Record<string, number> } {
  const e = entry(task), sc = e.scorer(numClasses, o);
  return { add: (out, l, size) => sc.add(out, l, size), metrics: () => Object.fromEntries(e.metrics.map((m) => [m.name, (sc.scores() as Record<string, number>)[m.name]!])) };
}

/**
 * Sample i of a batch as report JSON, for any task (see DenseTaskSpec.sample).
 * @example Object.assign(json, taskSample('depth', out, labels, 0, [64, 64]));  // depth, depthTruth
 */
export function taskSample(task: DenseTaskName, out: AnyOut, labels: DenseLabels, i: number, size: readonly [number, number], o: ScoreOptions = {}): Partial<DenseSampleJson> {
  return entry(task).sample(out, labels, i, size, o);
}

/**
 * An expert's predictions from its head's output, for any task (see DenseTaskSpec.decode).
 * @example const outs = taskDecode('seg', logits, images, { inputSize: 64, threshold: 0.5, depthScale: 1, classes });
 */
export function taskDecode(task: DenseTaskName, out: AnyOut, images: readonly PixelSize[], o: DecodeOptions): ExpertOutput[] {
  return entry(task).decode(out, images, o);
}

/**
 * The loss of one task's output, for any task (a caller holds the output of the task's own head).
 * @example const { loss } = taskLossOf('seg', out.seg!, labelsOf(batch, 'seg'), { numClasses: 7, device: 'cpu' });
 */
export function taskLossOf(task: DenseTaskName, out: AnyOut, labels: DenseLabels, o: { numClasses: number; device: string }): TaskLoss {
  return entry(task).loss(out, labels, o);
}

/**
 * The head settings `task` derives from its training labels ({} for tasks without target scaling).
 * Call inside a tidy (it reads the labels back to the CPU).
 * @example const extra = taskTargetScaling('depth', labels);  // { depthLogRange: [lo, hi] }
 */
export function taskTargetScaling(task: DenseTaskName, labels: DenseLabels): TargetScaling {
  return entry(task).targetScaling?.(labels) ?? {};
}
