// The metadata files of a transformers.js model folder: what each holds for ViT and MCi configs, that
// writing keeps other files (onnx/) and is repeatable, and the errors for models it cannot describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HF_PRE_TOKEN_PATTERN, METADATA_FILES, NUMERIC_REF_RANGES, clipCleanNormalizer, transformersJsMetadata, writeTransformersJsMetadata,
} from '../../src/export/hf/index.js';
import { getModelConfig } from '../../src/models/config.js';
import { PRE_TOKEN, loadDefaultVocab } from '../../src/tokenizer/index.js';

const read = (dir: string, name: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;

test('ViT-B-16: config.json, preprocessor_config.json and tokenizer_config.json hold the model\'s numbers', { timeout: 60_000 }, () => {
  const files = transformersJsMetadata(getModelConfig('ViT-B-16'));
  assert.deepEqual(Object.keys(files), [...METADATA_FILES]);
  const config = JSON.parse(files['config.json']) as Record<string, Record<string, unknown>>;
  assert.equal(config.model_type as unknown, 'clip');
  assert.equal(config.projection_dim as unknown, 512);
  assert.ok(Math.abs((config.logit_scale_init_value as unknown as number) - Math.log(1 / 0.07)) < 1e-12);
  assert.deepEqual(
    [config.vision_config.image_size, config.vision_config.patch_size, config.vision_config.hidden_size, config.vision_config.num_attention_heads, config.vision_config.intermediate_size],
    [224, 16, 768, 12, 3072]);
  assert.deepEqual([config.text_config.max_position_embeddings, config.text_config.vocab_size, config.text_config.eos_token_id], [77, 49408, 49407]);
  const pre = JSON.parse(files['preprocessor_config.json']) as Record<string, unknown>;
  assert.deepEqual(pre.size, { shortest_edge: 224 });
  assert.deepEqual(pre.crop_size, { height: 224, width: 224 });
  assert.equal(pre.resample, 3);
  assert.deepEqual(pre.image_mean, [0.48145466, 0.4578275, 0.40821073]);
  const tok = JSON.parse(files['tokenizer_config.json']) as Record<string, unknown>;
  assert.deepEqual([tok.model_max_length, tok.pad_token, tok.tokenizer_class], [77, '<|endoftext|>', 'CLIPTokenizer']);
});

test('MobileCLIP-S0 (MCi tower): bilinear, mean 0 / std 1 at 256 px, the tower named', { timeout: 60_000 }, () => {
  const files = transformersJsMetadata(getModelConfig('MobileCLIP-S0'));
  const pre = JSON.parse(files['preprocessor_config.json']) as Record<string, unknown>;
  assert.deepEqual([pre.resample, pre.image_mean, pre.image_std, pre.size], [2, [0, 0, 0], [1, 1, 1], { shortest_edge: 256 }]);
  const config = JSON.parse(files['config.json']) as Record<string, Record<string, unknown>>;
  assert.equal(config.vision_config.zooclip_tower, 'fastvit_mci0');
  assert.equal(config.vision_config.image_size, 256);
  assert.equal(config.zooclip_config.embed_dim, 512);
});

test('tokenizer.json: zooclip\'s vocabulary and merges, CLIP\'s split pattern, start/end added', { timeout: 60_000 }, () => {
  const json = JSON.parse(transformersJsMetadata(getModelConfig('ViT-B-32'))['tokenizer.json']) as {
    model: { vocab: Record<string, number>; merges: string[]; end_of_word_suffix: string }; post_processor: { single: unknown[] };
    added_tokens: { id: number; content: string }[];
  };
  const vocab = loadDefaultVocab();
  assert.equal(Object.keys(json.model.vocab).length, vocab.encoder.size);
  assert.equal(json.model.vocab['cat</w>'], 2368);
  assert.equal(json.model.merges.length, vocab.ranks.size);
  assert.equal(json.model.merges[0], [...vocab.ranks].find(([, r]) => r === 0)![0]);
  assert.equal(json.model.end_of_word_suffix, '</w>');
  assert.deepEqual(json.added_tokens.map((t) => [t.id, t.content]), [[49406, '<|startoftext|>'], [49407, '<|endoftext|>']]);
  assert.equal(json.post_processor.single.length, 3);
  // The same pattern as the tokenizer's own, with White_Space spelled \s.
  assert.equal(HF_PRE_TOKEN_PATTERN, PRE_TOKEN.source.replaceAll('\\p{White_Space}', '\\s'));
  assert.ok(NUMERIC_REF_RANGES.every(([lo, hi]) => lo <= hi));
  const steps = clipCleanNormalizer().normalizers;
  assert.deepEqual(steps.at(-1), { type: 'Lowercase' });
  assert.ok(steps.some((s) => s.type === 'NFC'));
});

test('writing keeps other files (onnx/), is repeatable, and names the folder on failure', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'zc-hf-meta-'));
  try {
    const dir = join(root, 'model');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'graph');
    const cfg = getModelConfig('ViT-B-32');
    const paths = writeTransformersJsMetadata(cfg, dir);
    assert.deepEqual(paths, METADATA_FILES.map((f) => join(dir, f)));
    assert.equal(readFileSync(join(dir, 'onnx', 'model.onnx'), 'utf8'), 'graph');
    const first = METADATA_FILES.map((f) => readFileSync(join(dir, f), 'utf8'));
    writeTransformersJsMetadata({ cfg }, dir); // a model (anything with .cfg) gives the same files
    assert.deepEqual(METADATA_FILES.map((f) => readFileSync(join(dir, f), 'utf8')), first);
    assert.deepEqual(readdirSync(dir).sort(), [...METADATA_FILES, 'onnx'].sort());
    assert.equal((read(dir, 'config.json').vision_config as Record<string, unknown>).patch_size, 32);
    writeFileSync(join(root, 'file'), 'x');
    assert.throws(() => writeTransformersJsMetadata(cfg, join(root, 'file', 'sub')), /file\/sub: cannot create the model folder/);
    assert.ok(!existsSync(join(root, 'file', 'sub')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a text tower without CLIP\'s BPE ids cannot get a tokenizer.json', { timeout: 60_000 }, () => {
  assert.throws(() => transformersJsMetadata(getModelConfig('zooclip-tiny-test')), /text_cfg\.vocab_size 1000 cannot hold the tokenizer's 49408 ids/);
});
