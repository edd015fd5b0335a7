// Caption cleaning: Python html.unescape semantics, the ftfy stand-in, whitespace and case.
// Expected values come from Python 3 html.unescape and ftfy 6.3.1's fix_text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, cleanText, fixText, htmlUnescape } from '../../src/tokenizer/index.js';

test('htmlUnescape follows Python html.unescape, edge cases included', () => {
  const cases: [string, string][] = [
    ['&amp;', '&'], ['&amp;amp;', '&amp;'], ['&ampfoo', '&foo'], ['&notit;', '\u00acit;'], ['&notin;', '\u2209'],
    ['&#59;', ';'], ['&#x3b;', ';'], ['&#128;', '\u20ac'], ['&#0;', '\ufffd'], ['&#xD800;', '\ufffd'], ['&#1114112;', '\ufffd'],
    ['&#65534;', ''], ['&#11;', ''], ['&#13;', '\r'], ['&#x1F600;', '\u{1f600}'], ['&NotNestedGreaterGreater;', '\u2aa2\u0338'],
    ['&fjlig;', 'fj'], ['&AMP', '&'], ['&Eacute', '\u00c9'], ['&EACUTE;', '&EACUTE;'], ['& amp;', '& amp;'], ['&#;', '&#;'],
    ['&#x;', '&#x;'], ['a&b', 'a&b'], ['&unknown;', '&unknown;'], ['&nbsp;x', '\u00a0x'], ['no entities', 'no entities'],
  ];
  for (const [input, expected] of cases) assert.equal(htmlUnescape(input), expected, input);
});

test('fixText matches ftfy.fix_text on text that is not mojibake', () => {
  const cases: [string, string][] = [
    ['\u201c\ufb01ne\u201d cafe\u0301', '"fine" caf\u00e9'],
    ['P&EACUTE;REZ &amp;amp; &#59;', 'P\u00c9REZ & &#59;'],
    ['<b>&amp;</b>', '<b>&amp;</b>'],
    ['a &amp;\n<i> &amp;', 'a &\n<i> &amp;'],
    ['\uff21\uff22\uff23\uff01\u3000\uff76\uff9e', 'ABC! \u30ac'],
    ['\x1b[31mred\x1b[0m', 'red'],
    ['bell\x07 vt\x0b bom\ufeff', 'bell vt bom'],
    ['nel\x85 \x80', 'nel\u2026 \u20ac'],
    ['\u01c5 \u0149 \ufb06', 'D\u017e \'n st'],
    ['plain ascii', 'plain ascii'],
  ];
  for (const [input, expected] of cases) assert.equal(fixText(input), expected, JSON.stringify(input));
});

test('cleanText: unescape twice, Python strip/whitespace rules, lowercase', () => {
  assert.equal(cleanText('  A  &amp;amp; B\n'), 'a & b');
  assert.equal(cleanText('&amp;amp;', { fixText: false }), '&');
  assert.equal(cleanText('&amp;amp;amp;', { fixText: false }), '&amp;');
  // White_Space (incl. U+0085, U+3000) collapses; U+FEFF is not whitespace for Python.
  assert.equal(cleanText('a\u2028b\u00a0c\u3000d', { fixText: false }), 'a b c d');
  assert.equal(cleanText('a\x85b', { fixText: false }), 'a b');
  assert.equal(cleanText('a\ufeffb', { fixText: false }), 'a\ufeffb');
  // str.strip() also strips U+001C..U+001F at the ends, but they are not \s inside.
  assert.equal(cleanText('\x1c a\x1fb \x1d', { fixText: false }), 'a\x1fb');
  assert.equal(cleanText('ΣΊΣΥΦΟΣ İ'), 'σίσυφος i\u0307');
});

test('the byte table is GPT-2\'s bytes_to_unicode', () => {
  assert.equal(BYTE_TO_CHAR.length, 256);
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[0x21], '!');
  assert.equal(BYTE_TO_CHAR[0x20], '\u0120');
  assert.equal(BYTE_TO_CHAR[0x00], '\u0100');
  assert.equal(BYTE_TO_CHAR[0xad], '\u0143');
  assert.equal(BYTE_TO_CHAR[0xe9], '\u00e9');
  assert.equal(CHAR_TO_BYTE.get('\u0120'), 0x20);
});
