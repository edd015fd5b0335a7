// Training checkpoints: a folder per save (checkpoints/step-NNNNNN) with model.safetensors,
// optimizer.safetensors, rng.safetensors (the CPU generator state), ema.safetensors (with EMA) and
// state.json (step, scheduler, loader position, counters, config). The folder is written under a
// temporary name and renamed, so a crash leaves either a whole checkpoint or none.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { noGrad, wrap, type Tensor } from '../../engine/index.js';
import { native } from '../../engine/native.js';
import { loadSafetensors, saveSafetensors } from '../../io/safetensors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import type { LoaderState } from '../../data/loader/index.js';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../../optim/optimizer.js';
import type { EMA } from '../../optim/ema.js';
import type { TrainConfig } from './config.js';

/** state.json of a checkpoint. */
export interface TrainState {
  /** Optimizer steps taken (the next step is this one, 0-based). */
  step: number;
  /** Scheduler: its kind and the step it resumes at. */
  scheduler: { kind: 'warmup-cosine'; step: number };
  loader: LoaderState;
  /** Non-finite steps skipped so far and in a row at save time. */
  skipped: number;
  badInARow: number;
  /** Samples trained on so far. */
  samples: number;
  /** Why this checkpoint was written: periodic, final, or a non-finite stop. */
  reason: 'periodic' | 'final' | 'non-finite';
  config: TrainConfig;
}

/** What a training loop hands to saveCheckpoint. */
export interface Trainables { model: Module; opt: Optimizer<unknown>; ema: EMA | null }

/** The folder name of a step's checkpoint. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

function rngState(): Tensor {
  return wrap(native.getRngState());
}

/** Writes a checkpoint atomically and deletes the oldest beyond `keep`; returns its folder. */
export function saveCheckpoint(dir: string, t: Trainables, state: TrainState, keep: number): string {
  mkdirSync(dir, { recursive: true });
  const final = join(dir, checkpointName(state.step));
  const tmp = join(dir, `.tmp-${checkpointName(state.step)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const meta = { format: 'pt', step: String(state.step) };
  saveSafetensors(join(tmp, 'model.safetensors'), t.model.stateDict(), meta);
  const o = t.opt.stateDict();
  saveSafetensors(join(tmp, 'optimizer.safetensors'), o.tensors, { ...meta, optimizer: JSON.stringify(o.meta) });
  if (t.ema) {
    const e = t.ema.stateDict();
    saveSafetensors(join(tmp, 'ema.safetensors'), e.tensors, { ...meta, ema: JSON.stringify(e.meta) });
  }
  const rng = rngState();
  try {
    saveSafetensors(join(tmp, 'rng.safetensors'), { cpu: rng }, meta);
  } finally {
    rng.dispose();
  }
  writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  if (keep > 0) for (const old of listCheckpoints(dir).slice(0, -keep)) rmSync(join(dir, old), { recursive: true, force: true });
  return final;
}

/** Finished checkpoint folders under dir, oldest first. */
export function listCheckpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => /^step-\d{6,}$/.test(n) && existsSync(join(dir, n, 'state.json'))).sort();
}

/** A checkpoint folder from `--resume`: a path, or `latest` (the newest under the run's checkpoints/). */
export function findCheckpoint(spec: string, runOut: string): string {
  if (spec === 'latest') {
    const dir = join(runOut, 'checkpoints');
    const all = listCheckpoints(dir);
    if (!all.length) throw new Error(`train: --resume latest: no checkpoint in ${dir}`);
    return join(dir, all[all.length - 1]!);
  }
  const p = resolve(spec);
  if (!existsSync(join(p, 'state.json'))) throw new Error(`train: --resume ${spec}: not a checkpoint folder (no state.json)`);
  return p;
}

/** Reads a checkpoint's state.json. */
export function readState(dir: string): TrainState {
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainState;
}

/** Loads weights, optimizer, EMA and the CPU generator state of a checkpoint into a run's objects. */
export function loadCheckpoint(dir: string, t: Trainables, device: string): void {
  const m = loadSafetensors(join(dir, 'model.safetensors'), device);
  try {
    noGrad(() => t.model.loadStateDict(m.tensors, { strict: true }));
  } finally {
    for (const x of m.tensors.values()) x.dispose();
  }
  const o = loadSafetensors(join(dir, 'optimizer.safetensors'), device);
  try {
    t.opt.loadStateDict({ tensors: o.tensors, meta: JSON.parse(o.metadata.optimizer!) as { steps: number[]; hyper: unknown[] } });
  } finally {
    for (const x of o.tensors.values()) x.dispose();
  }
  if (t.ema) {
    const e = loadSafetensors(join(dir, 'ema.safetensors'), device);
    try {
      t.ema.loadStateDict({ tensors: e.tensors, meta: JSON.parse(e.metadata.ema!) as { updates: number; decay: number; warmup: number } });
    } finally {
      for (const x of e.tensors.values()) x.dispose();
    }
  }
  const r = loadSafetensors(join(dir, 'rng.safetensors'));
  try {
    native.setRngState(r.tensors.get('cpu')!.id);
  } finally {
    for (const x of r.tensors.values()) x.dispose();
  }
}
