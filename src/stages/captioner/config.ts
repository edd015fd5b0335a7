// Options of `zooclip train-captioner`, their defaults and validation (errors name the option).
/** Everything a captioner run depends on; written to run.json and every checkpoint. */
export interface CaptionerTrainConfig {
  /** Synthetic-world root (what `zooclip synth --out` wrote). */
  data: string;
  /** Split to train on: its samples need syn.json quality captions (the world's `zoo`). */
  split: string;
  /** Held-out split for the sample captions and the shape/colour/count check at the end; when it is missing, 1 in 20 training samples (by key) are held out instead. */
  holdout: string;
  /** Output folder: run.json, metrics.jsonl, checkpoints/, captioner/, result.json. */
  out: string;
  /** Captioner preset (captioner-tiny, ...) or a captioner config JSON file. */
  model: string;
  /** Output vocabulary: 'data' = the ids of the training captions (fast; see vocab.ts), 'full' = all of CLIP's (unless the model config sets output_ids). */
  vocab: 'data' | 'full';
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
  /** Smallest crop area fraction of the training RandomResizedCrop. */
  minCropScale: number;
  logEvery: number;
  /** Checkpoint every this many steps (0 = only at the end). */
  checkpointEvery: number;
  /** Checkpoints kept. */
  keep: number;
  /** Held-out images captioned and graded at the end (0 = skip). */
  evalImages: number;
  /** Of those, how many are printed next to their ground truth. */
  show: number;
}

export const DEFAULT_CAPTIONER_TRAIN: CaptionerTrainConfig = {
  data: 'data/synth', split: 'zoo', holdout: 'probe-test', out: 'runs/captioner', model: 'captioner-tiny', vocab: 'data', steps: 1000, batch: 32,
  lr: 1e-3, minLr: 1e-5, warmup: 50, weightDecay: 0.05, clipGrad: 1, seed: 0, device: '', threads: 0, workers: 2, minCropScale: 0.8,
  logEvery: 10, checkpointEvery: 200, keep: 2, evalImages: 200, show: 6,
};

function int(v: number, key: string, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`train-captioner: ${key} must be an integer >= ${min}, got ${v}`);
}

/**
 * Defaults overlaid with `o` (unknown keys are errors), validated.
 * @example resolveCaptionerConfig({ data: '/tmp/world', steps: 300 })
 */
export function resolveCaptionerConfig(o: Partial<CaptionerTrainConfig> = {}): CaptionerTrainConfig {
  for (const k of Object.keys(o)) if (!(k in DEFAULT_CAPTIONER_TRAIN)) throw new Error(`train-captioner: unknown option '${k}'`);
  const c: CaptionerTrainConfig = { ...DEFAULT_CAPTIONER_TRAIN, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(c)) {
    const d = (DEFAULT_CAPTIONER_TRAIN as unknown as Record<string, unknown>)[k];
    if (typeof v !== typeof d) throw new Error(`train-captioner: ${k} must be a ${typeof d}, got ${JSON.stringify(v)}`);
  }
  if (c.vocab !== 'data' && c.vocab !== 'full') throw new Error(`train-captioner: vocab must be data or full, got '${c.vocab}'`);
  int(c.steps, 'steps', 1);
  int(c.batch, 'batch', 2);
  int(c.warmup, 'warmup', 0);
  if (c.warmup >= c.steps) throw new Error(`train-captioner: warmup (${c.warmup}) must be below steps (${c.steps})`);
  int(c.threads, 'threads', 0);
  int(c.workers, 'workers', 0);
  int(c.logEvery, 'logEvery', 1);
  int(c.checkpointEvery, 'checkpointEvery', 0);
  int(c.keep, 'keep', 0);
  int(c.evalImages, 'evalImages', 0);
  int(c.show, 'show', 0);
  if (!(c.lr > 0)) throw new Error(`train-captioner: lr must be > 0, got ${c.lr}`);
  if (!(c.minLr >= 0 && c.minLr <= c.lr)) throw new Error(`train-captioner: minLr must be in [0, lr], got ${c.minLr}`);
  if (!(c.weightDecay >= 0)) throw new Error(`train-captioner: weightDecay must be >= 0, got ${c.weightDecay}`);
  if (!(c.clipGrad >= 0)) throw new Error(`train-captioner: clipGrad must be >= 0, got ${c.clipGrad}`);
  if (!(c.minCropScale > 0 && c.minCropScale <= 1)) throw new Error(`train-captioner: minCropScale must be in (0, 1], got ${c.minCropScale}`);
  return c;
}
