// Report sections of the built-in evaluations (zero-shot, retrieval) and builders for comparing
// model variants over seeds (tables with mean ± std and the best marked, data-efficiency curves),
// which the demo and the dense probes fill with their numbers.
import type { RetrievalResult } from '../retrieval.js';
import type { ZeroShotResult } from '../zero_shot.js';
import { formatPercent, intervalOf, metricOf, summarize } from './format.js';
import type { BarChartBlock, Cell, LineChartBlock, Section, TableBlock } from './types.js';

/** Zero-shot: a summary table, top-1 against chance per task, and each task's per-class recall. */
export function zeroShotSection(r: Record<string, ZeroShotResult>): Section {
  const tasks = Object.entries(r);
  const table: TableBlock = {
    kind: 'table', caption: 'Zero-shot classification (prompt templates averaged per class)',
    columns: ['task', 'classes', 'images', 'top-1', 'top-5', 'balanced', 'chance', 'majority'],
    rows: tasks.map(([name, t]) => [name, t.classes, t.images, { value: t.top1, percent: true }, { value: t.top5, percent: true },
      { value: t.balanced, percent: true }, { value: t.chance, percent: true }, { value: t.majority, percent: true }]),
    note: 'balanced = mean per-class recall; chance = 1 / classes; majority = always guessing the most frequent class.',
  };
  const chart: BarChartBlock = {
    kind: 'bar', title: 'Zero-shot top-1 vs chance', yLabel: 'accuracy', yPercent: true, categories: tasks.map(([n]) => n),
    series: [{ name: 'top-1', values: tasks.map(([, t]) => ({ y: t.top1 })) }, { name: 'balanced', values: tasks.map(([, t]) => ({ y: t.balanced })) },
      { name: 'chance', values: tasks.map(([, t]) => ({ y: t.chance })) }],
  };
  const perClass: TableBlock[] = tasks.map(([name, t]) => ({
    kind: 'table', caption: `Per-class recall: ${name}`, columns: ['class', 'images', 'recall'],
    rows: t.perClass.map((c) => [c.name, c.images, c.images ? { value: c.recall, percent: true } : null]),
  }));
  return { title: 'Zero-shot classification', blocks: [table, chart, ...perClass] };
}

/** Retrieval: recall@1/5/10 both ways as a table and a chart. */
export function retrievalSection(r: RetrievalResult): Section {
  const rows: [string, RetrievalResult['imageToText']][] = [['image → text', r.imageToText], ['text → image', r.textToImage]];
  return {
    title: 'Image-text retrieval',
    blocks: [
      {
        kind: 'table', caption: `Retrieval over ${r.images} images and ${r.texts} captions (${r.captions})`,
        columns: ['direction', 'R@1', 'R@5', 'R@10'],
        rows: rows.map(([d, v]) => [d, { value: v.r1, percent: true }, { value: v.r5, percent: true }, { value: v.r10, percent: true }]),
        note: `mean recall ${formatPercent(r.meanRecall)}; tied scores count as a random tie-break would (expected recall)${r.skipped ? `; ${r.skipped} images without a caption skipped` : ''}.`,
      },
      { kind: 'bar', title: 'Retrieval recall', yLabel: 'recall', yPercent: true, categories: ['R@1', 'R@5', 'R@10'],
        series: rows.map(([d, v]) => ({ name: d, values: [{ y: v.r1 }, { y: v.r5 }, { y: v.r10 }] })) },
    ],
  };
}

/** A metric column of a comparison. */
export interface MetricSpec { key: string; label: string; percent?: boolean; digits?: number; higherIsBetter?: boolean }

/** A model variant's values per metric, one per seed. */
export interface VariantSeeds { name: string; seeds: Record<string, number[]> }

/**
 * A table of variants x metrics, each cell mean ± std over seeds, the best mean of each column bold.
 * @example comparisonTable('Probes', [{ key: 'miou', label: 'mIoU', percent: true }, { key: 'rmse', label: 'RMSE', higherIsBetter: false }],
 *   [{ name: 'A web', seeds: { miou: [0.31, 0.33], rmse: [0.9, 0.8] } }, { name: 'B quality', seeds: { miou: [0.36, 0.35], rmse: [0.7, 0.75] } }])
 */
export function comparisonTable(caption: string, metrics: MetricSpec[], variants: VariantSeeds[]): TableBlock {
  const means = metrics.map((m) => variants.map((v) => summarize(v.seeds[m.key] ?? []).mean));
  const best = metrics.map((m, i) => {
    const ok = means[i]!.filter(Number.isFinite);
    return ok.length > 1 ? (m.higherIsBetter === false ? Math.min(...ok) : Math.max(...ok)) : NaN;
  });
  const seeds = Math.max(0, ...variants.flatMap((v) => Object.values(v.seeds).map((s) => s.length)));
  return {
    kind: 'table', caption, columns: ['variant', ...metrics.map((m) => `${m.label} ${m.higherIsBetter === false ? '↓' : '↑'}`)],
    rows: variants.map((v, vi) => [v.name, ...metrics.map((m, i) => {
      const vals = v.seeds[m.key] ?? [];
      if (!vals.length) return null;
      return { ...metricOf(vals, { percent: m.percent, digits: m.digits }), best: means[i]![vi] === best[i] };
    })]),
    note: seeds > 1 ? `mean ± standard deviation over up to ${seeds} seeds; best mean in bold.` : 'one seed: no spread.',
  };
}

