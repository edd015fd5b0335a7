// The pretraining variants of the demo, all with the same tower, steps, batch and schedule:
// A web captions; B the captioner's quality captions (several per image, DataCompDR-style);
// C = B + pseudo-task heads on the experts' labels (CLIPTeX); D = B + heads on ground truth.
// (E, random init, is not trained.)
import { join } from 'node:path';
import { resolveConfig } from '../train/config.js';
import { runTrain, type TrainResult } from '../train/run.js';
import { listCheckpoints } from '../../training/checkpoint.js';
import type { DemoConfig, Variant } from './config.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';

/** The world splits the pipeline writes for pretraining. */
export const SPLITS = { web: 'web', captioned: 'web-cap', pseudo: 'web-zoo', truth: 'web-gtl' } as const;

/** Where a variant's run goes. */
export function runDir(cfg: DemoConfig, v: Variant, seed: number): string {
  return join(cfg.out, 'pretrain', `${v}-seed${seed}`);
}

/** The train --set overrides of a variant (on top of the demo's common ones). */
export function variantSets(cfg: DemoConfig, v: Variant): string[] {
  const heads = DENSE_TASK_NAMES.map((t) => `heads.${t}=${cfg.pretrain.headWeight}`);
  switch (v) {
    case 'A': return [`data.split=${SPLITS.web}`, 'data.captions=real'];
    case 'B': return [`data.split=${SPLITS.pseudo}`, `data.captions=${cfg.pretrain.captions}`];
    case 'C': return [`data.split=${SPLITS.pseudo}`, `data.captions=${cfg.pretrain.captions}`, ...heads];
    case 'D': return [`data.split=${SPLITS.truth}`, `data.captions=${cfg.pretrain.captions}`, ...heads];
    case 'E': throw new Error('demo: variant E (random init) is not trained');
  }
}

/** Trains (or resumes) one variant for one seed; returns the run's result. */
export async function pretrainVariant(cfg: DemoConfig, v: Variant, seed: number, threads: number, log: (s: string) => void): Promise<TrainResult> {
  const p = cfg.pretrain, out = runDir(cfg, v, seed);
  const train = resolveConfig({
    preset: p.preset,
    sets: [
      `run.out=${out}`, `run.seed=${seed}`, `run.steps=${p.steps}`, `run.threads=${threads}`, `model.name=${p.model}`, `data.root=${join(cfg.out, 'world')}`,
      `data.batch=${p.batch}`, `optim.lr=${p.lr}`, `optim.warmup=${p.warmup}`, `checkpoint.every=${Math.max(1, Math.ceil(p.steps / 3))}`, 'checkpoint.keep=1',
      'eval.zeroShot=false', `run.logEvery=${Math.max(1, Math.floor(p.steps / 20))}`, ...(cfg.device ? [`run.device=${cfg.device}`] : []), ...variantSets(cfg, v),
    ],
  });
  const resume = listCheckpoints(join(out, 'checkpoints')).length > 0 ? 'latest' : undefined;
  return runTrain(train, { resume, hooks: { log } });
}
