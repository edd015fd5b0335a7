// Line charts as inline SVG: one line per series with markers, error bars (lo..hi) and a legend.
// The y axis is robust (scale.ts chooseYScale): an extreme point is drawn as a marked triangle at
// the edge with its true value, or the axis turns logarithmic when the values span decades.
import { escapeHtml, formatNumber } from './format.js';
import { chooseYScale, linearScale, logScale, scaleOf, tickLabel } from './scale.js';
import { SERIES_COLOURS, clampToPlot, clippedMark, clippedNote, defaultFrame, errorBar, legend, px, svgOpen, xAxis, yAxis } from './svg.js';
import type { LineChartBlock } from './types.js';

/**
 * Renders a line chart (e.g. mIoU vs % of probe labels, one line per variant) as an SVG string.
 * @example lineChartSvg({ kind: 'line', title: 'mIoU', xLabel: '% labels', yLabel: 'mIoU', xScale: 'log',
 *   series: [{ name: 'B', points: [{ x: 1, y: 0.2 }, { x: 10, y: 0.3, lo: 0.28, hi: 0.33 }] }] })
 */
export function lineChartSvg(c: LineChartBlock): string {
  const f = defaultFrame();
  const pts = c.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (!pts.length) return `${svgOpen(f, c.title)}<text class="tick" x="${f.left}" y="${f.top + 20}">no data</text></svg>`;
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).filter(Number.isFinite);
  const x = c.xScale === 'log' ? logScale(Math.min(...xs), Math.max(...xs), f.left + 10, f.right - 10)
    : linearScale(Math.min(...xs), Math.max(...xs), f.left + 10, f.right - 10, 6);
  const choice = chooseYScale(ys), y = scaleOf(choice, f.bottom, f.top);
  const yIn = (v: number): number => clampToPlot(f, y(v));
  const show = (v: number): string => (c.yPercent ? `${formatNumber(v * 100, 1)}%` : Math.abs(v) >= 1e4 ? v.toExponential(2) : formatNumber(v, 3));
  const parts = [svgOpen(f, c.title), yAxis(f, y, `${c.yLabel}${choice.kind === 'log' ? ' (log)' : ''}`, c.yPercent), xAxis(f, x.ticks.map((t) => ({ x: x(t), text: tickLabel(t) })), c.xLabel)];
  const marks = new Map<string, number>();  // marks per edge and x, to stack their labels
  c.series.forEach((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const ok = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (ok.length > 1) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${ok.map((p) => `${px(x(p.x))},${px(yIn(p.y))}`).join(' ')}" />`);
    for (const p of ok) {
      if (p.lo !== undefined && p.hi !== undefined && Number.isFinite(p.lo) && Number.isFinite(p.hi)) parts.push(errorBar(x(p.x), yIn(p.lo), yIn(p.hi), colour));
      const range = p.lo !== undefined && p.hi !== undefined && p.hi !== p.lo ? ` (seeds ${show(p.lo)} .. ${show(p.hi)})` : '';
      const tip = `${s.name}: ${tickLabel(p.x)} -> ${show(p.y)}${range}`;
      const py = y(p.y);
      if (py >= f.top && py <= f.bottom) parts.push(`<circle cx="${px(x(p.x))}" cy="${px(py)}" r="3.5" fill="${colour}"><title>${escapeHtml(tip)}</title></circle>`);
      else {
        const edge = py < f.top ? 'top' : 'bottom', at = `${edge}${px(x(p.x))}`, nth = marks.get(at) ?? 0;
        marks.set(at, nth + 1);
        parts.push(clippedMark(f, x(p.x), edge, colour, show(p.y), `${tip}, beyond the axis`, nth));
      }
    }
  });
  parts.push(legend(f, c.series.map((s) => s.name)), marks.size ? clippedNote(f) : '', '</svg>');
  return parts.join('');
}
