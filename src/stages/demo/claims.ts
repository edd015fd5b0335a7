// The papers' claims as comparisons between the demo's variants, each with a plain verdict from
// measured numbers pooled over pretraining and evaluation seeds. The first paper (quality captions)
// is judged by finetuning encoder + dense head; the second (CLIPTeX pseudo-supervision) by frozen
// probes, as each paper does. A claim whose premise fails reads "premise not met".
import { DENSE_TASK_NAMES, DENSE_TASKS, type DenseTaskName } from '../../tasks/index.js';
import type { DemoConfig, Variant } from './config.js';
import type { ModelEval } from './evaluate.js';
import type { Premise } from './premises.js';
import { compare, meanStd, overall, verdictBetter, verdictMatches, type Comparison, type Verdict } from './verdict.js';

/** A dense metric the claims use. */
export interface DenseMetric { task: DenseTaskName; key: string; label: string; higherIsBetter: boolean; percent: boolean; floor: number }

/** The headline metric per task (and the resolution below which differences are not read), from the task table. */
export const DENSE_METRICS: DenseMetric[] = DENSE_TASK_NAMES.map((task) => {
  const h = DENSE_TASKS[task].headline, m = DENSE_TASKS[task].metrics.find((x) => x.name === h.metric)!;
  return { task, key: h.metric, label: h.label, higherIsBetter: m.higherIsBetter, percent: m.percent, floor: h.floor };
});

/** How a dense metric was measured: frozen-encoder probes or encoder + head finetuned. */
export type Protocol = 'probes' | 'finetune';

