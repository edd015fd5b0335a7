// A task head described by plain JSON (so expert.json can rebuild it), and its construction over
// one feature level of a tower through the task table.
import type { FeatureInfo } from '../models/tower.js';
import { DENSE_TASKS, type DenseTaskName, type TaskHead } from '../tasks/index.js';

/** What a dense head is: its task, kind and sizes. JSON-serialisable (written into expert.json). */
export interface HeadSpec {
  task: DenseTaskName;
  /** Segmentation head: a linear probe (BN + 1x1 conv) or the PSPNet-style pyramid head. */
  segHead: 'linear' | 'psp';
  /** Classes of seg logits and det heatmaps (det labels use the seg ids of the world). */
  numClasses: number;
  /** The tower level the head reads (a forwardIntermediates index, negative from the end). */
  level: number;
  /** Hidden channels of the depth / normals conv block, the PSP fuse conv and the CenterNet neck. */
  channels: number;
  /** Detection output stride (pixels per heatmap cell); 0 = 4, or the level's reduction if smaller. */
  outputStride: number;
  /** Depth output: exp (log-depth regression) or softplus. */
  depthActivation: 'exp' | 'softplus';
  /**
   * Depth: the training targets' natural-log range (target scaling, see scaledHeadSpec); the head
   * then predicts exp(lo + (hi - lo) * sigmoid(x)). Absent = the unbounded depthActivation form.
   */
  depthLogRange?: [number, number];
}

/**
 * Defaults of a head spec for a task.
 * @example defaultHeadSpec('depth', 7).channels  // 64
 */
export function defaultHeadSpec(task: DenseTaskName, numClasses: number): HeadSpec {
  return { task, segHead: 'linear', numClasses, level: -1, channels: 64, outputStride: 0, depthActivation: 'exp' };
}

/**
 * Builds the head of `spec` over one level (`info` is that level's FeatureInfo).
 * @example const head = buildHead(defaultHeadSpec('seg', 7), tower.featureInfo().at(-1)!);
 */
export function buildHead(spec: HeadSpec, info: FeatureInfo): TaskHead {
  // det: a stride of 4 unless the level is coarser-grained than that already (outputStride 0 = auto)
  const outputStride = spec.task === 'det' ? spec.outputStride || Math.min(4, info.reduction) : undefined;
  return DENSE_TASKS[spec.task].head([info], {
    numClasses: spec.numClasses, level: -1, channels: spec.channels, segHead: spec.segHead, depthActivation: spec.depthActivation, outputStride,
    depthLogRange: spec.depthLogRange,
  });
}

/**
 * Checks a head spec read from a file (unknown keys and wrong types are errors naming `where`).
 * @example checkHeadSpec(JSON.parse(text).head, 'expert.json: head')
 */
export function checkHeadSpec(raw: unknown, where: string): HeadSpec {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected an object`);
  const r = raw as Record<string, unknown>;
  const d = defaultHeadSpec('seg', 1) as unknown as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!(k in d) && k !== 'depthLogRange') throw new Error(`${where}: unknown key '${k}'`);
  const range = r.depthLogRange;
  if (range !== undefined && !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[1] > range[0])) {
    throw new Error(`${where}.depthLogRange: expected [lo, hi] (finite, hi > lo), got ${JSON.stringify(range)}`);
  }
  for (const k of Object.keys(d)) if (typeof r[k] !== typeof d[k]) throw new Error(`${where}.${k}: expected a ${typeof d[k]}, got ${JSON.stringify(r[k])}`);
  return r as unknown as HeadSpec;
}
