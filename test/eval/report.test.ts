// The HTML report: well-formed (tags balanced), self-contained (no external URLs, images as data
// URIs), text escaped, the given numbers present; charts, colour maps and image helpers by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeImage } from '../../src/data/loader/index.js';
import {
  barChartSvg, classColour, comparisonTable, denormalize, denseRow, depthToRgb, efficiencyChart, escapeHtml, formatMetric, lineChartSvg,
  normalsToRgb, pngDataUri, renderReport, segOverlay, summarize, viridis, writeReport, type Report,
} from '../../src/eval/report/index.js';
import { niceDomain, logScale } from '../../src/eval/report/scale.js';

const VOID = new Set(['meta', 'img', 'br', 'hr', 'input', 'link', 'col']);

/** Checks that every tag closes in order; returns the tag names seen. */
function checkBalanced(html: string): string[] {
  const stack: string[] = [], seen: string[] = [];
  const body = html.replace(/^<!DOCTYPE html>/, '').replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    const tag = name!.toLowerCase();
    seen.push(tag);
    if (close) {
      const open = stack.pop();
      assert.equal(open, tag, `</${tag}> closes <${open}> at ${m.index}: ${body.slice(Math.max(0, m.index! - 80), m.index! + 20)}`);
    } else if (!self && !VOID.has(tag)) stack.push(tag);
  }
  assert.deepEqual(stack, [], 'every tag closed');
  // Outside tags there is no stray markup.
  assert.ok(!/<(?![a-zA-Z/!])/.test(body), 'no raw < in text');
  return seen;
}

function sampleReport(): Report {
  const rgb = new Uint8Array(4 * 4 * 3).fill(200);
  const seg = Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : i < 12 ? 2 : 255));
  const depth = Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : 1 + i / 4));
  const normals = new Float32Array(48); normals.fill(1, 32, 48);
  const row = denseRow({ rgb, width: 4, height: 4, seg, segTruth: seg, depth, depthTruth: depth, normals, normalsTruth: normals });
  return {
    title: 'Evaluation <script>alert("x")</script>', subtitle: 'a & b', created: '2025-01-01T00:00:00Z',
    setup: [['model', 'runs/<demo>'], ['steps', 300], ['lr', { value: 0.001, digits: 4 }]],
    sections: [
      { title: 'Claims', blocks: [
        { kind: 'verdict', claim: 'quality captions beat web captions on mIoU', verdict: 'reproduced', text: 'B > A by 4.1 points.\n\nThree seeds <each>.' },
        { kind: 'verdict', claim: 'pseudo-labels help depth', verdict: 'inconclusive', text: 'spread too large' },
        comparisonTable('Probes on the frozen encoder', [{ key: 'miou', label: 'mIoU', percent: true }, { key: 'rmse', label: 'RMSE', higherIsBetter: false }],
          [{ name: 'A web', seeds: { miou: [0.40, 0.42, 0.44], rmse: [0.9, 0.8, 1.0] } }, { name: 'B quality', seeds: { miou: [0.51, 0.50, 0.49], rmse: [0.7, 0.75, 0.8] } }]),
      ] },
      { title: 'Data efficiency', blocks: [
        efficiencyChart('Segmentation vs labels', 'mIoU', [1, 10, 100], [{ name: 'A <web>', byShare: [[0.1, 0.12], [0.2, 0.25], [0.4, 0.44]] }, { name: 'B', byShare: [[0.15], [0.3], [0.5]] }], true),
        { kind: 'bar', title: 'RMSE per variant', yLabel: 'RMSE', categories: ['depth'], series: [{ name: 'A', values: [{ y: 0.9, lo: 0.8, hi: 1.0 }] }, { name: 'B', values: [{ y: 0.75 }] }] },
        { kind: 'text', text: 'Plain words & <tags> are escaped.' },
      ] },
      { title: 'Samples', blocks: [{ kind: 'images', title: 'probe-test', columns: row.columns, rows: [{ label: 'sample "0"', cells: row.cells }] }] },
    ],
  };
}

