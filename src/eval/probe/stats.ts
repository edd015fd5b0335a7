// Mean and spread of metrics over seeds.

/**
 * Per metric: the mean and the sample standard deviation (n - 1; 0 for a single run) over runs.
 * NaN values (a metric undefined for a run) are left out.
 * @example meanStd([{ miou: 0.4 }, { miou: 0.6 }]) // { mean: { miou: 0.5 }, std: { miou: 0.1414 } }
 */
export function meanStd(runs: readonly Record<string, number>[]): { mean: Record<string, number>; std: Record<string, number> } {
  const mean: Record<string, number> = {}, std: Record<string, number> = {};
  const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  for (const k of names) {
    const xs = runs.map((r) => r[k]!).filter((v) => Number.isFinite(v));
    const m = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    mean[k] = m;
    std[k] = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : xs.length ? 0 : NaN;
  }
  return { mean, std };
}
