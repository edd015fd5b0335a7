// HTML character-reference decoding with the same rules as Python's html.unescape (HTML5 parsing
// rules), so captions cleaned here match the ones OpenAI's and open_clip's tokenizers see.
import { LEGACY_ENTITY_NAMES, PACKED_ENTITIES } from './html_entities.js';

let namedTable: Map<string, string> | undefined;

/**
 * The HTML5 entity table: name (with its `;` when written with one) -> replacement text.
 * Built on first use.
 *
 * @example
 * htmlEntities().get('eacute;'); // 'é'
 * htmlEntities().get('eacute');  // 'é' (a legacy name, also valid without `;`)
 */
export function htmlEntities(): ReadonlyMap<string, string> {
  if (namedTable) return namedTable;
  const table = new Map<string, string>();
  for (const entry of PACKED_ENTITIES.split(',')) {
    const eq = entry.indexOf('=');
    const chars = entry.slice(eq + 1).split('.').map((h) => String.fromCodePoint(parseInt(h, 16)));
    table.set(`${entry.slice(0, eq)};`, chars.join(''));
  }
  for (const name of LEGACY_ENTITY_NAMES.split(' ')) table.set(name, table.get(`${name};`)!);
  namedTable = table;
  return table;
}

/**
 * What bytes 0x80..0x9f mean in Windows-1252 (the five it leaves undefined stay as they are).
 * HTML numeric references to C1 code points, and ftfy's C1 fix, use it.
 *
 * @example
 * CP1252_C1[0x85 - 0x80]; // '…'
 */
export const CP1252_C1 = '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/** Code points that a numeric reference silently drops (controls, noncharacters). */
function isDroppedCodePoint(n: number): boolean {
  return (n >= 0x1 && n <= 0x8) || n === 0xb || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) === 0xfffe;
}

function numericReference(ref: string): string {
  const hex = ref[1] === 'x' || ref[1] === 'X';
  const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
  const n = parseInt(digits, hex ? 16 : 10);
  // NUL means U+FFFD and CR stays CR.
  if (n === 0) return '\ufffd';
  if (n === 0x0d) return '\r';
  if (n >= 0x80 && n <= 0x9f) return CP1252_C1[n - 0x80];
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return '\ufffd';
  if (isDroppedCodePoint(n)) return '';
  return String.fromCodePoint(n);
}

function namedReference(ref: string): string {
  const table = htmlEntities();
  const whole = table.get(ref);
  if (whole !== undefined) return whole;
  // The longest prefix that is a legacy (semicolon-free) name wins: "&ampfoo" -> "&foo".
  for (let len = ref.length - 1; len > 1; len--) {
    const hit = table.get(ref.slice(0, len));
    if (hit !== undefined) return hit + ref.slice(len);
  }
  return `&${ref}`;
}

const CHAR_REF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

/**
 * Replaces HTML named and numeric character references like Python's `html.unescape`.
 *
 * @example
 * htmlUnescape('fish &amp; chips &#39;n&#x27; peas'); // "fish & chips 'n' peas"
 * htmlUnescape('&amp;amp;');                           // '&amp;' (one level per call)
 */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHAR_REF, (_m, ref: string) => (ref[0] === '#' ? numericReference(ref) : namedReference(ref)));
}
