// `zooclip train-expert`: trains a dense expert (an image tower + one task head, supervised) on a
// labelled split with augmentation, AdamW, warmup + cosine, clipping, atomic resumable
// checkpoints and metrics.jsonl; scores it on the held-out split; writes the expert folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDevice, getNumThreads, manualSeed, setNumThreads } from '../../engine/index.js';
import { Loader, OPENAI_MEAN, OPENAI_STD, shardSource, type Batch, type LoaderState } from '../../data/loader/index.js';
import { warmupCosine } from '../../optim/schedule.js';
import { writeFileAtomic } from '../../io/atomic.js';
import {
  denseOptimizer, evaluateOnSet, readDenseSet, saveExpert, setDenseLr, taskLoss,
  type DenseEvalResult, type DenseModel, type ExpertManifest,
} from '../../dense/index.js';
import { checkpointPolicy, clearInterruptedSaves, readStageState, resumeCheckpoint, stageState, type StageState } from '../../training/checkpoint.js';
import { MetricsLog, Progress } from '../../training/metrics.js';
import { trainLoop, type LoopResult, type MicroLoss, type TrainLoopSpec } from '../../training/loop.js';
import type { ExpertTrainConfig } from './config.js';
import { buildExpertModel } from './model.js';
import { DENSE_TASKS, labelClasses, labelsOf, type DenseTaskName } from '../../tasks/index.js';
import { tarsIn } from '../../data/shards/folder.js';

/** state.json of an expert checkpoint (training/checkpoint.ts writes it; readStageState checks its fields). */
export interface ExpertState extends StageState<ExpertTrainConfig> {
  reason: 'periodic' | 'final';
}

/** What a run reports (also result.json). */
export interface ExpertTrainResult {
  task: DenseTaskName;
  steps: number;
  firstLoss: number;
  lastLoss: number;
  imagesPerSec: number;
  seconds: number;
  /** The expert folder. */
  expert: string;
  /** Scores on the evaluation split (null when the world has none). */
  eval: { split: string; metrics: Record<string, number>; images: number; imagesPerSec: number } | null;
}


function trainLoader(c: ExpertTrainConfig, imageSize: number, resume?: LoaderState): Loader {
  const shards = tarsIn(join(c.data, c.split));
  if (!shards.length) throw new Error(`train-expert: no .tar shards in ${join(c.data, c.split)} (make a world with: zooclip synth --out ${c.data})`);
  return new Loader({
    source: shardSource(shards), rankSplit: 'source', batchSize: c.batch, imageSize, train: true, augment: { scale: [c.minCropScale, 1] },
    dense: [DENSE_TASKS[c.task as DenseTaskName].labelKind], workers: c.workers, shuffle: 1000, seed: c.seed, iteration: 'resampled', dropLast: true, resume,
  });
}

async function nextBatch(it: AsyncIterator<Batch>): Promise<Batch> {
  const r = await it.next();
  if (r.done) throw new Error('train-expert: the loader ended (no samples in the split?)');
  return r.value;
}

/**
 * Trains an expert per `c`; with `resume` (a checkpoint folder or 'latest') continues where it stopped.
 * @example await runTrainExpert(resolveExpertConfig({ task: 'depth', data: '/tmp/world', steps: 500 }));
 */
