// CLIP tokenizer: reference ids, padding and truncation, cleaning, Unicode, decode, the batch tensor,
// and speed. Non-ASCII reference ids were produced by open_clip 3.3.0's SimpleTokenizer (with ftfy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, tidy } from '../../src/engine/index.js';
import { BYTE_TO_CHAR, BpeEncoder, ClipTokenizer, cleanText, decode, defaultTokenizer, encode, tokenize } from '../../src/tokenizer/index.js';

const SOT = 49406, EOT = 49407;

function row(ids: number[], context = 77): number[] {
  return [...ids, ...new Array<number>(context - ids.length).fill(0)];
}

test('reference vectors: OpenAI CLIP ids, start/end tokens, zero padding to 77', () => tidy(() => {
  const t = tokenize(['a photo of a cat', 'How are you doing?']);
  assert.deepEqual(t.shape, [2, 77]);
  assert.equal(t.dtype, 'int64');
  assert.ok(t.data() instanceof BigInt64Array);
  const rows = t.toArray() as number[];
  assert.deepEqual(rows.slice(0, 77), row([SOT, 320, 1125, 539, 320, 2368, EOT]));
  assert.deepEqual(rows.slice(77), row([SOT, 829, 631, 592, 1960, 286, EOT]));
  assert.deepEqual(encode('a photo of a cat'), [320, 1125, 539, 320, 2368]);
  assert.equal(defaultTokenizer().vocabSize, 49408);
}));

test('a single string gives one row; other context lengths; tensors are freed by tidy', () => {
  const before = liveTensors();
  tidy(() => {
    assert.deepEqual(tokenize('a photo of a cat').shape, [1, 77]);
    const short = tokenize('a photo of a cat', 10);
    assert.deepEqual(short.shape, [1, 10]);
    assert.deepEqual(short.toArray(), row([SOT, 320, 1125, 539, 320, 2368, EOT], 10));
    assert.deepEqual(tokenize([]).shape, [0, 77]);
  });
  assert.equal(liveTensors(), before);
  assert.throws(() => tokenize('x', 1), /contextLength must be an integer >= 2, got 1/);
});

test('empty and blank text give [start, end, 0, ...]', () => {
  const tok = defaultTokenizer();
  for (const text of ['', '   ', '\n\t ']) {
    assert.deepEqual(Array.from(tok.tokenizeToArray(text), Number), row([SOT, EOT]), JSON.stringify(text));
  }
});

test('truncation keeps the first 75 ids and puts the end token at position 76', () => {
  const tok = defaultTokenizer();
  const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
  const ids = tok.encode(long);
  assert.ok(ids.length > 75);
  const r = Array.from(tok.tokenizeToArray(long), Number);
  assert.equal(r.length, 77);
  assert.equal(r[0], SOT);
  assert.equal(r[76], EOT);
  assert.deepEqual(r.slice(1, 76), ids.slice(0, 75));
  // Exactly 75 ids still fit; 76 are cut to 75.
  const fit = Array.from(tok.tokenizeToArray('a '.repeat(75)), Number);
  assert.deepEqual(fit, [SOT, ...new Array<number>(75).fill(320), EOT]);
  assert.deepEqual(Array.from(tok.tokenizeToArray('a '.repeat(76)), Number), fit);
  assert.deepEqual(Array.from(tok.tokenizeToArray(long, 5), Number), [SOT, ...ids.slice(0, 3), EOT]);
});

test('HTML entities are unescaped twice (after ftfy-style unescaping), then lowercased', () => {
  assert.deepEqual(encode('&amp;'), encode('&'));
  assert.deepEqual(encode('fish &amp;amp; chips'), encode('fish & chips'));
  assert.deepEqual(encode('it&#39;s &quot;ok&quot;'), encode('it\'s "ok"'));
  assert.deepEqual(encode('fish &amp;amp; chips &#39;n&#x27; peas &eacute;'), [2759, 261, 8855, 262, 333, 262, 15937, 4166]);
  assert.deepEqual(encode('P&EACUTE;REZ'), [43167, 15192]);
  // A line with '<' may be HTML, so ftfy leaves it; the two html.unescape passes still apply.
  assert.deepEqual(encode('<b>x</b> &amp;amp;'), [283, 321, 285, 343, 34308, 321, 285, 261]);
  assert.equal(cleanText('  A  &amp;amp;amp; B\n'), 'a & b');
});

