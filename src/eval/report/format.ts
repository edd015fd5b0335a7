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

/**
 * A number with `digits` decimals; non-finite values as an en dash.
 * @example formatNumber(0.41234, 3) // '0.412'
 */
export function formatNumber(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/**
 * A metric cell as text: value, then ± spread, both x 100 with a trailing % when percent.
 * @example formatMetric({ value: 0.412, spread: 0.008, percent: true }) // '41.2 ± 0.8%'
 */
export function formatMetric(m: MetricCell): string {
  const scale = m.percent ? 100 : 1, digits = m.digits ?? (m.percent ? 1 : 3);
  const v = formatNumber(m.value * scale, digits);
  const s = m.spread !== undefined && Number.isFinite(m.spread) ? ` ± ${formatNumber(m.spread * scale, digits)}` : '';
  return `${v}${s}${m.percent && Number.isFinite(m.value) ? '%' : ''}`;
}

/** Any cell as plain (unescaped) text. */
export function formatCell(c: Cell): string {
  if (c === null || c === undefined) return '';
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : formatNumber(c, 3);
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
