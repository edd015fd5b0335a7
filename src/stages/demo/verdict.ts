// Plain verdicts on the papers' claims from measured numbers with their spread over seeds: a
// difference counts only when it is larger than the noise the seeds show.
import { summarize } from '../../eval/report/format.js';

/** Several runs' values of one metric (one per seed). */
export interface Sample { values: number[] }

/** Mean and (sample) standard deviation; std 0 for a single value (the report's summarize). */
export function meanStd(xs: readonly number[]): { mean: number; std: number; n: number } {
  const { mean, std, n } = summarize(xs);
  return { mean, std, n };
}

export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive' | 'premise not met';

/** A comparison of a treatment against a baseline on one metric. */
export interface Comparison {
  /** Treatment minus baseline, signed so that positive = better (lower-is-better metrics are negated). */
  gain: number;
  /** Relative gain against the baseline's mean (positive = better). */
  relative: number;
  /** The noise scale the gain is judged against: the standard error of the difference (or the floor). */
  noise: number;
  /** How many noise units the gain is. */
  z: number;
}

/**
 * Compares treatment to baseline. noise = sqrt(s_t^2 / n_t + s_b^2 / n_b), floored at `floor` (a
 * metric-specific resolution: with one seed there is no spread to estimate, so the floor is all
 * that guards against reading noise as an effect).
 * @example compare([0.41, 0.43], [0.35, 0.36], true, 0.01) // gain 0.065, z ~ 6
 */
export function compare(treatment: readonly number[], baseline: readonly number[], higherIsBetter: boolean, floor: number): Comparison {
  const t = meanStd(treatment), b = meanStd(baseline);
  const sign = higherIsBetter ? 1 : -1;
  const gain = sign * (t.mean - b.mean);
  const se = Math.sqrt((t.n > 1 ? t.std ** 2 / t.n : 0) + (b.n > 1 ? b.std ** 2 / b.n : 0));
  const noise = Math.max(se, floor);
  return { gain, relative: gain / Math.abs(b.mean || 1), noise, z: gain / noise };
}

/**
 * "Treatment is better": reproduced when the gain exceeds 2 noise units, not reproduced when it is
 * worse by as much, inconclusive in between.
 */
export function verdictBetter(c: Comparison): Verdict {
  if (c.z >= 2) return 'reproduced';
  if (c.z <= -2) return 'not reproduced';
  return 'inconclusive';
}

/**
 * "Treatment matches (or keeps) the baseline's level", judged by closeness, not by the absence of a
 * difference: reproduced when the whole interval gain ± 2 noise lies above -margin (the treatment
 * is at worst `margin` worse), not reproduced when the whole interval lies below -margin, else
 * inconclusive (too noisy to show closeness).
 * @example verdictMatches(compare([0.50, 0.52], [0.51, 0.51], true, 0.005), 0.03) // 'reproduced'
 */
export function verdictMatches(c: Comparison, margin: number): Verdict {
  if (c.gain - 2 * c.noise >= -margin) return 'reproduced';
  if (c.gain + 2 * c.noise < -margin) return 'not reproduced';
  return 'inconclusive';
}

/** Combines per-metric verdicts of one claim: all agree -> that; any 'not reproduced' with none reproduced -> not; else inconclusive. */
export function overall(vs: readonly Verdict[]): Verdict {
  if (vs.length && vs.every((v) => v === vs[0])) return vs[0]!;
  if (vs.includes('not reproduced') && !vs.includes('reproduced')) return 'not reproduced';
  return 'inconclusive';
}