/**
 * A data-efficiency chart: the metric against the share of labels, one line per variant, error
 * bars over seeds (min..max). `byShare[i]` holds the seeds' values at `shares[i]` (in %).
 * @example efficiencyChart('Segmentation', 'mIoU', [1, 10, 100], [{ name: 'B', byShare: [[0.2, 0.22], [0.3], [0.4]] }], true)
 */
export function efficiencyChart(title: string, yLabel: string, shares: number[], variants: { name: string; byShare: number[][] }[], percent = false): LineChartBlock {
  return {
    kind: 'line', title, xLabel: '% of probe-train labels', yLabel, xScale: shares.every((s) => s > 0) ? 'log' : 'linear', yPercent: percent,
    series: variants.map((v) => ({ name: v.name, points: shares.map((x, i) => ({ x, ...intervalOf(v.byShare[i] ?? []) })).filter((p) => Number.isFinite(p.y)) })),
    note: 'points are the mean over seeds; bars span the lowest to the highest seed.',
  };
}

/** One caption source's quality: per aspect the share of captions stating it and the share of those right (null: none stated). */
export interface CaptionQualityRow {
  captions: number;
  shapes: { stated: number; correct: number | null };
  colours: { stated: number; correct: number | null };
  counts: { stated: number; correct: number | null };
  allCorrect: number | null;
  claimPrecision: number | null;
}

/**
 * Caption quality per caption source: claim precision, shape / colour / count accuracy (with the
 * share of captions stating each) and the share of captions whose claims are all true.
 * @example captionQualityTable('Caption quality', { web: { captions: 10, shapes: { stated: 1, correct: 0.8 }, colours: { stated: 0.5, correct: 0.6 },
 *   counts: { stated: 0, correct: null }, allCorrect: 0.5, claimPrecision: 0.75 } })  // the web row's count accuracy reads 'n/a'
 */
export function captionQualityTable(caption: string, sources: Record<string, CaptionQualityRow>): TableBlock {
  const pct = (v: number | null): Cell => (v === null ? null : { value: v, percent: true });
  const aspect = (a: { stated: number; correct: number | null }): Cell => (a.correct === null || !Number.isFinite(a.correct) ? `n/a (${formatPercent(a.stated)} state it)` : `${formatPercent(a.correct)} (${formatPercent(a.stated)} state it)`);
  return {
    kind: 'table', caption, columns: ['captions', 'n', 'claim precision', 'shape accuracy', 'colour accuracy', 'count accuracy', 'all claims true'],
    rows: Object.entries(sources).map(([name, s]) => [name, s.captions, pct(s.claimPrecision), aspect(s.shapes), aspect(s.colours), aspect(s.counts), pct(s.allCorrect)]),
    note: 'claim precision = share of all claims that are true; an aspect\'s accuracy = share of the captions stating it that state it rightly (in brackets: the share that state it; n/a = no caption states it).',
  };
}

/** A column of a nested-metrics table: the value at `group`.`key` of each row (e.g. depth.rmse). */
export interface NestedMetricColumn { group: string; key: string; label: string; percent?: boolean; digits?: number; higherIsBetter?: boolean }

/**
 * A table of sources x metrics read from nested records (e.g. pseudo-label quality: seg.miou,
 * depth.rmse); a metric a source lacks reads 'n/a'. `count` names a top-level number shown first.
 * @example nestedMetricsTable('Pseudo-labels', 'labels', { experts: { samples: 9, seg: { miou: 0.3 } } },
 *   [{ group: 'seg', key: 'miou', label: 'seg mIoU', percent: true }], 'samples')
 */
export function nestedMetricsTable(caption: string, rowName: string, rows: Record<string, Record<string, unknown>>, columns: NestedMetricColumn[], count?: string): TableBlock {
  const read = (r: Record<string, unknown>, c: NestedMetricColumn): number | null => {
    const g = r[c.group], v = g !== null && typeof g === 'object' ? (g as Record<string, unknown>)[c.key] : undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const arrow = (c: NestedMetricColumn): string => (c.higherIsBetter === undefined ? '' : c.higherIsBetter ? ' ↑' : ' ↓');
  return {
    kind: 'table', caption, columns: [rowName, ...(count ? [count] : []), ...columns.map((c) => `${c.label}${arrow(c)}`)],
    rows: Object.entries(rows).map(([name, r]) => [name, ...(count ? [typeof r[count] === 'number' ? r[count] as number : null] : []),
      ...columns.map((c): Cell => { const v = read(r, c); return v === null ? null : { value: v, percent: c.percent, digits: c.digits }; })]),
  };
}