export async function runTrainExpert(c: ExpertTrainConfig, o: { resume?: string; log?: (s: string) => void } = {}): Promise<ExpertTrainResult> {
  const log = o.log ?? console.log, task = c.task as DenseTaskName;
  const device = c.device || defaultDevice();
  if (c.threads) setNumThreads(c.threads);
  mkdirSync(c.out, { recursive: true });
  clearInterruptedSaves(join(c.out, 'checkpoints'), log);
  manualSeed(c.seed);
  const built = buildExpertModel(c), model = built.model.to(device).train();
  const d = denseOptimizer(model, 'expert', { lr: c.lr, weightDecay: c.weightDecay });
  const schedule = warmupCosine({ baseLr: c.lr, warmupSteps: c.warmup, totalSteps: c.steps, minLr: c.minLr });
  const ckptDir = join(c.out, 'checkpoints'), trainables = { model, opt: d.opt, ema: null };
  try {
    const resumed = o.resume ? resumeCheckpoint(o.resume, c.out, trainables, device, (dir) => readStageState(dir) as unknown as ExpertState, log) : undefined;
    writeFileAtomic(join(c.out, 'run.json'), JSON.stringify(c, null, 2) + '\n');
    log(`zooclip train-expert: ${task} on ${c.data}/${c.split}, tower ${built.modelName} + ${task === 'seg' ? c.segHead : task} head (${(model.numParams() / 1e6).toFixed(2)} M params), ` +
      `batch ${c.batch}, ${c.steps} steps, lr ${c.lr}, device ${device}, ${getNumThreads()} threads`);
    const t = await trainSteps(model, c, d, schedule, { ckptDir, trainables, resumed, device, log });
    const ev = await evaluate(model, c, device, log);
    const expert = join(c.out, 'expert');
    saveExpert(model, manifest(c, built, t, ev), expert);
    const result: ExpertTrainResult = { task, steps: c.steps, ...t, expert, eval: ev ? { split: c.evalSplit, metrics: ev.metrics, images: ev.images, imagesPerSec: ev.imagesPerSec } : null };
    writeFileAtomic(join(c.out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
    if (ev) writeFileAtomic(join(c.out, 'eval.json'), JSON.stringify({ split: c.evalSplit, ...ev }) + '\n');
    log(`done: ${c.steps} steps (${t.imagesPerSec.toFixed(0)} img/s), loss ${t.firstLoss.toFixed(4)} -> ${t.lastLoss.toFixed(4)}, expert ${expert}`);
    return result;
  } finally {
    d.opt.dispose();
    model.dispose();
  }
}

interface LoopContext { ckptDir: string; trainables: { model: DenseModel; opt: ReturnType<typeof denseOptimizer>['opt']; ema: null }; resumed?: ExpertState; device: string; log: (s: string) => void }

/** The expert's supervised loss on a loader batch; its value is logged as `total` and under the task's name. */
function expertLossOf(model: DenseModel, task: DenseTaskName, device: string): (b: Batch) => MicroLoss {
  return (b) => {
    const l = taskLoss(model.spec, model.forward(b.images.to(device)), labelsOf(b, task), device);
    const v = l.item();
    return { total: l, values: { total: v, [task]: v } };
  };
}

/** The training steps from the resumed step (or 0) to c.steps through the training loop; returns loss and throughput figures. */
async function trainSteps(model: DenseModel, c: ExpertTrainConfig, d: ReturnType<typeof denseOptimizer>, schedule: (s: number) => number, x: LoopContext):
  Promise<{ firstLoss: number; lastLoss: number; imagesPerSec: number; seconds: number }> {
  // Opened before the loader (which starts worker threads): a bad metrics file fails with nothing to close.
  const metrics = new MetricsLog(join(c.out, 'metrics.jsonl'), x.resumed?.step);
  const loader = trainLoader(c, model.imageSize, x.resumed?.loader);
  const it = loader[Symbol.asyncIterator]();
  const spec: TrainLoopSpec<Batch> = {
    who: 'train-expert', params: d.params, opt: d.opt, setLr: (s) => { const lr = schedule(s); setDenseLr(d, lr); return lr; },
    lossOf: expertLossOf(model, c.task as DenseTaskName, x.device), disposeBatch: (b) => b.dispose(), steps: c.steps,
    start: x.resumed && { step: x.resumed.step, skipped: x.resumed.skipped }, samplesPerStep: c.batch, clipGrad: c.clipGrad, log: x.log,
    logEvery: c.logEvery, metrics, progress: new Progress(c.steps, x.log),
    checkpoint: checkpointPolicy(x.ckptDir, x.trainables, { every: c.checkpointEvery, keep: c.keep }, (r, k) => stageState(r, k, loader.state(), c)),
  };
  let t: LoopResult;
  try {
    t = await trainLoop(spec, () => nextBatch(it));
  } finally {
    await loader.close();
  }
  const steps = t.counters.step - t.startStep;
  return { firstLoss: t.firstLoss, lastLoss: t.lastLoss, imagesPerSec: steps > 0 ? (steps * c.batch) / t.seconds : NaN, seconds: t.seconds };
}

/** Scores the model on the evaluation split, when the world has it. */
async function evaluate(model: DenseModel, c: ExpertTrainConfig, device: string, log: (s: string) => void): Promise<DenseEvalResult | null> {
  const shards = c.evalSplit ? tarsIn(join(c.data, c.evalSplit)) : [];
  if (!shards.length) { if (c.evalSplit) log(`no ${c.evalSplit} split in ${c.data}: not evaluated`); return null; }
  const set = await readDenseSet(shards, { imageSize: model.imageSize, tasks: [c.task as DenseTaskName], device, workers: c.workers, limit: c.evalImages || undefined });
  try {
    const r = evaluateOnSet(model, set);
    log(`${c.evalSplit} (${r.images} images, ${r.imagesPerSec.toFixed(0)} img/s): ${Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    return r;
  } finally {
    set.dispose();
    model.train();
  }
}

function manifest(c: ExpertTrainConfig, built: ReturnType<typeof buildExpertModel>, t: { firstLoss: number; lastLoss: number; imagesPerSec: number }, ev: DenseEvalResult | null): ExpertManifest {
  return {
    format: 'zooclip-expert', version: 1, task: c.task as DenseTaskName, model: built.cfg, modelName: built.modelName, head: built.model.spec, classes: labelClasses(c.data),
    inputSize: built.model.imageSize, mean: [...OPENAI_MEAN], std: [...OPENAI_STD], depthScale: 1, threshold: c.task === 'det' ? 0.5 : 0,
    training: { data: c.data, split: c.split, steps: c.steps, batch: c.batch, lr: c.lr, seed: c.seed, init: built.initFrom, firstLoss: t.firstLoss, lastLoss: t.lastLoss,
      imagesPerSec: t.imagesPerSec, eval: ev ? { split: c.evalSplit, images: ev.images, metrics: ev.metrics } : null },
  };
}
