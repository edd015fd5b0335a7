// Evaluating a dense model on a labelled split held in memory: the task's metrics (mIoU / pixel
// accuracy, depth RMSE / AbsRel / delta1, normal angles, detection AP50 / AP) and a few sample
// predictions next to their ground truth, as plain arrays for JSON and the report.
import { noGrad, tidy } from '../engine/index.js';
import { taskSample, taskScorer, type DenseSampleJson, type DenseTaskName, type ScoreOptions } from '../tasks/index.js';
import type { DenseModel } from './model.js';
import { takeBatch, type DenseSet } from './memory_set.js';

/** Metrics of one evaluation, with throughput and samples. */
export interface DenseEvalResult {
  task: DenseTaskName;
  metrics: Record<string, number>;
  images: number;
  seconds: number;
  imagesPerSec: number;
  samples: DenseSampleJson[];
}

/** Evaluation settings (and detection decoding: ScoreOptions). */
export interface EvalOnSetOptions extends ScoreOptions {
  batch?: number;
  /** Sample predictions kept (default: the set's kept RGB images, at most 4). */
  samples?: number;
}

/**
 * Scores `model` on every sample of `set` (its cached features when it has them, else its images),
 * in eval mode without gradients.
 * @example const r = evaluateOnSet(model, testSet, { batch: 64 }); r.metrics.miou
 */
export function evaluateOnSet(model: DenseModel, set: DenseSet, o: EvalOnSetOptions = {}): DenseEvalResult {
  const task = model.spec.task, batch = o.batch ?? 64, size = [set.imageSize, set.imageSize] as const;
  const sc = taskScorer(task, model.spec.numClasses, o), wantSamples = Math.min(o.samples ?? 4, set.rgb.length);
  const samples: DenseSampleJson[] = [];
  model.eval();
  const t0 = performance.now();
  for (let start = 0; start < set.n; start += batch) {
    const idx = Array.from({ length: Math.min(batch, set.n - start) }, (_, i) => start + i);
    tidy(() => noGrad(() => {
      const b = takeBatch(set, idx, task);
      const out = b.features ? model.headForward(b.features, size) : model.forward(b.images!);
      sc.add(out, b.labels, size);
      for (let i = 0; i < idx.length && samples.length < wantSamples; i++) {
        const rgb = set.rgb[idx[i]!]!;
        samples.push({ key: set.keys[idx[i]!]!, width: size[1], height: size[0], rgb: [...rgb], ...taskSample(task, out, b.labels, i, size, o) });
      }
    }));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { task, metrics: sc.metrics(), images: set.n, seconds, imagesPerSec: set.n / seconds, samples };
}