test('the report is well-formed, self-contained, escaped, and carries the numbers', () => {
  const html = renderReport(sampleReport());
  const tags = checkBalanced(html);
  assert.ok(tags.includes('svg') && tags.includes('polyline') && tags.includes('rect') && tags.includes('img') && tags.includes('table'));
  assert.ok(!/https?:|\/\/[a-z]|<script|<link|<iframe|url\(|@import/i.test(html), 'no external resource, no script');
  for (const m of html.matchAll(/\ssrc="([^"]*)"/g)) assert.match(m[1]!, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  assert.equal([...html.matchAll(/<img /g)].length, 7, 'input + 3 maps x (prediction, truth)');
  assert.ok(html.includes('Evaluation &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('runs/&lt;demo&gt;') && html.includes('a &amp; b') && html.includes('Three seeds &lt;each&gt;.') && html.includes('A &lt;web&gt;'));
  // Numbers: mean ± std of the seeds, best in bold, verdicts.
  assert.ok(html.includes('<td class="num">42.0 ± 2.0%</td>'), 'A mIoU');
  assert.ok(html.includes('<td class="num best">50.0 ± 1.0%</td>'), 'B mIoU, best');
  assert.ok(html.includes('<td class="num best">0.750 ± 0.050</td>'), 'B RMSE, best (lower is better)');
  assert.ok(html.includes('<td class="num">0.0010</td>') && html.includes('<td class="num">300</td>'));
  assert.ok(html.includes('class="verdict reproduced"') && html.includes('class="verdict inconclusive"'));
  assert.ok(html.includes('mIoU ↑') && html.includes('RMSE ↓'));
});

test('writeReport writes atomically; bad image URIs are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-report-'));
  writeReport(join(dir, 'report.html'), sampleReport());
  assert.deepEqual(readdirSync(dir), ['report.html']);
  assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /^<!DOCTYPE html>/);
  const bad = sampleReport();
  bad.sections[2]!.blocks = [{ kind: 'images', columns: ['x'], rows: [{ label: 'evil', cells: [{ uri: 'https://example.com/x.png' }] }] }];
  assert.throws(() => renderReport(bad), /image 'evil' is not a base64 PNG\/JPEG\/WebP data URI/);
  bad.sections[2]!.blocks = [{ kind: 'images', columns: ['x'], rows: [{ label: 'q', cells: [{ uri: 'data:image/png;base64,AAAA" onerror="x' }] }] }];
  assert.throws(() => renderReport(bad), /not a base64/);
});

test('charts: axes, ticks, points and error bars where the data says', () => {
  assert.deepEqual(niceDomain(0.13, 0.87, 5), { lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  assert.deepEqual(niceDomain(5, 5).ticks.length > 1, true);
  const x = logScale(1, 100, 0, 200);
  assert.deepEqual([x.ticks, x(1), x(10), x(100)], [[1, 10, 100], 0, 100, 200]);
  const line = lineChartSvg({ kind: 'line', title: 't', xLabel: 'x', yLabel: 'y', xScale: 'log', series: [{ name: 's', points: [{ x: 1, y: 0.2 }, { x: 10, y: 0.3, lo: 0.25, hi: 0.35 }, { x: 100, y: 0.4 }] }] });
  assert.equal([...line.matchAll(/<circle /g)].length, 3);
  assert.equal([...line.matchAll(/class="errorbar"/g)].length, 1);
  assert.ok(line.includes('>10<') && line.includes('>100<'), 'log ticks labelled');
  const bar = barChartSvg({ kind: 'bar', title: 't', yLabel: 'y', yPercent: true, categories: ['a', 'b'], series: [{ name: 's', values: [{ y: 0.5, lo: 0.4, hi: 0.6 }, null] }] });
  assert.equal([...bar.matchAll(/<rect x=/g)].length, 2, 'one bar + one legend swatch');
  assert.ok(bar.includes('>60%<'), 'percent ticks up to the error bar');
  assert.ok(lineChartSvg({ kind: 'line', title: 'e', xLabel: 'x', yLabel: 'y', series: [] }).includes('no data'));
  checkBalanced(`<div>${line}${bar}</div>`);
});

test('colour maps, image encoding and summaries by value', () => {
  assert.deepEqual([classColour(0), classColour(1), classColour(2), classColour(3), classColour(255)], [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [128, 128, 128]]);
  assert.deepEqual([viridis(0), viridis(1), viridis(-1)], [[68, 1, 84], [253, 231, 37], [68, 1, 84]]);
  assert.deepEqual([...depthToRgb([0, 1, 3], [1, 3])], [0, 0, 0, 253, 231, 37, 68, 1, 84], 'invalid black, near yellow, far purple');
  assert.deepEqual([...normalsToRgb([0, 0, 0, 0, 1, 0], 2, 1)], [128, 128, 255, 128, 128, 128], '+z is (128, 128, 255); no normal is grey');
  assert.deepEqual([...segOverlay(new Uint8Array([100, 100, 100, 100, 100, 100]), [1, 255], 0.5)], [114, 50, 50, 100, 100, 100]);
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  const uri = pngDataUri(rgb, 2, 2);
  const back = decodeImage(Buffer.from(uri.split(',')[1]!, 'base64'));
  assert.deepEqual([back.width, back.height, [...back.data]], [2, 2, [...rgb]]);
  const mean = [0.5, 0.5, 0.5], std = [0.25, 0.25, 0.25];
  assert.deepEqual([...denormalize([2, -2, 0, 0, 0, 0], 2, 1, mean, std)], [255, 128, 128, 0, 128, 128]);
  const s = summarize([0.4, 0.5, 0.6, NaN]);
  assert.ok(Math.abs(s.std - 0.1) < 1e-12 && s.n === 3 && s.min === 0.4 && s.max === 0.6);
  assert.equal(formatMetric({ value: 0.4123, spread: 0.0081, percent: true }), '41.2 ± 0.8%');
  assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
});
