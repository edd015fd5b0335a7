// `zooclip train`: CLIP pretraining on shards, with gradient accumulation, warmup + cosine AdamW,
// clipping, optional EMA, non-finite step guarding, atomic resumable checkpoints, JSON-lines
// metrics and a zero-shot evaluation on the synthetic world's classify split at the end.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDevice, getNumThreads, manualSeed, setNumThreads, tidy, type Tensor } from '../../engine/index.js';
import { createModel, type CLIP } from '../../models/clip.js';
import { tokenize } from '../../tokenizer/index.js';
import { AdamW } from '../../optim/adamw.js';
import { splitDecay } from '../../optim/param_groups.js';
import { clipGradNorm, gradsFinite } from '../../optim/clip_grad.js';
import { applySchedule, warmupCosine } from '../../optim/schedule.js';
import { EMA } from '../../optim/ema.js';
import { clampLogitScale } from '../../losses/index.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { countsLine, teacherText, type Batch, type DataCounts, type LoaderState } from '../../data/loader/index.js';
import { SkipStats } from '../../data/shards/skips.js';
import type { TrainConfig } from './config.js';
import { clearInterruptedSaves, findCheckpoint, loadCheckpoint, newestCheckpointNote, saveIfFinite } from '../../training/checkpoint.js';
import { readState, type TrainState } from './state.js';
import { pickSynthetic, syntheticIndex, trainLoader, type RankShare } from './data.js';
import { MetricsLog, Progress, type MetricsLine } from '../../training/metrics.js';
import { microLoss, type GatherFeatures } from './step.js';
import { attachTaskHeads } from './task_heads.js';
import { zeroShot, type TaskResult } from './zero_shot.js';

/** Extension points: data parallel (src/dist plugs in here), tests, logging. */
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
  loader?: (cfg: TrainConfig, imageSize: number, tokenize: (t: string[]) => Tensor, resume: LoaderState | undefined, share: RankShare) => TrainLoader;
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

/**
 * Trains per `cfg`; with `resume` (a checkpoint folder or 'latest') continues where it stopped,
 * giving on CPU exactly the losses of an uninterrupted run.
 * @example await runTrain(resolveConfig({ preset: 'tiny-synth' }));
 */
