// The report's robust y axis and missing values: an extreme point is clipped and marked (not
// flattening the rest), values spanning decades get a log axis, and nothing prints NaN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseYScale, scaleOf } from '../../src/eval/report/scale.js';
import { barChartSvg, captionQualityTable, formatCell, formatMeanStd, formatMetric, formatNumber, formatPercent, lineChartSvg, nestedMetricsTable, renderReport } from '../../src/eval/report/index.js';

test('chooseYScale: one diverged point is clipped; the rest keep a linear axis', { timeout: 10_000 }, () => {
  const c = chooseYScale([2.1, 2.3, 2.5, 3.0, 3.2, 4.3, 5.8, 23936]);
  assert.deepEqual(c, { kind: 'linear', lo: 2.1, hi: 5.8, clipped: true });
  assert.deepEqual(chooseYScale([2.0, 2.3, 2.6, 3.3, 4.6, 6.9, 9.2, 24, 43]), { kind: 'linear', lo: 2, hi: 43, clipped: false }, 'a poor seed within 10x is not clipped');
  const y = scaleOf(c, 300, 40);
  assert.ok(y(23936) < 40, 'the extreme point maps beyond the top');
});

test('chooseYScale: values spread over > 1.5 decades get a log axis; a narrow range stays linear', { timeout: 10_000 }, () => {
  assert.deepEqual(chooseYScale([0.001, 0.01, 0.1, 1]), { kind: 'log', lo: 0.001, hi: 1, clipped: false });
  assert.deepEqual(chooseYScale([0.2, 0.25, 0.3]), { kind: 'linear', lo: 0.2, hi: 0.3, clipped: false });
  assert.equal(chooseYScale([0.001, 0.01, 0.1, 1], { includeZero: true }).kind, 'linear', 'bar charts keep a zero baseline');
  assert.deepEqual(chooseYScale([-1, 0, 1]), { kind: 'linear', lo: -1, hi: 1, clipped: false });
  assert.deepEqual(chooseYScale([NaN]), { kind: 'linear', lo: 0, hi: 1, clipped: false });
  assert.deepEqual(chooseYScale([5, 5, 5, 5]), { kind: 'linear', lo: 5, hi: 5, clipped: false });
});

test('line and bar charts mark a clipped point with a triangle and its true value', { timeout: 10_000 }, () => {
  const series = ['A', 'B', 'C'].map((name, i) => ({ name, points: [{ x: 1, y: i === 2 ? 23936 : 4 + i }, { x: 10, y: 3 + i / 10 }, { x: 100, y: 2.5 + i / 10 }] }));
  const svg = lineChartSvg({ kind: 'line', title: 'depth RMSE', xLabel: '%', yLabel: 'RMSE', xScale: 'log', series });
  assert.match(svg, /<g class="clipped"><polygon/);
  assert.match(svg, /▲ 2\.39e\+4/);
  assert.match(svg, /beyond the axis/);
  const two = lineChartSvg({ kind: 'line', title: 't', xLabel: '%', yLabel: 'y', series: [...series, { name: 'D', points: [{ x: 1, y: 12000 }, { x: 10, y: 3 }, { x: 100, y: 2.6 }] }] });
  const labelYs = [...two.matchAll(/<text class="tick" x="[\d.]+" y="([\d.]+)" fill="[^"]+">▲/g)].map((m) => Number(m[1]));
  assert.equal(labelYs.length, 2);
  assert.notEqual(labelYs[0], labelYs[1], 'two marks at one x: their labels are stacked, not overlaid');
  const plain = lineChartSvg({ kind: 'line', title: 't', xLabel: '%', yLabel: 'y', series: [{ name: 'A', points: [{ x: 1, y: 0.2 }, { x: 2, y: 0.3 }] }] });
  assert.doesNotMatch(plain, /clipped/);
  const bars = barChartSvg({ kind: 'bar', title: 'b', yLabel: 'y', categories: ['a', 'b', 'c', 'd', 'e'], series: [{ name: 'S', values: [1, 1.2, 0.9, 1.1, 500].map((y) => ({ y })) }] });
  assert.match(bars, /▲ 500\.000/);
});

test('missing values read n/a everywhere, never NaN', { timeout: 10_000 }, () => {
  assert.equal(formatNumber(NaN), 'n/a');
  assert.equal(formatPercent(null), 'n/a');
  assert.equal(formatPercent(0.4123), '41.2%');
  assert.equal(formatMeanStd([NaN, NaN], true), 'n/a');
  assert.equal(formatMeanStd([0.4, 0.5, 0.6], true), '50.0 ± 10.0%');
  assert.equal(formatMetric({ value: NaN, percent: true }), 'n/a');
  assert.equal(formatCell(null), 'n/a');
  const caps = captionQualityTable('captions', { web: { captions: 10, shapes: { stated: 1, correct: 0.8 }, colours: { stated: 0.5, correct: 0.6 }, counts: { stated: 0, correct: null }, allCorrect: 0.5, claimPrecision: 0.75 } });
  assert.deepEqual(caps.columns, ['captions', 'n', 'claim precision', 'shape accuracy', 'colour accuracy', 'count accuracy', 'all claims true']);
  const labels = nestedMetricsTable('labels', 'labels', { experts: { samples: 9, seg: { miou: 0.3 }, depth: { rmse: 3.78 } } },
    [{ group: 'seg', key: 'miou', label: 'seg mIoU', percent: true }, { group: 'depth', key: 'rmse', label: 'depth RMSE' }, { group: 'det', key: 'ap', label: 'det AP', percent: true }], 'samples');
  const html = renderReport({ title: 't', created: 'now', sections: [{ title: 's', blocks: [caps, labels] }] });
  assert.doesNotMatch(html, /NaN/);
  assert.match(html, /n\/a \(0\.0% state it\)/);
  assert.match(html, /30\.0%<\/td><td class="num">3\.780<\/td><td>n\/a<\/td>/);
});
