// `zooclip train`: CLIP pretraining on shards, with gradient accumulation, warmup + cosine AdamW,
// clipping, optional EMA, non-finite step guarding, atomic resumable checkpoints, JSON-lines
// metrics and a zero-shot evaluation on the synthetic world's classify split at the end.
import type { ImageNorm } from '../../data/loader/preprocess.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDevice, getNumThreads, manualSeed, setNumThreads, type Tensor } from '../../engine/index.js';
import { createModel, type CLIP } from '../../models/clip.js';
import { tokenize } from '../../tokenizer/index.js';
import { AdamW } from '../../optim/adamw.js';
import { splitDecay } from '../../optim/param_groups.js';
import { applySchedule, warmupCosine, type LrSchedule } from '../../optim/schedule.js';
import { EMA } from '../../optim/ema.js';
import { clampLogitScale } from '../../losses/index.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { countsLine, teacherText, type Batch, type DataCounts, type LoaderState } from '../../data/loader/index.js';
import { SkipStats } from '../../data/shards/skips.js';
import type { TrainConfig } from './config.js';
import { checkpointPolicy, clearInterruptedSaves, resumeCheckpoint, stageState } from '../../training/checkpoint.js';
import { readState, type TrainState } from './state.js';
import { pickSynthetic, syntheticIndex, trainLoader, type RankShare } from './data.js';
import { MetricsLog, Progress } from '../../training/metrics.js';
import { trainLoop, type DescribeValues, type LoopCounters, type LoopResult, type MicroLoss, type SaveReason, type TrainLoopSpec } from '../../training/loop.js';
import { microLoss, type GatherFeatures } from './step.js';
import { attachTaskHeads } from './task_heads.js';
import { attachMaeDecoderFor, maeMicroLoss, maeTrains } from './mae.js';
import { attachLabelHead, supervisedLossOf, supervisedTrains } from './supervised.js';
import type { SceneVocabulary } from '../../tasks/index.js';
import { zeroShot, type TaskResult } from './zero_shot.js';

/** Extension points: data parallel (src/distributed plugs in here), tests, logging. */
export interface TrainHooks {
  /** Averages gradients across ranks after the last micro-batch's backward, before clipping (c10d all-reduce). */
  gradSync?: (params: Tensor[]) => void;
  /** Gathers features across ranks for the local contrastive loss forms. */
  gatherFeatures?: GatherFeatures;
  /** Right after the model is made (before EMA, optimiser state and resume): e.g. broadcast rank 0's parameters. */
  initModel?: (model: CLIP) => void;
  /**
   * Sums numbers over ranks (every rank calls it once per step, same length): agrees on whether the
   * step is finite and averages the logged losses. Absent: a world of 1.
   */
  sumOverRanks?: (values: number[]) => number[];
  /** Called on every rank once the final checkpoint is written, before rank 0's evaluation (e.g. a barrier). */
  trained?: () => void;
  /** Test hook: makes the training loader in place of trainLoader(cfg, imageSize, tokenize, resume, share). */
  loader?: (cfg: TrainConfig, imageSize: number, tokenize: (t: string[]) => Tensor, resume: LoaderState | undefined, share: RankShare, norm?: ImageNorm) => TrainLoader;
  /** Test hook: return true to make this (0-based) step's loss NaN. */
  corruptLoss?: (step: number) => boolean;
  /** Where human-readable lines go (default console.log). */
  log?: (s: string) => void;
}

/** What a finished run reports (also result.json). */
export interface TrainResult {
  steps: number;
  /** Optimizer steps skipped as non-finite. */
  skipped: number;
  /** Training samples this process used since it started (or resumed), and the ones it skipped, by reason. */
  data: DataCounts;
  /** Total loss of the first and last logged steps. */
  firstLoss: number;
  lastLoss: number;
  imagesPerSec: number;
  seconds: number;
  zeroShot: Record<string, TaskResult> | null;
  checkpoint: string;
}

function setGradCheckpointing(model: CLIP): void {
  model.textTransformer.gradCheckpointing = true;
  const v = model.visual as unknown as { transformer?: { gradCheckpointing: boolean }; gradCheckpointing?: boolean };
  if (v.transformer) v.transformer.gradCheckpointing = true;
  else if ('gradCheckpointing' in v) v.gradCheckpointing = true;
}

/** What runTrain needs of its loader. */
export interface TrainLoader extends AsyncIterable<Batch> {
  state(): LoaderState;
  close(): Promise<void>;
  /** Samples delivered and skipped by reason (the Loader's; a test loader may have none). */
  counts?(): DataCounts;
}

/** The data counts of result.json. */
function dataCounts(loader: TrainLoader): DataCounts {
  return loader.counts?.() ?? { samples: 0, skipped: new SkipStats().toJSON() };
}

