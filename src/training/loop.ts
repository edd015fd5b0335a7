// The one training loop every trainer runs (CLIP/SigLIP pretraining, the captioner, experts, dense
// probes and finetuning, the toy demo): per step, schedule -> accumulate micro-batch losses (each
// under tidy) -> agree across ranks -> sync, clip and check gradients -> optimizer step (or skip a
// non-finite one) -> guard -> metrics and progress -> periodic checkpoint; then the final save.
// A trainer is a loss function of a batch plus these options. The loop body is a generator that
// asks for batches, so the same steps run under an async loader (trainLoop) or a synchronous
// batch source (trainLoopSync) in exactly the same order of operations and random draws.
import { tidy, type Tensor } from '../engine/index.js';
import { clipGradNorm, gradsFinite } from '../optim/clip_grad.js';
import type { EMA } from '../optim/ema.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { MetricsLine, MetricsLog, Progress } from './metrics.js';

/** A micro-batch's loss: the scalar to backpropagate and its parts as numbers (`total` among them). */
export interface MicroLoss { total: Tensor; values: Record<string, number> }

/** The loop's counters: what a checkpoint records and a resume starts from. */
export interface LoopCounters {
  /** Optimizer steps taken (skipped ones included). */
  step: number;
  /** Non-finite steps skipped so far, and in a row now. */
  skipped: number;
  badInARow: number;
  /** Samples trained on so far. */
  samples: number;
}

/** Why the loop saves: every `checkpoint.every` steps, at the end, or before a non-finite stop. */
export type SaveReason = 'periodic' | 'final' | 'non-finite';

/** Where and how often the loop checkpoints (absent: never, e.g. on ranks other than 0). */
export interface CheckpointPolicy {
  /** Every this many steps (0 = only at the end). */
  every: number;
  /** Saves the current weights when they are finite, else says which tensor is not (saveIfFinite). */
  save: (reason: SaveReason, c: LoopCounters) => { at: string } | { bad: string };
  /** A sentence naming the newest checkpoint, for errors when the weights are not finite. */
  newest: () => string;
}

/** Data-parallel and test hooks. */
export interface LoopHooks {
  /** Averages gradients across ranks after the last micro-batch's backward, before clipping. */
  gradSync?: (params: Tensor[]) => void;
  /** Sums numbers over `worldSize` ranks: the ranks agree on skipping and log the global batch's mean losses. */
  ranks?: { sum: (values: number[]) => number[]; worldSize: number };
  /** Test hook: return true to make this (0-based) step's loss NaN. */
  corruptLoss?: (step: number) => boolean;
  /** After each optimizer step, before the EMA update (e.g. clamp CLIP's logit scale). */
  afterStep?: () => void;
}

/** One finished step, as onStep sees it. */
export interface StepRecord {
  /** Steps taken, this one included. */
  step: number;
  /** The step's losses (mean over micro-batches and ranks). */
  values: Record<string, number>;
  lr: number;
  /** False when the step was skipped as non-finite. */
  stepped: boolean;
}

/** How a logged step's values become a metrics line (default: all values are losses, no logit scale). */
export type DescribeValues = (values: Record<string, number>) => { loss: Record<string, number>; labelled?: Record<string, number>; logitScale?: number };

/** Everything a trainer hands the loop: its model's parameters, optimizer, schedule and loss, and options. */
export interface TrainLoopSpec<B> {
  /** Names the trainer in errors ('train', 'train-expert', ...). */
  who: string;
  params: Tensor[];
  opt: Pick<Optimizer<unknown>, 'step' | 'zeroGrad'>;
  /** Sets the learning rate of a (0-based) step and returns it. */
  setLr: (step: number) => number;
  /** The loss of one micro-batch; runs under tidy. */
  lossOf: (batch: B, step: number, micro: number) => MicroLoss;
  /** Frees a batch once its micro-step is done (loader batches own tensors). */
  disposeBatch?: (batch: B) => void;
  /** Train until this many steps are taken. */
  steps: number;
  /** The counters to resume from (default all 0). */
  start?: Partial<LoopCounters>;
  /** Micro-batches per step (default 1); each micro-loss is divided by it. */
  accum?: number;
  /** Samples per step, for the counters and images/s. */
  samplesPerStep: number;
  /** Max global gradient norm (0 or absent = no clipping, the norm is still checked). */
  clipGrad?: number;
  /** Stop after this many non-finite steps in a row (default: never). */
  maxBadSteps?: number;
  ema?: EMA | null;
  hooks?: LoopHooks;
  /** Human-readable lines (skips, unsaved checkpoints). */
  log?: (s: string) => void;
  /** Logged steps (first/last loss, metrics.jsonl, the progress line): every `logEvery` steps and the last (absent: none). */
  logEvery?: number;
  metrics?: MetricsLog | null;
  progress?: Progress | null;
  describe?: DescribeValues;
  checkpoint?: CheckpointPolicy;
  /** Called after every step (e.g. to collect per-step losses). */
  onStep?: (r: StepRecord) => void;
}

