// Axis scales and tick positions for the report's SVG charts.

/** Maps data values to pixels and lists tick values. */
export interface Scale {
  (v: number): number;
  ticks: number[];
}

/**
 * A step of 1, 2 or 5 x 10^k giving about `count` intervals over [lo, hi].
 * @example niceStep(0, 1, 5) // 0.2
 */
export function niceStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/**
 * A domain widened to whole ticks: [floor(lo / step) * step, ceil(hi / step) * step] and the ticks.
 * A flat domain is widened around its value.
 * @example niceDomain(0.13, 0.87, 5) // { lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] }
 */
export function niceDomain(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-12) { const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.1 : 1; lo -= pad; hi += pad; }
  const step = niceStep(lo, hi, count);
  const a = Math.floor(lo / step + 1e-9) * step, b = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; a + i * step <= b + step * 1e-6; i++) ticks.push(Number((a + i * step).toPrecision(12)));
  return { lo: a, hi: b, ticks };
}

/** A linear scale from [lo, hi] to pixels [p0, p1] with nice ticks. */
export function linearScale(lo: number, hi: number, p0: number, p1: number, count = 5): Scale {
  const d = niceDomain(lo, hi, count);
  const f = ((v: number) => p0 + ((v - d.lo) / (d.hi - d.lo)) * (p1 - p0)) as Scale;
  f.ticks = d.ticks;
  return f;
}

/** A log10 scale over whole decades covering [lo, hi] (both > 0), ticks at the powers of 10. */
export function logScale(lo: number, hi: number, p0: number, p1: number): Scale {
  if (!(lo > 0 && hi > 0)) throw new Error(`report: a log axis needs positive values, got [${lo}, ${hi}]`);
  let a = Math.floor(Math.log10(lo) + 1e-9), b = Math.ceil(Math.log10(hi) - 1e-9);
  if (a === b) { a -= 1; b += 1; }
  const f = ((v: number) => p0 + ((Math.log10(v) - a) / (b - a)) * (p1 - p0)) as Scale;
  f.ticks = Array.from({ length: b - a + 1 }, (_, i) => Number((10 ** (a + i)).toPrecision(12)));
  return f;
}

/** Tick label text: short, without float noise. */
export function tickLabel(v: number, percent = false): string {
  const x = percent ? v * 100 : v;
  const s = Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(1) : String(Number(x.toPrecision(6)));
  return percent ? `${s}%` : s;
}

/** How a chart's y axis shows its values: the kind of axis and the range it covers. */
export interface YScaleChoice {
  kind: 'linear' | 'log';
  /** The range the axis covers (before widening to whole ticks); values outside are clipped and marked. */
  lo: number;
  hi: number;
  /** Whether some values lie outside [lo, hi]. */
  clipped: boolean;
}

/** Outlier fences lie this many interquartile ranges beyond the quartiles (3: only far-out points). */
export const FENCE_IQR = 3;
/** For positive data the fences lie at least this many decades beyond the quartiles (a point is clipped only if 10x out). */
export const FENCE_MIN_DECADES = 1;
/** A log axis is used when positive values span more than this many decades (and the chart has no zero baseline). */
export const LOG_DECADES = 1.5;

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q, i = Math.floor(at), w = at - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - w) + sorted[i + 1]! * w : sorted[i]!;
}

/**
 * The y axis for `values`: a robust range (points beyond FENCE_IQR interquartile ranges of the
 * quartiles, measured in log10 for positive data and then at least FENCE_MIN_DECADES away, are
 * clipped: the chart marks them at the edge),
 * then a log axis if the kept positive values span more than LOG_DECADES decades, else linear.
 * `includeZero` (bar charts) keeps 0 in a linear range.
 * @example chooseYScale([2.1, 3, 3.2, 4, 5, 23936]) // { kind: 'linear', lo: 2.1, hi: 5, clipped: true }
 * @example chooseYScale([0.001, 0.01, 0.1, 1]) // { kind: 'log', lo: 0.001, hi: 1, clipped: false }
 */
export function chooseYScale(values: readonly number[], o: { includeZero?: boolean } = {}): YScaleChoice {
  const v = values.filter(Number.isFinite);
  if (!v.length) return { kind: 'linear', lo: 0, hi: 1, clipped: false };
  const positive = v.every((x) => x > 0), t = (x: number): number => (positive ? Math.log10(x) : x);
  const sorted = v.map(t).sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25), q3 = quantile(sorted, 0.75);
  const floor = positive ? 0.05 : 0.1 * Math.max(Math.abs(q1), Math.abs(q3)) || 1e-12;
  const reach = Math.max(q3 - q1, floor) * FENCE_IQR, margin = positive ? Math.max(reach, FENCE_MIN_DECADES) : reach;
  const lowFence = q1 - margin, highFence = q3 + margin;
  const kept = v.filter((x) => t(x) >= lowFence && t(x) <= highFence);
  let lo = Math.min(...kept), hi = Math.max(...kept);
  const clipped = kept.length < v.length;
  if (positive && !o.includeZero && Math.log10(hi / lo) > LOG_DECADES) return { kind: 'log', lo, hi, clipped };
  if (o.includeZero) { lo = Math.min(0, lo); hi = Math.max(0, hi); }
  return { kind: 'linear', lo, hi, clipped };
}

/**
 * The scale of a choice from [lo, hi] to pixels [p0, p1] (nice ticks for linear, decades for log).
 * @example const y = scaleOf(chooseYScale(ys), 300, 40); y(ys[0]!)
 */
export function scaleOf(c: YScaleChoice, p0: number, p1: number, count = 5): Scale {
  return c.kind === 'log' ? logScale(c.lo, c.hi, p0, p1) : linearScale(c.lo, c.hi, p0, p1, count);
}
