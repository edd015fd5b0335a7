// Options of `zooclip train-captioner`, their defaults and validation (errors name the option).
import { checkInt, overlayConfig, type LoopConfig } from '../common/loop_config.js';
/** Everything a captioner run depends on; written to run.json and every checkpoint. */
export interface CaptionerTrainConfig extends LoopConfig {
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


/**
 * Defaults overlaid with `o` (unknown keys are errors), validated.
 * @example resolveCaptionerConfig({ data: '/tmp/world', steps: 300 })
 */
export function resolveCaptionerConfig(o: Partial<CaptionerTrainConfig> = {}): CaptionerTrainConfig {
  const c = overlayConfig('train-captioner', DEFAULT_CAPTIONER_TRAIN, o);
  if (c.vocab !== 'data' && c.vocab !== 'full') throw new Error(`train-captioner: vocab must be data or full, got '${c.vocab}'`);
  checkInt('train-captioner', c.evalImages, 'evalImages', 0);
  checkInt('train-captioner', c.show, 'show', 0);
  return c;
}
