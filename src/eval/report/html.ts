// Renders a Report as one self-contained HTML page: inline CSS, charts as inline SVG, images as
// data URIs, every piece of text escaped. Nothing is fetched when the page opens.
import { writeFileAtomic } from '../../io/atomic.js';
import { barChartSvg } from './bar_chart.js';
import { escapeHtml, formatCell } from './format.js';
import { lineChartSvg } from './line_chart.js';
import { REPORT_CSS } from './style.js';
import type { Block, Cell, ImageGridBlock, Report, TableBlock, VerdictBlock } from './types.js';

const DATA_URI = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

const note = (n?: string): string => (n ? `<p class="note">${escapeHtml(n)}</p>` : '');

function cellHtml(c: Cell, tag: 'td' | 'th' = 'td'): string {
  const cls = [typeof c === 'number' || (c !== null && typeof c === 'object') ? 'num' : '', c !== null && typeof c === 'object' && c.best ? 'best' : ''].filter(Boolean);
  return `<${tag}${cls.length ? ` class="${cls.join(' ')}"` : ''}>${escapeHtml(formatCell(c))}</${tag}>`;
}

function tableHtml(t: TableBlock): string {
  const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c) => cellHtml(c)).join('')}</tr>`).join('');
  return `<table>${t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${rows}</tbody></table>${note(t.note)}`;
}

function imagesHtml(g: ImageGridBlock): string {
  const size = g.size ?? 128;
  const head = `<tr><th></th>${g.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = g.rows.map((r) => `<tr><th>${escapeHtml(r.label)}</th>${r.cells.map((c) => {
    if (!c) return '<td></td>';
    if (!DATA_URI.test(c.uri)) throw new Error(`report: image '${r.label}' is not a base64 PNG/JPEG/WebP data URI (starts '${c.uri.slice(0, 30)}')`);
    const alt = c.caption ?? r.label;
    return `<td><img src="${c.uri}" width="${size}" height="${size}" alt="${escapeHtml(alt)}" />${c.caption ? `<div>${escapeHtml(c.caption)}</div>` : ''}</td>`;
  }).join('')}</tr>`).join('');
  return `<figure>${g.title ? `<figcaption><strong>${escapeHtml(g.title)}</strong></figcaption>` : ''}<table class="grid-images"><thead>${head}</thead><tbody>${rows}</tbody></table>${note(g.note)}</figure>`;
}

function verdictHtml(v: VerdictBlock): string {
  return `<div class="verdict ${v.verdict.replaceAll(' ', '-')}"><p><span class="badge">${escapeHtml(v.verdict)}</span>: ${escapeHtml(v.claim)}</p>${paragraphs(v.text)}</div>`;
}

function paragraphs(text: string): string {
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).map((p) => `<p>${escapeHtml(p)}</p>`).join('');
}

/** One block as HTML. */
export function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'table': return tableHtml(b);
    case 'line': return `<figure>${lineChartSvg(b)}${note(b.note)}</figure>`;
    case 'bar': return `<figure>${barChartSvg(b)}${note(b.note)}</figure>`;
    case 'images': return imagesHtml(b);
    case 'verdict': return verdictHtml(b);
    case 'text': return paragraphs(b.text);
    default: throw new Error(`report: unknown block kind '${(b as { kind: string }).kind}'`);
  }
}

/**
 * The report as a complete HTML document.
 * @example writeFileSync('report.html', renderReport({ title: 'eval', sections: [{ title: 'zero-shot', blocks: [table] }] }));
 */
export function renderReport(r: Report): string {
  const created = r.created ?? new Date().toISOString();
  const setup = r.setup?.length ? `<table class="setup"><tbody>${r.setup.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th>${cellHtml(v)}</tr>`).join('')}</tbody></table>` : '';
  const toc = r.sections.length > 1 ? `<nav><ol>${r.sections.map((s, i) => `<li><a href="#s${i + 1}">${escapeHtml(s.title)}</a></li>`).join('')}</ol></nav>` : '';
  const body = r.sections.map((s, i) => `<section id="s${i + 1}"><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(blockHtml).join('\n')}</section>`).join('\n');
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />` +
    `<title>${escapeHtml(r.title)}</title><style>${REPORT_CSS}</style></head>\n<body><header><h1>${escapeHtml(r.title)}</h1>` +
    `${r.subtitle ? `<p class="subtitle">${escapeHtml(r.subtitle)}</p>` : ''}<p class="created">${escapeHtml(created)}</p>${setup}</header>\n${toc}\n${body}\n` +
    `<footer><p class="note">Written by zooclip. Self-contained: charts are inline SVG, images are embedded.</p></footer></body></html>\n`;
}

/** Renders and writes a report atomically (a crash leaves the old file or the new one). */
export function writeReport(path: string, r: Report): void {
  writeFileAtomic(path, renderReport(r));
}
