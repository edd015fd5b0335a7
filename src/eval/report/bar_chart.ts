// Bar charts as inline SVG: a group per category, a bar per series, error bars (lo..hi), a legend.
import { escapeHtml, formatNumber } from './format.js';
import { linearScale } from './scale.js';
import { SERIES_COLOURS, defaultFrame, errorBar, legend, px, svgOpen, xAxis, yAxis } from './svg.js';
import type { BarChartBlock } from './types.js';

/**
 * Renders a grouped bar chart (e.g. mIoU per variant, one group per task) as an SVG string. The
 * y axis always includes 0, so bar lengths compare.
 * @example barChartSvg({ kind: 'bar', title: 'zero-shot', yLabel: 'top-1', categories: ['shape'],
 *   series: [{ name: 'A', values: [{ y: 0.4, lo: 0.35, hi: 0.45 }] }, { name: 'B', values: [{ y: 0.5 }] }] })
 */
export function barChartSvg(c: BarChartBlock): string {
  const f = defaultFrame();
  const vals = c.series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v.y));
  const ys = [0, ...vals.flatMap((v) => [v!.y, v!.lo ?? v!.y, v!.hi ?? v!.y]).filter(Number.isFinite)];
  const y = linearScale(Math.min(...ys), Math.max(...ys), f.bottom, f.top, 5);
  const n = Math.max(1, c.categories.length), k = Math.max(1, c.series.length);
  const group = (f.right - f.left) / n, bar = Math.min(40, (group * 0.8) / k);
  const centre = (ci: number): number => f.left + group * (ci + 0.5);
  const parts = [svgOpen(f, c.title), yAxis(f, y, c.yLabel, c.yPercent), xAxis(f, c.categories.map((t, i) => ({ x: centre(i), text: t })), '')];
  c.series.forEach((s, si) => {
    const colour = SERIES_COLOURS[si % SERIES_COLOURS.length]!;
    s.values.forEach((v, ci) => {
      if (!v || !Number.isFinite(v.y) || ci >= n) return;
      const x0 = centre(ci) - (bar * k) / 2 + si * bar;
      const top = Math.min(y(v.y), y(0)), h = Math.abs(y(v.y) - y(0));
      const text = c.yPercent ? `${formatNumber(v.y * 100, 1)}%` : formatNumber(v.y, 3);
      parts.push(`<rect x="${px(x0 + 1)}" y="${px(top)}" width="${px(bar - 2)}" height="${px(h)}" fill="${colour}"><title>${escapeHtml(`${s.name}, ${c.categories[ci]}: ${text}`)}</title></rect>`);
      if (v.lo !== undefined && v.hi !== undefined && Number.isFinite(v.lo) && Number.isFinite(v.hi)) parts.push(errorBar(x0 + bar / 2, y(v.lo), y(v.hi), '#333333'));
    });
  });
  parts.push(`<line class="axis" x1="${f.left}" x2="${f.right}" y1="${px(y(0))}" y2="${px(y(0))}" />`, legend(f, c.series.map((s) => s.name)), '</svg>');
  return parts.join('');
}
