// Mean and spread of metrics over seeds.
import { summarize } from '../report/format.js';

/**
 * Per metric: the mean and the sample standard deviation (n - 1; 0 for a single run) over runs.
 * NaN values (a metric undefined for a run) are left out.
 * @example meanStd([{ miou: 0.4 }, { miou: 0.6 }]) // { mean: { miou: 0.5 }, std: { miou: 0.1414 } }
 */
export function meanStd(runs: readonly Record<string, number>[]): { mean: Record<string, number>; std: Record<string, number> } {
  const mean: Record<string, number> = {}, std: Record<string, number> = {};
  for (const k of new Set(runs.flatMap((r) => Object.keys(r)))) {
    const s = summarize(runs.map((r) => r[k]!));
    mean[k] = s.mean;
    std[k] = s.std;
  }
  return { mean, std };
}
