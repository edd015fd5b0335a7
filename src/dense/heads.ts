// A task head described by plain JSON (so expert.json can rebuild it), and its construction over
// one feature level of a tower.
import { CenterNetHead, DepthHead, LinearSegHead, NormalsHead, PyramidSegHead, type DenseMapHead } from '../models/heads/index.js';
import type { FeatureInfo } from '../models/tower.js';
import type { DenseTask } from './task.js';

/** What a dense head is: its task, kind and sizes. JSON-serialisable (written into expert.json). */
export interface HeadSpec {
  task: DenseTask;
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
}

/** Defaults of a head spec for a task. */
export function defaultHeadSpec(task: DenseTask, numClasses: number): HeadSpec {
  return { task, segHead: 'linear', numClasses, level: -1, channels: 64, outputStride: 0, depthActivation: 'exp' };
}

/** A built head: a per-pixel map head, or the CenterNet head for det. */
export type TaskHead = DenseMapHead | CenterNetHead;

/**
 * Builds the head of `spec` over one level (`info` is that level's FeatureInfo).
 * @example const head = buildHead(defaultHeadSpec('seg', 7), tower.featureInfo().at(-1)!);
 */
export function buildHead(spec: HeadSpec, info: FeatureInfo): TaskHead {
  const one = [info], level = -1, ch = spec.channels;
  switch (spec.task) {
    case 'seg':
      return spec.segHead === 'psp' ? new PyramidSegHead(one, { numClasses: spec.numClasses, level, channels: ch })
        : new LinearSegHead(one, { numClasses: spec.numClasses, level });
    case 'depth':
      return new DepthHead(one, { level, channels: ch, activation: spec.depthActivation });
    case 'normals':
      return new NormalsHead(one, { level, channels: ch });
    case 'det': {
      const stride = spec.outputStride || Math.min(4, info.reduction);
      return new CenterNetHead(one, { numClasses: spec.numClasses, level, outputStride: stride, neckChannels: ch, headChannels: ch });
    }
  }
}

/**
 * Checks a head spec read from a file (unknown keys and wrong types are errors naming `where`).
 * @example checkHeadSpec(JSON.parse(text).head, 'expert.json: head')
 */
export function checkHeadSpec(raw: unknown, where: string): HeadSpec {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected an object`);
  const r = raw as Record<string, unknown>;
  const d = defaultHeadSpec('seg', 1) as unknown as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!(k in d)) throw new Error(`${where}: unknown key '${k}'`);
  for (const k of Object.keys(d)) if (typeof r[k] !== typeof d[k]) throw new Error(`${where}.${k}: expected a ${typeof d[k]}, got ${JSON.stringify(r[k])}`);
  return r as unknown as HeadSpec;
}
