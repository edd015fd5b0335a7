// Options of `zooclip train-expert`, their defaults and validation (errors name the option).
// Imports nothing heavy: the CLI reads the options without loading the engine.
import { checkInt, overlayConfig, type LoopConfig } from '../common/loop_config.js';
import { DENSE_TASK_NAMES, isTaskName } from '../../tasks/names.js';


/** Everything an expert run depends on; written to run.json and every checkpoint. */
export interface ExpertTrainConfig extends LoopConfig {
  /** seg, depth, normals or det. */
  task: string;
  /** Synthetic-world root (what `zooclip synth --out` wrote). */
  data: string;
  /** Labelled split to train on (the world's `zoo`). */
  split: string;
  /** Labelled split scored at the end when the world has it ('' = skip). */
  evalSplit: string;
  /** Output folder: run.json, metrics.jsonl, checkpoints/, expert/, result.json, eval.json ('' = runs/expert-<task>). */
  out: string;
  /** Tower architecture: a built-in config name or a CLIP config JSON (ignored with init). */
  model: string;
  /** A CLIP checkpoint / run / open_clip folder whose image tower (weights and architecture) starts the expert ('' = random init). */
  init: string;
  /** Segmentation head: linear or psp. */
  segHead: string;
  /** Tower level the head reads (negative from the end). */
  level: number;
  /** Hidden channels of the head. */
  channels: number;
  /** Score at most this many evaluation images (0 = all). */
  evalImages: number;
}

export const DEFAULT_EXPERT_TRAIN: ExpertTrainConfig = {
  task: '', data: 'data/synth', split: 'zoo', evalSplit: 'probe-test', out: '', model: 'zooclip-tiny', init: '', segHead: 'psp', level: -1, channels: 64,
  steps: 1000, batch: 32, lr: 1e-3, minLr: 1e-5, warmup: 50, weightDecay: 0.05, clipGrad: 1, seed: 0, device: '', threads: 0, workers: 2, minCropScale: 0.5,
  logEvery: 10, checkpointEvery: 200, keep: 2, evalImages: 0,
};


/**
 * Defaults overlaid with `o` (unknown keys are errors), validated; `out` defaults to runs/expert-<task>.
 * @example resolveExpertConfig({ task: 'seg', data: '/tmp/world', steps: 300 })
 */
export function resolveExpertConfig(o: Partial<ExpertTrainConfig> = {}): ExpertTrainConfig {
  const c = overlayConfig('train-expert', DEFAULT_EXPERT_TRAIN, o);
  if (!isTaskName(c.task)) throw new Error(`train-expert: --task must be one of ${DENSE_TASK_NAMES.join(', ')}, got '${c.task}'`);
  if (!['linear', 'psp'].includes(c.segHead)) throw new Error(`train-expert: seg-head must be linear or psp, got '${c.segHead}'`);
  c.out ||= `runs/expert-${c.task}`;
  checkInt('train-expert', c.level, 'level', -1000);
  checkInt('train-expert', c.channels, 'channels', 1);
  checkInt('train-expert', c.evalImages, 'evalImages', 0);
  return c;
}