export async function runTrain(cfg: TrainConfig, o: { resume?: string; hooks?: TrainHooks; share?: RankShare } = {}): Promise<TrainResult> {
  const hooks = o.hooks ?? {};
  const share = o.share ?? { rank: 0, worldSize: 1 };
  // Rank 0 logs and writes run.json, metrics, checkpoints, result.json and evaluates; the others only train.
  const main = share.rank === 0;
  const log = main ? hooks.log ?? console.log : () => {};
  const device = cfg.run.device || defaultDevice();
  if (cfg.run.threads) setNumThreads(cfg.run.threads);
  const out = cfg.run.out, ckptDir = join(out, 'checkpoints');
  if (main) {
    mkdirSync(out, { recursive: true });
    clearInterruptedSaves(ckptDir, log);
  }
  manualSeed(cfg.run.seed);
  const model = createModel(cfg.model.name);
  const tasks = attachTaskHeads(model, cfg);
  model.to(device);
  hooks.initModel?.(model);
  model.train();
  if (cfg.model.gradCheckpointing) setGradCheckpointing(model);
  const params = model.parameters();
  const [decay, noDecay] = splitDecay(model.namedParameters());
  const opt = new AdamW([
    { params: decay.map(([, p]) => p), names: decay.map(([n]) => n) },
    { params: noDecay.map(([, p]) => p), names: noDecay.map(([n]) => n), hyper: { weightDecay: 0 } },
  ], { lr: cfg.optim.lr, weightDecay: cfg.optim.weightDecay, beta1: cfg.optim.beta1, beta2: cfg.optim.beta2, eps: cfg.optim.eps });
  const ema = cfg.ema.decay > 0 ? new EMA(model, cfg.ema.decay, { warmup: cfg.ema.warmup }) : null;
  const schedule = warmupCosine({ baseLr: cfg.optim.lr, warmupSteps: cfg.optim.warmup, totalSteps: cfg.run.steps, minLr: cfg.optim.minLr });
  const trainables = { model, opt, ema };

  let resumed: TrainState | undefined;
  if (o.resume) {
    const dir = findCheckpoint(o.resume, out);
    resumed = readState(dir);
    loadCheckpoint(dir, trainables, device);
    log(`resumed from ${dir} at step ${resumed.step}, writing into ${out}`);
  }
  let step = resumed?.step ?? 0, skipped = resumed?.skipped ?? 0, badInARow = resumed?.badInARow ?? 0, samples = resumed?.samples ?? 0;
  if (main) writeFileAtomic(join(out, 'run.json'), JSON.stringify(cfg, null, 2) + '\n');
  const metrics = main ? new MetricsLog(join(out, 'metrics.jsonl'), resumed?.step) : null;
  const ctx = model.cfg.text_cfg.context_length, imageSize = model.cfg.vision_cfg.image_size;
  const tok = (t: string[]): Tensor => tokenize(t, ctx);
  const synIndex = cfg.data.captions === 'multi' ? await syntheticIndex(join(cfg.data.root, cfg.data.split)) : null;
  const loaderState = resumed ? loaderResume(resumed.loader, share) : undefined;
  const loader = (hooks.loader ?? trainLoader)(cfg, imageSize, tok, loaderState, share);
  const it = loader[Symbol.asyncIterator]();
  const progress = new Progress(cfg.run.steps, log);
  log(`zooclip train: ${cfg.model.name} (${(model.numParams() / 1e6).toFixed(2)} M params), ${cfg.data.root}/${cfg.data.split}, captions ${cfg.data.captions}${tasks.length ? `, task heads ${tasks.join('+')}` : ''}${cfg.loss.distill > 0 ? `, distill ${cfg.loss.distill}` : ''}, ` +
    `batch ${cfg.data.batch} (${cfg.data.accum} x ${share.worldSize > 1 ? `${share.worldSize} processes x ` : ''}${cfg.data.batch / cfg.data.accum / share.worldSize}), ${cfg.run.steps} steps, device ${device}, ${getNumThreads()} threads`);
  const state = (reason: TrainState['reason']): TrainState => ({
    step, scheduler: { kind: 'warmup-cosine', step }, loader: loader.state(), skipped, badInARow, samples, reason, config: cfg,
  });
  // Only finite weights become checkpoints: resuming from one must not resume a divergence.
  const save = (reason: TrainState['reason']): { at: string } | { bad: string } => saveIfFinite(ckptDir, trainables, state(reason), cfg.checkpoint.keep);
  let first = NaN, last = NaN, checkpoint = '';
  const t0 = performance.now(), startStep = step;
  try {
    while (step < cfg.run.steps) {
      const ts = performance.now();
      const lr = applySchedule(opt, schedule, step);
      const sums: Record<string, number> = {};
      let finite = true;
      for (let m = 0; m < cfg.data.accum; m++) {
        const b = await nextBatch(it);
        try {
          const values = tidy(() => {
            const picked = synIndex ? pickSynthetic(synIndex, b.keys, b.captions, cfg.run.seed, step, m) : null;
            const synthetic = picked ? tok(picked.texts).to(device) : undefined;
            const t = b.teacher, tImage = t?.image.to(device);
            const teacher = t ? { image: tImage!, text: teacherText(t.text, b.captionIndex).to(device) } : undefined;
            const teacherSynthetic = t && picked ? { image: tImage!, text: teacherText(t.text, picked.index).to(device) } : undefined;
            const r = microLoss(model, cfg, { images: b.images.to(device), tokens: b.tokens!.to(device), synthetic, teacher, teacherSynthetic, labels: tasks.length ? b : undefined },
              device, hooks.gatherFeatures);
            let total = r.total;
            if (hooks.corruptLoss?.(step)) { total = total.mul(NaN); r.values.total = NaN; }
            if (!finite || !Number.isFinite(r.values.total!)) { finite = false; return r.values; }
            total.div(cfg.data.accum).backward();
            return r.values;
          });
          for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + v / cfg.data.accum;
        } finally {
          b.dispose();
        }
      }
      if (hooks.sumOverRanks) {
        // Every rank skips or steps together, and logs the losses of the global batch (the ranks' mean).
        const keys = Object.keys(sums).sort();
        const summed = hooks.sumOverRanks([finite ? 0 : 1, ...keys.map((k) => sums[k]!)]);
        finite = summed[0] === 0;
        keys.forEach((k, i) => { sums[k] = summed[i + 1]! / share.worldSize; });
      }
      if (finite) {
        hooks.gradSync?.(params);
        const norm = clipGradNorm(params, cfg.optim.clipGrad > 0 ? cfg.optim.clipGrad : Infinity);
        finite = Number.isFinite(norm) && gradsFinite(params);
      }
      if (finite) {
        opt.step();
        clampLogitScale(model.logit_scale);
        ema?.update();
        badInARow = 0;
      } else {
        skipped++;
        badInARow++;
        log(`step ${step}: non-finite loss or gradients, skipped (${badInARow} in a row, ${skipped} in all)`);
      }
      opt.zeroGrad();
      step++;
      samples += cfg.data.batch;
      if (badInARow >= cfg.guard.maxBadSteps) {
        const s = main ? save('non-finite') : { at: '(rank 0)' };
        const where = 'at' in s ? `last good weights saved in ${s.at}` : `the weights are not finite (${s.bad}), not saved; ${newestCheckpointNote(ckptDir)}`;
        throw new Error(`train: ${badInARow} non-finite steps in a row (guard.maxBadSteps ${cfg.guard.maxBadSteps}); stopped at step ${step}, ${where}`);
      }
      if (step % cfg.run.logEvery === 0 || step === cfg.run.steps) {
        const { logitScale, ...rest } = sums;
        const losses: Record<string, number> = {}, labelled: Record<string, number> = {};
        for (const [k, v] of Object.entries(rest)) if (k.endsWith('_n')) labelled[k.slice(0, -2)] = v; else losses[k] = v;
        const stepMs = performance.now() - ts;
        const line: MetricsLine = {
          step, loss: losses, ...(Object.keys(labelled).length ? { labelled } : {}), lr, logitScale: logitScale ?? NaN, temperature: 1 / (logitScale ?? NaN), imagesPerSec: cfg.data.batch / (stepMs / 1000),
          stepMs, rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20), skipped,
        };
        if (Number.isNaN(first)) first = losses.total ?? NaN;
        last = losses.total ?? NaN;
        metrics?.write(line);
        if (main) progress.update(line, (step - startStep) / ((performance.now() - t0) / 1000));
      }
      if (main && cfg.checkpoint.every > 0 && step % cfg.checkpoint.every === 0 && step < cfg.run.steps) {
        const s = save('periodic');
        if ('at' in s) checkpoint = s.at;
        else log(`step ${step}: the weights are not finite (${s.bad}); no checkpoint written`);
      }
    }
    if (main) {
      progress.done();
      const s = save('final');
      if (!('at' in s)) throw new Error(`train: the weights are not finite at the end (${s.bad}), not saved; ${newestCheckpointNote(ckptDir)}`);
      checkpoint = s.at;
    }
  } finally {
    await loader.close();
  }
  hooks.trained?.();
  const seconds = (performance.now() - t0) / 1000;
  const imagesPerSec = ((step - startStep) * cfg.data.batch) / seconds;
  let zs: Record<string, TaskResult> | null = null;
  if (!main) {
    ema?.dispose();
    opt.dispose();
    model.dispose();
    return { steps: step, skipped, data: dataCounts(loader), firstLoss: first, lastLoss: last, imagesPerSec, seconds, zeroShot: null, checkpoint: '' };
  }
  if (cfg.eval.zeroShot) {
    ema?.swapIn();
    try {
      zs = await zeroShot(model, cfg.data.root, tok, device, { batch: cfg.eval.batch, imageSize, workers: cfg.data.workers });
    } finally {
      ema?.swapOut();
    }
    for (const [task, r] of Object.entries(zs)) {
      log(`zero-shot ${task.padEnd(7)} top-1 ${(r.top1 * 100).toFixed(1)}%  (chance ${(r.chance * 100).toFixed(1)}%, ${r.classes} classes, ${r.images} images)`);
    }
  }
  const result: TrainResult = { steps: step, skipped, data: dataCounts(loader), firstLoss: first, lastLoss: last, imagesPerSec, seconds, zeroShot: zs, checkpoint };
  log(`data: ${countsLine(result.data, 'samples')}`);
  writeFileAtomic(join(out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  log(`done: ${step} steps in ${seconds.toFixed(1)} s (${imagesPerSec.toFixed(0)} img/s), loss ${first.toFixed(4)} -> ${last.toFixed(4)}, checkpoint ${checkpoint}`);
  ema?.dispose();
  opt.dispose();
  model.dispose();
  return result;
}
