// A light stand-in for ftfy.fix_text (which OpenAI's tokenizer runs first) covering the fixes that
// change ordinary, correctly decoded text. ftfy's mojibake repair (fix_encoding,
// decode_inconsistent_utf8) is left out: it only changes text decoded with the wrong codec.
import { CP1252_C1, htmlEntities, htmlUnescape } from './html_unescape.js';

// The character fixes, in the order ftfy applies them; exported so that an export of the tokenizer
// (export/hf/) can spell the same rules as tokenizer.json normalizers.
/** C1 control characters, read as Windows-1252 (CP1252_C1). */
export const C1_CONTROLS = /[\x80-\x9f]/g;
/** Terminal colour/cursor escapes, dropped. */
export const ANSI_ESCAPE = /\x1b\[[0-9;]*[a-zA-Z]/g;
/** Latin ligatures and digraph characters -> their letters. */
export const LATIN_LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn', '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e',
  '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj', '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj', '\u01f1': 'DZ',
  '\u01f2': 'Dz', '\u01f3': 'dz', '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl',
  '\ufb05': '\u017ft', '\ufb06': 'st',
};
const LIGATURE_CHARS = new RegExp(`[${Object.keys(LATIN_LIGATURES).join('')}]`, 'g');
/** Full- and half-width forms -> NFKC (U+3000 -> space). */
export const WIDE_OR_HALF = /[\u3000\uff01-\uffef]/g;
/** Curly single quotes -> "'". */
export const SINGLE_QUOTES = /[\u02bc\u2018-\u201b]/g;
/** Curly double quotes -> '"'. */
export const DOUBLE_QUOTES = /[\u201c-\u201f]/g;
/** Control and format characters ftfy removes. */
export const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
const NEEDS_FIX = /[^\x09\x0a\x0c\x0d\x20-\x7e]/;
const STRICT_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

let strictTable: Map<string, string> | undefined;

/**
 * ftfy's entity table: `&name;` forms only, plus ALL-CAPS variants of lowercase names.
 *
 * @example
 * strictEntities().get('&EACUTE;'); // 'É'
 */
export function strictEntities(): ReadonlyMap<string, string> {
  if (strictTable) return strictTable;
  const table = new Map<string, string>();
  for (const [name, value] of htmlEntities()) {
    if (!name.endsWith(';')) continue;
    table.set(`&${name}`, value);
    const upper = `&${name.toUpperCase()}`;
    if (name === name.toLowerCase() && htmlUnescape(upper) === upper) table.set(upper, value.toUpperCase());
  }
  strictTable = table;
  return table;
}

/** ftfy's unescape_html: only `;`-terminated references, and a numeric one must consume its `;`. */
function unescapeStrict(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(STRICT_ENTITY, (ref) => {
    const hit = strictEntities().get(ref);
    if (hit !== undefined) return hit;
    if (!ref.startsWith('&#')) return ref;
    const decoded = htmlUnescape(ref);
    return decoded.includes(';') ? ref : decoded;
  });
}

/** One round of ftfy's character fixes, in ftfy's order. */
function fixCharacters(text: string): string {
  if (!NEEDS_FIX.test(text)) return text;
  return text
    .replace(C1_CONTROLS, (c) => CP1252_C1[c.charCodeAt(0) - 0x80])
    .replace(LIGATURE_CHARS, (c) => LATIN_LIGATURES[c])
    .replace(WIDE_OR_HALF, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')))
    .replace(DOUBLE_QUOTES, '"')
    .replace(SINGLE_QUOTES, "'")
    .replace(ANSI_ESCAPE, '')
    .replace(CONTROL_CHARS, '')
    .normalize('NFC');
}

/** ftfy repeats its fixes until the text stops changing (so '&amp;amp;amp;' ends as '&'). */
function fixToFixedPoint(text: string, unescape: boolean): string {
  for (;;) {
    const before = text;
    text = fixCharacters(unescape ? unescapeStrict(text) : text);
    if (text === before) return text;
  }
}

/**
 * A light ftfy.fix_text for text that is not mojibake: ftfy's cautious HTML unescaping (only on the
 * lines before the first line containing '<', which may be real HTML); then drops terminal escapes
 * and stray control characters, reads C1 controls as Windows-1252, splits Latin ligatures, turns
 * full/half-width forms into normal width, straightens curly quotes, NFC-normalises; repeated
 * until nothing changes.
 *
 * @example
 * fixText('\u201cﬁne\u201d caf\u0065\u0301 P&EACUTE;REZ'); // '"fine" café PÉREZ'
 */
export function fixText(text: string): string {
  const lt = text.indexOf('<');
  if (lt < 0) return fixToFixedPoint(text, true);
  const cut = text.lastIndexOf('\n', lt) + 1;
  return fixToFixedPoint(text.slice(0, cut), true) + fixToFixedPoint(text.slice(cut), false);
}