/** Every run's value of a metric for a variant at a label fraction (all pretraining x evaluation seeds). */
export function probeValues(evals: readonly ModelEval[], v: Variant, m: DenseMetric, fraction: number, protocol: Protocol = 'probes'): number[] {
  return evals.filter((e) => e.variant === v).flatMap((e) => {
    const f = e[protocol]?.tasks[m.task]?.fractions.find((x) => Math.abs(x.fraction - fraction) < 1e-9);
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

/** The test-set sampling error of a variant's mean zero-shot top-1 (binomial, per task, averaged). */
function zeroShotSamplingSe(evals: readonly ModelEval[], v: Variant): number {
  const e = evals.find((x) => x.variant === v && x.zeroShot);
  if (!e) return 0;
  const ts = Object.values(e.zeroShot!);
  return Math.sqrt(ts.reduce((a, t) => a + (t.top1 * (1 - t.top1)) / Math.max(1, t.images), 0)) / ts.length;
}

/** One metric's comparison inside a claim. */
export interface ClaimRow { metric: string; treatment: number[]; baseline: number[]; treatmentMean: number; baselineMean: number; comparison: Comparison; verdict: Verdict }

/** A claim and its verdict; `z` and the means are those of its weakest row. */
export interface Claim {
  id: string; paper: 1 | 2 | null; claim: string; treatment: string; baseline: string; protocol: Protocol | 'zero-shot';
  rows: ClaimRow[]; verdict: Verdict; z: number | null; treatmentMean: number | null; baselineMean: number | null;
  premises: string[];
  /** The premises of `premises` that failed (then the verdict is 'premise not met'). */
  unmet: string[];
  note: string;
}

/** The relative margin within which "matches" holds for dense metrics (5% of the baseline's mean). */
export const MATCH_MARGIN = 0.05;
/** The absolute margin of "zero-shot kept": at most 3 points of top-1 lost. */
export const KEPT_MARGIN = 0.03;

function row(metric: string, tv: number[], bv: number[], c: Comparison, verdict: Verdict): ClaimRow {
  return { metric, treatment: tv, baseline: bv, treatmentMean: meanStd(tv).mean, baselineMean: meanStd(bv).mean, comparison: c, verdict };
}

/** "t is better than b" per metric, at fraction `ft` for t and `fb` for b; or "t matches b" when `match`. */
function rows(evals: readonly ModelEval[], t: Variant, b: Variant, metrics: readonly DenseMetric[], p: Protocol, ft: number, fb = ft, match = false): ClaimRow[] {
  return metrics.flatMap((m) => {
    const tv = probeValues(evals, t, m, ft, p), bv = probeValues(evals, b, m, fb, p);
    if (!tv.length || !bv.length) return [];
    const c = compare(tv, bv, m.higherIsBetter, m.floor);
    const label = ft === fb ? m.label : `${m.label}: ${t} with ${(100 * ft).toFixed(0)}% vs ${b} with ${(100 * fb).toFixed(0)}%`;
    return [row(label, tv, bv, c, match ? verdictMatches(c, MATCH_MARGIN * Math.abs(meanStd(bv).mean)) : verdictBetter(c))];
  });
}

/** Builds claims, applying the premises: a claim whose premise fails gets 'premise not met' (its numbers still shown). */
class ClaimList {
  readonly claims: Claim[] = [];
  constructor(private readonly premises: ReadonlyMap<string, Premise>) {}
  add(c: Omit<Claim, 'verdict' | 'z' | 'treatmentMean' | 'baselineMean' | 'unmet'>): void {
    const weakest = [...c.rows].sort((a, b) => a.comparison.z - b.comparison.z)[0];
    const unmet = c.premises.filter((p) => this.premises.get(p)?.met !== true);
    const verdict: Verdict = unmet.length ? 'premise not met' : c.rows.length ? overall(c.rows.map((r) => r.verdict)) : 'inconclusive';
    this.claims.push({ ...c, verdict, z: weakest?.comparison.z ?? null, treatmentMean: weakest?.treatmentMean ?? null, baselineMean: weakest?.baselineMean ?? null, unmet });
  }
}

/** The first paper's claims, by finetuning (segmentation mIoU and depth RMSE). */
function firstPaper(cfg: DemoConfig, evals: readonly ModelEval[], list: ClaimList, has: (v: string) => boolean): void {
  const f = cfg.eval.finetune, top = Math.max(...f.fractions);
  const metrics = DENSE_METRICS.filter((m) => (m.task === 'seg' || m.task === 'depth') && f.tasks.includes(m.task));
  const p: Protocol = 'finetune', base = { paper: 1 as const, protocol: p };
  const versus: [string, Variant, Variant, string[], string][] = [
    ['captions-vs-web', 'B', 'A', ['captions', 'clip-trains-B'], 'CLIP on quality captions beats CLIP on web captions'],
    ['captions-vs-mae', 'B', 'F', ['clip-trains-B'], 'CLIP on quality captions beats MAE pretraining'],
    ['captions-vs-supervised', 'B', 'S', ['clip-trains-B'], 'CLIP on quality captions beats supervised pretraining'],
    ['captions-vs-random', 'B', 'E', ['clip-trains-B'], 'CLIP on quality captions beats a random-init encoder'],
    ['mobile-gains', 'M', 'N', ['clip-trains-M'], 'The MCi (mobile) tower gains from CLIP pretraining on quality captions'],
  ];
  for (const [id, t, b, premises, claim] of versus) {
    if (!has(t) || !has(b)) continue;
    list.add({ ...base, id, claim: `${claim} (finetuned: segmentation mIoU up, depth RMSE down)`, treatment: t, baseline: b, premises,
      rows: rows(evals, t, b, metrics, p, top), note: `Encoder + head finetuned on ${(100 * top).toFixed(0)}% of probe-train; better = gain above 2 noise units.` });
  }
  const below = f.fractions.filter((x) => x < top).sort((a, b) => b - a)[0];
  if (has('A') && has('B') && below !== undefined) {
    list.add({ ...base, id: 'label-efficiency', treatment: 'B', baseline: 'A', premises: ['captions', 'clip-trains-B'],
      claim: `Quality captions give ~${Math.round(top / below)}x label efficiency: B finetuned on ${(100 * below).toFixed(0)}% of the labels matches A on ${(100 * top).toFixed(0)}%`,
      rows: rows(evals, 'B', 'A', metrics, p, below, top, true),
      note: `Matches = B at worst ${(100 * MATCH_MARGIN).toFixed(0)}% of A's mean worse, with the whole gain ± 2 noise interval inside that margin; clearly worse beyond it = not reproduced.` });
  }
}

/** The second paper's claims, by frozen probes, and the reference comparisons. */
function secondPaper(cfg: DemoConfig, evals: readonly ModelEval[], list: ClaimList, has: (v: string) => boolean): void {
  const top = Math.max(...cfg.eval.fractions), metrics = DENSE_METRICS.filter((m) => cfg.eval.tasks.includes(m.task));
  const p: Protocol = 'probes';
  if (has('B') && has('C')) {
    list.add({ paper: 2, protocol: p, id: 'pseudo-supervision', claim: 'Pseudo-label heads from model-zoo experts improve the dense tasks (CLIPTeX, frozen probes)', treatment: 'C', baseline: 'B',
      premises: [], rows: rows(evals, 'C', 'B', metrics, p, top),
      note: 'Per-task probe metrics with all probe-train labels; a task counts as improved when its gain exceeds twice the noise. C and B share the caption recipe, so the gain is the heads\' whatever the captions\' quality.' });
    const zc = zeroShotValues(evals, 'C'), zb = zeroShotValues(evals, 'B');
    if (zc.length && zb.length) {
      const floor = Math.max(0.005, Math.hypot(zeroShotSamplingSe(evals, 'C'), zeroShotSamplingSe(evals, 'B')));
      const c = compare(zc, zb, true, floor);
      list.add({ paper: 2, protocol: 'zero-shot', id: 'zero-shot-kept', claim: 'Zero-shot classification is kept when pseudo-label heads are added', treatment: 'C', baseline: 'B', premises: ['clip-trains-B'],
        rows: [row('zero-shot top-1 (mean over the classify tasks)', zc, zb, c, verdictMatches(c, KEPT_MARGIN))],
        note: `Kept = C at worst ${(100 * KEPT_MARGIN).toFixed(0)} points below B, with the whole gain ± 2 noise interval inside that margin (noise includes the classify split's sampling error).` });
    }
  }
  if (has('C') && has('D')) {
    list.add({ paper: null, protocol: p, id: 'pseudo-vs-truth', claim: 'Reference: heads trained on ground-truth labels vs on pseudo-labels (how much the experts\' errors cost)', treatment: 'D', baseline: 'C',
      premises: [], rows: rows(evals, 'D', 'C', metrics, p, top), note: 'Not a paper claim: the gap between D and C measures the pseudo-labels\' noise.' });
  }
  if (has('B') && has('E')) {
    list.add({ paper: null, protocol: p, id: 'probe-sanity', claim: 'Reference: frozen CLIP features beat frozen random features under the same probes', treatment: 'B', baseline: 'E',
      premises: [], rows: rows(evals, 'B', 'E', metrics, p, top), note: 'Sanity check of the probes: a probe on random features should be worse.' });
  }
}

/**
 * The claims the demo can test with the variants it ran, given the premise checks.
 * @example evaluateClaims(cfg, evals, premises).map((c) => `${c.id}: ${c.verdict}`)
 */
export function evaluateClaims(cfg: DemoConfig, evals: readonly ModelEval[], premises: readonly Premise[] = []): Claim[] {
  const has = (v: string): boolean => cfg.pretrain.variants.includes(v);
  const list = new ClaimList(new Map(premises.map((p) => [p.id, p])));
  firstPaper(cfg, evals, list, has);
  secondPaper(cfg, evals, list, has);
  return list.claims;
}
