// Options of `zooclip train-expert`, their defaults and validation (errors name the option).
// Imports nothing heavy: the CLI reads the options without loading the engine.

/** The tasks an expert can serve (DENSE_TASKS of the heads). */
const DENSE_TASKS = ['seg', 'depth', 'normals', 'det'] as const;

/** Everything an expert run depends on; written to run.json and every checkpoint. */
export interface ExpertTrainConfig {
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
  steps: number;
  batch: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  /** Max global gradient norm (0 = off). */
  clipGrad: number;
  seed: number;
  /** 'cpu', 'cuda:N', or '' for cuda:0 when present. */
  device: string;
  /** Intra-op threads (0 = libtorch's default). */
  threads: number;
  /** Decode worker threads. */
  workers: number;
  /** Smallest crop area fraction of the training RandomResizedCrop (1 = no cropping). */
  minCropScale: number;
  logEvery: number;
  /** Checkpoint every this many steps (0 = only at the end). */
  checkpointEvery: number;
  /** Checkpoints kept. */
  keep: number;
  /** Score at most this many evaluation images (0 = all). */
  evalImages: number;
}

export const DEFAULT_EXPERT_TRAIN: ExpertTrainConfig = {
  task: '', data: 'data/synth', split: 'zoo', evalSplit: 'probe-test', out: '', model: 'zooclip-tiny', init: '', segHead: 'psp', level: -1, channels: 64,
  steps: 1000, batch: 32, lr: 1e-3, minLr: 1e-5, warmup: 50, weightDecay: 0.05, clipGrad: 1, seed: 0, device: '', threads: 0, workers: 2, minCropScale: 0.5,
  logEvery: 10, checkpointEvery: 200, keep: 2, evalImages: 0,
};

function int(v: number, key: string, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`train-expert: ${key} must be an integer >= ${min}, got ${v}`);
}

/**
 * Defaults overlaid with `o` (unknown keys are errors), validated; `out` defaults to runs/expert-<task>.
 * @example resolveExpertConfig({ task: 'seg', data: '/tmp/world', steps: 300 })
 */
export function resolveExpertConfig(o: Partial<ExpertTrainConfig> = {}): ExpertTrainConfig {
  for (const k of Object.keys(o)) if (!(k in DEFAULT_EXPERT_TRAIN)) throw new Error(`train-expert: unknown option '${k}'`);
  const c: ExpertTrainConfig = { ...DEFAULT_EXPERT_TRAIN, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(c)) {
    const d = (DEFAULT_EXPERT_TRAIN as unknown as Record<string, unknown>)[k];
    if (typeof v !== typeof d) throw new Error(`train-expert: ${k} must be a ${typeof d}, got ${JSON.stringify(v)}`);
  }
  if (!(DENSE_TASKS as readonly string[]).includes(c.task)) throw new Error(`train-expert: --task must be one of ${DENSE_TASKS.join(', ')}, got '${c.task}'`);
  if (!['linear', 'psp'].includes(c.segHead)) throw new Error(`train-expert: seg-head must be linear or psp, got '${c.segHead}'`);
  c.out ||= `runs/expert-${c.task}`;
  int(c.steps, 'steps', 1);
  int(c.batch, 'batch', 2);
  int(c.warmup, 'warmup', 0);
  if (c.warmup >= c.steps) throw new Error(`train-expert: warmup (${c.warmup}) must be below steps (${c.steps})`);
  int(c.level, 'level', -1000);
  int(c.channels, 'channels', 1);
  for (const k of ['threads', 'workers', 'checkpointEvery', 'keep', 'evalImages'] as const) int(c[k], k, 0);
  int(c.logEvery, 'logEvery', 1);
  if (!(c.lr > 0)) throw new Error(`train-expert: lr must be > 0, got ${c.lr}`);
  if (!(c.minLr >= 0 && c.minLr <= c.lr)) throw new Error(`train-expert: minLr must be in [0, lr], got ${c.minLr}`);
  if (!(c.weightDecay >= 0)) throw new Error(`train-expert: weightDecay must be >= 0, got ${c.weightDecay}`);
  if (!(c.clipGrad >= 0)) throw new Error(`train-expert: clipGrad must be >= 0, got ${c.clipGrad}`);
  if (!(c.minCropScale > 0 && c.minCropScale <= 1)) throw new Error(`train-expert: minCropScale must be in (0, 1], got ${c.minCropScale}`);
  return c;
}
