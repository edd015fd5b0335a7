// Delimited text (CSV / TSV) as RFC 4180: quoted fields may hold the delimiter, quotes ("") and
// newlines; CRLF or LF line ends; a UTF-8 byte-order mark is dropped.

/**
 * Splits delimited text into rows of fields. Blank lines are dropped.
 * @example parseDelimited('path,caption\na.jpg,"a cat, asleep"\n', ',')
 * // [['path', 'caption'], ['a.jpg', 'a cat, asleep']]
 */
export function parseDelimited(text: string, delim: string, where = 'table'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else { if (c === '\n') line++; field += c; }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delim) { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      endRow();
    } else field += c;
  }
  if (quoted) throw new Error(`${where}: a quoted field opened before line ${line} is never closed`);
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
