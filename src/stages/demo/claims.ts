// The papers' claims as comparisons between the demo's variants, each with a plain verdict:
// quality captions vs web captions (dense tasks), pseudo-supervision gains per task, zero-shot
// kept, and label efficiency; numbers pooled over pretraining and probe seeds.
import { DENSE_TASK_NAMES, DENSE_TASKS, type DenseTaskName } from '../../tasks/index.js';
import type { DemoConfig, Variant } from './config.js';
import type { ModelEval } from './evaluate.js';
import { compare, overall, verdictBetter, verdictKept, type Comparison, type Verdict } from './verdict.js';

/** A dense metric the claims use. */
export interface DenseMetric { task: DenseTaskName; key: string; label: string; higherIsBetter: boolean; percent: boolean; floor: number }

/** The headline metric per task (and the resolution below which differences are not read), from the task table. */
export const DENSE_METRICS: DenseMetric[] = DENSE_TASK_NAMES.map((task) => {
  const h = DENSE_TASKS[task].headline, m = DENSE_TASKS[task].metrics.find((x) => x.name === h.metric)!;
  return { task, key: h.metric, label: h.label, higherIsBetter: m.higherIsBetter, percent: m.percent, floor: h.floor };
});

/** Every probe run's value of a metric for a variant at a label fraction (all pretraining x probe seeds). */
export function probeValues(evals: readonly ModelEval[], v: Variant, m: DenseMetric, fraction: number): number[] {
  return evals.filter((e) => e.variant === v).flatMap((e) => {
    const f = e.probes.tasks[m.task]?.fractions.find((x) => Math.abs(x.fraction - fraction) < 1e-9);
    return f ? f.runs.map((r) => r.metrics[m.key]!).filter(Number.isFinite) : [];
  });
}

/** Mean zero-shot top-1 over the classify tasks, per pretraining seed. */
export function zeroShotValues(evals: readonly ModelEval[], v: Variant): number[] {
  return evals.filter((e) => e.variant === v && e.zeroShot).map((e) => {
    const ts = Object.values(e.zeroShot!);
    return ts.reduce((a, t) => a + t.top1, 0) / ts.length;
  });
}

/** One metric's comparison inside a claim. */
export interface ClaimRow { metric: string; treatment: number[]; baseline: number[]; comparison: Comparison; verdict: Verdict }

/** A claim and its verdict. */
export interface Claim { id: string; claim: string; treatment: string; baseline: string; rows: ClaimRow[]; verdict: Verdict; note: string }

function better(evals: readonly ModelEval[], t: Variant, b: Variant, fraction: number, tasks: readonly string[], metrics = DENSE_METRICS): ClaimRow[] {
  return metrics.filter((m) => tasks.includes(m.task)).flatMap((m) => {
    const tv = probeValues(evals, t, m, fraction), bv = probeValues(evals, b, m, fraction);
    if (!tv.length || !bv.length) return [];
    const c = compare(tv, bv, m.higherIsBetter, m.floor);
    return [{ metric: m.label, treatment: tv, baseline: bv, comparison: c, verdict: verdictBetter(c) }];
  });
}

/** The claims the demo can test with the variants it ran. */
export function evaluateClaims(cfg: DemoConfig, evals: readonly ModelEval[]): Claim[] {
  const has = (v: string): boolean => cfg.pretrain.variants.includes(v);
  const tasks = cfg.eval.tasks, top = Math.max(...cfg.eval.fractions);
  const claims: Claim[] = [];
  const push = (id: string, claim: string, t: string, b: string, rows: ClaimRow[], note: string, verdict = overall(rows.map((r) => r.verdict))): void => {
    claims.push({ id, claim, treatment: t, baseline: b, rows, verdict: rows.length ? verdict : 'inconclusive', note });
  };
  if (has('A') && has('B')) {
    const rows = better(evals, 'B', 'A', top, tasks, DENSE_METRICS.filter((m) => m.task === 'seg' || m.task === 'depth'));
    push('quality-captions', 'CLIP on quality captions gives better dense features than CLIP on web captions (segmentation mIoU up, depth RMSE down)', 'B', 'A', rows,
      'Frozen-encoder probes trained on all probe-train labels. The papers compare against MAE; the miniature compares caption quality directly.');
  }
  if (has('B') && has('C')) {
    push('pseudo-supervision', 'Pseudo-label heads from model-zoo experts improve the dense tasks (CLIPTeX)', 'C', 'B', better(evals, 'C', 'B', top, tasks),
      'Per-task probe metrics with all probe-train labels; a task counts as improved when its gain exceeds twice the noise.');
    const zc = zeroShotValues(evals, 'C'), zb = zeroShotValues(evals, 'B');
    if (zc.length && zb.length) {
      const c = compare(zc, zb, true, 0.01);
      push('zero-shot-kept', 'Zero-shot classification is kept when pseudo-label heads are added', 'C', 'B',
        [{ metric: 'zero-shot top-1 (mean of shape, colour, count)', treatment: zc, baseline: zb, comparison: c, verdict: verdictKept(c, 0.02) }],
        'Kept = not worse by more than 2 points beyond twice the noise.');
    }
  }
  const below = cfg.eval.fractions.filter((f) => f < top).sort((a, b) => b - a)[0];
  if (has('A') && has('B') && below !== undefined) {
    const rows = DENSE_METRICS.filter((m) => m.task === 'seg' || m.task === 'depth').filter((m) => tasks.includes(m.task)).flatMap((m) => {
      const tv = probeValues(evals, 'B', m, below), bv = probeValues(evals, 'A', m, top);
      if (!tv.length || !bv.length) return [];
      const c = compare(tv, bv, m.higherIsBetter, m.floor);
      return [{ metric: `${m.label}: B with ${(100 * below).toFixed(0)}% vs A with ${(100 * top).toFixed(0)}%`, treatment: tv, baseline: bv, comparison: c, verdict: verdictKept(c, 0) }];
    });
    push('data-efficiency', `Quality captions give ~${Math.round(top / below)}x label efficiency: B probed with ${(100 * below).toFixed(0)}% of the labels matches A with ${(100 * top).toFixed(0)}%`,
      'B', 'A', rows, 'Matches = not worse beyond 1 noise unit (reproduced), clearly worse beyond 2 (not reproduced).');
  }
  if (has('C') && has('D')) {
    push('pseudo-vs-truth', 'Reference: heads trained on ground-truth labels vs on pseudo-labels (how much the experts\' errors cost)', 'D', 'C', better(evals, 'D', 'C', top, tasks),
      'Not a paper claim: the gap between D and C measures the pseudo-labels\' noise.');
  }
  if (has('B') && has('E')) {
    push('pretraining-helps', 'Reference: CLIP pretraining on quality captions beats a random-init encoder under the same probes', 'B', 'E', better(evals, 'B', 'E', top, tasks),
      'Sanity check of the probes: a probe on random features should be worse.');
  }
  return claims;
}
