// Dense probes of an image encoder: per task, a head trained on a (fraction of the) probe-train
// split with a fixed schedule for each seed, on the frozen encoder (features cached once) or with
// the encoder finetuned at a lower lr, then scored on probe-test. The encoder comes back unchanged.
import type { ImageNorm } from '../../data/loader/preprocess.js';
import { join } from 'node:path';
import { clone, keep, manualSeed, noGrad, type Tensor } from '../../engine/index.js';
import type { Module } from '../../nn/module.js';
import type { ImageTower } from '../../models/tower.js';
import { resolveLevel } from '../../models/heads/index.js';
import {
  defaultHeadSpec, DenseModel, evaluateOnSet, fitOnSet, readDenseSet, scaledHeadSpec, towerFeatures,
  type DenseSet, type HeadSpec,
} from '../../dense/index.js';
import { DENSE_TASKS, labelClasses, type DenseSampleJson, type DenseTaskName } from '../../tasks/index.js';
import { meanStd } from './stats.js';
import { nestedSubsets } from './subsets.js';
import { tarsIn } from '../../data/shards/folder.js';

/** An encoder: a CLIP (its `visual` is probed) or an image tower. */
export type ProbeEncoder = { visual: ImageTower & Module; cfg?: { preprocess_cfg: ImageNorm } } | (ImageTower & Module);

/** Settings of runDenseProbes. */
export interface DenseProbeOptions {
  encoder: ProbeEncoder;
  /** Synthetic world root (split folders of shards). */
  data: string;
  trainSplit?: string;
  testSplit?: string;
  tasks: DenseTaskName[];
  /** Classes of seg ids and det labels (default: those recorded in `<data>/synth.json`). */
  classes?: readonly string[];
  /** Segmentation head (default linear). */
  segHead?: 'linear' | 'psp';
  /** Frozen encoder (default) or finetuned at lr x towerLrScale. */
  mode?: 'probe' | 'finetune';
  /** Shares of the train split (default [1]). */
  fractions?: number[];
  seeds?: number[];
  /** Optimizer steps per run (default 300), or `epochs` passes over each subset instead. */
  steps?: number;
  epochs?: number;
  batch?: number;
  /** Head lr (default 1e-3). */
  lr?: number;
  towerLrScale?: number;
  /** Finetune: layer-wise lr decay of the tower (default 1 = off). */
  layerDecay?: number;
  /** Feature level (default -1, the last) and hidden channels of the heads (default 64). */
  level?: number;
  channels?: number;
  /** Probe mode: train heads on features computed once (default true). */
  cache?: boolean;
  /** Sample predictions kept per task (default 4). */
  samples?: number;
  device?: string;
  workers?: number;
  log?: (s: string) => void;
}

/** One seed's run. */
export interface ProbeRun { seed: number; metrics: Record<string, number>; firstLoss: number; lastLoss: number; steps: number; trainSeconds: number; imagesPerSec: number }

/** All seeds at one fraction, with the mean and spread. */
export interface ProbeFraction { fraction: number; trainImages: number; runs: ProbeRun[]; mean: Record<string, number>; std: Record<string, number> }

/** One task's results. */
export interface TaskProbeResult { task: DenseTaskName; metrics: string[]; fractions: ProbeFraction[]; samples: DenseSampleJson[] }

/** What runDenseProbes returns (JSON-serialisable). */
export interface DenseProbeResults {
  settings: { mode: 'probe' | 'finetune'; segHead: 'linear' | 'psp'; trainSplit: string; testSplit: string; trainImages: number; testImages: number;
    fractions: number[]; seeds: number[]; steps: number | null; epochs: number | null; batch: number; lr: number; towerLrScale: number; layerDecay: number; level: number; cached: boolean; imageSize: number };
  tasks: Partial<Record<DenseTaskName, TaskProbeResult>>;
  seconds: { read: number; total: number };
}

function shardsOf(root: string, split: string): string[] {
  const dir = join(root, split);
  const tars = tarsIn(dir);
  if (!tars.length) throw new Error(`probe: no .tar shards in ${dir} (a synthetic world has ${split}/ when made with zooclip synth --${split} N)`);
  return tars;
}

/** The tower's parameters and buffers, copied (finetuning restores them after each run). */
function snapshot(tower: Module): Map<string, Tensor> {
  return noGrad(() => new Map([...tower.stateDict()].map(([k, t]) => [k, keep(clone(t))])));
}

/**
 * Trains and scores dense probes. Results per task, per fraction, per seed, with mean/std over
 * seeds and sample predictions (largest fraction, first seed).
 * @example
 * const r = await runDenseProbes({ encoder: model, data: 'data/synth', tasks: ['seg', 'depth'], fractions: [0.01, 0.1, 1], seeds: [0, 1, 2] });
 * r.tasks.seg!.fractions[2].mean.miou
 */
