// The pretraining variants of the demo, all with the same steps, batch and schedule on the same
// web images: A web captions; B the captioner's quality captions (several per image,
// DataCompDR-style); C = B + pseudo-task heads on the experts' labels (CLIPTeX); D = B + heads on
// ground truth; F MAE; S supervised on the scenes' labels; M = B on the mobile (MCi) tower.
// (E and N, random init of each tower, are not trained.)
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../train/config.js';
import { runTrain, type TrainResult } from '../train/run.js';
import { listCheckpoints } from '../../training/checkpoint.js';
import { MOBILE, type DemoConfig, type Variant } from './config.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';

/** The world splits the pipeline writes for pretraining. */
export const SPLITS = { web: 'web', captioned: 'web-cap', pseudo: 'web-zoo', truth: 'web-gtl', labelled: 'web-gt' } as const;

/** The CLIP config of a variant's towers. */
export function variantModel(cfg: DemoConfig, v: Variant): string {
  return MOBILE.includes(v) ? cfg.pretrain.mobileModel : cfg.pretrain.model;
}

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
    case 'F': return [`data.split=${SPLITS.web}`, 'data.captions=real', 'objective=mae'];
    case 'S': return [`data.split=${SPLITS.web}`, 'data.captions=real', 'objective=supervised', `supervised.labels=${SPLITS.labelled}`];
    case 'M': return [`data.split=${SPLITS.pseudo}`, `data.captions=${cfg.pretrain.captions}`];
    case 'E': case 'N': throw new Error(`demo: variant ${v} (random init) is not trained`);
  }
}

/** Trains (or resumes) one variant for one seed; returns the run's result. */
export async function pretrainVariant(cfg: DemoConfig, v: Variant, seed: number, threads: number, log: (s: string) => void): Promise<TrainResult> {
  const p = cfg.pretrain, out = runDir(cfg, v, seed);
  const train = resolveConfig({
    preset: p.preset,
    sets: [
      `run.out=${out}`, `run.seed=${seed}`, `run.steps=${p.steps}`, `run.threads=${threads}`, `model.name=${variantModel(cfg, v)}`, `data.root=${join(cfg.out, 'world')}`,
      `data.batch=${p.batch}`, `optim.lr=${p.lr}`, `optim.warmup=${p.warmup}`, `checkpoint.every=${Math.max(1, Math.ceil(p.steps / 3))}`, 'checkpoint.keep=1',
      'eval.zeroShot=false', `run.logEvery=${Math.max(1, Math.floor(p.steps / 20))}`, ...(cfg.device ? [`run.device=${cfg.device}`] : []), ...variantSets(cfg, v),
    ],
  });
  const resume = listCheckpoints(join(out, 'checkpoints')).length > 0 ? 'latest' : undefined;
  return runTrain(train, { resume, hooks: { log } });
}

/**
 * The contrastive loss a run ended on, per caption set (the mean of its contrastive terms on the
 * last logged step: `contrastive`, or `real` and `synthetic` in multi-caption mode); null when the
 * run has no contrastive term (MAE, supervised).
 * @example lastContrastiveLoss('runs/demo/pretrain/B-seed0') // e.g. 2.31
 */
export function lastContrastiveLoss(runOut: string): number | null {
  const lines = readFileSync(join(runOut, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const last = JSON.parse(lines.at(-1)!) as { loss?: Record<string, number> };
  const terms = ['contrastive', 'real', 'synthetic'].map((k) => last.loss?.[k]).filter((x): x is number => typeof x === 'number');
  return terms.length ? terms.reduce((a, b) => a + b, 0) / terms.length : null;
}
