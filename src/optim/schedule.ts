// Learning-rate schedules as plain functions of the step (0-based, the step about to be taken),
// and applying one to an optimizer. Linear warmup follows open_clip: lr = base * (step + 1) / warmup.
import type { Optimizer } from './optimizer.js';

/** The learning rate for a step (0-based). */
export type LrSchedule = (step: number) => number;

export interface WarmupOptions {
  /** Peak learning rate, reached at the end of warmup. */
  baseLr: number;
  /** Linear warmup steps; 0 for none. Default 0. */
  warmupSteps?: number;
}

function check(o: WarmupOptions, who: string): number {
  const w = o.warmupSteps ?? 0;
  if (!(o.baseLr >= 0) || !Number.isFinite(o.baseLr)) throw new Error(`${who}: baseLr must be a finite number >= 0, got ${o.baseLr}`);
  if (!Number.isInteger(w) || w < 0) throw new Error(`${who}: warmupSteps must be an integer >= 0, got ${w}`);
  return w;
}

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`lr schedule: step must be an integer >= 0, got ${step}`);
}

/**
 * Linear warmup then cosine decay to a floor:
 *   step < W:  lr = base * (step + 1) / W
 *   step >= W: lr = floor + (base - floor) * (1 + cos(pi * min(1, (step - W) / (total - W)))) / 2
 * so lr(W) = base and lr(step >= total) = floor (open_clip's cosine_lr with a floor).
 * @example const lr = warmupCosine({ baseLr: 1e-3, warmupSteps: 1000, totalSteps: 30000 });  lr(999) === 1e-3
 */
export function warmupCosine(o: WarmupOptions & { totalSteps: number; minLr?: number }): LrSchedule {
  const w = check(o, 'warmupCosine');
  const floor = o.minLr ?? 0;
  if (!Number.isInteger(o.totalSteps) || o.totalSteps <= w) throw new Error(`warmupCosine: totalSteps (${o.totalSteps}) must be an integer > warmupSteps (${w})`);
  if (!(floor >= 0 && floor <= o.baseLr)) throw new Error(`warmupCosine: minLr must be in [0, baseLr], got ${floor}`);
  const span = o.totalSteps - w;
  return (step) => {
    checkStep(step);
    if (step < w) return (o.baseLr * (step + 1)) / w;
    const t = Math.min(1, (step - w) / span);
    return floor + ((o.baseLr - floor) * (1 + Math.cos(Math.PI * t))) / 2;
  };
}

/**
 * Linear warmup then constant: lr = base * (step + 1) / W for step < W, base afterwards.
 * @example warmupConstant({ baseLr: 0.1, warmupSteps: 10 })(4) // 0.05
 */
export function warmupConstant(o: WarmupOptions): LrSchedule {
  const w = check(o, 'warmupConstant');
  return (step) => {
    checkStep(step);
    return step < w ? (o.baseLr * (step + 1)) / w : o.baseLr;
  };
}

/**
 * Linear warmup then step decay: lr = base * gamma^k after warmup, k = the number of milestones
 * <= step (or floor(step / every) with `every`).
 * @example warmupStep({ baseLr: 0.1, milestones: [30, 60], gamma: 0.1 })(45) // 0.01
 */
export function warmupStep(o: WarmupOptions & { gamma?: number } & ({ milestones: readonly number[] } | { every: number })): LrSchedule {
  const w = check(o, 'warmupStep');
  const gamma = o.gamma ?? 0.1;
  if (!(gamma > 0)) throw new Error(`warmupStep: gamma must be > 0, got ${gamma}`);
  const every = 'every' in o ? o.every : 0;
  const milestones = 'milestones' in o ? [...o.milestones] : [];
  if ('every' in o && !(Number.isInteger(every) && every > 0)) throw new Error(`warmupStep: every must be an integer > 0, got ${every}`);
  if (milestones.some((m, i) => !Number.isInteger(m) || m < 0 || (i > 0 && m <= milestones[i - 1]!))) {
    throw new Error(`warmupStep: milestones must be increasing integers >= 0, got [${milestones}]`);
  }
  return (step) => {
    checkStep(step);
    if (step < w) return (o.baseLr * (step + 1)) / w;
    const k = every > 0 ? Math.floor(step / every) : milestones.filter((m) => m <= step).length;
    return o.baseLr * gamma ** k;
  };
}

/**
 * Sets every parameter group's lr to schedule(step) (as open_clip's assign_learning_rate: per-group
 * lrs are overwritten) and returns it. Call it before each optimizer step.
 * @example for (let step = 0; step < total; step++) { applySchedule(opt, lr, step); ...; opt.step(); }
 */
export function applySchedule(opt: Pick<Optimizer<unknown>, 'setLr'>, schedule: LrSchedule, step: number): number {
  const lr = schedule(step);
  opt.setLr(lr);
  return lr;
}