/** A checkpoint's loader position, for this rank (ranks of a split advance in step). */
function loaderResume(saved: LoaderState, share: RankShare): LoaderState {
  if (saved.worldSize !== share.worldSize) {
    throw new Error(`train: the checkpoint was written by ${saved.worldSize} process(es); resume it with ${saved.worldSize}, not ${share.worldSize}`);
  }
  return { ...saved, rank: share.rank };
}

async function nextBatch(it: AsyncIterator<Batch>): Promise<Batch> {
  const r = await it.next();
  if (r.done) throw new Error('train: the loader ended (no samples in the split?)');
  return r.value;
}

/** What a run trains: the model (with any heads), the supervised objective's label classes, and the parameters its optimizer steps. */
interface Trained { model: CLIP; tasks: string[]; vocab: SceneVocabulary | null; params: [string, Tensor][] }

/** Whether the run's objective trains a parameter (the optimizer, clipping and gradient sync see only those). */
function objectiveTrains(cfg: TrainConfig, name: string): boolean {
  switch (cfg.objective) {
    case 'mae': return maeTrains(name);
    case 'supervised': return supervisedTrains(name);
    default: return true;
  }
}

/** The model with its heads: dense task heads, MAE's decoder or the supervised label head by objective. */
function buildModel(cfg: TrainConfig): Trained {
  const model = createModel(cfg.model.name);
  try {
    const tasks = attachTaskHeads(model, cfg);
    if (cfg.objective === 'mae') attachMaeDecoderFor(model, cfg);
    const vocab = cfg.objective === 'supervised' ? attachLabelHead(model, cfg) : null;
    return { model, tasks, vocab, params: [...model.namedParameters()].filter(([name]) => objectiveTrains(cfg, name)) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The model, optimizer, EMA and schedule of a run, made in the order that fixes its random draws. */
function buildTrainables(cfg: TrainConfig, device: string, hooks: TrainHooks): Trained & { opt: AdamW; ema: EMA | null; schedule: LrSchedule } {
  manualSeed(cfg.run.seed);
  const built = buildModel(cfg), { model } = built;
  model.to(device);
  hooks.initModel?.(model);
  model.train();
  if (cfg.model.gradCheckpointing) setGradCheckpointing(model);
  const [decay, noDecay] = splitDecay(built.params);
  const opt = new AdamW([
    { params: decay.map(([, p]) => p), names: decay.map(([n]) => n) },
    { params: noDecay.map(([, p]) => p), names: noDecay.map(([n]) => n), hyper: { weightDecay: 0 } },
  ], { lr: cfg.optim.lr, weightDecay: cfg.optim.weightDecay, beta1: cfg.optim.beta1, beta2: cfg.optim.beta2, eps: cfg.optim.eps });
  const ema = cfg.ema.decay > 0 ? new EMA(model, cfg.ema.decay, { warmup: cfg.ema.warmup }) : null;
  const schedule = warmupCosine({ baseLr: cfg.optim.lr, warmupSteps: cfg.optim.warmup, totalSteps: cfg.run.steps, minLr: cfg.optim.minLr });
  return { ...built, opt, ema, schedule };
}

/** The loss of one micro-batch under the run's objective, and how its values become a metrics line. */
async function objectiveLossOf(x: RunContext, t: Trained): Promise<{ lossOf: (b: Batch, step: number, m: number) => MicroLoss; describe?: DescribeValues }> {
  const { cfg, device } = x, { model } = t;
  switch (cfg.objective) {
    case 'mae': return { lossOf: (b, step, m) => maeMicroLoss(model, cfg, b.images.to(device), [cfg.run.seed, x.share.rank, step, m], device) };
    case 'supervised': return { lossOf: await supervisedLossOf(cfg, model, t.vocab!, device) };
    default: return { lossOf: await clipLossOf(cfg, model, t.tasks, device, x.hooks.gatherFeatures), describe: describeClip };
  }
}

/** The CLIP objective of one micro-batch (step.ts's microLoss) on a loader batch: captions, synthetic captions, teachers, task labels. */
async function clipLossOf(cfg: TrainConfig, model: CLIP, tasks: string[], device: string, gather?: GatherFeatures): Promise<(b: Batch, step: number, m: number) => MicroLoss> {
  const ctx = model.cfg.text_cfg.context_length;
  const tok = (t: string[]): Tensor => tokenize(t, ctx);
  const synIndex = cfg.data.captions === 'multi' ? await syntheticIndex(join(cfg.data.root, cfg.data.split)) : null;
  return (b, step, m) => {
    const picked = synIndex ? pickSynthetic(synIndex, b.keys, b.captions, cfg.run.seed, step, m) : null;
    const synthetic = picked ? tok(picked.texts).to(device) : undefined;
    const t = b.teacher, tImage = t?.image.to(device);
    const teacher = t ? { image: tImage!, text: teacherText(t.text, b.captionIndex).to(device) } : undefined;
    const teacherSynthetic = t && picked ? { image: tImage!, text: teacherText(t.text, picked.index).to(device) } : undefined;
    return microLoss(model, cfg, { images: b.images.to(device), tokens: b.tokens!.to(device), synthetic, teacher, teacherSynthetic, labels: tasks.length ? b : undefined },
      device, gather);
  };
}

/** A metrics line's parts from the step's values: the logit scale and the `<task>_n` labelled counts are not losses. */
function describeClip(values: Record<string, number>): ReturnType<DescribeValues> {
  const { logitScale, ...rest } = values;
  const loss: Record<string, number> = {}, labelled: Record<string, number> = {};
  for (const [k, v] of Object.entries(rest)) if (k.endsWith('_n')) labelled[k.slice(0, -2)] = v; else loss[k] = v;
  return { loss, labelled, logitScale };
}

/** The one line that says what this run trains. */
function describeRun(cfg: TrainConfig, model: CLIP, tasks: string[], share: RankShare, device: string): string {
  const what = cfg.objective === 'supervised' ? `supervised on ${cfg.data.root}/${cfg.supervised.labels || cfg.data.split} labels` : cfg.objective === 'mae' ? `MAE, mask ratio ${cfg.mae.maskRatio}` : `captions ${cfg.data.captions}`;
  return `zooclip train: ${cfg.model.name} (${(model.numParams() / 1e6).toFixed(2)} M params), ${cfg.data.root}/${cfg.data.split}, ${what}${tasks.length ? `, task heads ${tasks.join('+')}` : ''}${cfg.loss.distill > 0 ? `, distill ${cfg.loss.distill}` : ''}, ` +
    `batch ${cfg.data.batch} (${cfg.data.accum} x ${share.worldSize > 1 ? `${share.worldSize} processes x ` : ''}${cfg.data.batch / cfg.data.accum / share.worldSize}), ${cfg.run.steps} steps, device ${device}, ${getNumThreads()} threads`;
}

/** Zero-shot classification on the world's classify split with the EMA weights (when any), logged. */
async function evaluateZeroShot(cfg: TrainConfig, model: CLIP, ema: EMA | null, device: string, log: (s: string) => void): Promise<Record<string, TaskResult>> {
  const ctx = model.cfg.text_cfg.context_length;
  let zs: Record<string, TaskResult>;
  ema?.swapIn();
  try {
    zs = await zeroShot(model, cfg.data.root, (t) => tokenize(t, ctx), device, { batch: cfg.eval.batch, imageSize: model.cfg.vision_cfg.image_size, workers: cfg.data.workers, norm: model.cfg.preprocess_cfg });
  } finally {
    ema?.swapOut();
  }
  for (const [task, r] of Object.entries(zs)) {
    log(`zero-shot ${task.padEnd(7)} top-1 ${(r.top1 * 100).toFixed(1)}%  (chance ${(r.chance * 100).toFixed(1)}%, ${r.classes} classes, ${r.images} images)`);
  }
  return zs;
}

/** What a run's loop needs besides the loss: where it starts, where it saves, how it logs. */
interface RunContext { cfg: TrainConfig; share: RankShare; main: boolean; log: (s: string) => void; device: string; out: string; hooks: TrainHooks }

/** Steps from the resumed step (or 0) to cfg.run.steps through the training loop, checkpointing on rank 0. */
async function trainSteps(x: RunContext, t: ReturnType<typeof buildTrainables>, resumed: TrainState | undefined): Promise<{ loop: LoopResult; data: DataCounts }> {
  const { cfg, share, main, hooks } = x, { model, opt, ema, schedule } = t;
  const { lossOf, describe } = await objectiveLossOf(x, t);
  const tok = (s: string[]): Tensor => tokenize(s, model.cfg.text_cfg.context_length);
  // Opened before the loader (which starts worker threads): a bad metrics file fails with nothing to close.
  const metrics = main ? new MetricsLog(join(x.out, 'metrics.jsonl'), resumed?.step) : null;
  const loader = (hooks.loader ?? trainLoader)(cfg, model.cfg.vision_cfg.image_size, tok, resumed ? loaderResume(resumed.loader, share) : undefined, share, model.cfg.preprocess_cfg);
  const it = loader[Symbol.asyncIterator]();
  x.log(describeRun(cfg, model, t.tasks, share, x.device));
  const state = (reason: SaveReason, c: LoopCounters): TrainState =>
    ({ ...stageState(reason, c, loader.state(), cfg, { badInARow: c.badInARow, samples: c.samples }), reason });
  // Only finite weights become checkpoints: resuming from one must not resume a divergence.
  const checkpoint = checkpointPolicy(join(x.out, 'checkpoints'), { model, opt, ema }, { every: cfg.checkpoint.every, keep: cfg.checkpoint.keep }, state);
  const spec: TrainLoopSpec<Batch> = {
    who: 'train', params: t.params.map(([, p]) => p), opt, setLr: (s) => applySchedule(opt, schedule, s), lossOf, disposeBatch: (b) => b.dispose(),
    steps: cfg.run.steps, start: resumed && { step: resumed.step, skipped: resumed.skipped, badInARow: resumed.badInARow, samples: resumed.samples },
    accum: cfg.data.accum, samplesPerStep: cfg.data.batch, clipGrad: cfg.optim.clipGrad, maxBadSteps: cfg.guard.maxBadSteps, ema, log: x.log,
    hooks: {
      gradSync: hooks.gradSync, ranks: hooks.sumOverRanks && { sum: hooks.sumOverRanks, worldSize: share.worldSize }, corruptLoss: hooks.corruptLoss,
      afterStep: t.vocab ? undefined : () => clampLogitScale(model.logit_scale),
    },
    logEvery: cfg.run.logEvery, metrics,
    progress: main ? new Progress(cfg.run.steps, x.log) : null, describe, checkpoint: main ? checkpoint : undefined,
  };
  let loop: LoopResult;
  try {
    loop = await trainLoop(spec, () => nextBatch(it));
  } finally {
    await loader.close();
  }
  return { loop, data: dataCounts(loader) };
}

/**
 * Trains per `cfg`; with `resume` (a checkpoint folder or 'latest') continues where it stopped,
 * giving on CPU exactly the losses of an uninterrupted run.
 * @example await runTrain(resolveConfig({ preset: 'tiny-synth' }));
 */
export async function runTrain(cfg: TrainConfig, o: { resume?: string; hooks?: TrainHooks; share?: RankShare } = {}): Promise<TrainResult> {
  const hooks = o.hooks ?? {}, share = o.share ?? { rank: 0, worldSize: 1 };
  // Rank 0 logs and writes run.json, metrics, checkpoints, result.json and evaluates; the others only train.
  const main = share.rank === 0;
  const x: RunContext = { cfg, share, main, hooks, log: main ? hooks.log ?? console.log : () => {}, device: cfg.run.device || defaultDevice(), out: cfg.run.out };
  if (cfg.run.threads) setNumThreads(cfg.run.threads);
  if (main) {
    mkdirSync(x.out, { recursive: true });
    clearInterruptedSaves(join(x.out, 'checkpoints'), x.log);
  }
  const t = buildTrainables(cfg, x.device, hooks);
  try {
    const resumed = o.resume ? resumeCheckpoint(o.resume, x.out, { model: t.model, opt: t.opt, ema: t.ema }, x.device, readState, x.log, `, writing into ${x.out}`) : undefined;
    if (main) writeFileAtomic(join(x.out, 'run.json'), JSON.stringify(cfg, null, 2) + '\n');
    const { loop, data } = await trainSteps(x, t, resumed);
    hooks.trained?.();
    if (main && cfg.eval.zeroShot && cfg.objective !== 'clip') x.log(`zero-shot: skipped, objective ${cfg.objective} trains no text tower`);
    const c = loop.counters, seconds = loop.seconds;
    const result: TrainResult = {
      steps: c.step, skipped: c.skipped, data, firstLoss: loop.firstLoss, lastLoss: loop.lastLoss, imagesPerSec: ((c.step - loop.startStep) * cfg.data.batch) / seconds, seconds,
      zeroShot: main && cfg.eval.zeroShot && cfg.objective === 'clip' ? await evaluateZeroShot(cfg, t.model, t.ema, x.device, x.log) : null, checkpoint: main ? loop.checkpoint : '',
    };
    if (main) writeResult(x, result);
    return result;
  } finally {
    t.ema?.dispose();
    t.opt.dispose();
    t.model.dispose();
  }
}

/** result.json and the closing lines. */
function writeResult(x: RunContext, r: TrainResult): void {
  x.log(`data: ${countsLine(r.data, 'samples')}`);
  writeFileAtomic(join(x.out, 'result.json'), JSON.stringify(r, null, 2) + '\n');
  x.log(`done: ${r.steps} steps in ${r.seconds.toFixed(1)} s (${r.imagesPerSec.toFixed(0)} img/s), loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}, checkpoint ${r.checkpoint}`);
}