/** What the loop reports. */
export interface LoopResult {
  counters: LoopCounters;
  /** The step the loop started at (a resumed run's checkpoint step). */
  startStep: number;
  /** Total loss of the first and last logged steps (NaN without logEvery). */
  firstLoss: number;
  lastLoss: number;
  /** The newest checkpoint written ('' when none). */
  checkpoint: string;
  seconds: number;
}

/** The loop's running state across steps. */
interface Run { c: LoopCounters; startStep: number; t0: number; first: number; last: number; checkpoint: string }

/** A micro-batch's forward and backward under tidy; a non-finite loss (or an earlier one in this step) skips the backward. */
function microStep<B>(s: TrainLoopSpec<B>, b: B, step: number, m: number, finite: boolean): { values: Record<string, number>; finite: boolean } {
  const accum = s.accum ?? 1;
  let ok = finite;
  const values = tidy(() => {
    const r = s.lossOf(b, step, m);
    let total = r.total;
    if (s.hooks?.corruptLoss?.(step)) { total = total.mul(NaN); r.values.total = NaN; }
    if (!ok || !Number.isFinite(r.values.total!)) { ok = false; return r.values; }
    (accum > 1 ? total.div(accum) : total).backward();
    return r.values;
  });
  return { values, finite: ok };
}

/** The step's micro-batches (asked for one at a time): mean values and whether all were finite. */
function* accumulate<B>(s: TrainLoopSpec<B>, step: number): Generator<undefined, { sums: Record<string, number>; finite: boolean }, B> {
  const accum = s.accum ?? 1, sums: Record<string, number> = {};
  let finite = true;
  for (let m = 0; m < accum; m++) {
    const b: B = yield;
    try {
      const r: { values: Record<string, number>; finite: boolean } = microStep(s, b, step, m, finite);
      finite = r.finite;
      for (const [k, v] of Object.entries(r.values)) sums[k] = (sums[k] ?? 0) + v / accum;
    } finally {
      s.disposeBatch?.(b);
    }
  }
  return { sums, finite };
}

/** Every rank skips or steps together, and logs the losses of the global batch (the ranks' mean). */
function agreeAcrossRanks(ranks: NonNullable<LoopHooks['ranks']>, sums: Record<string, number>, finite: boolean): boolean {
  const keys = Object.keys(sums).sort();
  const summed = ranks.sum([finite ? 0 : 1, ...keys.map((k) => sums[k]!)]);
  keys.forEach((k, i) => { sums[k] = summed[i + 1]! / ranks.worldSize; });
  return summed[0] === 0;
}

/** Syncs, clips and checks the gradients, then steps (or counts a skip); always zeroes the gradients. */
function update<B>(s: TrainLoopSpec<B>, c: LoopCounters, finite: boolean): boolean {
  if (finite) {
    s.hooks?.gradSync?.(s.params);
    const norm = clipGradNorm(s.params, (s.clipGrad ?? 0) > 0 ? s.clipGrad! : Infinity);
    finite = Number.isFinite(norm) && gradsFinite(s.params);
  }
  if (finite) {
    s.opt.step();
    s.hooks?.afterStep?.();
    s.ema?.update();
    c.badInARow = 0;
  } else {
    c.skipped++;
    c.badInARow++;
    s.log?.(`step ${c.step}: non-finite loss or gradients, skipped (${c.badInARow} in a row, ${c.skipped} in all)`);
  }
  s.opt.zeroGrad();
  return finite;
}

/** Too many non-finite steps in a row: save the last good weights (when finite) and stop. */
function stopDiverged<B>(s: TrainLoopSpec<B>, c: LoopCounters): never {
  // Without a policy this process saves nothing: in a data-parallel job rank 0 saves; alone, no one does.
  const saved = s.checkpoint ? s.checkpoint.save('non-finite', c) : null;
  const where = !saved ? (s.hooks?.ranks ? 'last good weights saved by rank 0' : 'the weights are not saved (no checkpoint policy)')
    : 'at' in saved ? `last good weights saved in ${saved.at}` : `the weights are not finite (${saved.bad}), not saved; ${s.checkpoint!.newest()}`;
  throw new Error(`${s.who}: ${c.badInARow} non-finite steps in a row (guard.maxBadSteps ${s.maxBadSteps}); stopped at step ${c.step}, ${where}`);
}

/** A logged step: one metrics.jsonl line and the progress line. */
function report<B>(s: TrainLoopSpec<B>, run: Run, sums: Record<string, number>, lr: number, stepMs: number): void {
  const d: ReturnType<DescribeValues> = s.describe ? s.describe(sums) : { loss: sums };
  const labelled = d.labelled;
  const logitScale = d.logitScale ?? NaN, step = run.c.step;
  const line: MetricsLine = {
    step, loss: d.loss, ...(labelled && Object.keys(labelled).length ? { labelled } : {}), lr, logitScale, temperature: 1 / logitScale,
    imagesPerSec: s.samplesPerStep / (stepMs / 1000), stepMs, rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20), skipped: run.c.skipped,
  };
  if (Number.isNaN(run.first)) run.first = d.loss.total ?? NaN;
  run.last = d.loss.total ?? NaN;
  s.metrics?.write(line);
  s.progress?.update(line, (step - run.startStep) / ((performance.now() - run.t0) / 1000));
}

