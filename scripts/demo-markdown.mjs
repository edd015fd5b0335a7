#!/usr/bin/env node
// Prints a demo's verdicts and tables as Markdown, from its demo.json, with the same report code
// that writes report.html (so README tables are generated from a stored run, never typed by hand):
//   npm run build && node scripts/demo-markdown.mjs docs/results/paper/demo.json [section title ...]
// With section titles (substrings, case-insensitive) only those sections are printed.
import { demoReportOf } from './demo-json.mjs';

const [input, ...only] = process.argv.slice(2);
if (!input) {
  console.error('usage: node scripts/demo-markdown.mjs <demo.json> [section title ...]');
  process.exit(2);
}
const report = await demoReportOf(input, 'demo-markdown');

/** One table cell as text: metrics as value ± spread (percent cells x 100), missing as n/a. */
function cellText(c) {
  if (c === null || c === undefined) return 'n/a';
  if (typeof c === 'string') return c.replace(/\|/g, '\\|');
  if (typeof c === 'number') return Number.isFinite(c) ? String(+c.toFixed(3)) : 'n/a';
  if (!Number.isFinite(c.value)) return 'n/a';
  const k = c.percent ? 100 : 1, digits = c.digits ?? (c.percent ? 1 : 3);
  const unit = c.percent ? '%' : '';
  const text = `${(k * c.value).toFixed(digits)}${c.spread !== undefined && Number.isFinite(c.spread) ? ` ± ${(k * c.spread).toFixed(digits)}` : ''}${unit}`;
  return c.best ? `**${text}**` : text;
}

function tableMarkdown(b) {
  const lines = [];
  if (b.caption) lines.push(`*${b.caption}*`, '');
  lines.push(`| ${b.columns.join(' | ')} |`, `| ${b.columns.map(() => '---').join(' | ')} |`);
  for (const r of b.rows) lines.push(`| ${r.map(cellText).join(' | ')} |`);
  if (b.note) lines.push('', b.note);
  return lines.join('\n');
}

const wanted = (title) => !only.length || only.some((o) => title.toLowerCase().includes(o.toLowerCase()));
for (const s of report.sections.filter((x) => wanted(x.title))) {
  console.log(`### ${s.title}\n`);
  for (const b of s.blocks) {
    if (b.kind === 'table') console.log(`${tableMarkdown(b)}\n`);
    else if (b.kind === 'verdict') console.log(`- **${b.verdict}**: ${b.claim}. ${b.text}\n`);
  }
}