export async function runDenseProbes(o: DenseProbeOptions): Promise<DenseProbeResults> {
  const t0 = performance.now(), log = o.log ?? (() => {});
  const tower = 'visual' in o.encoder ? o.encoder.visual : o.encoder;
  const mode = o.mode ?? 'probe', cached = mode === 'probe' && (o.cache ?? true), device = o.device ?? 'cpu';
  const fractions = o.fractions ?? [1], seeds = o.seeds ?? [0], batch = o.batch ?? 32, lr = o.lr ?? 1e-3, towerLrScale = o.towerLrScale ?? 0.1, layerDecay = o.layerDecay ?? 1;
  const trainSplit = o.trainSplit ?? 'probe-train', testSplit = o.testSplit ?? 'probe-test';
  if (!o.tasks.length) throw new Error('probe: no tasks');
  if (!seeds.length || !fractions.length) throw new Error('probe: need at least one seed and one fraction');
  const level = resolveLevel(tower.featureInfo(), o.level ?? -1, 'probe: level');
  const wasTraining = tower.training;
  tower.eval();
  const featurize = cached ? (x: Tensor): Tensor => noGrad(() => towerFeatures(tower, level, x)) : undefined;
  // A CLIP brings its normalisation (preprocess_cfg); a bare tower is read with the loader's default.
  const norm = 'visual' in o.encoder ? o.encoder.cfg?.preprocess_cfg : undefined;
  const read = { imageSize: tower.imageSize, norm, tasks: o.tasks, device, workers: o.workers, featurize, samples: o.samples ?? 4 };
  let train: DenseSet | null = null, test: DenseSet | null = null;
  const snap = mode === 'finetune' ? snapshot(tower) : null;
  try {
    train = await readDenseSet(shardsOf(o.data, trainSplit), read);
    test = await readDenseSet(shardsOf(o.data, testSplit), read);
    const readSeconds = (performance.now() - t0) / 1000;
    log(`probe (${mode}${cached ? ', cached features' : ''}): ${train.n} ${trainSplit} / ${test.n} ${testSplit} images read in ${readSeconds.toFixed(1)} s`);
    const results: DenseProbeResults = {
      settings: { mode, segHead: o.segHead ?? 'linear', trainSplit, testSplit, trainImages: train.n, testImages: test.n, fractions, seeds, steps: o.epochs ? null : o.steps ?? 300,
        epochs: o.epochs ?? null, batch, lr, towerLrScale, layerDecay, level, cached, imageSize: tower.imageSize },
      tasks: {}, seconds: { read: readSeconds, total: 0 },
    };
    const numClasses = (o.classes ?? labelClasses(o.data)).length;
    for (const task of o.tasks) {
      const spec: HeadSpec = { ...defaultHeadSpec(task, numClasses), segHead: o.segHead ?? 'linear', level, channels: o.channels ?? 64 };
      results.tasks[task] = probeTask(tower, spec, train, test, { ...o, mode, fractions, seeds, batch, lr, towerLrScale, layerDecay, device, log }, snap);
    }
    results.seconds.total = (performance.now() - t0) / 1000;
    return results;
  } finally {
    train?.dispose();
    test?.dispose();
    if (snap) {
      noGrad(() => tower.loadStateDict(snap));
      for (const t of snap.values()) t.dispose();
    }
    tower.train(wasTraining);
  }
}

type Resolved = DenseProbeOptions & Required<Pick<DenseProbeOptions, 'mode' | 'fractions' | 'seeds' | 'batch' | 'lr' | 'towerLrScale' | 'layerDecay' | 'device' | 'log'>>;

/** Every fraction and seed of one task. */
function probeTask(tower: ImageTower & Module, spec: HeadSpec, train: DenseSet, test: DenseSet, o: Resolved, snap: Map<string, Tensor> | null): TaskProbeResult {
  const task = spec.task, runs = new Map<number, ProbeRun[]>();
  let samples: DenseSampleJson[] = [];
  const largest = o.fractions.indexOf(Math.max(...o.fractions));
  for (const seed of o.seeds) {
    const subsets = nestedSubsets(train.n, o.fractions, seed);
    o.fractions.forEach((fraction, fi) => {
      const idx = subsets[fi]!;
      const steps = o.epochs ? Math.max(1, Math.ceil((o.epochs * idx.length) / Math.min(o.batch, idx.length))) : o.steps ?? 300;
      if (snap) noGrad(() => tower.loadStateDict(snap));
      manualSeed(seed);
      const model = new DenseModel(tower, scaledHeadSpec(spec, train, idx));  // depth: in the subset's log range
      try {
        const fit = fitOnSet(model, train, idx, { mode: o.mode, steps, batch: o.batch, lr: o.lr, towerLrScale: o.towerLrScale, layerDecay: o.layerDecay, seed, device: o.device });
        const ev = evaluateOnSet(model, test, { samples: o.samples ?? 4 });
        if (fi === largest && seed === o.seeds[0]) samples = ev.samples;
        const run: ProbeRun = { seed, metrics: ev.metrics, firstLoss: fit.firstLoss, lastLoss: fit.lastLoss, steps, trainSeconds: fit.seconds, imagesPerSec: fit.imagesPerSec };
        runs.set(fi, [...(runs.get(fi) ?? []), run]);
        const shown = DENSE_TASKS[task].metrics.map((m) => `${m.name} ${ev.metrics[m.name]!.toFixed(4)}`).join(', ');
        o.log(`[${task}] ${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}% (${idx.length} images) seed ${seed}: ${shown} (loss ${fit.firstLoss.toFixed(3)} -> ${fit.lastLoss.toFixed(3)}, ${steps} steps, ${fit.seconds.toFixed(1)} s)`);
      } finally {
        model.head.dispose();
      }
    });
  }
  const fractions = o.fractions.map((fraction, fi): ProbeFraction => {
    const rs = runs.get(fi)!;
    return { fraction, trainImages: nestedSubsets(train.n, [fraction], o.seeds[0]!)[0]!.length, runs: rs, ...meanStd(rs.map((r) => r.metrics)) };
  });
  return { task, metrics: DENSE_TASKS[task].metrics.map((m) => m.name), fractions, samples };
}