/** A periodic checkpoint, when due; weights that are not finite are reported, not saved. */
function periodicSave<B>(s: TrainLoopSpec<B>, run: Run): void {
  const p = s.checkpoint, step = run.c.step;
  if (!p || p.every <= 0 || step % p.every !== 0 || step >= s.steps) return;
  const saved = p.save('periodic', run.c);
  if ('at' in saved) run.checkpoint = saved.at;
  else s.log?.(`step ${step}: the weights are not finite (${saved.bad}); no checkpoint written`);
}

/** A spec's counts, checked before the first step; errors name the trainer and the option. */
function checkSpec<B>(s: TrainLoopSpec<B>): void {
  const mins: [string, number | undefined, number][] = [
    ['steps', s.steps, 0], ['accum', s.accum ?? 1, 1], ['samplesPerStep', s.samplesPerStep, 0], ['logEvery', s.logEvery ?? 0, 0], ['maxBadSteps', s.maxBadSteps ?? 1, 1],
  ];
  for (const [k, v, min] of mins) if (!Number.isInteger(v) || v! < min) throw new Error(`${s.who}: training loop option ${k} must be an integer >= ${min}, got ${v}`);
  if (s.checkpoint && !(Number.isInteger(s.checkpoint.every) && s.checkpoint.every >= 0)) throw new Error(`${s.who}: checkpoint every must be an integer >= 0, got ${s.checkpoint.every}`);
}

/** The loop itself, asking for each micro-batch with `yield`. */
function* loopSteps<B>(s: TrainLoopSpec<B>): Generator<undefined, LoopResult, B> {
  checkSpec(s);
  const c: LoopCounters = { step: 0, skipped: 0, badInARow: 0, samples: 0, ...s.start };
  const run: Run = { c, startStep: c.step, t0: performance.now(), first: NaN, last: NaN, checkpoint: '' };
  const logEvery = s.logEvery ?? 0;
  while (c.step < s.steps) {
    const ts = performance.now();
    const lr = s.setLr(c.step);
    const acc = yield* accumulate(s, c.step);
    let finite = acc.finite;
    if (s.hooks?.ranks) finite = agreeAcrossRanks(s.hooks.ranks, acc.sums, finite);
    const stepped = update(s, c, finite);
    c.step++;
    c.samples += s.samplesPerStep;
    if (s.maxBadSteps !== undefined && c.badInARow >= s.maxBadSteps) stopDiverged(s, c);
    if (logEvery > 0 && (c.step % logEvery === 0 || c.step === s.steps)) report(s, run, acc.sums, lr, performance.now() - ts);
    s.onStep?.({ step: c.step, values: acc.sums, lr, stepped });
    periodicSave(s, run);
  }
  s.progress?.done();
  if (s.checkpoint) {
    const saved = s.checkpoint.save('final', c);
    if (!('at' in saved)) throw new Error(`${s.who}: the weights are not finite at the end (${saved.bad}), not saved; ${s.checkpoint.newest()}`);
    run.checkpoint = saved.at;
  }
  return { counters: c, startStep: run.startStep, firstLoss: run.first, lastLoss: run.last, checkpoint: run.checkpoint, seconds: (performance.now() - run.t0) / 1000 };
}

/**
 * Runs the training loop with batches from an async source (a Loader's iterator).
 * @example
 * const it = loader[Symbol.asyncIterator]();
 * const r = await trainLoop({ who: 'train', params, opt, setLr: (s) => applySchedule(opt, schedule, s), steps: 100, samplesPerStep: 32,
 *   lossOf: (b) => myLoss(model, b), disposeBatch: (b) => b.dispose() }, async () => (await it.next()).value);
 */
export async function trainLoop<B>(spec: TrainLoopSpec<B>, nextBatch: () => Promise<B>): Promise<LoopResult> {
  const g = loopSteps(spec);
  for (let r = g.next(); ; r = g.next(await nextBatch())) if (r.done) return r.value;
}

/**
 * Runs the training loop with batches from a synchronous source (in-memory sets, generated toys).
 * @example
 * const next = batchOrder(indices, 16, 0);
 * const r = trainLoopSync({ who: 'dense fit', params, opt, setLr: (s) => { opt.setLr(lr(s)); return lr(s); }, steps: 200, samplesPerStep: 16,
 *   lossOf: (idx) => lossOfBatch(idx) }, next);
 */
export function trainLoopSync<B>(spec: TrainLoopSpec<B>, nextBatch: () => B): LoopResult {
  const g = loopSteps(spec);
  for (let r = g.next(); ; r = g.next(nextBatch())) if (r.done) return r.value;
}
