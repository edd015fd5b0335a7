// Caption tables for `zooclip import --captions`: CSV, TSV or JSON lines with a header naming
// an image-path column and a caption column (img2dataset's url_col / caption_col, for files).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDelimited } from './csv.js';

/** One row: the image path as written in the table, and its caption. */
export interface CaptionRow { path: string; caption: string }

/** Accepted names (any case) of the image-path column, first match wins. */
export const PATH_COLUMNS = ['path', 'file', 'filename', 'filepath', 'image', 'image_path', 'url'];
/** Accepted names (any case) of the caption column, first match wins. */
export const CAPTION_COLUMNS = ['caption', 'text', 'txt', 'title', 'alt'];

function pick(cols: string[], names: string[], file: string, what: string): number {
  const lower = cols.map((c) => c.trim().toLowerCase());
  const i = names.map((n) => lower.indexOf(n)).find((j) => j >= 0);
  if (i === undefined) throw new Error(`${file}: no ${what} column (looked for ${names.join(', ')}; the header has ${cols.join(', ')})`);
  return i;
}

function fromJsonl(text: string, file: string): CaptionRow[] {
  const rows: CaptionRow[] = [];
  let cols: { p: string; c: string } | undefined;
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${file}: line ${n + 1} is not valid JSON (${(e as Error).message})`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${file}: line ${n + 1} is not a JSON object`);
    const keys = Object.keys(o);
    cols ??= { p: keys[pick(keys, PATH_COLUMNS, file, 'path')], c: keys[pick(keys, CAPTION_COLUMNS, file, 'caption')] };
    const p = o[cols.p];
    const c = o[cols.c];
    if (typeof p !== 'string') throw new Error(`${file}: line ${n + 1}: '${cols.p}' must be a string`);
    rows.push({ path: p, caption: typeof c === 'string' ? c : '' });
  }
  return rows;
}

/**
 * Reads a caption table; the format follows the extension (.csv, .tsv, .jsonl / .json lines).
 * @example loadCaptionTable('captions.csv') // [{ path: 'img/0001.jpg', caption: 'a red cube' }, ...]
 */
export function loadCaptionTable(file: string): CaptionRow[] {
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return fromJsonl(text, file);
  if (ext !== '.csv' && ext !== '.tsv') throw new Error(`${file}: captions must be .csv, .tsv or .jsonl`);
  const [header, ...rows] = parseDelimited(text, ext === '.tsv' ? '\t' : ',', file);
  if (!header) throw new Error(`${file}: empty (a header row naming the path and caption columns is needed)`);
  const pi = pick(header, PATH_COLUMNS, file, 'path');
  const ci = pick(header, CAPTION_COLUMNS, file, 'caption');
  return rows.map((r, n) => {
    if (r.length !== header.length) throw new Error(`${file}: row ${n + 2} has ${r.length} fields, the header has ${header.length}`);
    return { path: r[pi], caption: r[ci] };
  });
}
