// Escaping and number formatting shared by the HTML page and its SVG charts.
import type { Cell, MetricCell } from './types.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML/SVG content and attribute values.
 * @example escapeHtml('<b>"a" & b</b>') // '&lt;b&gt;&quot;a&quot; &amp; b&lt;/b&gt;'
 */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** How the report shows a missing value (null, undefined, NaN, ±Infinity): never "NaN". */
export const MISSING = 'n/a';

/** Whether `v` is a number the report can show (finite). */
export const isShown = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A number with `digits` decimals; missing (null, undefined, non-finite) values as MISSING.
 * @example formatNumber(0.41234, 3) // '0.412'
 * @example formatNumber(NaN) // 'n/a'
 */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  return isShown(v) ? v.toFixed(digits) : MISSING;
}

/**
 * A ratio as a percentage with `digits` decimals; missing values as MISSING (no % sign).
 * @example formatPercent(0.4123) // '41.2%'
 * @example formatPercent(null) // 'n/a'
 */
export function formatPercent(v: number | null | undefined, digits = 1): string {
  return isShown(v) ? `${(v * 100).toFixed(digits)}%` : MISSING;
}

/**
 * Seeds' values as mean ± sample standard deviation (percent: x 100 with a %); non-finite values
 * are left out, none left gives MISSING, one gives the value alone.
 * @example formatMeanStd([0.4, 0.5, 0.6], true) // '50.0 ± 10.0%'
 * @example formatMeanStd([NaN, NaN], true) // 'n/a'
 */
export function formatMeanStd(values: readonly number[], percent = false, digits = percent ? 1 : 3): string {
  const s = summarize(values);
  return formatMetric({ value: s.mean, ...(s.n > 1 ? { spread: s.std } : {}), percent, digits });
}

/**
 * A metric cell as text: value, then ± spread, both x 100 with a trailing % when percent.
 * @example formatMetric({ value: 0.412, spread: 0.008, percent: true }) // '41.2 ± 0.8%'
 */
export function formatMetric(m: MetricCell): string {
  const scale = m.percent ? 100 : 1, digits = m.digits ?? (m.percent ? 1 : 3);
  if (!isShown(m.value)) return MISSING;
  const v = formatNumber(m.value * scale, digits);
  const s = isShown(m.spread) ? ` ± ${formatNumber(m.spread * scale, digits)}` : '';
  return `${v}${s}${m.percent ? '%' : ''}`;
}

/** Any cell as plain (unescaped) text; an empty (null) cell or a non-finite number as MISSING. */
export function formatCell(c: Cell): string {
  if (c === null || c === undefined) return MISSING;
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : formatNumber(c, 3);  // NaN: MISSING
  return formatMetric(c);
}

/** Mean, sample standard deviation, min and max of seeds' values (NaN entries ignored). */
export interface Summary { mean: number; std: number; min: number; max: number; n: number }

/**
 * Summarises one metric over seeds.
 * @example summarize([0.4, 0.5, 0.6]) // { mean: 0.5, std: 0.1, min: 0.4, max: 0.6, n: 3 }
 */
export function summarize(values: readonly number[]): Summary {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (!n) return { mean: NaN, std: NaN, min: NaN, max: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...v), max: Math.max(...v), n };
}

/**
 * A table cell of seeds' values: mean ± standard deviation.
 * @example metricOf([0.4, 0.5, 0.6], { percent: true }) // { value: 0.5, spread: 0.1, percent: true }
 */
export function metricOf(values: readonly number[], o: Omit<MetricCell, 'value' | 'spread'> = {}): MetricCell {
  const s = summarize(values);
  return { ...o, value: s.mean, ...(s.n > 1 ? { spread: s.std } : {}) };
}

/** A chart value of seeds' values: the mean with an error bar over min..max (none for one seed). */
export function intervalOf(values: readonly number[]): { y: number; lo?: number; hi?: number } {
  const s = summarize(values);
  return s.n > 1 ? { y: s.mean, lo: s.min, hi: s.max } : { y: s.mean };
}
