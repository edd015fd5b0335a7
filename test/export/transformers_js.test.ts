// The exported metadata loaded by transformers.js itself (the @huggingface/transformers devDependency,
// offline, from a local folder): AutoTokenizer gives zooclip's token ids; the two padding and
// truncation conventions, side by side (docs/transformers_js.md). The image side is in
// transformers_js_image.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { writeTransformersJsMetadata } from '../../src/export/hf/index.js';
import { getModelConfig } from '../../src/models/config.js';
import { defaultTokenizer } from '../../src/tokenizer/index.js';

// Offline: local files only, and no cache written into node_modules.
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;

const SOT = 49406, EOT = 49407;
const zc = defaultTokenizer();
let root = '';
let tokenizer: PreTrainedTokenizer;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'zc-tfjs-'));
  for (const name of ['ViT-B-16', 'MobileCLIP-S0']) writeTransformersJsMetadata(getModelConfig(name), join(root, name));
  tokenizer = await AutoTokenizer.from_pretrained(join(root, 'ViT-B-16'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** transformers.js's ids for one text (special tokens added, no padding). */
const hfIds = (text: string, truncation = false): number[] => tokenizer(text, { return_tensor: false, truncation }).input_ids as number[];
/** zooclip's row for one text before its zero padding: start, ids, end. */
const zooclipIds = (text: string): number[] => [SOT, ...zc.encode(text), EOT];

const VARIED = [
  'a photo of a cat', 'How ARE you doing?', 'A PHOTO OF A DOG.', "it's we'll they've don't I'M", 'hello, world!!! ... ?!',
  '3.14159 and 1,000,000 in 2024; ½ ² ⅷ', 'Café naïve résumé e\u0301', '東京 タワー 🐱 👍🏽', 'Σίσυφος ΟΔΟΣ straße İstanbul',
  'Fish &amp; Chips &#39;n&#x27; peas', '&amp;amp;lt;b&amp;amp;gt; &quot;quoted&quot; &eacute;&EACUTE; &nbsp;x', '&notit; &ampfoo &copy 2024 &#8220;hi&#8221; &#150; &#x2014',
  '“ﬁne” ‘quotes’ ＡＢＣ！\u3000wide', 'tabs\t\tand\nnew\r\nlines \u0085 \u00a0 nbsp', '\u0096 c1 \u0080 euro \x1b[31mred\x1b[0m \u200b\ufeff',
  '<b>bold</b> &lt;|endoftext|&gt; <|endoftext|> <|startoftext|>', '', '   ', 'ǅ ĳ ﬀ', '$100 @user #tag http://x.y/z?a=1&b=2',
];

test('AutoTokenizer gives zooclip\'s ids for varied text: case, punctuation, Unicode, HTML entities, numbers', { timeout: 120_000 }, () => {
  for (const text of VARIED) assert.deepEqual(hfIds(text), zooclipIds(text), JSON.stringify(text));
});

test('AutoTokenizer gives zooclip\'s ids for 3000 random mixes of words, entities and Unicode pieces', { timeout: 300_000 }, (t) => {
  const pool = ['a', 'photo', 'Cat', 'DOG', ' ', '  ', '\t', '\n', '.', ',', '!', '?', "'s", "'T", '-', '&amp;', '&amp;amp;', '&lt;', '&gt', '&quot;',
    '&eacute;', '&EACUTE;', '&nbsp;', '&#39;', '&#x27 ', '&#8217;', '&#8220 ', '&copy', '&notin;', '&ampx', '&#150;', '&#0;', '&#13;', '&#x1F;', 'é',
    'e\u0301', '東京', '🐱', '👍🏽', 'ﬁ', 'Ａ', '！', '\u3000', '“', '”', '‘', '\u0085', '\u0096', '\u00a0', '\u200b', '\ufeff', '\x1b[31m', 'ß', 'İ',
    'Σ', 'ς', '123', '4.5', '½', '²', 'ⅷ', 'ǅ', '&', '#', ';', 'x', ':)', '...', '—', '™', '€', '&#8230;', '&hellip;', '&mdash;', '&ndash', '&#X2014;'];
  let seed = 7;
  const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * n); };
  for (let i = 0; i < 3000; i++) {
    let text = '';
    for (let k = 1 + next(12); k > 0; k--) text += pool[next(pool.length)];
    assert.deepEqual(hfIds(text), zooclipIds(text), JSON.stringify(text));
  }
  t.diagnostic('3000 of 3000 random texts: identical ids');
});

test('long text: transformers.js cuts at model_max_length after adding the end token, zooclip keeps the end token', { timeout: 60_000 }, () => {
  const text = 'one two three four five six seven eight nine ten '.repeat(10);
  const full = zooclipIds(text);
  assert.ok(full.length > 77);
  assert.deepEqual(hfIds(text), full, 'without truncation: the same ids');
  const zRow = [...zc.tokenizeToArray(text, 77)].map(Number);
  const hf = hfIds(text, true);
  assert.equal(hf.length, 77);
  assert.deepEqual(hf.slice(0, 76), zRow.slice(0, 76), 'the first 76 ids agree');
  assert.equal(zRow[76], EOT);
  assert.equal(hf[76], full[76], 'transformers.js ends with the 76th text id, not the end token');
});

test('padding: transformers.js pads a batch with the end token to its longest row, attention_mask marks the text', { timeout: 60_000 }, () => {
  const texts = ['a cat', 'a photo of a dog'];
  const out = tokenizer(texts, { padding: true, truncation: true, return_tensor: false });
  const ids = out.input_ids as number[][], mask = out.attention_mask as number[][];
  assert.deepEqual(ids, [[SOT, 320, 2368, EOT, EOT, EOT, EOT], [SOT, 320, 1125, 539, 320, 1929, EOT]]);
  assert.deepEqual(mask, [[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1]]);
  // zooclip: every row padded with 0 to the context length; the unpadded parts are equal.
  const z = [...zc.tokenizeToArray(texts, 77)].map(Number);
  assert.deepEqual(z.slice(0, 7), [SOT, 320, 2368, EOT, 0, 0, 0]);
  texts.forEach((_, r) => {
    const n = mask[r]!.reduce((a, b) => a + b, 0);
    assert.deepEqual(ids[r]!.slice(0, n), z.slice(r * 77, r * 77 + n));
  });
});