test('non-ASCII text matches open_clip ids (byte-level BPE, ftfy-style fixes)', () => {
  const cases: [string, number[]][] = [
    ['Café naïve résumé Ångström', [15304, 1097, 35689, 563, 29106, 7054, 4166, 23176, 10352, 807, 7255, 332]],
    ['東京タワーの写真', [48338, 21078, 105, 34941, 2429, 107, 13457, 21575, 44653, 33440, 509]],
    ['한국어 텍스트', [15197, 250, 31871, 255, 31625, 368, 169, 227, 235, 20305, 39820]],
    ['emoji 🐱🐶 👩‍👩‍👧 🇫🇷', [16327, 35710, 10631, 26304, 26304, 964, 356, 16223]],
    ['don’t “quote” it’s', [847, 713, 257, 4020, 257, 585, 568]],
    ['ＡＢＣ！？　全角', [5334, 6004, 34314, 101, 164, 100, 496]],
    ["I'M HERE, YOU'RE THERE; WE'VE, THEY'LL, HE'D", [328, 880, 763, 267, 592, 982, 997, 282, 649, 1200, 267, 889, 1342, 267, 797, 1896]],
    ['12345 3.14 ½', [272, 273, 274, 275, 276, 274, 269, 272, 275, 33613]],
    ['  tab\tand\nnewline\u00a0nbsp  ', [14724, 537, 1218, 1148, 6459, 4393]],
    ['ﬁne ﬂour', [3797, 18592]],
    ['e\u0301 composed', [4166, 19916]],
    ['Straße İstanbul ΣΊΣΥΦΟΣ', [1894, 127, 253, 324, 328, 16384, 11231, 139, 225, 138, 107, 139, 225, 139, 227, 139, 228, 138, 123, 139, 480]],
    ['hello!!! ??? ... --- $$$', [3306, 995, 3824, 678, 11079, 31859]],
  ];
  for (const [text, ids] of cases) assert.deepEqual(encode(text), ids, text);
});

test('special-token text maps to the special ids, as in OpenAI CLIP', () => {
  assert.deepEqual(encode('x<|endoftext|>y <|startoftext|>'), [343, EOT, 344, SOT]);
});

test('decode(encode(x)) gives back the cleaned, lowercased text up to whitespace', () => {
  const texts = ['A photo of a cat.', 'Café naïve résumé Ångström', '東京タワーの写真', '한국어 텍스트', 'emoji 🐱🐶 👩‍👩‍👧 🇫🇷',
    'Straße İstanbul ΣΊΣΥΦΟΣ', '12,345.67 $ € ¥ ½', 'mixed 日本語 and English, with punctuation!?', 'ไทย हिन्दी عربي עברית'];
  const squash = (s: string): string => s.replace(/\s+/g, '');
  for (const text of texts) {
    assert.equal(squash(decode(encode(text))), squash(cleanText(text)), text);
  }
  assert.equal(decode(encode('a photo of a cat')), 'a photo of a cat ');
});

test('decode: skipSpecial reads a padded row; bigint ids; unknown ids are errors', () => {
  const tok = defaultTokenizer();
  const r = tok.tokenizeToArray('a photo of a cat');
  assert.equal(tok.decode(r, { skipSpecial: true }), 'a photo of a cat ');
  assert.equal(decode([SOT, 320, EOT]), '<|startoftext|>a <|endoftext|>');
  assert.throws(() => decode([49408]), /49408 is not a token id/);
  // A lone lead byte of a multi-byte character decodes to U+FFFD instead of throwing.
  assert.equal(decode([tok.vocab.encoder.get(BYTE_TO_CHAR[0xf0])!]), '\ufffd');
});

test('per-word BPE results are cached, and the cache is bounded', () => {
  const tok = new ClipTokenizer(defaultTokenizer().vocab);
  tok.encode('the cat and the hat and the cat');
  assert.equal(tok.cachedWords, 4);
  const bpe = new BpeEncoder(tok.vocab, 2);
  assert.equal(bpe.encodeWord('cat'), bpe.encodeWord('cat'));
  bpe.encodeWord('dog');
  assert.equal(bpe.cacheSize, 2);
  bpe.encodeWord('bird'); // full: cleared, then this word cached
  assert.equal(bpe.cacheSize, 1);
  assert.deepEqual(bpe.encodeWord('photo'), [1125]);
});

function captions(n: number): string[] {
  const things = ['cat', 'dog', 'red car', 'old man', 'young woman', 'bird', 'tree', 'house', 'bowl of soup', 'bicycle'];
  const looks = ['small', 'large', 'bright', 'dark', 'wooden', 'happy', 'blurry', 'vintage'];
  const places = ['on a table', 'in a park', 'near the beach', 'at night', 'under a bridge', 'in the snow'];
  return Array.from({ length: n }, (_, i) =>
    `A ${looks[i % 8]} photo of a ${things[(i * 7) % 10]} ${places[(i * 3) % 6]}, taken in ${1950 + (i % 70)} &amp; shared #${i}`);
}

test('10k captions tokenise well under a second', (t) => {
  const texts = captions(10_000);
  const tok = new ClipTokenizer(defaultTokenizer().vocab); // fresh word cache
  const t0 = performance.now();
  const out = tok.tokenizeToArray(texts);
  const ms = performance.now() - t0;
  t.diagnostic(`tokenised 10000 captions in ${ms.toFixed(1)} ms (${Math.round(10_000 / (ms / 1000))} captions/s)`);
  assert.equal(out.length, 10_000 * 77);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});
