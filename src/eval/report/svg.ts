// The shared frame of the report's charts: the SVG element, axes with ticks and grid lines, axis
// titles, error bars and a legend. All text is escaped.
import { escapeHtml } from './format.js';
import { tickLabel, type Scale } from './scale.js';

/** Categorical colours of the series (colour-blind friendly, fixed order). */
export const SERIES_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#f0e442', '#000000', '#999999', '#882255'];

/** The plot box inside the SVG. */
export interface Frame { width: number; height: number; left: number; right: number; top: number; bottom: number }

/** The default chart frame: room for tick labels on the left and a legend on the right. */
export function defaultFrame(): Frame {
  const width = 640, height = 320;
  return { width, height, left: 64, right: width - 170, top: 34, bottom: height - 48 };
}

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Opening tag of a chart's SVG with its title (for screen readers and as a heading). */
export function svgOpen(f: Frame, title: string): string {
  return `<svg class="chart" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title><text class="chart-title" x="${f.left}" y="20">${escapeHtml(title)}</text>`;
}

/** The y axis: grid lines, tick labels and the axis title. */
export function yAxis(f: Frame, y: Scale, label: string, percent = false): string {
  const ticks = y.ticks.map((t) => `<line class="grid" x1="${f.left}" x2="${f.right}" y1="${f1(y(t))}" y2="${f1(y(t))}" />` +
    `<text class="tick" x="${f.left - 6}" y="${f1(y(t) + 4)}" text-anchor="end">${escapeHtml(tickLabel(t, percent))}</text>`).join('');
  const mid = (f.top + f.bottom) / 2;
  return `${ticks}<line class="axis" x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.bottom}" />` +
    `<text class="axis-title" x="14" y="${f1(mid)}" text-anchor="middle" transform="rotate(-90 14 ${f1(mid)})">${escapeHtml(label)}</text>`;
}

/** The x axis line, labels at given positions, and the axis title. */
export function xAxis(f: Frame, labels: { x: number; text: string }[], title: string): string {
  const ticks = labels.map((l) => `<line class="axis" x1="${f1(l.x)}" x2="${f1(l.x)}" y1="${f.bottom}" y2="${f.bottom + 4}" />` +
    `<text class="tick" x="${f1(l.x)}" y="${f.bottom + 17}" text-anchor="middle">${escapeHtml(l.text)}</text>`).join('');
  return `<line class="axis" x1="${f.left}" x2="${f.right}" y1="${f.bottom}" y2="${f.bottom}" />${ticks}` +
    `<text class="axis-title" x="${f1((f.left + f.right) / 2)}" y="${f.height - 8}" text-anchor="middle">${escapeHtml(title)}</text>`;
}

/** A vertical error bar from lo to hi at x, with caps. */
export function errorBar(x: number, lo: number, hi: number, colour: string): string {
  const c = 4;
  return `<g class="errorbar" stroke="${colour}"><line x1="${f1(x)}" x2="${f1(x)}" y1="${f1(lo)}" y2="${f1(hi)}" />` +
    `<line x1="${f1(x - c)}" x2="${f1(x + c)}" y1="${f1(lo)}" y2="${f1(lo)}" /><line x1="${f1(x - c)}" x2="${f1(x + c)}" y1="${f1(hi)}" y2="${f1(hi)}" /></g>`;
}

/** The legend: a swatch and the name of each series, right of the plot. */
export function legend(f: Frame, names: string[]): string {
  return names.map((n, i) => {
    const y = f.top + 8 + i * 18, colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    return `<rect x="${f.right + 14}" y="${y - 8}" width="12" height="12" fill="${colour}" />` +
      `<text class="legend" x="${f.right + 32}" y="${y + 2}">${escapeHtml(n)}</text>`;
  }).join('');
}

/** Rounds a pixel coordinate for the markup. */
export const px = f1;

/** A pixel y kept inside the plot (values beyond the axis are drawn at its edge). */
export function clampToPlot(f: Frame, py: number): number {
  return Number.isFinite(py) ? Math.min(f.bottom, Math.max(f.top, py)) : f.top;
}

/**
 * The mark of a value beyond the y axis: a triangle at the plot's edge pointing out of it, with
 * the true value as a label beside it and as the tooltip (`tip`).
 * @example clippedMark(defaultFrame(), 100, 'top', '#1f77b4', '2.39e4', 'C: 1 -> 2.39e4 (beyond the axis)')
 */
export function clippedMark(f: Frame, x: number, edge: 'top' | 'bottom', colour: string, value: string, tip: string, nth = 0): string {
  const y = edge === 'top' ? f.top : f.bottom, d = edge === 'top' ? -1 : 1;
  const pts = [[x - 6, y], [x + 6, y], [x, y + d * 9]].map(([a, b]) => `${f1(a!)},${f1(b!)}`).join(' ');
  const ty = (edge === 'top' ? y + 12 : y - 5) - d * 13 * nth;  // the nth mark at the same place: its label one line further in
  return `<g class="clipped"><polygon points="${pts}" fill="${colour}" stroke="#000000" stroke-width="0.8"><title>${escapeHtml(tip)}</title></polygon>` +
    `<text class="tick" x="${f1(x + 8)}" y="${f1(ty)}" fill="${colour}">${d < 0 ? '▲' : '▼'} ${escapeHtml(value)}</text></g>`;
}

/** A line under the plot saying that marked points lie beyond the axis. */
export function clippedNote(f: Frame): string {
  return `<text class="tick" x="${f.right + 14}" y="${f.bottom - 14}">▲▼ beyond the axis:</text><text class="tick" x="${f.right + 14}" y="${f.bottom}">true value shown</text>`;
}
