// Training a dense model on a split held in memory, with a fixed schedule (warmup + cosine),
// seeded batch order and AdamW: probes (frozen tower, head on cached features or on features
// computed per batch), finetuning (tower at a scaled lr) and short expert runs.
import { noGrad } from '../engine/index.js';
import { Rng } from '../data/loader/index.js';
import { warmupCosine } from '../optim/schedule.js';
import type { DenseModel } from './model.js';
import type { DenseSet } from './memory_set.js';
import { takeBatch } from './memory_set.js';
import { taskLoss } from './loss.js';
import { denseOptimizer, setDenseLr, type DenseMode } from './optim.js';
import { trainLoopSync, type LoopResult, type TrainLoopSpec } from '../training/loop.js';

/** A fixed training schedule. */
export interface FitOptions {
  mode: DenseMode;
  steps: number;
  /** Samples per step (at most the number of training samples). */
  batch: number;
  /** Peak learning rate of the head (the tower's is towerLrScale times it when finetuning). */
  lr: number;
  /** Linear warmup steps (default 5% of steps). */
  warmup?: number;
  /** Floor of the cosine decay (default 0). */
  minLr?: number;
  /** AdamW weight decay on matrices and convs (default 1e-4). */
  weightDecay?: number;
  /** Finetune: tower lr / head lr (default 0.1). */
  towerLrScale?: number;
  /** Finetune: layer-wise lr decay of the tower (default 1 = off). */
  layerDecay?: number;
  /** Max gradient norm (default 1; 0 = off). */
  clipGrad?: number;
  /** Seeds the batch order (seed the head's init with manualSeed before building it). */
  seed: number;
  device: string;
  /** A line every logEvery steps (default: no log). */
  log?: (s: string) => void;
  logEvery?: number;
}

/** What a fit reports. */
export interface FitResult { steps: number; losses: number[]; firstLoss: number; lastLoss: number; skipped: number; seconds: number; imagesPerSec: number }

/**
 * Batches of `batch` indices from endless seeded passes over `indices` (each pass a fresh
 * shuffle, passes chained so every batch has the same size).
 * @example const next = batchOrder([0, 1, 2, 3, 4], 2, 0); next(); // e.g. [3, 0]
 */
export function batchOrder(indices: readonly number[], batch: number, seed: number): () => number[] {
  let pass = 0, order: number[] = [], at = 0;
  return () => {
    const out: number[] = [];
    while (out.length < batch) {
      if (at === order.length) {
        const rng = new Rng(seed, 0xd3a5e, pass++);
        order = [...indices];
        for (let i = order.length - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
        at = 0;
      }
      out.push(order[at++]!);
    }
    return out;
  };
}

/**
 * Trains `model` on samples `indices` of `set`. Probe mode needs the set's cached features or its
 * images (then the tower runs under noGrad in eval mode each step); the other modes need images.
 * @example
 * manualSeed(0);
 * const model = new DenseModel(tower, defaultHeadSpec('seg', 7));
 * const r = fitOnSet(model, set, [...Array(set.n).keys()], { mode: 'probe', steps: 200, batch: 32, lr: 1e-3, seed: 0, device: 'cpu' });
 */
export function fitOnSet(model: DenseModel, set: DenseSet, indices: readonly number[], o: FitOptions): FitResult {
  const task = model.spec.task, probe = o.mode === 'probe';
  if (indices.length < 2) throw new Error(`dense fit: need at least 2 training samples, got ${indices.length}`);
  if (!set.images && !(probe && set.features)) throw new Error(`dense fit: ${o.mode} mode needs the set's images (it holds only cached features)`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`dense fit: steps must be a positive integer, got ${o.steps}`);
  if (!(o.lr > 0 && o.lr <= 1)) throw new Error(`dense fit: lr must be in (0, 1], got ${o.lr}`);
  if (o.clipGrad !== undefined && !(o.clipGrad >= 0 && Number.isFinite(o.clipGrad))) throw new Error(`dense fit: clipGrad must be a finite number >= 0 (0 = off), got ${o.clipGrad}`);
  const cached = probe && set.features !== null;
  const batch = Math.min(o.batch, indices.length), size = [set.imageSize, set.imageSize] as const;
  const d = denseOptimizer(model, o.mode, { lr: o.lr, weightDecay: o.weightDecay ?? 1e-4, towerLrScale: o.towerLrScale, layerDecay: o.layerDecay });
  const warmup = o.warmup ?? Math.floor(o.steps * 0.05);
  const schedule = warmupCosine({ baseLr: o.lr, warmupSteps: Math.min(warmup, o.steps - 1), totalSteps: o.steps, minLr: o.minLr ?? 0 });
  const next = batchOrder(indices, batch, o.seed);
  if (probe) { model.visual.eval(); model.head.train(); } else model.train();
  const losses: number[] = [];
  const spec: TrainLoopSpec<number[]> = {
    who: 'dense fit', params: d.params, opt: d.opt, setLr: (step) => { const lr = schedule(step); setDenseLr(d, lr); return lr; },
    lossOf: (idx) => {
      const b = takeBatch(set, idx, task);
      const out = probe ? model.headForward(cached ? b.features! : noGrad(() => model.features(b.images!)), size) : model.forward(b.images!);
      const l = taskLoss(model.spec, out, b.labels, o.device);
      return { total: l, values: { total: l.item() } };
    },
    steps: o.steps, samplesPerStep: batch, clipGrad: o.clipGrad ?? 1,
    onStep: (r) => {
      losses.push(r.values.total!);
      if (o.log && o.logEvery && (r.step % o.logEvery === 0 || r.step === o.steps)) o.log(`  ${task} ${o.mode} step ${r.step}/${o.steps} loss ${r.values.total!.toFixed(4)}`);
    },
  };
  let r: LoopResult;
  try {
    r = trainLoopSync(spec, next);
  } finally {
    d.opt.dispose();
  }
  const skipped = r.counters.skipped, seconds = r.seconds;
  return { steps: o.steps, losses, firstLoss: losses[0]!, lastLoss: losses[losses.length - 1]!, skipped, seconds, imagesPerSec: (o.steps * batch) / seconds };
}
