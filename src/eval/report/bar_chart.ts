// Bar charts as inline SVG: a group per category, a bar per series, error bars (lo..hi), a legend.
// The y axis keeps 0 and is robust (scale.ts chooseYScale): a bar beyond it stops at the edge
// with a marked triangle and its true value.
import { escapeHtml, formatNumber } from './format.js';
import { chooseYScale, scaleOf } from './scale.js';
import { SERIES_COLOURS, clampToPlot, clippedMark, clippedNote, defaultFrame, errorBar, legend, px, svgOpen, xAxis, yAxis } from './svg.js';
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
  const ys = vals.flatMap((v) => [v!.y, v!.lo ?? v!.y, v!.hi ?? v!.y]).filter(Number.isFinite);
  const y = scaleOf(chooseYScale(ys, { includeZero: true }), f.bottom, f.top, 5);
  const yIn = (v: number): number => clampToPlot(f, y(v));
  const n = Math.max(1, c.categories.length), k = Math.max(1, c.series.length);
  const group = (f.right - f.left) / n, bar = Math.min(40, (group * 0.8) / k);
  const centre = (ci: number): number => f.left + group * (ci + 0.5);
  const parts = [svgOpen(f, c.title), yAxis(f, y, c.yLabel, c.yPercent), xAxis(f, c.categories.map((t, i) => ({ x: centre(i), text: t })), '')];
  const marks = new Map<string, number>();  // marks per edge and x, to stack their labels
  c.series.forEach((s, si) => {
    const colour = SERIES_COLOURS[si % SERIES_COLOURS.length]!;
    s.values.forEach((v, ci) => {
      if (!v || !Number.isFinite(v.y) || ci >= n) return;
      const x0 = centre(ci) - (bar * k) / 2 + si * bar;
      const top = Math.min(yIn(v.y), yIn(0)), h = Math.abs(yIn(v.y) - yIn(0));
      const text = c.yPercent ? `${formatNumber(v.y * 100, 1)}%` : Math.abs(v.y) >= 1e4 ? v.y.toExponential(2) : formatNumber(v.y, 3);
      const tip = `${s.name}, ${c.categories[ci]}: ${text}`;
      parts.push(`<rect x="${px(x0 + 1)}" y="${px(top)}" width="${px(bar - 2)}" height="${px(h)}" fill="${colour}"><title>${escapeHtml(tip)}</title></rect>`);
      if (v.lo !== undefined && v.hi !== undefined && Number.isFinite(v.lo) && Number.isFinite(v.hi)) parts.push(errorBar(x0 + bar / 2, yIn(v.lo), yIn(v.hi), '#333333'));
      const py = y(v.y);
      if (py < f.top || py > f.bottom) {
        const edge = py < f.top ? 'top' : 'bottom', at = `${edge}${ci}`, nth = marks.get(at) ?? 0;
        marks.set(at, nth + 1);
        parts.push(clippedMark(f, x0 + bar / 2, edge, colour, text, `${tip}, beyond the axis`, nth));
      }
    });
  });
  parts.push(`<line class="axis" x1="${f.left}" x2="${f.right}" y1="${px(yIn(0))}" y2="${px(yIn(0))}" />`, legend(f, c.series.map((s) => s.name)), marks.size ? clippedNote(f) : '', '</svg>');
  return parts.join('');
}
