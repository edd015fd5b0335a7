// GPT-2's reversible byte <-> printable-character table, used by CLIP's byte-level BPE so that every
// UTF-8 byte is a visible vocabulary symbol (no whitespace or control characters in merges).

/**
 * BYTE_TO_CHAR[b] is the one-character symbol that stands for byte b in the vocabulary.
 * Printable Latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) map to themselves; the other 68 bytes map,
 * in byte order, to U+0100, U+0101, ... so that the space byte becomes `Ġ` (U+0120).
 *
 * @example
 * BYTE_TO_CHAR[0x61]; // 'a'
 * BYTE_TO_CHAR[0x20]; // 'Ġ'
 */
export const BYTE_TO_CHAR: readonly string[] = buildByteTable();

/**
 * The inverse of BYTE_TO_CHAR: symbol character -> byte value.
 *
 * @example
 * CHAR_TO_BYTE.get('Ġ'); // 32
 */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

function buildByteTable(): string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : next++));
  return table;
}

const utf8 = new TextEncoder();
const ASCII_ONLY = /^[\x21-\x7e]*$/;

/**
 * A pre-token's UTF-8 bytes spelled with BYTE_TO_CHAR, one character per byte. Lone surrogates
 * become U+FFFD first (as TextEncoder does; Python would refuse such a string).
 *
 * @example
 * byteSymbols('é');  // 'Ã©' (bytes C3 A9)
 * byteSymbols('cat'); // 'cat'
 */
export function byteSymbols(token: string): string {
  if (ASCII_ONLY.test(token)) return token; // printable ASCII maps to itself
  let out = '';
  for (const b of utf8.encode(token)) out += BYTE_TO_CHAR[b];
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Turns a string of byte symbols back into text, replacing invalid UTF-8 with U+FFFD.
 * Characters outside the byte table (e.g. from a foreign vocabulary) are an error.
 *
 * @example
 * symbolsToText('Ã©'); // 'é'
 */
export function symbolsToText(symbols: string): string {
  const bytes = new Uint8Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const b = CHAR_TO_BYTE.get(symbols[i]);
    if (b === undefined) {
      throw new Error(`decode: character U+${symbols.charCodeAt(i).toString(16).padStart(4, '0')} is not a byte symbol`);
    }
    bytes[i] = b;
  }
  return utf8Decoder.decode(bytes);
}
